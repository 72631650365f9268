import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DescribeInstanceTypesCommand, paginateDescribeInstanceTypes, type _InstanceType } from '@aws-sdk/client-ec2';
import { architectureOf, isCurrentGeneration } from './instance-types.js';
import { instanceWorld, rejection, startInstanceServer } from './instances.test-util.js';
import { suiteFixture } from '../../../suite-fixture.test-util.js';

describe('DescribeInstanceTypes through the SDK', () => {
  const sim = suiteFixture(() => startInstanceServer(instanceWorld().store));
  const describeOne = async (type: string) => {
    const out = await sim.client.send(new DescribeInstanceTypesCommand({ InstanceTypes: [type as _InstanceType] }));
    assert.equal(out.InstanceTypes?.length, 1);
    return out.InstanceTypes?.[0] ?? assert.fail('no type');
  };

  it('m5.large: 3 ENIs of 10 IPv4 addresses, nitro', async () => {
    const t = await describeOne('m5.large');
    assert.equal(t.InstanceType, 'm5.large');
    assert.equal(t.Hypervisor, 'nitro');
    assert.equal(t.BareMetal, false);
    assert.equal(t.CurrentGeneration, true);
    assert.equal(t.VCpuInfo?.DefaultVCpus, 2);
    assert.deepEqual(t.ProcessorInfo?.SupportedArchitectures, ['x86_64']);
    assert.equal(t.NetworkInfo?.MaximumNetworkInterfaces, 3);
    assert.equal(t.NetworkInfo?.Ipv4AddressesPerInterface, 10);
    assert.equal(t.NetworkInfo?.MaximumNetworkCards, 1);
    assert.equal(t.NetworkInfo?.DefaultNetworkCardIndex, 0);
    assert.deepEqual(t.NetworkInfo?.NetworkCards, [{ NetworkCardIndex: 0, MaximumNetworkInterfaces: 3 }]);
  });

  it('m5.metal: bare metal, no hypervisor', async () => {
    const t = await describeOne('m5.metal');
    assert.equal(t.BareMetal, true);
    assert.equal(t.Hypervisor, undefined);
    assert.equal(t.NetworkInfo?.MaximumNetworkInterfaces, 15);
    assert.equal(t.NetworkInfo?.Ipv4AddressesPerInterface, 50);
  });

  it('t2.medium: xen', async () => {
    const t = await describeOne('t2.medium');
    assert.equal(t.Hypervisor, 'xen');
    assert.equal(t.NetworkInfo?.Ipv4AddressesPerInterface, 6);
  });

  it('c6in.32xlarge: two network cards, MaximumNetworkInterfaces summed over them', async () => {
    const t = await describeOne('c6in.32xlarge');
    assert.equal(t.NetworkInfo?.MaximumNetworkCards, 2);
    assert.equal(t.NetworkInfo?.MaximumNetworkInterfaces, 16);
    assert.deepEqual(t.NetworkInfo?.NetworkCards, [
      { NetworkCardIndex: 0, MaximumNetworkInterfaces: 8 },
      { NetworkCardIndex: 1, MaximumNetworkInterfaces: 8 },
    ]);
  });

  it('names every unknown type in InvalidInstanceType', async () => {
    const one = await rejection(
      sim.client.send(new DescribeInstanceTypesCommand({ InstanceTypes: ['m9.huge' as _InstanceType] })),
    );
    assert.equal(one.name, 'InvalidInstanceType');
    assert.equal(one.message, 'The following supplied instance types do not exist: [m9.huge]');
    const two = await rejection(
      sim.client.send(
        new DescribeInstanceTypesCommand({ InstanceTypes: ['m5.large', 'x1.foo', 'y2.bar'] as _InstanceType[] }),
      ),
    );
    assert.equal(two.message, 'The following supplied instance types do not exist: [x1.foo, y2.bar]');
  });

  it('filters by instance-type wildcard, hypervisor and bare-metal', async () => {
    const names = async (filters: { Name: string; Values: string[] }[]) => {
      const out = await sim.client.send(new DescribeInstanceTypesCommand({ Filters: filters }));
      return (out.InstanceTypes ?? []).map((t) => t.InstanceType ?? '');
    };
    const m5 = await names([{ Name: 'instance-type', Values: ['m5.*'] }]);
    assert.ok(m5.includes('m5.large') && m5.includes('m5.metal'));
    assert.ok(m5.every((n) => n.startsWith('m5.')));
    assert.deepEqual(
      await names([
        { Name: 'instance-type', Values: ['m5.*'] },
        { Name: 'bare-metal', Values: ['true'] },
      ]),
      ['m5.metal'],
    );
    const xen = await names([
      { Name: 'instance-type', Values: ['t2.*'] },
      { Name: 'hypervisor', Values: ['xen'] },
    ]);
    assert.ok(xen.length > 0 && xen.every((n) => n.startsWith('t2.')));
    assert.deepEqual(
      await names([
        { Name: 'instance-type', Values: ['t2.*'] },
        { Name: 'hypervisor', Values: ['nitro'] },
      ]),
      [],
    );
  });

  it('pages 5..100 at a time with distinct tokens', async () => {
    const seen: string[] = [];
    for await (const page of paginateDescribeInstanceTypes(
      { client: sim.client, pageSize: 100 },
      { Filters: [{ Name: 'instance-type', Values: ['c5*'] }] },
    )) {
      assert.ok((page.InstanceTypes?.length ?? 0) <= 100);
      seen.push(...(page.InstanceTypes ?? []).map((t) => t.InstanceType ?? ''));
    }
    assert.equal(new Set(seen).size, seen.length);
    assert.ok(seen.length > 20);
    const tooMany = await rejection(sim.client.send(new DescribeInstanceTypesCommand({ MaxResults: 101 })));
    assert.equal(tooMany.name, 'InvalidParameterValue');
  });
});

describe('instance-type helpers', () => {
  it('derives the architecture from the family name', () => {
    const cases: [string, string][] = [
      ['m5.large', 'x86_64'],
      ['a1.large', 'arm64'],
      ['m6g.large', 'arm64'],
      ['c7gn.xlarge', 'arm64'],
      ['x2gd.large', 'arm64'],
      ['g5g.xlarge', 'arm64'],
      ['g4dn.xlarge', 'x86_64'],
      ['c6in.32xlarge', 'x86_64'],
    ];
    for (const [type, arch] of cases) assert.equal(architectureOf(type), arch, type);
  });

  it('marks old families as previous generation', () => {
    assert.equal(isCurrentGeneration('m1.small'), false);
    assert.equal(isCurrentGeneration('t2.medium'), true);
  });
});
