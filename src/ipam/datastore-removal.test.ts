import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { assertIpamError, buildStore, eniSpec, fill, podKey } from './datastore-fixtures.test-util.js';
import type { Datastore } from './datastore.js';
import type { IpamErrorCode } from './errors.js';

function twoEniStore(): Datastore {
  return buildStore({
    prefixDelegation: true,
    enis: [
      { id: 'eni-a', deviceNumber: 0, cidrs: ['10.0.0.0/28'] },
      { id: 'eni-b', deviceNumber: 1, cidrs: ['10.0.1.0/28', '10.0.1.16/28'] },
    ],
  }).ds;
}

describe('Datastore ENIs and CIDRs: refused changes leave the state unchanged', () => {
  const cases: { name: string; code: IpamErrorCode; message?: RegExp; act: (ds: Datastore) => unknown }[] = [
    {
      name: '[behaviour §3.9] adding an ENI twice is DUPLICATE_ENI',
      code: 'DUPLICATE_ENI',
      act: (ds) => ds.addEni(eniSpec('eni-a', 5)),
    },
    {
      name: '[behaviour §3.9] adding a CIDR to an unknown ENI is ENI_NOT_FOUND',
      code: 'ENI_NOT_FOUND',
      act: (ds) => ds.addCidr('eni-x', '10.0.2.0/28'),
    },
    {
      name: '[behaviour §3.9] removing an unknown ENI is ENI_NOT_FOUND',
      code: 'ENI_NOT_FOUND',
      act: (ds) => ds.removeEni('eni-x', { force: true }),
    },
    {
      name: '[behaviour §3.9] excluding an unknown ENI is ENI_NOT_FOUND',
      code: 'ENI_NOT_FOUND',
      act: (ds) => ds.setExcluded('eni-x', true),
    },
    {
      name: '[behaviour §3.9] the same /28 twice on one ENI is DUPLICATE_CIDR',
      code: 'DUPLICATE_CIDR',
      message: /already on ENI eni-a/,
      act: (ds) => ds.addCidr('eni-a', '10.0.0.0/28'),
    },
    {
      name: '[behaviour §3.9] a /28 already on another ENI is DUPLICATE_CIDR',
      code: 'DUPLICATE_CIDR',
      message: /already on ENI eni-b/,
      act: (ds) => ds.addCidr('eni-a', '10.0.1.16/28'),
    },
    {
      name: '[behaviour §3.9] a /32 inside a known /28 is DUPLICATE_CIDR',
      code: 'DUPLICATE_CIDR',
      message: /overlaps 10\.0\.0\.0\/28/,
      act: (ds) => ds.addCidr('eni-b', '10.0.0.7/32'),
    },
    {
      name: '[behaviour §3.9] a /28 not aligned on 16 addresses is INVALID_ADDRESS_BLOCK',
      code: 'INVALID_ADDRESS_BLOCK',
      message: /host bits/,
      act: (ds) => ds.addCidr('eni-a', '10.0.3.8/28'),
    },
    {
      name: '[behaviour §3.9] a /27 is INVALID_ADDRESS_BLOCK',
      code: 'INVALID_ADDRESS_BLOCK',
      message: /is a \/27/,
      act: (ds) => ds.addCidr('eni-a', '10.0.3.0/27'),
    },
    {
      name: '[behaviour §3.9] a bare address is INVALID_ADDRESS_BLOCK',
      code: 'INVALID_ADDRESS_BLOCK',
      act: (ds) => ds.addCidr('eni-a', '10.0.3.1'),
    },
    {
      name: '[behaviour §3.9] garbage is INVALID_ADDRESS_BLOCK',
      code: 'INVALID_ADDRESS_BLOCK',
      act: (ds) => ds.addCidr('eni-a', '10.0.3.x/32'),
    },
    {
      name: '[behaviour §3.7] removing a CIDR the ENI lacks is CIDR_NOT_FOUND',
      code: 'CIDR_NOT_FOUND',
      act: (ds) => ds.removeCidr('eni-a', '10.0.1.0/28'),
    },
    {
      name: '[behaviour §3.7] unforced removal of a CIDR with pods is CIDR_IN_USE',
      code: 'CIDR_IN_USE',
      message: /2 pod/,
      act: (ds) => ds.removeCidr('eni-a', '10.0.0.0/28'),
    },
    {
      name: '[behaviour §3.7] unforced removal of an ENI with pods is ENI_IN_USE',
      code: 'ENI_IN_USE',
      message: /2 pod/,
      act: (ds) => ds.removeEni('eni-a'),
    },
  ];
  for (const { name, code, message, act } of cases) {
    it(name, () => {
      const ds = twoEniStore();
      fill(ds, 2);
      const before = ds.snapshot();
      assertIpamError(() => act(ds), code, message);
      assert.deepEqual(ds.snapshot(), before);
    });
  }
});

