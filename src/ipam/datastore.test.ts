import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { assertIpamError, buildStore, fill, onePrefixStore, podKey } from './datastore-fixtures.test-util.js';

describe('Datastore.assign / unassign', () => {
  it('[behaviour §3.8] idempotent ADD for the same key returns the same address and changes nothing', () => {
    const { ds, clock } = onePrefixStore();
    const first = ds.assign(podKey('c1'), { k8sPodName: 'web-1' });
    clock.advance(5_000);
    const again = ds.assign(podKey('c1'), { k8sPodName: 'other' });
    assert.deepEqual(again, { ...first, alreadyAssigned: true });
    assert.equal(first.alreadyAssigned, false);
    assert.equal(ds.stats().assignedIPs, 1);
    assert.deepEqual(ds.findByKey(podKey('c1'))?.metadata, { k8sPodName: 'web-1' });
    assert.equal(ds.findByKey(podKey('c1'))?.assignedTime, 1_000_000);
  });

  it('[behaviour §3.8] a different ifName of the same container is a different key', () => {
    const { ds } = buildStore({
      prefixDelegation: false,
      enis: [{ id: 'eni-a', deviceNumber: 0, cidrs: ['10.0.0.5/32', '10.0.0.6/32'] }],
    });
    assert.equal(ds.assign(podKey('c1', 'eth0')).address, '10.0.0.5');
    assert.equal(ds.assign(podKey('c1', 'eth1')).address, '10.0.0.6');
  });

  it('[behaviour §3.8] DEL of an unknown key returns undefined, and DEL twice is harmless', () => {
    const { ds } = onePrefixStore();
    assert.equal(ds.unassign(podKey('nobody')), undefined);
    ds.assign(podKey('c1'));
    assert.notEqual(ds.unassign(podKey('c1')), undefined);
    assert.equal(ds.unassign(podKey('c1')), undefined);
    assert.equal(ds.stats().assignedIPs, 0);
  });

  const interfaceCases = [
    { name: '[behaviour §3.8] unassign reports interfacesCount 1 when none was stored', metadata: {}, expected: 1 },
    {
      name: '[behaviour §3.8] unassign treats a stored interfacesCount 0 as 1',
      metadata: { interfacesCount: 0 },
      expected: 1,
    },
    {
      name: '[behaviour §3.8] unassign returns the stored interfacesCount',
      metadata: { interfacesCount: 3 },
      expected: 3,
    },
  ];
  for (const { name, metadata, expected } of interfaceCases) {
    it(name, () => {
      const { ds } = buildStore({
        prefixDelegation: false,
        enis: [{ id: 'eni-b', deviceNumber: 2, cidrs: ['10.0.1.9/32'] }],
      });
      ds.assign(podKey('c1'), metadata);
      assert.deepEqual(ds.unassign(podKey('c1')), {
        address: '10.0.1.9',
        eniId: 'eni-b',
        deviceNumber: 2,
        routeTableId: 3,
        interfacesCount: expected,
      });
    });
  }

  it('[behaviour §3.8] unassign falls back to the CRI-migrated key (_migrated-from-cri / unknown)', () => {
    const { ds } = buildStore({
      prefixDelegation: false,
      enis: [{ id: 'eni-a', deviceNumber: 0, cidrs: ['10.0.0.5/32'] }],
    });
    ds.restore([
      {
        networkName: '_migrated-from-cri',
        containerID: 'c1',
        ifName: 'unknown',
        ipv4: '10.0.0.5',
        allocationTimestamp: 0n,
      },
    ]);
    assert.equal(ds.findByKey(podKey('c1')), undefined);
    assert.equal(ds.unassign(podKey('c1'))?.address, '10.0.0.5');
    assert.equal(ds.stats().assignedIPs, 0);
  });
});

