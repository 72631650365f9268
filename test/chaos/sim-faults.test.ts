/**
 * Chaos: the embedded VPC misbehaves at high rates while a runtime churns pods through the real `bin/aws-cni` on a
 * node whose ipamd keeps a small warm pool (so ADDs need EC2): throttling, 5xx, latency, insufficient addresses in
 * the subnet, IMDS lagging behind EC2, one after another and then all at once (set through the sim's `/_sim/faults`,
 * `/_sim/throttle` and `/_sim/imds`). Every ADD ends with an address or a CNI error JSON whose message names a reason;
 * every DEL succeeds; ipamd never crashes; once the faults stop, ipamd and EC2 agree, new pods get addresses, and
 * after every DEL the node is clean. `VPC_CNI_CHAOS_ROUNDS` multiplies the churn of each phase; the seed (printed on
 * failure) replays the plan and the sim's fault dice.
 *
 * @example
 * VPC_CNI_CHAOS_ROUNDS=10 npx tsx scripts/run-tests.ts test/chaos/sim-faults
 */
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { rootFingerprint } from '../../src/netlink/netns.test-util.js';
import {
  cniSkipReason,
  describeCall,
  mapLimit,
  sleep,
  startCniVpc,
  type CniVpc,
} from '../integration/support/index.js';
import { chaosSettings, replayHint, withSeed, type ChaosSettings } from './chaos.js';
import { PodRuntime, assertIpamdHoldsLive, assertNodeWiredForLive, awaitEc2Agreement, nodeWiring } from './runtime.js';

const skip = await cniSkipReason();
const chaos: ChaosSettings = chaosSettings(1);

/**
 * The reasons a failed ADD may give, as its message names them (ipamd's explanation, kept by the plugin), most
 * specific first; "no free address" alone is the last resort.
 */
export const ADD_FAILURE_REASONS: Readonly<Record<string, RegExp>> = {
  'subnet full': /subnet \S+ (is full|has no free)/,
  throttled: /throttl/i,
  'EC2 call failed': /failed: \w+: /,
  'EC2 call being retried': /is being retried after \w+/,
  'ENI or pod limit': /ENI limit|max pods/,
  'addresses in cooldown': /in cooldown/,
  'pool still growing': /pool is still growing/,
  'not ready': /not ready/i,
  'ipamd timed out': /did not answer/,
  'no free address': /no free address/,
};

/** Which reason a failed ADD names, or undefined. */
function reasonOf(msg: string): string | undefined {
  return Object.entries(ADD_FAILURE_REASONS).find(([, pattern]) => pattern.test(msg))?.[0];
}

/** Fault phases: the admin bodies each one sends (faults, throttle, IMDS). */
interface Phase {
  readonly name: string;
  readonly faults?: Record<string, Record<string, unknown>>;
  readonly throttle?: Record<string, unknown>;
  readonly imds?: Record<string, unknown>;
}

const EC2_WRITES = [
  'AssignPrivateIpAddresses',
  'UnassignPrivateIpAddresses',
  'CreateNetworkInterface',
  'AttachNetworkInterface',
  'DetachNetworkInterface',
  'DeleteNetworkInterface',
];
const all = (
  rule: Record<string, unknown>,
  actions: readonly string[] = EC2_WRITES,
): Record<string, Record<string, unknown>> => Object.fromEntries(actions.map((a) => [a, rule]));

/**
 * A full subnet makes ipamd back off growing for 2 min (as the reference): that phase runs on a node of its own, so
 * the other phases' failures show their own reasons and the pool can converge without waiting the back-off out.
 */
const SUBNET_FULL: Phase = {
  name: 'insufficient addresses',
  faults: all({ code: 'InsufficientFreeAddressesInSubnet', status: 400, probability: 1 }, [
    'AssignPrivateIpAddresses',
    'CreateNetworkInterface',
  ]),
};

