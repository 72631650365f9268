/**
 * ADD [behaviour §7.2]: ask ipamd for an address, wire the pod ([behaviour §7.3] through the PodNetwork port), then,
 * when ipamd's reply carries a network-policy mode, have the network-policy agent enforce it on the pod before the
 * result goes back (np.ts, [network-policy §4.1]). Every step after ipamd assigned the address and before the agent
 * pushes its undo onto a compensation stack; on any failure the stack is unwound — tear the wiring down, then give the
 * address back with DelNetwork reason "SetupNSFailed" — each undo failure is logged, and the original error is
 * reported. Undos are idempotent, so a half-done step is undone as well as a finished one. A failed agent call undoes
 * nothing, as in the reference: the runtime's DEL that follows the failed ADD releases the pod.
 *
 * Not done here, unlike the reference: branch-ENI pods (security groups for pods, PodVlanId ≠ 0) and multi-NIC
 * pods are refused or served one interface.
 */
import { requirePodIdentity } from './args.js';
import { CniError, ipamdCallError, ipamdReplyError, codeOf } from './errors.js';
import { messageOf } from '../errors.js';
import { delNetworkRequest } from './del.js';
import { containerInterfaceName, dummyInterfaceName, hostVethName } from './names.js';
import type { PodSpec, PodWiringResult, Preparation } from '../netlink/port.js';
import { enforceNetworkPolicy } from './np.js';
import { buildPodResult, routeTableOf, type CniResult } from './result.js';
import type { VerbContext } from './skel.js';
import type { AddNetworkReply, IpAllocationMetadata } from '../rpc/types.js';
import { isIpv4 } from '../ipam/cidr.js';

/** An IPv6 address in text form, loosely: hex groups and colons (an embedded IPv4 tail allowed). */
const IPV6 = /^(?=.*:)[0-9A-Fa-f:]{2,39}(\.\d{1,3}){0,3}$/;

/** The pod annotation asking for one interface per network card [behaviour §7.1]. */
export const MULTI_NIC_ANNOTATION = 'k8s.amazonaws.com/nicConfig';

/** When ADD started, got ipamd's reply and finished wiring (performance.now(): ms since the process started). */
interface Marks {
  readonly start: number;
  replied?: number;
  wired?: number;
}

/**
 * The phases of a successful ADD for the debug log (bench/cni-latency reads them): start-up, ipamd, wiring, and the
 * network-policy agent's call when there was one.
 */
function timings(marks: Marks): Record<string, number> {
  const end = performance.now();
  const round = (ms: number): number => Math.round(ms * 100) / 100;
  const replied = marks.replied ?? end;
  const wired = marks.wired ?? end;
  return {
    startupMs: round(marks.start),
    ipamdMs: round(replied - marks.start),
    wiringMs: round(wired - replied),
    ...(wired === end ? {} : { policyMs: round(end - wired) }),
    totalMs: round(end),
  };
}

interface UndoStep {
  readonly what: string;
  readonly run: () => Promise<unknown>;
}

/** Runs the undo steps last-first, best effort; a failing step is logged and the next one still runs. */
async function unwind(steps: UndoStep[], ctx: VerbContext): Promise<void> {
  for (const step of steps.reverse()) {
    try {
      await step.run();
      ctx.log.info(`add: undone: ${step.what}`);
    } catch (error) {
      ctx.log.error(`add: undo failed: ${step.what}: ${messageOf(error)}`, { code: codeOf(error) });
    }
  }
}

/** The one address this plugin wires, checked; a reply it cannot serve is CNI_UNSUPPORTED_POD or CNI_IPAM_REFUSED. */
function addressOf(reply: AddNetworkReply, pod: string): { ip: string; meta: IpAllocationMetadata } {
  if (reply.podVlanId !== 0) {
    throw new CniError(
      'CNI_UNSUPPORTED_POD',
      `add: ipamd gave pod ${pod} a branch ENI (VLAN ${reply.podVlanId}); security groups for pods are not supported by this plugin`,
    );
  }
  if (reply.ipAllocationMetadata.length !== 1) {
    throw new CniError(
      'CNI_UNSUPPORTED_POD',
      `add: ipamd gave pod ${pod} ${reply.ipAllocationMetadata.length} addresses; this plugin wires exactly one`,
    );
  }
  const meta = reply.ipAllocationMetadata[0] as IpAllocationMetadata;
  const ip = meta.ipv4Addr !== '' ? meta.ipv4Addr : meta.ipv6Addr;
  if (!(meta.ipv4Addr !== '' ? isIpv4(ip) : IPV6.test(ip))) {
    throw new CniError(
      'CNI_IPAM_REFUSED',
      `add: ipamd answered pod ${pod} with an invalid address ${JSON.stringify(ip)}`,
    );
  }
  return { ip, meta };
}

