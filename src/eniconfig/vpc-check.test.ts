// An ENIConfig checked against the node's VPC: each mistake users make gives one precise reason.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import type { Ec2Subnet } from '../cloud/ec2/port.js';
import { POD_SUBNET } from './eniconfig.test-util.js';
import { eniConfig } from './types.js';
import { validateEniConfig, type VpcFacts } from './vpc-check.js';

/** The pod subnet with every usable address of its /19 free (8192 less the 5 AWS reserves). */
const SUBNET_A: Ec2Subnet = { ...POD_SUBNET, availableIpAddressCount: 8187 };
const SG = 'sg-00000000000000001';
const FACTS: VpcFacts = { nodeAz: 'us-west-2a', vpcId: 'vpc-1', subnets: [SUBNET_A], securityGroupIds: new Set([SG]) };

function check(
  spec: { subnet: string; securityGroups?: string[] },
  facts: Partial<VpcFacts> = {},
  drop: readonly (keyof VpcFacts)[] = [],
): { code: string; message: string }[] {
  const merged: Record<string, unknown> = { ...FACTS, ...facts };
  for (const key of drop) delete merged[key];
  return validateEniConfig(eniConfig('pods', spec), merged as unknown as VpcFacts);
}

describe('validateEniConfig', () => {
  it('accepts a subnet of the node zone and VPC with known groups', () => {
    assert.deepEqual(check({ subnet: SUBNET_A.id, securityGroups: [SG] }), []);
    assert.deepEqual(check({ subnet: SUBNET_A.id }), []);
  });

  it('subnet not found', () => {
    assert.deepEqual(check({ subnet: 'subnet-0000000000000000f' }), [
      {
        code: 'ENICONFIG_SUBNET_NOT_FOUND',
        message:
          "ENIConfig 'pods': subnet subnet-0000000000000000f does not exist (EC2 describes no such subnet in this region and account)",
      },
    ]);
  });

  it('subnet in another zone names both zones', () => {
    const [problem, ...rest] = check({ subnet: SUBNET_A.id }, { nodeAz: 'us-west-2b' });
    assert.deepEqual(rest, []);
    assert.equal(problem?.code, 'ENICONFIG_SUBNET_WRONG_AZ');
    assert.match(
      problem?.message ?? '',
      /^ENIConfig 'pods': subnet subnet-0000000000000000a is in us-west-2a but this node is in us-west-2b; /,
    );
  });

  it('subnet of another VPC', () => {
    assert.deepEqual(
      check({ subnet: SUBNET_A.id }, { vpcId: 'vpc-2' }).map((p) => p.code),
      ['ENICONFIG_SUBNET_WRONG_VPC'],
    );
    assert.match(
      check({ subnet: SUBNET_A.id }, { vpcId: 'vpc-2' })[0]?.message ?? '',
      /belongs to vpc-1, not to this node's VPC vpc-2/,
    );
  });

  it('unknown security group, and one of another VPC (when EC2 described it)', () => {
    assert.deepEqual(check({ subnet: SUBNET_A.id, securityGroups: [SG, 'sg-00000000000000009'] }), [
      {
        code: 'ENICONFIG_SECURITY_GROUP_NOT_FOUND',
        message: "ENIConfig 'pods': security group sg-00000000000000009 does not exist in this node's VPC vpc-1",
      },
    ]);
    const other = { id: 'sg-00000000000000002', vpcId: 'vpc-9', name: 'elsewhere' };
    const problems = check({ subnet: SUBNET_A.id, securityGroups: [other.id] }, { securityGroups: [other] }, [
      'securityGroupIds',
    ]);
    assert.deepEqual(
      problems.map((p) => p.code),
      ['ENICONFIG_SECURITY_GROUP_WRONG_VPC'],
    );
    assert.match(problems[0]?.message ?? '', /sg-00000000000000002 \(elsewhere\) belongs to vpc-9/);
  });

  it('groups are not checked when nothing was described', () => {
    assert.deepEqual(
      check({ subnet: SUBNET_A.id, securityGroups: ['sg-00000000000000009'] }, {}, ['securityGroupIds']),
      [],
    );
  });

  it('full or too small subnets', () => {
    const full = { ...SUBNET_A, availableIpAddressCount: 0 };
    assert.deepEqual(check({ subnet: SUBNET_A.id }, { subnets: [full] }), [
      {
        code: 'ENICONFIG_SUBNET_FULL',
        message:
          "ENIConfig 'pods': subnet subnet-0000000000000000a (100.64.0.0/19) has 0 free addresses; a new ENI needs at least 1",
      },
    ]);
    assert.equal(check({ subnet: SUBNET_A.id }, { minFreeAddresses: 10_000 })[0]?.code, 'ENICONFIG_SUBNET_FULL');
    const tiny = { ...SUBNET_A, cidr: '100.64.0.0/28', availableIpAddressCount: 11 };
    assert.match(
      check({ subnet: SUBNET_A.id }, { subnets: [tiny], prefixDelegation: true })[0]?.message ?? '',
      /too small for prefix delegation/,
    );
    assert.deepEqual(check({ subnet: SUBNET_A.id }, { subnets: [tiny] }), []);
  });

  it('reports every problem at once', () => {
    const codes = check(
      { subnet: SUBNET_A.id, securityGroups: ['sg-00000000000000009'] },
      { nodeAz: 'us-west-2c', vpcId: 'vpc-2', securityGroupIds: new Set() },
    ).map((p) => p.code);
    assert.deepEqual(codes, [
      'ENICONFIG_SUBNET_WRONG_VPC',
      'ENICONFIG_SUBNET_WRONG_AZ',
      'ENICONFIG_SECURITY_GROUP_NOT_FOUND',
    ]);
  });
});