const PHASES: readonly Phase[] = [
  { name: 'throttling', throttle: { enabled: true, scale: 0.02, drain: true } },
  {
    name: '5xx',
    faults: {
      ...all({ code: 'InternalError', status: 500, probability: 0.6 }),
      DescribeNetworkInterfaces: { code: 'ServiceUnavailable', status: 503, probability: 0.4 },
    },
  },
  {
    name: 'latency',
    faults: {
      ...all({ latencyMs: 700, probability: 0.8 }),
      DescribeNetworkInterfaces: { latencyMs: 500, probability: 0.5 },
    },
  },
  { name: 'IMDS lag', imds: { lagMs: 2_500 } },
  {
    name: 'everything at once',
    throttle: { enabled: true, scale: 0.05 },
    imds: { lagMs: 1_500 },
    faults: {
      AssignPrivateIpAddresses: { code: 'InternalError', status: 500, probability: 0.3, latencyMs: 200 },
      CreateNetworkInterface: { code: 'InternalError', status: 500, probability: 0.5 },
      AttachNetworkInterface: { code: 'ServiceUnavailable', status: 503, probability: 0.4, latencyMs: 300 },
      UnassignPrivateIpAddresses: { code: 'InternalError', status: 500, probability: 0.5 },
      DescribeNetworkInterfaces: { latencyMs: 300, probability: 0.5 },
    },
  },
];

