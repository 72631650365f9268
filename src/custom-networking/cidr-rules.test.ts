import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { vpcBlockStatus, type VpcBlocks } from './cidr-rules.js';
import { CustomNetworkingError } from './errors.js';

const vpc = (primary: string, ...more: [string, string][]): VpcBlocks => ({
  id: 'vpc-1',
  primary,
  blocks: [{ cidr: primary, state: 'associated' }, ...more.map(([cidr, state]) => ({ cidr, state }))],
});

const refused = (code: string, pattern: RegExp) => (error: unknown) => {
  assert.ok(error instanceof CustomNetworkingError);
  assert.equal(error.code, code);
  assert.match(error.message, pattern);
  return true;
};

describe('vpcBlockStatus (EC2 VPC CIDR rules, [ec2-imds §3.2])', () => {
  it('a new 100.64/10 block on a 10/8 VPC is allowed; one already there is associated or associating', () => {
    assert.deepEqual(vpcBlockStatus(vpc('10.11.0.0/16'), '100.64.0.0/16'), { kind: 'new' });
    assert.deepEqual(vpcBlockStatus(vpc('10.11.0.0/16', ['100.64.0.0/16', 'associated']), '100.64.0.0/16'), {
      kind: 'associated',
    });
    assert.deepEqual(vpcBlockStatus(vpc('10.11.0.0/16', ['100.64.0.0/16', 'associating']), '100.64.0.0/16'), {
      kind: 'associating',
    });
    // A disassociated block is history: associating it again is new.
    assert.deepEqual(vpcBlockStatus(vpc('10.11.0.0/16', ['100.64.0.0/16', 'disassociated']), '100.64.0.0/16'), {
      kind: 'new',
    });
  });

  it('refuses the primary block and any overlap', () => {
    assert.throws(
      () => vpcBlockStatus(vpc('10.11.0.0/16'), '10.11.0.0/16'),
      refused('CN_CIDR_OVERLAP', /the primary block of vpc-1/),
    );
    assert.throws(
      () => vpcBlockStatus(vpc('10.11.0.0/16'), '10.11.64.0/18'),
      refused('CN_CIDR_OVERLAP', /overlaps 10\.11\.0\.0\/16/),
    );
    assert.throws(
      () => vpcBlockStatus(vpc('10.11.0.0/16', ['100.64.0.0/17', 'associated']), '100.64.0.0/16'),
      refused('CN_CIDR_OVERLAP', /overlaps 100\.64\.0\.0\/17, a block of/),
    );
  });

  it("applies the association restriction table by the primary block's range", () => {
    assert.throws(
      () => vpcBlockStatus(vpc('10.11.0.0/16'), '192.168.0.0/16'),
      refused('CN_CIDR_NOT_ALLOWED', /192\.168\/16 block on a VPC whose primary block is in 10\/8/),
    );
    assert.throws(
      () => vpcBlockStatus(vpc('10.11.0.0/16'), '172.16.0.0/16'),
      refused('CN_CIDR_NOT_ALLOWED', /172\.16\/12/),
    );
    assert.throws(
      () => vpcBlockStatus(vpc('10.11.0.0/16'), '198.19.0.0/16'),
      refused('CN_CIDR_NOT_ALLOWED', /198\.19\/16/),
    );
    assert.throws(
      () => vpcBlockStatus(vpc('10.11.0.0/16'), '169.254.0.0/16'),
      refused('CN_CIDR_NOT_ALLOWED', /link-local/),
    );
    assert.deepEqual(vpcBlockStatus(vpc('10.11.0.0/16'), '10.12.0.0/16'), { kind: 'new' });
    assert.deepEqual(vpcBlockStatus(vpc('10.11.0.0/16'), '52.0.0.0/16'), { kind: 'new' });
    assert.deepEqual(vpcBlockStatus(vpc('172.20.0.0/16'), '100.64.0.0/16'), { kind: 'new' });
    assert.throws(
      () => vpcBlockStatus(vpc('172.20.0.0/16'), '172.31.0.0/16'),
      refused('CN_CIDR_NOT_ALLOWED', /172\.31\.0\.0\/16 cannot be added/),
    );
    assert.throws(
      () => vpcBlockStatus(vpc('10.1.0.0/16'), '10.0.0.0/16'),
      refused('CN_CIDR_NOT_ALLOWED', /10\.0\.0\.0\/15/),
    );
    assert.throws(
      () => vpcBlockStatus(vpc('192.168.0.0/24'), '10.0.0.0/16'),
      refused('CN_CIDR_NOT_ALLOWED', /10\/8 block/),
    );
  });

  it('refuses a sixth block, a bad size and host bits', () => {
    const full = vpc(
      '10.0.0.0/16',
      ['10.1.0.0/16', 'associated'],
      ['10.2.0.0/16', 'associated'],
      ['10.3.0.0/16', 'associated'],
      ['10.4.0.0/16', 'associated'],
    );
    assert.throws(() => vpcBlockStatus(full, '100.64.0.0/16'), refused('CN_CIDR_LIMIT', /already has 5 IPv4 blocks/));
    assert.throws(
      () => vpcBlockStatus(vpc('10.11.0.0/16'), '100.64.0.0/10'),
      refused('CN_CIDR_INVALID', /between \/16 and \/28/),
    );
    assert.throws(
      () => vpcBlockStatus(vpc('10.11.0.0/16'), '100.64.0.0/29'),
      refused('CN_CIDR_INVALID', /between \/16 and \/28/),
    );
    assert.throws(() => vpcBlockStatus(vpc('10.11.0.0/16'), '100.64.0.1/16'), refused('CN_CIDR_INVALID', /host bits/));
    assert.throws(
      () => vpcBlockStatus(vpc('10.11.0.0/16'), 'nonsense'),
      refused('CN_CIDR_INVALID', /not a valid IPv4 CIDR/),
    );
  });
});
