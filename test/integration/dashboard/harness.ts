/**
 * The dashboard test's world: the embedded VPC (`eksworkshop` with its data plane), ipamd in-process for the seed's
 * first node (its host networking in that node's namespace), the plugin's RPC client on ipamd's socket, and
 * Debian's headless Chromium driven by playwright-core.
 *
 * @example
 * const world = await startWorld();
 * await world.add('web-1', 'default');
 * await world.close();
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { loadConfig } from '../../../src/config/index.js';
import { runIpamd, type IpamdReadyInfo } from '../../../src/ipamd/main.js';
import { NetlinkExecutor } from '../../../src/netlink/exec.js';
import { listNamespaces } from '../../../src/netlink/netns.js';
import { netnsSkipReason } from '../../../src/netlink/netns.test-util.js';
import { systemClock } from '../../../src/obs/clock.js';
import { createRpcClient, type RpcClient } from '../../../src/rpc/client.js';
import type { AddNetworkReply, DelNetworkReply } from '../../../src/rpc/types.js';
import { startSim, type RunningSim } from '../../../src/sim/index.js';
import { RPC_CLIENT_VERSION } from '../../../src/version.js';

export const CHROMIUM = '/usr/bin/chromium';
/** The repository root (this file runs from build/spec/test/integration/dashboard/). */
export const REPO = new URL('../../../../../', import.meta.url).pathname;
/** The seed's first node. */
const NODE_IP = '10.11.16.31';

// The SDK signs requests even to the embedded VPC, which accepts any credentials; never use real ones here.
process.env['AWS_ACCESS_KEY_ID'] = 'AKIDEXAMPLE';
process.env['AWS_SECRET_ACCESS_KEY'] = 'secret';
delete process.env['AWS_SESSION_TOKEN'];
delete process.env['AWS_PROFILE'];
process.env['AWS_EC2_METADATA_DISABLED'] = 'true';

/** Why a browser test cannot run here (node:test prints it), or false. */
export function chromiumSkipReason(): string | false {
  return existsSync(CHROMIUM)
    ? false
    : `needs Debian's chromium at ${CHROMIUM} (apt-get install chromium; .ci/run installs it)`;
}

/** Why the end-to-end test cannot run here: it also needs root for the VPC's namespaces. */
export async function dashboardSkipReason(): Promise<string | false> {
  return (await netnsSkipReason()) || chromiumSkipReason();
}

/** Headless Chromium, confined to this machine: no sandbox (root), no GPU, no background traffic. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export interface World {
  readonly sim: RunningSim;
  readonly ready: IpamdReadyInfo;
  /** `http://127.0.0.1:PORT` of ipamd's introspection listener. */
  readonly introspection: string;
  readonly nodeName: string;
  readonly instanceId: string;
  readonly browser: Browser;
  /** The netns prefix of this sim run: everything it made starts with it. */
  readonly prefix: string;
  add(pod: string, namespace: string): Promise<AddNetworkReply>;
  del(pod: string, namespace: string): Promise<DelNetworkReply>;
  close(): Promise<{ code: number; leftNamespaces: string[] }>;
}

/** A loopback TCP port nobody listens on now (the configuration refuses port 0). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

const containerId = (pod: string, namespace: string): string =>
  Buffer.from(`${namespace}/${pod}`).toString('hex').padEnd(64, '0').slice(0, 64);

/** Starts everything; on failure, stops what it started. */
export async function startWorld(): Promise<World> {
  const dir = await mkdtemp(join(tmpdir(), 'vcni-dashboard-'));
  const cleanups: (() => Promise<unknown>)[] = [() => rm(dir, { recursive: true, force: true })];
  const undo = async (): Promise<void> => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  };
  try {
    const sim = await startSim({
      scenario: 'eksworkshop',
      host: '127.0.0.1',
      port: 0,
      clock: systemClock,
      dataPlane: true,
    });
    cleanups.push(() => sim.close());
    await sim.settled();
    const [instanceId, node] =
      Object.entries(sim.describe().instances).find(([, info]) => info.privateIp === NODE_IP) ?? [];
    if (instanceId === undefined || node?.netns == null)
      throw new Error(`the eksworkshop scenario has no node ${NODE_IP} with a namespace`);
    const socketPath = join(dir, 'ipamd.sock');
    const env = {
      AWS_ENDPOINT_URL_EC2: sim.ec2Url,
      AWS_EC2_METADATA_SERVICE_ENDPOINT: node.imds,
      AWS_REGION: 'ap-northeast-2',
      AWS_VPC_K8S_CNI_LOG_FILE: join(dir, 'ipamd.log'),
      VPC_CNI_HOST_NETNS: `/var/run/netns/${node.netns}`,
      VPC_CNI_IPAMD_SOCKET: socketPath,
      AWS_VPC_K8S_CNI_BACKING_STORE: join(dir, 'ipam.json'),
      INTROSPECTION_BIND_ADDRESS: `127.0.0.1:${await freePort()}`,
      VPC_CNI_METRICS_BIND_ADDRESS: `127.0.0.1:${await freePort()}`,
      MY_NODE_NAME: node.nodeName,
    };
    const controller = new AbortController();
    let onReady: (info: IpamdReadyInfo) => void = () => undefined;
    const readyPromise = new Promise<IpamdReadyInfo>((resolve) => (onReady = resolve));
    const done = runIpamd(loadConfig(env), { signal: controller.signal, onReady });
    const stopIpamd = async (): Promise<number> => {
      controller.abort();
      return done;
    };
    cleanups.push(stopIpamd);
    const ready = await Promise.race([
      readyPromise,
      done.then((code) =>
        Promise.reject(new Error(`ipamd exited with ${code} before it was ready; see ${env.AWS_VPC_K8S_CNI_LOG_FILE}`)),
      ),
    ]);
    if (ready.introspection === undefined) throw new Error('ipamd serves no introspection API');
    const client: RpcClient = createRpcClient({ socketPath, timeoutMs: 20_000, clientVersion: RPC_CLIENT_VERSION });
    cleanups.push(() => Promise.resolve(client.close()));
    const browser = await launchChromium();
    cleanups.push(() => browser.close());
    const prefix = node.netns.replace(/-n\d+$/, '');
    const request = (pod: string, namespace: string) => ({
      k8sPodName: pod,
      k8sPodNamespace: namespace,
      k8sPodInfraContainerId: containerId(pod, namespace),
      containerId: containerId(pod, namespace),
      ifName: 'eth0',
      networkName: 'aws-cni',
    });
    return {
      sim,
      ready,
      introspection: ready.introspection,
      nodeName: node.nodeName,
      instanceId,
      browser,
      prefix,
      add: (pod, namespace) =>
        client.addNetwork({
          ...request(pod, namespace),
          netns: `/var/run/netns/${prefix}-x`,
          requiresMultiNicAttachment: false,
        }),
      del: (pod, namespace) => client.delNetwork({ ...request(pod, namespace), reason: 'PodDeleted', k8sPodUid: '' }),
      async close() {
        await browser.close().catch(() => undefined);
        client.close();
        const code = await stopIpamd();
        await sim.close();
        await rm(dir, { recursive: true, force: true });
        const leftNamespaces = (await listNamespaces(new NetlinkExecutor())).filter(
          (name) => name === prefix || name.startsWith(`${prefix}-`),
        );
        return { code, leftNamespaces };
      },
    };
  } catch (error) {
    await undo();
    throw error;
  }
}