describe('Datastore removals', () => {
  it('[behaviour §3.10] forced removal of a CIDR with pods returns the lost addresses and the pods that lost theirs', () => {
    const ds = twoEniStore();
    fill(ds, 2);
    const result = ds.removeCidr('eni-a', '10.0.0.0/28', { force: true });
    assert.equal(result.removedIps, 16);
    assert.deepEqual(
      result.removedPods.map((p) => [p.key.containerID, p.address, p.cidr]),
      [
        ['pod0', '10.0.0.0', '10.0.0.0/28'],
        ['pod1', '10.0.0.1', '10.0.0.0/28'],
      ],
    );
    assert.equal(ds.findByKey(podKey('pod0')), undefined);
    assert.equal(ds.unassign(podKey('pod0')), undefined);
    assert.deepEqual(ds.stats(), {
      totalIPs: 32,
      assignedIPs: 0,
      cooldownIPs: 0,
      availableIPs: 32,
      totalPrefixes: 2,
      freePrefixes: 2,
    });
  });

  it('[behaviour §3.10] forced removal of an ENI with pods returns every address it held and its pods', () => {
    const ds = twoEniStore();
    ds.setExcluded('eni-a', true);
    fill(ds, 17);
    const result = ds.removeEni('eni-b', { force: true });
    assert.equal(result.removedIps, 32);
    assert.equal(result.removedPods.length, 17);
    assert.ok(result.removedPods.every((p) => p.eniId === 'eni-b' && p.deviceNumber === 1 && p.routeTableId === 2));
    assert.equal(ds.hasEni('eni-b'), false);
    assert.deepEqual(ds.allocations(), []);
  });

  it('[behaviour §3.7] an ENI or CIDR without pods goes without force, even with addresses in cooldown', () => {
    const ds = twoEniStore();
    fill(ds, 1);
    ds.unassign(podKey('pod0'));
    assert.deepEqual(ds.removeCidr('eni-a', '10.0.0.0/28'), { removedIps: 16, removedPods: [] });
    assert.deepEqual(ds.removeEni('eni-b'), { removedIps: 32, removedPods: [] });
    assert.deepEqual(
      ds.snapshot().enis.map((e) => e.id),
      ['eni-a'],
    );
  });

  it('[behaviour §3.7] removeCidr accepts the CIDR text in any spelling parseCidr accepts for the same block', () => {
    const { ds } = buildStore({
      prefixDelegation: false,
      enis: [{ id: 'eni-a', deviceNumber: 0, cidrs: ['10.0.0.5/32'] }],
    });
    assert.equal(ds.removeCidr('eni-a', '10.0.0.5/32').removedIps, 1);
    assert.deepEqual(ds.eni('eni-a')?.cidrs, []);
  });
});

describe('Datastore snapshot and views', () => {
  it('[behaviour §3.9] snapshot orders ENIs by device number and CIDRs and addresses by address, with counts', () => {
    const { ds, clock } = buildStore({
      prefixDelegation: true,
      enis: [
        { id: 'eni-b', deviceNumber: 1, cidrs: ['10.0.1.16/28', '10.0.1.0/28'] },
        { id: 'eni-a', deviceNumber: 0, cidrs: ['10.0.0.40/32', '10.0.0.0/28'] },
      ],
    });
    fill(ds, 3);
    ds.unassign(podKey('pod1'));
    clock.advance(10);
    const snapshot = ds.snapshot();
    assert.equal(snapshot.takenAt, 1_000_010);
    assert.deepEqual(
      snapshot.enis.map((e) => [e.id, e.cidrs.map((c) => c.cidr)]),
      [
        ['eni-a', ['10.0.0.0/28', '10.0.0.40/32']],
        ['eni-b', ['10.0.1.0/28', '10.0.1.16/28']],
      ],
    );
    const prefix = snapshot.enis[0]?.cidrs[0];
    assert.deepEqual(
      { ...prefix, addresses: prefix?.addresses.map((a) => a.address) },
      {
        cidr: '10.0.0.0/28',
        isPrefix: true,
        size: 16,
        assignedCount: 2,
        cooldownCount: 1,
        addresses: ['10.0.0.0', '10.0.0.1', '10.0.0.2'],
      },
    );
    assert.deepEqual(prefix?.addresses[1], { address: '10.0.0.1', assignedTime: 1_000_000, unassignedTime: 1_000_000 });
    assert.deepEqual(snapshot.enis[1], {
      ...eniSpec('eni-b', 1),
      isExcludedForPodIPs: false,
      createTime: 1_000_000,
      cidrs: snapshot.enis[1]?.cidrs,
    });
    assert.equal(snapshot.stats.totalPrefixes, 3);
  });

  it('[behaviour §3.9] a snapshot is a deep copy: changing it does not change the store', () => {
    const ds = twoEniStore();
    fill(ds, 1);
    const snapshot = ds.snapshot();
    const expected = ds.snapshot();
    const eni = snapshot.enis[0] as unknown as {
      id: string;
      cidrs: { addresses: { ipamKey: { containerID: string } }[] }[];
    };
    eni.id = 'eni-mutated';
    const address = eni.cidrs[0]?.addresses[0];
    if (address) address.ipamKey.containerID = 'mutated';
    (snapshot.enis as unknown[]).length = 0;
    assert.deepEqual(ds.snapshot(), expected);
    assert.notEqual(ds.findByKey(podKey('pod0')), undefined);
  });

  it('[behaviour §3.9] views returned by findByKey and allocations are copies too', () => {
    const ds = twoEniStore();
    fill(ds, 1);
    const found = ds.findByKey(podKey('pod0')) as unknown as { key: { containerID: string } };
    found.key.containerID = 'mutated';
    assert.equal(ds.allocations()[0]?.key.containerID, 'pod0');
    assert.equal(ds.eni('eni-x'), undefined);
  });
});
