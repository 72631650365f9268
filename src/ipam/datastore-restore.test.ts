import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { parseCheckpoint, serializeCheckpoint, type CheckpointEntry } from './checkpoint.js';
import { assertIpamError, buildStore, fill, podKey, type StoreFixture } from './datastore-fixtures.test-util.js';

const LAYOUT: StoreFixture = {
  prefixDelegation: true,
  enis: [
    { id: 'eni-a', deviceNumber: 0, cidrs: ['10.0.0.0/28', '10.0.0.77/32'] },
    { id: 'eni-b', deviceNumber: 1, cidrs: ['10.0.1.0/28', '10.0.1.16/28'] },
  ],
};

const entry = (containerID: string, ipv4: string, extra: Partial<CheckpointEntry> = {}): CheckpointEntry => ({
  ...podKey(containerID),
  ipv4,
  allocationTimestamp: 1714560000123456789n,
  ...extra,
});

describe('Datastore.restore ([behaviour §8] step 3)', () => {
  it('[behaviour §8] round trip: serialize(toCheckpoint) → parse → restore into a fresh datastore gives an equal snapshot', () => {
    const { ds, clock } = buildStore(LAYOUT);
    fill(ds, 18);
    clock.advance(1_234);
    ds.assign(podKey('late'), { k8sPodNamespace: 'default', k8sPodName: 'late-0', interfacesCount: 2 });
    const text = serializeCheckpoint(ds.toCheckpoint());

    const fresh = buildStore(LAYOUT);
    fresh.clock.set(clock.now());
    const result = fresh.ds.restore(parseCheckpoint(text).allocations);
    assert.equal(result.restored.length, 19);
    assert.deepEqual(result.dropped, []);
    assert.deepEqual(fresh.ds.snapshot(), ds.snapshot());
    assert.equal(serializeCheckpoint(fresh.ds.toCheckpoint()), text);
  });

  it('[behaviour §8] toCheckpoint lists every assigned address, ordered by address, timestamps in nanoseconds', () => {
    const { ds, clock } = buildStore({ ...LAYOUT, startMs: 1714560000123 });
    ds.restore([entry('b', '10.0.1.3'), entry('x', '10.0.0.77')]);
    ds.assign(podKey('a'), { k8sPodName: 'a-0' });
    clock.advance(1);
    ds.assign(podKey('c'));
    ds.unassign(podKey('c'));
    assert.deepEqual(ds.toCheckpoint(), {
      version: 'vpc-cni-ipam/1',
      allocations: [
        {
          ...podKey('a'),
          ipv4: '10.0.0.0',
          allocationTimestamp: 1714560000123000000n,
          metadata: { k8sPodName: 'a-0' },
        },
        { ...podKey('x'), ipv4: '10.0.0.77', allocationTimestamp: 1714560000123000000n, metadata: {} },
        { ...podKey('b'), ipv4: '10.0.1.3', allocationTimestamp: 1714560000123000000n, metadata: {} },
      ],
    });
  });

  it('[behaviour §8] restored entries keep their key, metadata and assignment time (ns → ms, rounded down)', () => {
    const { ds } = buildStore(LAYOUT);
    const { restored } = ds.restore([
      entry('c1', '10.0.1.17', { metadata: { k8sPodNamespace: 'ns', k8sPodName: 'p', interfacesCount: 1 } }),
    ]);
    assert.deepEqual(restored, [
      {
        key: podKey('c1'),
        metadata: { k8sPodNamespace: 'ns', k8sPodName: 'p', interfacesCount: 1 },
        address: '10.0.1.17',
        cidr: '10.0.1.16/28',
        eniId: 'eni-b',
        deviceNumber: 1,
        routeTableId: 2,
        assignedTime: 1714560000123,
      },
    ]);
    assert.deepEqual(ds.assign(podKey('c1')), {
      address: '10.0.1.17',
      eniId: 'eni-b',
      deviceNumber: 1,
      routeTableId: 2,
      alreadyAssigned: true,
    });
  });

  it('[behaviour §8] entries outside every known CIDR are dropped as stale; IPv6-only entries are dropped too', () => {
    const { ds } = buildStore(LAYOUT);
    const gone = entry('gone', '10.0.9.9');
    const v6 = { ...podKey('v6'), ipv6: '2600::5', allocationTimestamp: 1n };
    const kept = entry('kept', '10.0.0.5');
    const result = ds.restore([gone, kept, v6]);
    assert.deepEqual(result.dropped, [
      { entry: gone, reason: 'outside-known-cidrs' },
      { entry: v6, reason: 'no-ipv4-address' },
    ]);
    assert.deepEqual(
      result.restored.map((a) => a.address),
      ['10.0.0.5'],
    );
    assert.deepEqual(
      ds.allocations().map((a) => a.key.containerID),
      ['kept'],
    );
  });

  it('[behaviour §8] restores into CIDRs of the other mode and on excluded ENIs (the pods are still there)', () => {
    const { ds } = buildStore({
      ...LAYOUT,
      enis: [{ id: 'eni-a', deviceNumber: 0, cidrs: ['10.0.0.0/28', '10.0.0.77/32'], excluded: true }],
    });
    const result = ds.restore([entry('sip', '10.0.0.77'), entry('pd', '10.0.0.3')]);
    assert.equal(result.restored.length, 2);
    assert.deepEqual(ds.stats(), {
      totalIPs: 0,
      assignedIPs: 0,
      cooldownIPs: 0,
      availableIPs: 0,
      totalPrefixes: 1,
      freePrefixes: 0,
    });
  });

  it('[behaviour §8] an address still cooling down may be restored (the checkpoint is the truth about pods)', () => {
    const { ds } = buildStore(LAYOUT);
    fill(ds, 1);
    ds.unassign(podKey('pod0'));
    assert.equal(ds.restore([entry('back', '10.0.0.0')]).restored.length, 1);
    assert.equal(ds.findByKey(podKey('back'))?.address, '10.0.0.0');
  });

  const conflicts: { name: string; entries: CheckpointEntry[]; message: RegExp }[] = [
    {
      name: '[behaviour §8] the same address twice in the checkpoint',
      entries: [entry('one', '10.0.0.4'), entry('two', '10.0.0.4')],
      message: /allocations\[1\]: address 10\.0\.0\.4 is already claimed by allocations\[0\]/,
    },
    {
      name: '[behaviour §8] the same key twice in the checkpoint',
      entries: [entry('one', '10.0.0.4'), entry('one', '10.0.0.5')],
      message: /allocations\[1\]: key aws-cni\/one\/eth0 is already claimed by allocations\[0\]/,
    },
    {
      name: '[behaviour §8] the same address twice, even outside known CIDRs',
      entries: [entry('one', '10.9.0.4'), entry('two', '10.9.0.4')],
      message: /address 10\.9\.0\.4 is already claimed/,
    },
    {
      name: '[behaviour §8] an address a pod in the datastore already holds',
      entries: [entry('fresh', '10.0.0.6'), entry('other', '10.0.0.0')],
      message: /allocations\[1\]: address 10\.0\.0\.0 is already claimed by the datastore \(eni-a\)/,
    },
    {
      name: '[behaviour §8] a key that already holds an address in the datastore',
      entries: [entry('fresh', '10.0.0.6'), entry('pod0', '10.0.0.9')],
      message: /allocations\[1\]: key aws-cni\/pod0\/eth0 is already claimed by the datastore/,
    },
  ];
  for (const { name, entries, message } of conflicts) {
    it(`${name} is CHECKPOINT_CONFLICT and restores nothing`, () => {
      const { ds } = buildStore(LAYOUT);
      fill(ds, 1);
      const before = ds.snapshot();
      assertIpamError(() => ds.restore(entries), 'CHECKPOINT_CONFLICT', message);
      assert.deepEqual(ds.snapshot(), before);
    });
  }

  it('[behaviour §8] a malformed checkpoint is rejected before the datastore is touched', () => {
    const { ds } = buildStore(LAYOUT);
    const before = ds.snapshot();
    const text =
      '{"version":"vpc-cni-ipam/1","allocations":[{"networkName":"aws-cni","ifName":"eth0","ipv4":"10.0.0.1","allocationTimestamp":1}]}';
    assertIpamError(() => ds.restore(parseCheckpoint(text).allocations), 'CHECKPOINT_INVALID', /containerID: missing/);
    assertIpamError(
      () => ds.restore([entry('bad', '10.0.0.x')]),
      'CHECKPOINT_INVALID',
      /'10\.0\.0\.x' is not an IPv4 address/,
    );
    assert.deepEqual(ds.snapshot(), before);
  });
});