async function admin(vpc: CniVpc, route: string, method: 'PUT' | 'DELETE', body?: unknown): Promise<void> {
  const response = await fetch(`${vpc.sim.ec2Url}/_sim/${route}`, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  assert.equal(response.status, 200, `${method} /_sim/${route}: ${await response.text()}`);
}

async function calm(vpc: CniVpc): Promise<void> {
  await admin(vpc, 'faults', 'DELETE');
  await admin(vpc, 'throttle', 'PUT', { enabled: false, reset: true });
  await admin(vpc, 'imds', 'PUT', { lagMs: 0, flush: true });
}

/** What a phase's failed ADDs said: `<phase>: <reason>` → count, and one message per reason. */
class Reasons {
  readonly counts = new Map<string, number>();
  readonly samples = new Map<string, string>();

  record(phase: string, msg: string, ms: number): string | undefined {
    const reason = reasonOf(msg);
    if (reason === undefined) return undefined;
    this.counts.set(`${phase}: ${reason}`, (this.counts.get(`${phase}: ${reason}`) ?? 0) + 1);
    if (!this.samples.has(reason)) this.samples.set(reason, `${msg} (after ${Math.round(ms)} ms)`);
    return reason;
  }

  toString(): string {
    return `ADD failures by phase and reason: ${JSON.stringify(Object.fromEntries(this.counts))}; samples: ${JSON.stringify(Object.fromEntries(this.samples))}`;
  }
}

/** Sets a phase's faults, churns 6–10 ADDs and DELs, 4 at a time, then retries the pending DELs. */
async function churnPhase(
  vpc: CniVpc,
  runtime: PodRuntime,
  phase: Phase,
  round: number,
  reasons: Reasons,
): Promise<void> {
  const when = `round ${round}, ${phase.name}`;
  await calm(vpc);
  if (phase.faults !== undefined)
    await admin(vpc, 'faults', 'PUT', { seed: chaos.between(0, 2 ** 30), rules: phase.faults });
  if (phase.throttle !== undefined) await admin(vpc, 'throttle', 'PUT', phase.throttle);
  if (phase.imds !== undefined) await admin(vpc, 'imds', 'PUT', phase.imds);
  const plan = Array.from({ length: chaos.between(6, 10) }, () => chaos.random());
  await mapLimit(plan, 4, async (roll) => {
    const live = [...runtime.live.values()];
    if (live.length > 3 && roll < 0.35) {
      const out = await runtime.del(chaos.pick(live));
      assert.equal(out.exitCode, 0, `${when}: DEL succeeds: ${describeCall(out)}`);
      return;
    }
    const outcome = await runtime.add();
    if (outcome.ok) return;
    assert.ok(
      reasons.record(phase.name, outcome.msg, outcome.ms) !== undefined,
      `${when}: the failed ADD's message names a reason: ${JSON.stringify(outcome)}`,
    );
  });
  await runtime.retryPendingDels(true);
  assert.ok(runtime.node.ipamd().alive(), `${when}: ipamd is still running`);
  await assertNodeWiredForLive(vpc, runtime, when);
}

/** Every pod deleted: ipamd and EC2 agree, ipamd holds nothing, the node namespace is clean, ipamd is up. */
async function assertCleanNode(vpc: CniVpc, runtime: PodRuntime): Promise<void> {
  await runtime.delAll();
  const doc = await awaitEc2Agreement(vpc, runtime.node, 'after every DEL');
  assertIpamdHoldsLive(runtime, doc, 'after every DEL');
  assert.deepEqual(
    await nodeWiring(vpc, runtime.node),
    { veths: [], routes: [], toRules: [], fromRules: [] },
    'the node namespace is clean',
  );
  assert.ok(runtime.node.ipamd().alive(), 'ipamd never crashed');
}

describe(
  'chaos: EC2 throttling, 5xx, latency, full subnets and IMDS lag during a churn through bin/aws-cni',
  { skip, timeout: 30 * 60_000 },
  () => {
    let vpc: CniVpc;
    let root = '';
    /** A small warm pool, so that ADDs need EC2. */
    const SMALL_POOL = { WARM_IP_TARGET: '1', WARM_ENI_TARGET: '0' };

    before(async () => {
      root = await rootFingerprint();
      vpc = await startCniVpc();
    });

    after(async () => {
      await vpc?.close();
      assert.equal(await rootFingerprint(), root, 'the root namespace is untouched');
    });

    it('a full subnet: failed ADDs name it and its back-off; ipamd stays up and in step with EC2', async (t) => {
      t.diagnostic(replayHint(chaos));
      const node = await vpc.startNode(1, SMALL_POOL);
      const runtime = new PodRuntime(vpc, node, 's');
      const reasons = new Reasons();
      await withSeed(
        chaos,
        async () => {
          try {
            for (let round = 1; round <= chaos.rounds; round++)
              await churnPhase(vpc, runtime, SUBNET_FULL, round, reasons);
          } finally {
            await calm(vpc);
          }
          assert.ok(
            [...reasons.counts.keys()].some((k) => k.endsWith('subnet full')),
            `some ADD met the full subnet and said so: ${reasons.toString()}`,
          );
          assertIpamdHoldsLive(
            runtime,
            await awaitEc2Agreement(vpc, node, 'after the faults stopped'),
            'after the faults stopped',
          );
          await assertCleanNode(vpc, runtime);
        },
        () => ({ ipamd: node.log() }),
      );
      await node.stopIpamd();
      t.diagnostic(`${JSON.stringify(runtime.stats)}; ${reasons.toString()}`);
    });

    it('throttling, 5xx, latency, IMDS lag, then all at once: every ADD ends with an address or a reasoned error; ipamd converges', async (t) => {
      t.diagnostic(replayHint(chaos));
      const node = await vpc.startNode(0, SMALL_POOL);
      const runtime = new PodRuntime(vpc, node, 'f');
      const reasons = new Reasons();
      await withSeed(
        chaos,
        async () => {
          try {
            for (let round = 1; round <= chaos.rounds; round++) {
              for (const phase of PHASES) await churnPhase(vpc, runtime, phase, round, reasons);
            }
          } finally {
            await calm(vpc);
          }
          const converged = await awaitEc2Agreement(vpc, node, 'after the faults stopped', 1_000, 90_000);
          assertIpamdHoldsLive(runtime, converged, 'after the faults stopped');
          // Released addresses may still be in their reuse cooldown: kubelet retries a failed sandbox, and so does this
          // runtime, until each of four new pods has an address.
          let retries = 0;
          for (let i = 0; i < 4; i++) {
            for (let attempt = 1; ; attempt++) {
              const outcome = await runtime.add();
              if (outcome.ok) break;
              await runtime.retryPendingDels(true);
              assert.ok(
                attempt < 60,
                `an ADD after the faults stopped gets an address within 60 attempts: ${JSON.stringify(outcome)}`,
              );
              retries += 1;
              await sleep(1_000);
            }
          }
          t.diagnostic(`${retries} ADD retries after the faults stopped`);
          const status = await node.cni('STATUS', {
            containerId: 'status',
            conf: node.awsConf({ cniVersion: '1.1.0' }),
          });
          assert.equal(status.exitCode, 0, `STATUS: ipamd is healthy: ${describeCall(status)}`);
          await assertCleanNode(vpc, runtime);
        },
        () => ({ ipamd: node.log() }),
      );
      t.diagnostic(`${JSON.stringify(runtime.stats)}; ${reasons.toString()}`);
    });
  },
);
