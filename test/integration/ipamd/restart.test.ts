// ipamd as the real process (`node bin/vpc-cni ipamd`), killed with SIGKILL in the middle of a burst of
// AddNetwork/DelNetwork calls — once with EC2 throttling and failing under it — and restarted: the restarted ipamd
// restores its checkpoint and reconciles with EC2 so that no address is held twice, no pod the client saw succeed
// loses its address, and everything ipamd holds is really on the node's ENIs in EC2.
import { strict as assert } from 'node:assert';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { podVethSuffix } from '../../../src/ipamd/node/restore.js';
import { netnsSkipReason } from '../../../src/netlink/netns.test-util.js';
import { isRpcError } from '../../../src/rpc/errors.js';
import { seededRandom } from '../../../src/ipam/random.js';
import {
  addRequest,
  assignments,
  delPods,
  delRequest,
  ec2View,
  getEnis,
  ip,
  ipamdEnv,
  ipamdView,
  settle,
  sleep,
  spawnIpamd,
  type EnisDocument,
  type IpamdProcess,
  type TestVpc,
  startVpc,
  assertConsistent,
} from '../support/index.js';

type PodState =
  | { readonly kind: 'absent' }
  | { readonly kind: 'held'; readonly ip: string }
  | { readonly kind: 'adding' }
  | { readonly kind: 'deleting'; readonly ip: string }
  /** The call was in flight when ipamd died: the pod may or may not hold an address. */
  | { readonly kind: 'unsure-add' }
  | { readonly kind: 'unsure-del'; readonly ip: string };

const PODS = Array.from({ length: 40 }, (_, i) => `burst-${i}`);
const skip = await netnsSkipReason();

interface Round {
  readonly name: string;
  readonly killAfterMs: number;
  readonly addProbability: number;
  /** SIGKILL (default) or SIGTERM (a graceful stop in the middle of the burst). */
  readonly signal?: 'SIGKILL' | 'SIGTERM';
  /** Rules for PUT /_sim/faults during the burst. */
  readonly faults?: Record<string, unknown>;
  /** Settings for PUT /_sim/imds from this round on. */
  readonly imds?: Record<string, unknown>;
}

