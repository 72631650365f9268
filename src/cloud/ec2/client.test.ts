import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { eniSettings } from '../../sim/index.js';
import { isCloudError } from '../errors.js';
import { waitForEniInImds } from '../imds/wait.js';
import { startCloudFixture } from './sim-fixture.test-util.js';
import { suiteFixture } from '../../suite-fixture.test-util.js';

/** The lowest device index not in use on card 0, as the reference picks it. */
function freeDeviceIndex(used: readonly { networkCardIndex: number; deviceIndex: number }[]): number {
  for (let i = 0; i < 100; i++) if (!used.some((d) => d.networkCardIndex === 0 && d.deviceIndex === i)) return i;
  throw new Error('no free device index');
}

describe('Ec2Api on the embedded VPC', () => {
  const fx = suiteFixture(() => startCloudFixture());

  it('runs the reference sequence for a new ENI: create → free index → attach → DoT → IMDS → assign → unassign → detach → delete', async () => {
    const ec2 = fx.ec2();
    const { instanceId, subnetId, groups, primaryMac } = fx.node;
    const created = await ec2.createNetworkInterface({
      subnetId,
      groups,
      description: `aws-K8S-${instanceId}`,
      tags: {
        'node.k8s.amazonaws.com/instance_id': instanceId,
        'node.k8s.amazonaws.com/createdAt': '2024-05-01T00:00:00Z',
      },
      secondaryIpCount: 3,
    });
    assert.match(created.id, /^eni-/);
    assert.equal(created.subnetId, subnetId);
    assert.equal(created.status, 'available');
    assert.equal(created.description, `aws-K8S-${instanceId}`);
    assert.equal(created.secondaryIps.length, 3);
    assert.deepEqual([...created.groups].sort(), [...groups].sort());
    assert.equal(created.tags['node.k8s.amazonaws.com/instance_id'], instanceId);
    assert.equal(created.attachment, undefined);

    const before = await ec2.describeInstance(instanceId);
    assert.equal(before.instanceType, 'm5.large');
    assert.deepEqual(before.deviceIndexes, [{ networkCardIndex: 0, deviceIndex: 0 }]);
    const deviceIndex = freeDeviceIndex(before.deviceIndexes);
    assert.equal(deviceIndex, 1);

    const attachmentId = await ec2.attachNetworkInterface({
      eniId: created.id,
      instanceId,
      deviceIndex,
      networkCardIndex: 0,
    });
    assert.match(attachmentId, /^eni-attach-/);
    await ec2.setDeleteOnTermination(created.id, attachmentId);
    const { enis } = await ec2.describeNetworkInterfaces([created.id]);
    assert.equal(enis[0]?.attachment?.deleteOnTermination, true);
    assert.equal(enis[0]?.attachment?.deviceIndex, 1);
    assert.equal(enis[0]?.attachment?.instanceId, instanceId);

    const seen = await waitForEniInImds(
      fx.imds(),
      { eniId: created.id, primaryMac, wantIps: 3 },
      { clock: fx.clock, sleep: fx.sleep },
    );
    assert.equal(seen.complete, true);
    assert.equal(seen.eni.deviceNumber, 1);
    assert.deepEqual(seen.eni.localIpv4s.slice(1).sort(), [...created.secondaryIps].sort());

    const assigned = await ec2.assignPrivateIps(created.id, { count: 2 });
    assert.equal(assigned.ips.length, 2);
    assert.deepEqual(assigned.prefixes, []);
    await ec2.unassignPrivateIps(created.id, { ips: assigned.ips });
    const after = (await ec2.describeNetworkInterfaces([created.id])).enis[0];
    assert.deepEqual([...(after?.secondaryIps ?? [])].sort(), [...created.secondaryIps].sort());

    await ec2.detachNetworkInterface(attachmentId);
    // The reference sleeps 2 s between detach and delete; the sim keeps the ENI "in use" for its detach delay.
    fx.clock.advance(eniSettings(fx.sim.store).detachDelayMs);
    await ec2.deleteNetworkInterface(created.id);
    assert.equal(fx.sim.store.enis.has(created.id), false);
    // Deleting again: EC2 says NotFound, which is what we wanted.
    await ec2.deleteNetworkInterface(created.id);
  });

  it('assigns and unassigns /28 prefixes; creates with Ipv4PrefixCount', async () => {
    const ec2 = fx.ec2();
    const eni = await ec2.createNetworkInterface(fx.eniRequest('pd', { prefixCount: 1 }));
    assert.equal(eni.prefixes.length, 1);
    assert.match(eni.prefixes[0] ?? '', /\/28$/);
    const out = await ec2.assignPrivateIps(eni.id, { prefixCount: 2 });
    assert.equal(out.prefixes.length, 2);
    assert.deepEqual(out.ips, []);
    await ec2.unassignPrivateIps(eni.id, { prefixes: out.prefixes });
    const [now] = (await ec2.describeNetworkInterfaces([eni.id])).enis;
    assert.deepEqual(now?.prefixes, eni.prefixes);
    await ec2.deleteNetworkInterface(eni.id);
  });

  it('refuses a create that asks for addresses and prefixes at once, without calling EC2', async () => {
    const ec2 = fx.ec2();
    const calls = fx.records.length;
    await assert.rejects(
      ec2.createNetworkInterface({
        subnetId: fx.node.subnetId,
        groups: [],
        description: '',
        tags: {},
        secondaryIpCount: 1,
        prefixCount: 1,
      }),
      (e: unknown) => isCloudError(e, 'CLOUD_INVALID_REQUEST'),
    );
    assert.equal(fx.records.length, calls);
  });

  it('describeNetworkInterfaces drops an id EC2 no longer knows, reports it in missing and returns the rest', async () => {
    const ec2 = fx.ec2();
    const a = await ec2.createNetworkInterface(fx.eniRequest('a'));
    const gone = await ec2.createNetworkInterface(fx.eniRequest('gone'));
    await ec2.deleteNetworkInterface(gone.id);
    const start = fx.records.length;
    const out = await ec2.describeNetworkInterfaces([fx.node.primaryEniId, gone.id, a.id]);
    assert.deepEqual(out.missing, [gone.id]);
    assert.deepEqual(out.enis.map((e) => e.id).sort(), [fx.node.primaryEniId, a.id].sort());
    // Two requests: the first failed naming the missing id, the second succeeded.
    const calls = fx.records.slice(start);
    assert.deepEqual(
      calls.map((r) => r.error ?? 'ok'),
      ['InvalidNetworkInterfaceID.NotFound', 'ok'],
    );
    const none = await ec2.describeNetworkInterfaces([gone.id]);
    assert.deepEqual(none, { enis: [], missing: [gone.id] });
    await ec2.deleteNetworkInterface(a.id);
  });

  it('findNetworkInterfaces returns every match of the filters; the primary ENI maps with its attachment', async () => {
    const ec2 = fx.ec2();
    const created = [];
    for (let i = 0; i < 7; i++) {
      created.push(await ec2.createNetworkInterface(fx.eniRequest(`page-${i}`, { tags: { batch: 'paging' } })));
    }
    const found = await ec2.findNetworkInterfaces([
      { name: 'tag:batch', values: ['paging'] },
      { name: 'status', values: ['available'] },
    ]);
    assert.deepEqual(found.map((e) => e.id).sort(), created.map((e) => e.id).sort());
    const [primary] = await ec2.findNetworkInterfaces([
      { name: 'network-interface-id', values: [fx.node.primaryEniId] },
    ]);
    assert.equal(primary?.macAddress, fx.node.primaryMac);
    assert.equal(primary?.privateIp, '10.11.16.31');
    assert.deepEqual(
      primary?.attachment && {
        device: primary.attachment.deviceIndex,
        card: primary.attachment.networkCardIndex,
        instance: primary.attachment.instanceId,
      },
      { device: 0, card: 0, instance: fx.node.instanceId },
    );
    for (const eni of created) await ec2.deleteNetworkInterface(eni.id);
  });

  it('follows NextToken: with 5 per page, 7 tagged ENIs take two observed calls', async () => {
    const ec2 = fx.ec2({ pageSize: 5 });
    const created = [];
    for (let i = 0; i < 7; i++) {
      created.push(await ec2.createNetworkInterface(fx.eniRequest(`p-${i}`, { tags: { batch: 'small-pages' } })));
    }
    const start = fx.records.length;
    const found = await ec2.findNetworkInterfaces([{ name: 'tag:batch', values: ['small-pages'] }]);
    assert.deepEqual(found.map((e) => e.id).sort(), created.map((e) => e.id).sort());
    assert.deepEqual(
      fx.records.slice(start).map((r) => r.api),
      ['DescribeNetworkInterfaces', 'DescribeNetworkInterfaces'],
    );
    for (const eni of created) await ec2.deleteNetworkInterface(eni.id);
  });

  it('createTags adds tags; describeSubnets filters by VPC and zone; modifyNetworkInterfaceGroups replaces the groups', async () => {
    const ec2 = fx.ec2();
    await ec2.createTags([fx.node.primaryEniId], { 'node.k8s.amazonaws.com/instance_id': fx.node.instanceId });
    const [primary] = (await ec2.describeNetworkInterfaces([fx.node.primaryEniId])).enis;
    assert.equal(primary?.tags['node.k8s.amazonaws.com/instance_id'], fx.node.instanceId);

    const subnets = await ec2.describeSubnets([
      { name: 'vpc-id', values: [primary?.vpcId ?? ''] },
      { name: 'availability-zone', values: [primary?.availabilityZone ?? ''] },
    ]);
    assert.equal(subnets.length, 1);
    assert.equal(subnets[0]?.id, fx.node.subnetId);
    assert.equal(subnets[0]?.cidr, '10.11.0.0/19');
    assert.ok((subnets[0]?.availableIpAddressCount ?? 0) > 8000);
    assert.equal(subnets[0]?.tags['kubernetes.io/role/elb'], '1');
    assert.equal((await ec2.describeSubnets([])).length, 3);

    const eni = await ec2.createNetworkInterface(fx.eniRequest('sg'));
    const one = fx.node.groups[0] ?? '';
    await ec2.modifyNetworkInterfaceGroups(eni.id, [one]);
    assert.deepEqual((await ec2.describeNetworkInterfaces([eni.id])).enis[0]?.groups, [one]);
    await ec2.deleteNetworkInterface(eni.id);
  });

  it('describeInstance of an unknown instance is CLOUD_NOT_FOUND', async () => {
    await assert.rejects(fx.ec2().describeInstance('i-0000000000000dead'), (e: unknown) => {
      assert.ok(isCloudError(e, 'CLOUD_NOT_FOUND'));
      assert.equal(e.details.awsCode, 'InvalidInstanceID.NotFound');
      assert.equal(e.details.operation, 'DescribeInstances');
      return true;
    });
  });

  it('observes one record per logical call with api, kind, status and attempts', async () => {
    const start = fx.records.length;
    await fx.ec2().describeInstance(fx.node.instanceId);
    assert.deepEqual(fx.records.slice(start), [
      { api: 'DescribeInstances', kind: 'ec2', ms: 0, status: 200, attempts: 1 },
    ]);
  });
});
