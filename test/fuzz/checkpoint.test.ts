// Fuzz: IPAM checkpoints (`vpc-cni-ipam/1`, the reference's format). Mutations of real checkpoints — structural
// (fields dropped, retyped, hostile strings, duplicated rows, odd timestamps) and textual (truncation, damaged
// bytes) — must parse to data that round-trips, or fail with IpamError CHECKPOINT_INVALID/CHECKPOINT_VERSION;
// restoring parsed data into a datastore that already holds pods either succeeds without giving an address twice or
// fails with CHECKPOINT_CONFLICT and leaves the datastore exactly as it was; and ipamd started on a damaged
// checkpoint either restores it or refuses to start without rewriting the file.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { parseCheckpoint, serializeCheckpoint, type CheckpointData } from '../../src/ipam/checkpoint.js';
import { buildStore, fill, podKey, type StoreFixture } from '../../src/ipam/datastore-fixtures.test-util.js';
import { IpamError } from '../../src/ipam/errors.js';
import { IpamdError } from '../../src/ipamd/errors.js';
import { addPods, buildWorld } from '../support/virtual/world.js';
import { mutateJson, mutateText, type Json } from './mutate.js';
import { fuzzCases, runCases, within, type Note, type Rng } from './prng.js';
import { messageOf } from '../../src/errors.js';

const LAYOUT: StoreFixture = {
  prefixDelegation: true,
  enis: [
    { id: 'eni-a', deviceNumber: 0, cidrs: ['10.0.0.0/28', '10.0.0.77/32'] },
    { id: 'eni-b', deviceNumber: 1, cidrs: ['10.0.1.0/28', '10.0.1.16/28'] },
  ],
};

/** Real checkpoints: ours from a filled datastore, and the reference's shape (nanosecond stamps, IPv6, metadata). */
function seeds(): string[] {
  const { ds } = buildStore(LAYOUT);
  fill(ds, 12);
  ds.assign(podKey('meta'), { k8sPodNamespace: 'kube-system', k8sPodName: 'coredns-0', interfacesCount: 2 });
  const reference = {
    version: 'vpc-cni-ipam/1',
    allocations: [
      {
        networkName: 'aws-cni',
        containerID: 'c0ffee',
        ifName: 'eth0',
        ipv4: '10.0.1.20',
        allocationTimestamp: 1714560000123456,
        metadata: { k8sPodNamespace: 'default', k8sPodName: 'web-1' },
      },
      {
        networkName: '_migrated-from-cri',
        containerID: 'beef',
        ifName: 'unknown',
        ipv4: '10.0.0.9',
        allocationTimestamp: 0,
        metadata: {},
      },
      {
        networkName: 'aws-cni',
        containerID: 'v6',
        ifName: 'eth0',
        ipv6: '2001:db8::5',
        allocationTimestamp: 1,
        metadata: { interfacesCount: 1 },
      },
    ],
  };
  return [
    serializeCheckpoint(ds.toCheckpoint()),
    `${JSON.stringify(reference)}\n`,
    '{"version":"vpc-cni-ipam/1","allocations":[]}\n',
  ];
}

const SEEDS = seeds();

/** A damaged checkpoint text: structural JSON mutations (timestamps kept as digits), text damage, or both. */
function damaged(rng: Rng): string {
  const seed = rng.pick(SEEDS);
  const roll = rng.float();
  if (roll < 0.05) return seed;
  if (roll < 0.65) {
    let text = JSON.stringify(mutateJson(rng, JSON.parse(seed) as Json, 3));
    if (rng.chance(0.2))
      text = text.replace(
        /"allocationTimestamp":[^,}]*/,
        `"allocationTimestamp":${rng.pick(['1714560000123456789', '-1', '1.5', '1e3', '99999999999999999999999', '"1"', '0x10', '00', '1-2'])}`,
      );
    return text;
  }
  if (roll < 0.95) return mutateText(rng, seed);
  return mutateText(rng, JSON.stringify(mutateJson(rng, JSON.parse(seed) as Json, 2)));
}