/** The error reported for a failed setupPod: a vanished netns stays code 3, the rest is CNI_WIRING_FAILED. */
function wiringError(error: unknown, pod: string): CniError {
  const code = codeOf(error);
  if (code === 'NETNS_NOT_FOUND')
    return new CniError('CNI_NETNS_MISSING', `add: wiring pod ${pod}: ${messageOf(error)}`, { cause: code }, error);
  return new CniError(
    'CNI_WIRING_FAILED',
    `add: wiring pod ${pod} failed: ${messageOf(error)}`,
    code === undefined ? {} : { cause: code },
    error,
  );
}

/**
 * ADD. Returns the result (the caller writes it in the config's cniVersion); throws a VpcCniError after undoing
 * whatever it did.
 */
export async function add(ctx: VerbContext): Promise<CniResult> {
  const { cmd, conf, k8s, deps, log } = ctx;
  const marks: Marks = { start: performance.now() };
  requirePodIdentity(k8s);
  const pod = `${k8s.podNamespace}/${k8s.podName}`;
  if (!(await deps.isNetns(cmd.netns))) {
    throw new CniError('CNI_NETNS_MISSING', `add: netns ${cmd.netns} does not exist or is not a network namespace`, {
      netns: cmd.netns,
    });
  }
  if (conf.prevResult !== undefined)
    log.warn('add: a prevResult was given; aws-cni runs first in its chain and replaces it');
  if (conf.podAnnotations[MULTI_NIC_ANNOTATION] === 'multi-nic-attachment') {
    log.warn(`add: pod ${pod} asks for multi-NIC attachment; this plugin attaches one interface on network card 0`);
  }

  let prepared: Preparation | undefined;
  try {
    prepared = deps.prestart?.prepareSetup(cmd.netns);
  } catch (error) {
    throw wiringError(error, pod);
  }
  try {
    const result = await addWithAddress(ctx, pod, marks, prepared);
    log.debug(`add: pod ${pod} done`, timings(marks));
    return result;
  } finally {
    prepared?.cancel();
  }
}

/** ADD once the netns is known good: the RPC, then the wiring, undoing both on failure. */
async function addWithAddress(
  ctx: VerbContext,
  pod: string,
  marks: Marks,
  prepared: Preparation | undefined,
): Promise<CniResult> {
  const { cmd, conf, k8s, deps, log } = ctx;
  let reply: AddNetworkReply;
  try {
    const request = {
      clientVersion: deps.clientVersion,
      k8sPodName: k8s.podName,
      k8sPodNamespace: k8s.podNamespace,
      k8sPodInfraContainerId: k8s.infraContainerId,
      containerId: cmd.containerId,
      ifName: cmd.ifName,
      networkName: conf.name,
      netns: cmd.netns,
      requiresMultiNicAttachment: false,
    };
    // While ipamd works: start the wiring's first process, and write the log lines kept so far (their first write
    // loads node:fs). Not before the request is sent: then they only delay it (docs/performance.md).
    reply = await deps.ipam().addNetwork(request, () => {
      prepared?.start();
      void log.flush?.();
    });
  } catch (error) {
    throw ipamdCallError('add', error);
  }
  marks.replied = performance.now();
  if (!reply.success) throw ipamdReplyError('add', pod, reply);

  const undo: UndoStep[] = [];
  let result: CniResult;
  try {
    undo.push({
      what: 'release the address in ipamd (DelNetwork, reason SetupNSFailed)',
      run: () => deps.ipam().delNetwork(delNetworkRequest(ctx, 'SetupNSFailed')),
    });
    const { ip, meta } = addressOf(reply, pod);
    const spec: PodSpec = {
      hostVethName: hostVethName(conf.vethPrefix, k8s.podNamespace, k8s.podName),
      containerIfName: containerInterfaceName(cmd.ifName, 0),
      netnsPath: cmd.netns,
      podIp: ip,
      mtu: conf.mtu,
      routeTableId: routeTableOf(meta.routeTableId, meta.deviceNumber),
    };
    log.info(`add: ipamd assigned ${ip} (device ${meta.deviceNumber}, table ${spec.routeTableId}) to pod ${pod}`);
    undo.push({
      what: `tear down ${spec.hostVethName} and the host routes of ${ip}`,
      run: () => deps.pods.teardownPod({ ...spec, removeVeth: true }),
    });
    let wired: PodWiringResult;
    try {
      wired = await deps.pods.setupPod(spec);
    } catch (error) {
      throw wiringError(error, pod);
    }
    result = buildPodResult({
      attachments: [{ ...spec, hostVethMac: wired.hostVethMac }],
      dummyName: dummyInterfaceName(k8s.podNamespace, k8s.podName),
      deviceNumber: meta.deviceNumber,
    });
  } catch (error) {
    log.error(`add: pod ${pod} failed after ipamd assigned its address: ${messageOf(error)}; undoing`);
    await unwind(undo, ctx);
    throw error;
  }
  if (reply.networkPolicyMode !== '') {
    marks.wired = performance.now();
    await enforceNetworkPolicy(ctx, reply.networkPolicyMode, reply.ipAllocationMetadata.length);
  }
  return result;
}
