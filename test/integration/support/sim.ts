/**
 * The embedded VPC as the integration tests run it: `sim --scenario eksworkshop --data-plane` on 127.0.0.1 with a
 * fresh temporary directory, its teardown stack (a {@link Cleanup}: ipamds, pod namespaces, the sim, the directory) and
 * a final check that no namespace of the sim outlived it. `startVpc` adds the single node the ipamd tests drive (the
 * seed's m5.large, or a bigger instance launched next to it); EC2's view of that node is {@link ec2View}.
 *
 * @example
 * const vpc = await startVpc({ instanceType: 'm5.4xlarge' });
 * try { ... vpc.node.nsPath ... } finally { await vpc.close(); }
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NetlinkExecutor } from '../../../src/netlink/exec.js';
import { removeLeftoverNamespaces } from '../../../src/netlink/netns.js';
import { systemClock } from '../../../src/obs/clock.js';
import { silenceSdkNodeVersionWarning } from '../../../src/obs/warnings.js';
import {
  startSim,
  settleDetachments,
  launchInstance,
  type RunningSim,
  type SimInstanceInfo,
} from '../../../src/sim/index.js';
import { Cleanup } from './cleanup.js';
import { netnsNames } from './netns.js';
import { eventually } from './wait.js';

/** The repository root (this file runs from build/spec/test/integration/support/). */
export const REPO = fileURLToPath(new URL('../../../../../', import.meta.url));

/** The seed's first node: an m5.large in 10.11.0.0/19 (ap-northeast-2a). */
export const SEED_NODE_IP = '10.11.16.31';

silenceSdkNodeVersionWarning();

// The SDK's default credential chain reads these; the embedded VPC accepts any.
process.env['AWS_ACCESS_KEY_ID'] ??= 'AKIDEXAMPLE';
process.env['AWS_SECRET_ACCESS_KEY'] ??= 'secret';
process.env['AWS_EC2_METADATA_DISABLED'] = 'true';

export interface SimOptionsForTests {
  readonly dataPlane?: boolean;
  readonly imdsTokens?: 'optional' | 'required';
  /** Prefix of the temporary directory's name. */
  readonly dirPrefix?: string;
}

/** The running sim, its directory and teardown stack; `close()` runs the stack, then checks for leftover namespaces. */
export interface EmbeddedVpc {
  readonly sim: RunningSim;
  readonly exec: NetlinkExecutor;
  /** A fresh temporary directory for sockets, checkpoints and logs; removed by close(). */
  readonly dir: string;
  /** The instances with a node namespace, in the scenario's order. */
  readonly instances: readonly [string, SimInstanceInfo][];
  readonly cleanup: Cleanup;
  close(): Promise<void>;
}

/** Starts the embedded VPC (eksworkshop) and waits until its data plane has plugged every node. */
export async function startEmbeddedVpc(options: SimOptionsForTests = {}): Promise<EmbeddedVpc> {
  const exec = new NetlinkExecutor({ confined: true });
  await removeLeftoverNamespaces(exec);
  const dir = await mkdtemp(join(tmpdir(), options.dirPrefix ?? 'vcni-it-'));
  const cleanup = new Cleanup('the test VPC');
  cleanup.defer(() => rm(dir, { recursive: true, force: true }));
  let sim: RunningSim;
  try {
    sim = await startSim({
      scenario: 'eksworkshop',
      host: '127.0.0.1',
      port: 0,
      clock: systemClock,
      dataPlane: options.dataPlane ?? true,
      ...(options.imdsTokens === undefined ? {} : { imdsTokens: options.imdsTokens }),
    });
  } catch (error) {
    await cleanup.run();
    throw error;
  }
  const running = sim;
  cleanup.defer(() => running.close());
  await running.settled();
  const instances = Object.entries(running.describe().instances).filter(([, info]) => info.netns !== null);
  // The fabric and node namespaces are named `<prefix>-vpc`, `<prefix>-n<i>`: none may outlive the sim.
  const prefix = instances[0]?.[1].netns?.replace(/-n\d+$/, '-');
  const close = async (): Promise<void> => {
    await cleanup.run();
    if (prefix === undefined) return;
    const left = (await netnsNames()).filter((name) => name.startsWith(prefix));
    if (left.length > 0) throw new Error(`namespaces left behind by the sim: ${left.join(', ')}`);
  };
  return { sim: running, exec, dir, instances, cleanup, close };
}

export interface VpcNode {
  readonly instanceId: string;
  readonly instanceType: string;
  readonly imds: string;
  /** The node's network namespace (name) and its path. */
  readonly netns: string;
  readonly nsPath: string;
  readonly privateIp: string;
}

/** The embedded VPC and the one node an ipamd test runs ipamd for. */
export interface TestVpc extends EmbeddedVpc {
  readonly node: VpcNode;
}

/**
 * The embedded VPC and the node the test runs ipamd for: the seed's 10.11.16.31 (an m5.large), or a fresh instance
 * of `instanceType` launched into the same subnet with the same security groups.
 */
export async function startVpc(
  options: SimOptionsForTests & { readonly instanceType?: string } = {},
): Promise<TestVpc> {
  const vpc = await startEmbeddedVpc({ dirPrefix: 'vcni-ipamd-it-', ...options });
  try {
    const seed = [...vpc.sim.store.instances.values()].find((i) => i.privateIpAddress === SEED_NODE_IP);
    if (seed === undefined) throw new Error('the eksworkshop scenario has no node 10.11.16.31');
    let instanceId = seed.id;
    if (options.instanceType !== undefined && options.instanceType !== seed.instanceType) {
      instanceId = launchInstance(vpc.sim.store, {
        instanceType: options.instanceType,
        subnetId: seed.subnetId,
        groups: seed.groups,
      }).id;
    }
    // IMDS for an instance launched after start comes up on the 'instance-launched' event; the data plane plugs
    // its namespace asynchronously.
    const info = await eventually(
      `IMDS of ${instanceId}`,
      () => {
        const described = vpc.sim.describe().instances[instanceId];
        return described !== undefined && described.imds !== '' ? described : undefined;
      },
      10_000,
      20,
    );
    await vpc.sim.settled();
    const netns = vpc.sim.describe().instances[instanceId]?.netns ?? null;
    if (netns === null) throw new Error(`instance ${instanceId} has no node namespace (data plane off?)`);
    const node: VpcNode = {
      instanceId,
      instanceType: info.instanceType,
      imds: info.imds,
      netns,
      nsPath: `/var/run/netns/${netns}`,
      privateIp: info.privateIp,
    };
    return { ...vpc, node };
  } catch (error) {
    await vpc.close();
    throw error;
  }
}

/** EC2's view of an instance: attached ENI → its secondary /32s and /28s, sorted (detachments settled first). */
export function ec2View(vpc: {
  readonly sim: RunningSim;
  readonly node: { readonly instanceId: string };
}): Map<string, string[]> {
  settleDetachments(vpc.sim.store);
  const view = new Map<string, string[]>();
  for (const eni of vpc.sim.store.enis.values()) {
    if (eni.attachment?.instanceId !== vpc.node.instanceId) continue;
    view.set(eni.id, [...eni.secondaryIps.map((ip) => `${ip}/32`), ...eni.prefixes].sort());
  }
  return new Map([...view].sort(([a], [b]) => a.localeCompare(b)));
}