function restartSuite(title: string, extraEnv: Record<string, string>, rounds: readonly Round[]): void {
  describe(title, { skip }, () => {
    let vpc: TestVpc;
    let env: Record<string, string>;
    let ipamd: IpamdProcess | undefined;
    const pods = new Map<string, PodState>(PODS.map((pod) => [pod, { kind: 'absent' }]));
    const random = seededRandom(20240501);

    before(async () => {
      vpc = await startVpc();
      env = await ipamdEnv(vpc, { IP_COOLDOWN_PERIOD: '1', ...extraEnv });
      // The pods' host veths, as the plugin would have made them: the restore drops entries whose veth is gone.
      // (veth pairs: this kernel may lack the dummy driver; the peer plays the pod's end.)
      const batch = PODS.map(
        (pod, i) => `link add eni${podVethSuffix('default', pod)} type veth peer name pod${i}`,
      ).join('\n');
      await writeFile(join(vpc.dir, 'veths.batch'), `${batch}\n`);
      await ip(vpc.node.netns, ['-batch', join(vpc.dir, 'veths.batch')]);
    });
    after(async () => {
      await ipamd?.kill('SIGKILL');
      await vpc?.close();
    });

    /** Runs `workers` clients adding and deleting pods until ipamd is killed `killAfterMs` from now. */
    async function burst(
      proc: IpamdProcess,
      round: Round,
      workers = 6,
    ): Promise<{ adds: number; dels: number; refused: string[]; unsure: number; exit: number | string }> {
      const { killAfterMs, addProbability } = round;
      const signal = round.signal ?? 'SIGKILL';
      let stopped = false;
      let adds = 0;
      let dels = 0;
      const refused: string[] = [];
      const killer = (async () => {
        await sleep(killAfterMs);
        // On a loaded machine the first ADDs can take longer than killAfterMs: kill only once one has completed, so
        // every round kills ipamd mid-burst rather than before it (bounded: the assertion below reports it).
        for (let waited = 0; adds === 0 && waited < 15_000; waited += 20) await sleep(20);
        stopped = true;
        return proc.kill(signal);
      })();
      const pick = (kind: 'absent' | 'held'): string | undefined => {
        const candidates = [...pods].filter(([, s]) => s.kind === kind).map(([pod]) => pod);
        return candidates[Math.floor(random() * candidates.length)];
      };
      const worker = async (): Promise<void> => {
        while (!stopped) {
          const add = random() < addProbability;
          const pod = pick(add ? 'absent' : 'held');
          if (pod === undefined) {
            await sleep(5);
            continue;
          }
          const was = pods.get(pod);
          if (add) {
            pods.set(pod, { kind: 'adding' });
            try {
              const reply = await proc.client.addNetwork(addRequest(pod));
              const address = reply.ipAllocationMetadata[0]?.ipv4Addr;
              if (reply.success && address !== undefined) {
                pods.set(pod, { kind: 'held', ip: address });
                adds += 1;
              } else {
                // A typed refusal (no address, max pods, EC2 failing): nothing is held.
                pods.set(pod, { kind: 'absent' });
                refused.push(`${reply.errorCode}: ${reply.errorMessage}`);
              }
            } catch (error) {
              assert.ok(
                isRpcError(error, 'RPC_UNAVAILABLE', 'RPC_PROTOCOL', 'RPC_INTERNAL', 'RPC_TIMEOUT'),
                `unexpected ${String(error)}`,
              );
              pods.set(pod, { kind: 'unsure-add' });
              return;
            }
          } else {
            assert.ok(was?.kind === 'held');
            pods.set(pod, { kind: 'deleting', ip: was.ip });
            try {
              const reply = await proc.client.delNetwork(delRequest(pod));
              assert.ok(reply.success, `DelNetwork ${pod}: ${reply.errorCode}: ${reply.errorMessage}`);
              assert.equal(
                reply.ipAllocationMetadata[0]?.ipv4Addr,
                was.ip,
                `DelNetwork ${pod} released its own address`,
              );
              pods.set(pod, { kind: 'absent' });
              dels += 1;
            } catch (error) {
              if (error instanceof assert.AssertionError) throw error;
              pods.set(pod, { kind: 'unsure-del', ip: was.ip });
              return;
            }
          }
        }
      };
      await Promise.all(Array.from({ length: workers }, worker));
      const exit = await killer;
      const unsure = [...pods.values()].filter((s) => s.kind === 'unsure-add' || s.kind === 'unsure-del').length;
      return { adds, dels, refused, unsure, exit };
    }

    /** The invariants after a restart, before anything is retried. */
    async function checkRestored(proc: IpamdProcess): Promise<EnisDocument> {
      const doc = await getEnis(proc.introspection);
      const held = assignments(doc);
      const addresses = held.map((a) => a.address);
      assert.equal(new Set(addresses).size, addresses.length, `no address held twice: ${addresses.join(' ')}`);
      const byPod = new Map(held.map((a) => [a.pod, a.address]));
      for (const [pod, state] of pods) {
        if (state.kind === 'held') assert.equal(byPod.get(pod), state.ip, `${pod} kept ${state.ip} across the restart`);
        if (state.kind === 'absent')
          assert.equal(byPod.has(pod), false, `${pod} was deleted (or refused) and holds nothing`);
      }
      for (const pod of byPod.keys()) assert.ok(pods.has(pod), `${pod} is one of ours`);
      // EC2 ⊇ ipamd: every CIDR ipamd hands out is on that ENI, attached to this node, in EC2.
      const ec2 = ec2View(vpc);
      for (const [eniId, cidrs] of ipamdView(doc)) {
        const inEc2 = new Set(ec2.get(eniId) ?? []);
        assert.ok(ec2.has(eniId), `${eniId} is attached to the node in EC2`);
        for (const cidr of cidrs) assert.ok(inEc2.has(cidr), `${cidr} of ${eniId} is in EC2`);
      }
      return doc;
    }

    /** What a kubelet does next: retry the ADDs it saw fail (idempotent: same address) and the DELs. */
    async function resolveUnsure(proc: IpamdProcess, doc: EnisDocument): Promise<void> {
      const byPod = new Map(assignments(doc).map((a) => [a.pod, a.address]));
      for (const [pod, state] of pods) {
        if (state.kind === 'unsure-add') {
          const reply = await proc.client.addNetwork(addRequest(pod));
          const address = reply.ipAllocationMetadata[0]?.ipv4Addr;
          if (byPod.has(pod)) {
            assert.ok(reply.success, `retried ADD ${pod}: ${reply.errorCode}: ${reply.errorMessage}`);
            assert.equal(address, byPod.get(pod), `the retried ADD of ${pod} got the address it already held`);
          }
          if (reply.success && address !== undefined) {
            pods.set(pod, { kind: 'held', ip: address });
            continue;
          }
          // The pod held nothing and the node is full: a typed refusal, then the kubelet's DEL of the failed sandbox.
          assert.match(`${reply.errorCode}: ${reply.errorMessage}`, /^NO_AVAILABLE_ADDRESS: no free address: /);
          const cleanup = await proc.client.delNetwork(delRequest(pod));
          assert.ok(cleanup.success);
          assert.equal(cleanup.errorCode, 'UNKNOWN_POD');
          pods.set(pod, { kind: 'absent' });
        } else if (state.kind === 'unsure-del') {
          const reply = await proc.client.delNetwork(delRequest(pod));
          assert.ok(reply.success, `retried DEL ${pod}: ${reply.errorCode}: ${reply.errorMessage}`);
          if (byPod.has(pod)) assert.equal(reply.ipAllocationMetadata[0]?.ipv4Addr, state.ip);
          else assert.equal(reply.errorCode, 'UNKNOWN_POD');
          pods.set(pod, { kind: 'absent' });
        }
      }
    }

    for (const [index, round] of rounds.entries()) {
      const how = round.signal === 'SIGTERM' ? 'stopped (SIGTERM)' : 'killed (SIGKILL)';
      it(`round ${index + 1}: ${how} ${round.name}; the restart holds every confirmed pod and nothing twice`, async (t) => {
        ipamd = await spawnIpamd(env);
        if (index > 0) await resolveUnsure(ipamd, await checkRestored(ipamd));
        if (round.imds !== undefined) {
          const response = await fetch(`${vpc.sim.ec2Url}/_sim/imds`, {
            method: 'PUT',
            body: JSON.stringify(round.imds),
          });
          assert.equal(response.status, 200, await response.text());
        }
        if (round.faults !== undefined) {
          const response = await fetch(`${vpc.sim.ec2Url}/_sim/faults`, {
            method: 'PUT',
            body: JSON.stringify({ seed: 7, rules: round.faults }),
          });
          assert.equal(response.status, 200, await response.text());
        }
        const outcome = await burst(ipamd, round);
        assert.equal(outcome.exit, round.signal === 'SIGTERM' ? 0 : 'SIGKILL', 'how ipamd ended');
        await fetch(`${vpc.sim.ec2Url}/_sim/faults`, { method: 'DELETE' });
        const held = [...pods.values()].filter((s) => s.kind === 'held').length;
        t.diagnostic(
          `${outcome.adds} adds, ${outcome.dels} deletes, ${outcome.refused.length} refused, ${outcome.unsure} in flight at the kill, ${held} pods held`,
        );
        assert.ok(outcome.adds > 0, 'some pods were added before the kill');
        for (const why of outcome.refused)
          assert.match(
            why,
            /^(NO_AVAILABLE_ADDRESS: no free address: \d+ of \d+ in use|IPAMD_NOT_READY: ipamd is stopped)/,
            'a refusal says why',
          );
        ipamd = undefined;
      });
    }

    it('the last restart reconciles to EC2 exactly, and every pod can be deleted', async () => {
      const proc = await spawnIpamd(env);
      ipamd = proc;
      await resolveUnsure(proc, await checkRestored(proc));
      const live = new Map([...pods].flatMap(([pod, s]) => (s.kind === 'held' ? [[pod, s.ip] as const] : [])));
      const running = { ...proc, introspection: proc.introspection, metrics: proc.metrics };
      await settle(vpc, running, (d) => assignments(d).length === live.size, 1_500, 30_000);
      await assertConsistent(vpc, running, live);
      const released = await delPods(proc.client, [...live.keys()]);
      assert.deepEqual(released.sort(), [...live.values()].sort());
      await assertConsistent(vpc, running, new Map());
      assert.equal(await proc.stop(), 0, 'SIGTERM stops ipamd cleanly');
      ipamd = undefined;
      assert.ok(
        proc.output.some((line) => line.includes('checkpoint restored')),
        'the restart restored the checkpoint',
      );
    });

    it('refuses to start on a checkpoint it cannot read, says how to start over, and starts once it is moved aside', async () => {
      const path = join(vpc.dir, 'ipam.json');
      await writeFile(path, '{"version":"vpc-cni-ipam/1","allocations":[{"networkName":"aws-cni","contai');
      await assert.rejects(spawnIpamd(env), (error: unknown) => {
        assert.match(String(error), /exited \(1\) before it was ready/);
        assert.match(String(error), /cannot restore the IPAM checkpoint/);
        assert.ok(String(error).includes(`mv ${path} ${path}.bad`), 'the message says how to start over');
        return true;
      });
      await rename(path, `${path}.bad`);
      const proc = await spawnIpamd(env);
      ipamd = proc;
      assert.equal(await proc.stop(), 0);
      ipamd = undefined;
    });
  });
}