describe('Datastore cooldown (IP_COOLDOWN_PERIOD)', () => {
  for (const ipCooldownMs of [30_000, 5_000, 1]) {
    it(`[behaviour §3.8] a released address is not reused until exactly ${ipCooldownMs} ms have passed`, () => {
      const { ds, clock } = buildStore({
        prefixDelegation: false,
        ipCooldownMs,
        enis: [{ id: 'eni-a', deviceNumber: 0, cidrs: ['10.0.0.5/32'] }],
      });
      ds.assign(podKey('old'));
      clock.advance(1_000);
      ds.unassign(podKey('old'));
      clock.advance(ipCooldownMs - 1);
      const before = ds.snapshot();
      const error = assertIpamError(
        () => ds.assign(podKey('new')),
        'NO_AVAILABLE_ADDRESS',
        new RegExp(`^no free address: 0 of 1 assigned, 1 in cooldown until ${1_001_000 + ipCooldownMs}$`),
      );
      assert.deepEqual(error.details, {
        totalIPs: 1,
        assignedIPs: 0,
        cooldownIPs: 1,
        prefixDelegation: false,
        reuseAt: 1_001_000 + ipCooldownMs,
      });
      assert.deepEqual(ds.snapshot(), before);
      clock.advance(1);
      assert.equal(ds.assign(podKey('new')).address, '10.0.0.5');
    });
  }

  it('[behaviour §3.3] addresses in cooldown count as available but are reported as cooling', () => {
    const { ds } = onePrefixStore();
    fill(ds, 3);
    ds.unassign(podKey('pod1'));
    assert.deepEqual(ds.stats(), {
      totalIPs: 16,
      assignedIPs: 2,
      cooldownIPs: 1,
      availableIPs: 14,
      totalPrefixes: 1,
      freePrefixes: 0,
    });
  });

  it('[behaviour §3.8] a zero cooldown lets the same address be reused at once', () => {
    const { ds } = buildStore({
      prefixDelegation: false,
      ipCooldownMs: 0,
      enis: [{ id: 'eni-a', deviceNumber: 0, cidrs: ['10.0.0.5/32'] }],
    });
    ds.assign(podKey('old'));
    ds.unassign(podKey('old'));
    assert.equal(ds.assign(podKey('new')).address, '10.0.0.5');
  });

  it('[behaviour §3.8] released addresses whose cooldown ended are forgotten when their CIDR hands out an address', () => {
    const { ds, clock } = onePrefixStore();
    fill(ds, 3);
    ds.unassign(podKey('pod0'));
    ds.unassign(podKey('pod2'));
    clock.advance(30_000);
    assert.equal(ds.assign(podKey('next')).address, '10.0.0.0');
    const addresses = ds.eni('eni-a')?.cidrs[0]?.addresses.map((a) => a.address);
    assert.deepEqual(addresses, ['10.0.0.0', '10.0.0.1']);
  });
});

