// Node start-up on an instance type newer than the built-in limits table ([behaviour §2.3] step 6, [pain-points §16]):
// ipamd asks EC2's DescribeInstanceTypes once and sizes the node from it; a table type costs no call; a type unknown
// to both fails start-up naming both sources; a failing DescribeInstanceTypes fails it naming the step.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import type { InstanceLimits } from '../../limits/index.js';
import { IpamdError } from '../errors.js';
import { buildWorld, withIpamd, type World } from '../../../test/support/virtual/world.js';

const NEWER: InstanceLimits = {
  instanceType: 'm99.large',
  maxEnis: 4,
  ipv4PerEni: 15,
  ipv6PerEni: null,
  hypervisor: 'nitro',
  bareMetal: false,
  defaultNetworkCardIndex: 0,
  networkCards: [{ index: 0, maxEnis: 4 }],
  branchInterfaces: null,
  vcpus: 2,
};

/** The world's node, relabelled as an instance of `type` (what IMDS and EC2 then report for it). */
function relabel(world: World, type: string, known?: InstanceLimits): void {
  if (known !== undefined) world.store.extraInstanceTypes.set(type, known);
  (world.instance as { instanceType: string }).instanceType = type;
}

/** Start-up over the world fails with IPAMD_INIT_FAILED and a message matching `why`. */
async function assertStartFails(world: World, why: RegExp): Promise<void> {
  await assert.rejects(
    world.ipamd().start(),
    (e) => e instanceof IpamdError && e.code === 'IPAMD_INIT_FAILED' && why.test(e.message),
  );
}

describe('instance limits at node start-up', () => {
  it('a table type: no DescribeInstanceTypes call', async () => {
    const world = buildWorld();
    await withIpamd(world, () => {
      assert.equal(world.ec2.count('DescribeInstanceTypes'), 0);
    });
  });

  it('a type newer than the table: sized from DescribeInstanceTypes, once, with a warning', async () => {
    const world = buildWorld();
    relabel(world, 'm99.large', NEWER);
    await withIpamd(world, (ipamd) => {
      assert.deepEqual(ipamd.context()?.node.limits, {
        maxEnis: 4,
        maxIpsPerEni: 14,
        ipv4PerEni: 15,
        maxPods: 4 * 14 + 2,
        trunkCompatible: true,
      });
      assert.equal(world.ec2.count('DescribeInstanceTypes'), 1);
      assert.ok(
        world.lines.some(
          (l) =>
            l.level === 'warn' &&
            /m99\.large is not in the built-in limits table: using EC2's DescribeInstanceTypes \(4 ENIs × 15/.test(
              l.msg,
            ),
        ),
      );
    });
  });

  it('a type unknown to the table and to EC2: start-up fails naming both', async () => {
    const world = buildWorld();
    relabel(world, 'zz1.nano');
    await assertStartFails(
      world,
      /unknown instance type 'zz1\.nano'.*EC2's DescribeInstanceTypes does not know it either/,
    );
  });

  it('a throttled DescribeInstanceTypes: start-up fails naming the step and the EC2 error', async () => {
    const world = buildWorld();
    relabel(world, 'm99.large', NEWER);
    world.ec2.failNext('DescribeInstanceTypes', 'CLOUD_THROTTLED', 'RequestLimitExceeded');
    await assertStartFails(
      world,
      /looking up the instance limits: DescribeInstanceTypes: injected RequestLimitExceeded/,
    );
  });
});