restartSuite('ipamd (secondary IPs) killed during bursts and restarted', {}, [
  {
    name: 'while the pool grows past its first warm ENI (attaches slowed to 600 ms)',
    killAfterMs: 900,
    addProbability: 0.7,
    faults: { AttachNetworkInterface: { latencyMs: 600, probability: 1 } },
  },
  {
    name: 'while EC2 throttles a quarter of the calls and fails half the attaches',
    killAfterMs: 1_500,
    addProbability: 0.6,
    faults: {
      '*': { code: 'RequestLimitExceeded', probability: 0.25 },
      AttachNetworkInterface: { code: 'InternalError', probability: 0.5 },
    },
  },
  { name: "at the node's limit, adds refused and deletes freeing room", killAfterMs: 2_000, addProbability: 0.9 },
]);

restartSuite(
  'ipamd (prefix delegation) stopped and killed during bursts while IMDS lags, and restarted',
  { ENABLE_PREFIX_DELEGATION: 'true', WARM_PREFIX_TARGET: '1' },
  [
    {
      name: 'while IMDS shows address changes 2 s late',
      killAfterMs: 1_000,
      addProbability: 0.8,
      imds: { lagMs: 2_000 },
    },
    { name: 'gracefully, in the middle of the burst', killAfterMs: 800, addProbability: 0.6, signal: 'SIGTERM' },
  ],
);