describe('Datastore address selection (deterministic rule)', () => {
  it('[behaviour §3.8] prefers the lowest device number, whatever the order ENIs were added in', () => {
    const { ds } = buildStore({
      prefixDelegation: false,
      enis: [
        { id: 'eni-c', deviceNumber: 2, cidrs: ['10.0.2.4/32'] },
        { id: 'eni-a', deviceNumber: 0, cidrs: ['10.0.9.9/32'] },
        { id: 'eni-b', deviceNumber: 1, cidrs: ['10.0.1.4/32'] },
      ],
    });
    assert.deepEqual(fill(ds, 3), ['10.0.9.9', '10.0.1.4', '10.0.2.4']);
    assert.deepEqual(
      ds.allocations().map((a) => a.deviceNumber),
      [0, 1, 2],
    );
  });

  it('[behaviour §3.8] packs pods into the fullest /28 of an ENI before an emptier one', () => {
    const { ds } = buildStore({
      prefixDelegation: true,
      enis: [{ id: 'eni-a', deviceNumber: 0, cidrs: ['10.0.0.0/28', '10.0.0.16/28'] }],
    });
    const entry = (id: string, ipv4: string) => ({ ...podKey(id), ipv4, allocationTimestamp: 0n });
    ds.restore([entry('x', '10.0.0.3'), entry('y', '10.0.0.16'), entry('z', '10.0.0.17')]);
    assert.equal(ds.assign(podKey('new')).address, '10.0.0.18');
  });

  it('[behaviour §3.8] breaks ties between equally full /28s by the lower address', () => {
    const { ds } = buildStore({
      prefixDelegation: true,
      enis: [{ id: 'eni-a', deviceNumber: 0, cidrs: ['10.0.0.32/28', '10.0.0.16/28'] }],
    });
    assert.equal(ds.assign(podKey('first')).address, '10.0.0.16');
  });

  it('[behaviour §3.8] a /28 hands out all 16 addresses, from its network address upwards', () => {
    const { ds } = buildStore({
      prefixDelegation: true,
      enis: [{ id: 'eni-a', deviceNumber: 0, cidrs: ['10.0.0.16/28'] }],
    });
    const addresses = fill(ds, 16);
    assert.equal(addresses[0], '10.0.0.16');
    assert.equal(addresses[15], '10.0.0.31');
    assert.equal(new Set(addresses).size, 16);
  });

  it('[behaviour §3.8] takes the lowest address that is neither assigned nor cooling down', () => {
    const { ds } = onePrefixStore();
    fill(ds, 3);
    ds.unassign(podKey('pod1'));
    assert.equal(ds.assign(podKey('new')).address, '10.0.0.3');
  });

  const modeCases = [
    {
      name: '[behaviour §3.8] prefix delegation uses only /28 prefixes',
      prefixDelegation: true,
      address: '10.0.0.16',
      totalIPs: 16,
    },
    {
      name: '[behaviour §3.8] secondary-IP mode uses only /32 addresses',
      prefixDelegation: false,
      address: '10.0.0.5',
      totalIPs: 1,
    },
  ];
  for (const { name, prefixDelegation, address, totalIPs } of modeCases) {
    it(name, () => {
      const { ds } = buildStore({
        prefixDelegation,
        enis: [{ id: 'eni-a', deviceNumber: 0, cidrs: ['10.0.0.5/32', '10.0.0.16/28'] }],
      });
      assert.equal(ds.assign(podKey('c1')).address, address);
      assert.deepEqual(ds.stats(), {
        totalIPs,
        assignedIPs: 1,
        cooldownIPs: 0,
        availableIPs: totalIPs - 1,
        totalPrefixes: 1,
        freePrefixes: prefixDelegation ? 0 : 1,
      });
    });
  }

  it('[behaviour §3.8] skips ENIs excluded for pod IPs; [behaviour §3.3] does not count them except in totalPrefixes/freePrefixes', () => {
    const { ds } = buildStore({
      prefixDelegation: true,
      enis: [
        { id: 'eni-a', deviceNumber: 0, cidrs: ['10.0.0.0/28'], excluded: true },
        { id: 'eni-b', deviceNumber: 1, cidrs: ['10.0.1.0/28'] },
      ],
    });
    assert.equal(ds.assign(podKey('c1')).eniId, 'eni-b');
    assert.deepEqual(ds.stats(), {
      totalIPs: 16,
      assignedIPs: 1,
      cooldownIPs: 0,
      availableIPs: 15,
      totalPrefixes: 2,
      freePrefixes: 1,
    });
    ds.setExcluded('eni-b', true);
    assertIpamError(() => ds.assign(podKey('c2')), 'NO_AVAILABLE_ADDRESS', /no \/28 prefixes on ENIs usable for pods/);
    ds.setExcluded('eni-a', false);
    assert.equal(ds.assign(podKey('c2')).address, '10.0.0.0');
  });
});

describe('Datastore exhaustion', () => {
  it('[behaviour §3.8] an exhausted pool throws NO_AVAILABLE_ADDRESS, CNI code 11, with counts, and changes nothing', () => {
    const { ds } = onePrefixStore();
    fill(ds, 16);
    const before = ds.snapshot();
    const error = assertIpamError(
      () => ds.assign(podKey('one-too-many')),
      'NO_AVAILABLE_ADDRESS',
      /^no free address: 16 of 16 assigned$/,
    );
    assert.equal(error.cniCode, 11);
    assert.deepEqual(error.details, { totalIPs: 16, assignedIPs: 16, cooldownIPs: 0, prefixDelegation: true });
    assert.deepEqual(ds.snapshot(), before);
  });

  it('[behaviour §3.8] an empty pool says that no secondary IPs exist', () => {
    const { ds } = buildStore({ prefixDelegation: false, enis: [{ id: 'eni-a', deviceNumber: 0 }] });
    assertIpamError(() => ds.assign(podKey('c1')), 'NO_AVAILABLE_ADDRESS', /no secondary IPs on ENIs usable for pods/);
  });
});

describe('Datastore.stats [behaviour §3.3]', () => {
  it('[behaviour §3.3] freePrefixes counts prefixes without assigned addresses on every ENI', () => {
    const { ds } = buildStore({
      prefixDelegation: true,
      enis: [
        { id: 'eni-a', deviceNumber: 0, cidrs: ['10.0.0.0/28', '10.0.0.16/28'] },
        { id: 'eni-b', deviceNumber: 1, cidrs: ['10.0.1.0/28'] },
      ],
    });
    fill(ds, 17);
    ds.unassign(podKey('pod16'));
    assert.deepEqual(ds.stats(), {
      totalIPs: 48,
      assignedIPs: 16,
      cooldownIPs: 1,
      availableIPs: 32,
      totalPrefixes: 3,
      freePrefixes: 2,
    });
  });
});
