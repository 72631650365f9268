/**
 * Chaos: ipamd is SIGKILLed at random moments while a runtime churns pods through the real `bin/aws-cni` in real pod
 * namespaces of a node of the embedded VPC, then restarted on the same checkpoint, `VPC_CNI_CHAOS_ROUNDS` times
 * (20 by default). A kill may land anywhere: before ipamd answers an ADD (the ADD fails, the runtime DELs), between
 * its answer and the plugin's wiring (the ADD succeeds), during a DEL (the plugin tears down from prevResult). After
 * every restart: pending DELs succeed, ipamd holds exactly the live pods (nothing twice), EC2 and ipamd agree on the
 * node's addresses, and the node namespace has veths, /32 routes and rules for live pods only. At the end every pod
 * is deleted and the node is clean. The seed (printed on failure) replays the plan.
 *
 * @example
 * VPC_CNI_CHAOS_ROUNDS=200 npx tsx scripts/run-tests.ts test/chaos/ipamd-kill
 */
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { rootFingerprint } from '../../src/netlink/netns.test-util.js';
import {
  cniSkipReason,
  mapLimit,
  sleep,
  startCniVpc,
  type CniNode,
  type CniVpc,
} from '../integration/support/index.js';
import { chaosSettings, replayHint, withSeed, type ChaosSettings } from './chaos.js';
import { PodRuntime, assertIpamdHoldsLive, assertNodeWiredForLive, awaitEc2Agreement, nodeWiring } from './runtime.js';

const skip = await cniSkipReason();
const chaos: ChaosSettings = chaosSettings(20);

/** Waits until the veths of deleted pods are gone (the kernel removes a deleted namespace's veth peers asynchronously). */
async function awaitVethsOfLiveOnly(vpc: CniVpc, runtime: PodRuntime): Promise<void> {
  const wired = new Set(
    [...runtime.live.values(), ...runtime.pendingDel.values()].map((r) => r.hostVeth).filter((v) => v !== undefined),
  );
  for (let i = 0; i < 100; i++) {
    const { veths } = await nodeWiring(vpc, runtime.node);
    if (veths.every((v) => wired.has(v))) return;
    await sleep(50);
  }
}

describe(
  'chaos: ipamd SIGKILLed during a churn of ADDs and DELs through bin/aws-cni, and restarted',
  { skip, timeout: 30 * 60_000 },
  () => {
    let vpc: CniVpc;
    let node: CniNode;
    let root = '';

    before(async () => {
      root = await rootFingerprint();
      vpc = await startCniVpc();
      node = await vpc.startNode(0);
    });

    after(async () => {
      await vpc?.close();
      assert.equal(await rootFingerprint(), root, 'the root namespace is untouched');
    });

    it(`survives ${chaos.rounds} kills: no address twice or lost, no stale wiring, every DEL succeeds`, async (t) => {
      t.diagnostic(replayHint(chaos));
      const runtime = new PodRuntime(vpc, node, 'k');
      let landedBeforeWiring = 0;
      let failedAdds = 0;
      await withSeed(chaos, churn, () => ({ ipamd: node.log(), plugin: '' }));
      async function churn(): Promise<void> {
        for (let round = 1; round <= chaos.rounds; round++) {
          const when = `round ${round}`;
          const killAt = chaos.between(0, 1_200);
          const plan = Array.from({ length: chaos.between(6, 14) }, () => chaos.random());
          const start = Date.now();
          let killedAt = Number.POSITIVE_INFINITY;
          const killer = (async () => {
            await sleep(killAt);
            killedAt = Date.now();
            await node.killIpamd('SIGKILL');
          })();
          await mapLimit(plan, 4, async (roll) => {
            await sleep(Math.floor(roll * 300));
            const live = [...runtime.live.values()];
            if (live.length > 4 && (live.length >= 16 || roll < 0.4)) {
              await runtime.del(chaos.pick(live));
              return;
            }
            const sent = Date.now();
            const outcome = await runtime.add();
            if (outcome.ok && sent < killedAt && Date.now() > killedAt) landedBeforeWiring += 1;
            if (!outcome.ok) failedAdds += 1;
          });
          await killer;
          const churned = Date.now();
          assert.equal(node.ipamd().alive(), false, `${when}: ipamd was killed`);
          // While ipamd is down: DEL still succeeds from prevResult; ADD fails with a retryable error.
          const victim = [...runtime.live.values()][0];
          if (victim !== undefined)
            assert.equal(
              (await runtime.del(victim)).exitCode,
              0,
              `${when}: DEL with prevResult succeeds while ipamd is down`,
            );
          const down = await runtime.add();
          assert.ok(
            !down.ok && down.code === 11,
            `${when}: ADD while ipamd is down fails with code 11 (try again later): ${JSON.stringify(down.ok ? down.ip : down)}`,
          );
          await awaitVethsOfLiveOnly(vpc, runtime);
          const restarting = Date.now();
          await node.restartIpamd();
          const restarted = Date.now();
          await runtime.retryPendingDels(true);
          assertIpamdHoldsLive(runtime, await node.enis(), `${when}, after the restart`);
          await assertNodeWiredForLive(vpc, runtime, `${when}, after the restart`);
          // Waiting for EC2 and ipamd to agree costs a quiet second: every fourth round and the last one.
          if (round % 4 === 0 || round === chaos.rounds) {
            assertIpamdHoldsLive(
              runtime,
              await awaitEc2Agreement(vpc, node, `${when}, after the restart`),
              `${when}, after cooldown`,
            );
          }
          t.diagnostic(
            `${when}: killed at ${killedAt - start} ms; ${runtime.live.size} pods live; churn ${churned - start} ms, restart ${restarted - restarting} ms`,
          );
        }
        await runtime.delAll();
        assert.equal(runtime.live.size + runtime.pendingDel.size, 0);
        const doc = await awaitEc2Agreement(vpc, node, 'after every DEL');
        assertIpamdHoldsLive(runtime, doc, 'after every DEL');
        assert.deepEqual(
          await nodeWiring(vpc, node),
          { veths: [], routes: [], toRules: [], fromRules: [] },
          'the node namespace is clean',
        );
        assert.ok(node.ipamd().alive(), 'ipamd is running');
      }
      t.diagnostic(
        `${JSON.stringify(runtime.stats)}; ${failedAdds} ADDs failed in the churn; ${landedBeforeWiring} ADDs answered before a kill and wired after it`,
      );
    });
  },
);
