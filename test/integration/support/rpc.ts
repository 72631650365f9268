/**
 * ipamd's gRPC API as the plugin calls it, for tests that talk to ipamd directly: requests named after a pod (the
 * container id derived from the name, as a runtime's sandbox id would be) and bulk ADD/DEL that fail on any refusal.
 *
 * @example
 * const added = await addPods(ipamd.client, ['web-1', 'web-2']);
 * await delPods(ipamd.client, ['web-1']);
 */
import { createHash } from 'node:crypto';
import type { RpcClient } from '../../../src/rpc/client.js';
import type { AddNetworkRequest, DelNetworkRequest } from '../../../src/rpc/types.js';
import { mapLimit } from './wait.js';

/** Pods are named `<ns>/<name>`; the container id is derived from the name. */
export function containerIdOf(pod: string): string {
  return createHash('sha256').update(pod).digest('hex');
}

export function addRequest(
  pod: string,
  overrides: Partial<Omit<AddNetworkRequest, 'clientVersion'>> = {},
): Omit<AddNetworkRequest, 'clientVersion'> {
  return {
    k8sPodName: pod,
    k8sPodNamespace: 'default',
    k8sPodInfraContainerId: containerIdOf(pod),
    containerId: containerIdOf(pod),
    ifName: 'eth0',
    networkName: 'aws-cni',
    netns: `/var/run/netns/cni-${pod}`,
    requiresMultiNicAttachment: false,
    ...overrides,
  };
}

export function delRequest(
  pod: string,
  overrides: Partial<Omit<DelNetworkRequest, 'clientVersion'>> = {},
): Omit<DelNetworkRequest, 'clientVersion'> {
  return {
    k8sPodName: pod,
    k8sPodNamespace: 'default',
    k8sPodInfraContainerId: containerIdOf(pod),
    reason: 'PodDeleted',
    containerId: containerIdOf(pod),
    ifName: 'eth0',
    networkName: 'aws-cni',
    k8sPodUid: `uid-${pod}`,
    ...overrides,
  };
}

export interface PodAddress {
  readonly pod: string;
  readonly ip: string;
  readonly deviceNumber: number;
  readonly routeTableId: number;
}

/** Adds the pods over the socket, `concurrency` at a time; every reply must succeed. */
export async function addPods(client: RpcClient, pods: readonly string[], concurrency = 8): Promise<PodAddress[]> {
  return mapLimit(pods, concurrency, async (pod) => {
    const reply = await client.addNetwork(addRequest(pod));
    const meta = reply.ipAllocationMetadata[0];
    if (!reply.success || meta === undefined)
      throw new Error(`AddNetwork ${pod} failed: ${reply.errorCode}: ${reply.errorMessage}`);
    return { pod, ip: meta.ipv4Addr, deviceNumber: meta.deviceNumber, routeTableId: meta.routeTableId };
  });
}

/** Deletes the pods over the socket; every reply must succeed and name the address it released. */
export async function delPods(client: RpcClient, pods: readonly string[], concurrency = 8): Promise<string[]> {
  return mapLimit(pods, concurrency, async (pod) => {
    const reply = await client.delNetwork(delRequest(pod));
    const ip = reply.ipAllocationMetadata[0]?.ipv4Addr;
    if (!reply.success || ip === undefined)
      throw new Error(`DelNetwork ${pod} failed: ${reply.errorCode}: ${reply.errorMessage}`);
    return ip;
  });
}