/** parseCheckpoint's contract on one text: data or a typed error. */
function parse(text: string, note: Note): CheckpointData | undefined {
  try {
    return parseCheckpoint(text);
  } catch (error) {
    assert.ok(
      error instanceof IpamError,
      `untyped ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
    );
    assert.ok(error.code === 'CHECKPOINT_INVALID' || error.code === 'CHECKPOINT_VERSION', error.code);
    note('error', error.message);
    return undefined;
  }
}

describe('fuzz: IPAM checkpoints', () => {
  it('damaged checkpoints → data that round-trips, or CHECKPOINT_INVALID/VERSION; restore succeeds cleanly or changes nothing', async () => {
    const outcomes = { invalid: 0, restored: 0, conflict: 0 };
    await runCases('checkpoint/datastore', fuzzCases(3000), (rng, note) => {
      const text = damaged(rng);
      note('checkpoint', text);
      const data = parse(text, note);
      if (data === undefined) {
        outcomes.invalid += 1;
        return;
      }
      const again = serializeCheckpoint(data);
      note('serialized', again);
      const reread = parseCheckpoint(again);
      assert.equal(reread.allocations.length, data.allocations.length);
      assert.equal(
        serializeCheckpoint(reread),
        again,
        'what parses re-serializes to the same text (rows ordered by address)',
      );

      const { ds } = buildStore(LAYOUT);
      fill(ds, rng.int(6), 'live');
      const before = ds.snapshot();
      const allocationsBefore = ds.allocations();
      try {
        const result = ds.restore(data.allocations);
        outcomes.restored += 1;
        assert.equal(
          result.restored.length + result.dropped.length,
          data.allocations.length,
          'every entry is restored or dropped',
        );
        const addresses = ds.allocations().map((a) => a.address);
        assert.equal(new Set(addresses).size, addresses.length, 'no address is held twice');
        assert.equal(addresses.length, allocationsBefore.length + result.restored.length);
      } catch (error) {
        assert.ok(error instanceof IpamError && error.code === 'CHECKPOINT_CONFLICT', `restore threw ${String(error)}`);
        outcomes.conflict += 1;
        assert.deepEqual(ds.snapshot(), before, 'a refused restore leaves the datastore as it was');
        assert.deepEqual(ds.allocations(), allocationsBefore);
      }
    });
    if (fuzzCases(3000) >= 1000)
      for (const [what, n] of Object.entries(outcomes))
        assert.ok(n > 0, `no case ended ${what}: ${JSON.stringify(outcomes)}`);
  });

  it(
    'ipamd on a damaged checkpoint starts with it or refuses (CHECKPOINT_RESTORE_FAILED) and leaves the file as it was',
    { timeout: 120_000 },
    async () => {
      const world = buildWorld();
      const first = world.ipamd();
      await first.start();
      await addPods(first, 'web', 4);
      await first.stop();
      const good = world.checkpoint.text;
      assert.ok(good !== undefined);
      const outcomes = { started: 0, refused: 0 };
      await runCases('checkpoint/ipamd', fuzzCases(120, true), async (rng, note) => {
        const text = rng.chance(0.5)
          ? mutateText(rng, good)
          : JSON.stringify(mutateJson(rng, JSON.parse(good) as Json, 2));
        note('checkpoint', text);
        world.checkpoint.text = text;
        const writes = world.checkpoint.writes;
        const ipamd = world.ipamd();
        try {
          await within(ipamd.start(), 30_000, 'ipamd.start');
          outcomes.started += 1;
          const held =
            ipamd
              .context()
              ?.node.datastore.allocations()
              .map((a) => a.address) ?? [];
          assert.equal(new Set(held).size, held.length, 'no address is held twice');
        } catch (error) {
          note('error', messageOf(error));
          assert.ok(error instanceof IpamdError, `start threw an untyped ${String(error)}`);
          assert.equal(error.code, 'CHECKPOINT_RESTORE_FAILED');
          outcomes.refused += 1;
          assert.equal(world.checkpoint.text, text, 'a refused checkpoint is not rewritten');
          assert.equal(world.checkpoint.writes, writes);
        } finally {
          await ipamd.stop();
          world.checkpoint.text = good;
        }
      });
      if (fuzzCases(120, true) >= 50) assert.ok(outcomes.started > 0 && outcomes.refused > 0, JSON.stringify(outcomes));
    },
  );
});
