// DescribeInstanceTypes through the SDK adapter against the embedded VPC (a type of the table, a type newer than the
// table that this EC2 knows, a type nobody knows), and the mapping's refusals of answers ipamd cannot size from.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { requireInstanceLimits, type InstanceLimits } from '../../limits/index.js';
import { isCloudError } from '../errors.js';
import { toInstanceLimits } from './instance-types.js';
import { startCloudFixture } from './sim-fixture.test-util.js';
import { suiteFixture } from '../../suite-fixture.test-util.js';

const NEWER: InstanceLimits = {
  instanceType: 'm99.large',
  maxEnis: 4,
  ipv4PerEni: 15,
  ipv6PerEni: 15,
  hypervisor: 'nitro',
  bareMetal: false,
  defaultNetworkCardIndex: 0,
  networkCards: [
    { index: 0, maxEnis: 4 },
    { index: 1, maxEnis: 2 },
  ],
  branchInterfaces: null,
  vcpus: 2,
};

describe('Ec2Api.describeInstanceType on the embedded VPC', () => {
  const fx = suiteFixture(async () => {
    const started = await startCloudFixture();
    started.sim.store.extraInstanceTypes.set(NEWER.instanceType, NEWER);
    return started;
  });

  it('maps a table type as the table has it (default card ENIs, not the total over cards)', async () => {
    const table = requireInstanceLimits('c6in.32xlarge');
    const got = await fx.ec2().describeInstanceType('c6in.32xlarge');
    assert.ok(got !== undefined);
    assert.deepEqual({ ...got, branchInterfaces: table.branchInterfaces, ipv6PerEni: table.ipv6PerEni }, table);
  });

  it('knows a type newer than the table when EC2 does; undefined when EC2 does not either', async () => {
    assert.deepEqual(await fx.ec2().describeInstanceType('m99.large'), NEWER);
    assert.equal(await fx.ec2().describeInstanceType('zz1.nano'), undefined);
  });
});

describe('toInstanceLimits', () => {
  const base = {
    InstanceType: 'm99.large',
    NetworkInfo: { MaximumNetworkInterfaces: 3, Ipv4AddressesPerInterface: 10 },
  } as const;

  it('without card details, one default card with all the ENIs; hypervisor unknown when absent', () => {
    assert.deepEqual(toInstanceLimits(base as never, 'DescribeInstanceTypes'), {
      instanceType: 'm99.large',
      maxEnis: 3,
      ipv4PerEni: 10,
      ipv6PerEni: null,
      hypervisor: 'unknown',
      bareMetal: false,
      defaultNetworkCardIndex: 0,
      networkCards: [{ index: 0, maxEnis: 3 }],
      branchInterfaces: null,
      vcpus: null,
    });
  });

  const refused: [string, unknown][] = [
    ['no answer', undefined],
    ['no name', { NetworkInfo: base.NetworkInfo }],
    ['no ENI count', { InstanceType: 'm99.large', NetworkInfo: { Ipv4AddressesPerInterface: 10 } }],
    [
      'zero addresses per ENI',
      { InstanceType: 'm99.large', NetworkInfo: { MaximumNetworkInterfaces: 3, Ipv4AddressesPerInterface: 0 } },
    ],
    [
      'a fractional ENI count',
      { InstanceType: 'm99.large', NetworkInfo: { MaximumNetworkInterfaces: 2.5, Ipv4AddressesPerInterface: 10 } },
    ],
  ];
  for (const [name, info] of refused) {
    it(`refuses ${name} with CLOUD_EC2_ERROR`, () => {
      assert.throws(
        () => toInstanceLimits(info as never, 'DescribeInstanceTypes'),
        (e) => isCloudError(e, 'CLOUD_EC2_ERROR') && /DescribeInstanceTypes answered without/.test(e.message),
      );
    });
  }
});
