// The embedded VPC as `vpc-cni sim` runs it: the composed servers, state files, refusals, and the data plane end to
// end (a pod on a secondary ENI of one node reached from another node through the VPC fabric).
import { strict as assert } from 'node:assert';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  AssignPrivateIpAddressesCommand,
  AttachNetworkInterfaceCommand,
  CreateNetworkInterfaceCommand,
  CreateSubnetCommand,
  DescribeInstancesCommand,
  DescribeSubnetsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { systemClock } from '../../../src/obs/clock.js';
import { startSim, type RunningSim } from '../../../src/sim/index.js';
import { isVpcCniError } from '../../../src/errors.js';
import { NetlinkExecutor } from '../../../src/netlink/exec.js';
import { listNamespaces } from '../../../src/netlink/netns.js';
import { netnsSkipReason, reach, rootFingerprint } from '../../../src/netlink/netns.test-util.js';
import { addPod, wireSecondaryEni } from '../../../src/netlink/wiring.test-util.js';

function ec2(sim: RunningSim): EC2Client {
  return new EC2Client({
    endpoint: sim.ec2Url,
    region: sim.store.region,
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    maxAttempts: 1,
  });
}

async function imdsGet(url: string, path: string): Promise<string> {
  const token = await (
    await fetch(`${url}/latest/api/token`, { method: 'PUT', headers: { 'x-aws-ec2-metadata-token-ttl-seconds': '60' } })
  ).text();
  const response = await fetch(`${url}/latest/meta-data/${path}`, { headers: { 'x-aws-ec2-metadata-token': token } });
  assert.equal(response.status, 200, `IMDS ${path}`);
  return response.text();
}

describe('vpc-cni sim (control plane)', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vcni-sim-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('serves EC2 and one IMDS per instance, as describe() says', async () => {
    const sim = await startSim({ scenario: 'eksworkshop', host: '127.0.0.1', port: 0, clock: systemClock });
    try {
      const described = sim.describe();
      assert.equal(described.region, 'ap-northeast-2');
      assert.equal(described.dataPlane, false);
      const instances = Object.entries(described.instances);
      assert.deepEqual(instances.map(([, i]) => i.privateIp).sort(), ['10.11.16.31', '10.11.55.30', '10.11.90.240']);
      for (const [id, info] of instances) {
        assert.equal(info.netns, null);
        assert.equal(await imdsGet(info.imds, 'instance-id'), id);
        assert.equal(await imdsGet(info.imds, 'local-ipv4'), info.privateIp);
        assert.equal(info.nodeName, `ip-${info.privateIp.replaceAll('.', '-')}.ap-northeast-2.compute.internal`);
      }
      const reservations = (await ec2(sim).send(new DescribeInstancesCommand({}))).Reservations ?? [];
      assert.equal(reservations.flatMap((r) => r.Instances ?? []).length, 3);
      const admin = (await (await fetch(`${sim.ec2Url}/_sim/state`)).json()) as Record<string, unknown>;
      assert.equal(typeof admin, 'object');
    } finally {
      await sim.close();
    }
  });

  it('saves its state on close and resumes from it, ids staying unique', async () => {
    const statePath = join(dir, 'state.json');
    const first = await startSim({ scenario: 'minimal', host: '127.0.0.1', port: 0, clock: systemClock, statePath });
    const vpcId = [...first.store.vpcs.keys()][0] ?? '';
    const created = await ec2(first).send(
      new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.0.1.0/24', AvailabilityZone: 'us-west-2b' }),
    );
    await first.close();
    assert.match(await readFile(statePath, 'utf8'), /^\{"version":"vpc-cni-sim\/1"/);

    const second = await startSim({ scenario: 'minimal', host: '127.0.0.1', port: 0, clock: systemClock, statePath });
    try {
      const subnets = (await ec2(second).send(new DescribeSubnetsCommand({}))).Subnets ?? [];
      assert.deepEqual(subnets.map((s) => s.CidrBlock).sort(), ['10.0.0.0/24', '10.0.1.0/24']);
      assert.ok(subnets.some((s) => s.SubnetId === created.Subnet?.SubnetId));
      const another = await ec2(second).send(
        new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.0.2.0/24', AvailabilityZone: 'us-west-2c' }),
      );
      assert.ok(!subnets.some((s) => s.SubnetId === another.Subnet?.SubnetId), 'a resumed store never reuses an id');
    } finally {
      await second.close();
    }
  });

  const refusals: [string, () => Promise<unknown>, string][] = [
    [
      'a corrupt state file',
      async () => {
        const statePath = join(dir, 'corrupt.json');
        await writeFile(statePath, '{"version":"vpc-cni-sim/1","region":');
        return startSim({ scenario: 'minimal', host: '127.0.0.1', port: 0, clock: systemClock, statePath });
      },
      'SIM_STATE_INVALID',
    ],
    [
      'a foreign state file',
      async () => {
        const statePath = join(dir, 'foreign.json');
        await writeFile(statePath, '{"version":"vpc-cni-ipam/1","allocations":[]}');
        return startSim({ scenario: 'minimal', host: '127.0.0.1', port: 0, clock: systemClock, statePath });
      },
      'SIM_STATE_INVALID',
    ],
    [
      'a non-loopback address',
      () => startSim({ scenario: 'minimal', host: '0.0.0.0', port: 0, clock: systemClock }),
      'SIM_NOT_LOOPBACK',
    ],
    [
      'an unknown scenario',
      () => startSim({ scenario: 'nope', host: '127.0.0.1', port: 0, clock: systemClock }),
      'SIM_UNKNOWN_SCENARIO',
    ],
  ];
  for (const [what, start, code] of refusals) {
    it(`refuses ${what} with ${code}`, async () => {
      await assert.rejects(start(), (error: unknown) => isVpcCniError(error) && error.code === code);
    });
  }
});

describe('vpc-cni sim --data-plane', { skip: await netnsSkipReason() }, () => {
  it('routes a secondary ENI address to its node, and leaves nothing behind', async () => {
    const rootBefore = await rootFingerprint();
    const exec = new NetlinkExecutor({ confined: true });
    const sim = await startSim({
      scenario: 'eksworkshop',
      host: '127.0.0.1',
      port: 0,
      clock: systemClock,
      dataPlane: true,
    });
    let prefix = '';
    try {
      await sim.settled();
      const nodes = Object.values(sim.describe().instances).sort((a, b) => a.privateIp.localeCompare(b.privateIp));
      const [nodeA, nodeB] = nodes;
      assert.ok(nodeA?.netns && nodeB?.netns, 'each instance is a namespace');
      prefix = nodeA.netns.replace(/-n\d+$/, '');
      const instanceA = [...sim.store.instances.values()].find((i) => i.privateIpAddress === nodeA.privateIp);
      assert.ok(instanceA);

      const client = ec2(sim);
      const eni = (
        await client.send(
          new CreateNetworkInterfaceCommand({ SubnetId: instanceA.subnetId, SecondaryPrivateIpAddressCount: 0 }),
        )
      ).NetworkInterface;
      const eniId = eni?.NetworkInterfaceId ?? '';
      await client.send(
        new AttachNetworkInterfaceCommand({ NetworkInterfaceId: eniId, InstanceId: instanceA.id, DeviceIndex: 1 }),
      );
      const assigned = await client.send(
        new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: eniId, SecondaryPrivateIpAddressCount: 1 }),
      );
      const podIp = assigned.AssignedPrivateIpAddresses?.[0]?.PrivateIpAddress ?? '';
      await sim.settled();

      // What ipamd and the plugin will do: set up eth1 (table 2) and wire a pod on it.
      await wireSecondaryEni(exec, nodeA.netns, {
        deviceIndex: 1,
        address: `${eni?.PrivateIpAddress ?? ''}/19`,
        gateway: '10.11.0.1',
      });
      await addPod(exec, { nodeNs: nodeA.netns, podNs: `${prefix}-p1`, hostVeth: 'vethp1', ip: podIp, table: 2 });

      const fromB = await reach(exec, `/var/run/netns/${nodeB.netns}`, [nodeA.privateIp, podIp]);
      assert.deepEqual(fromB, { [nodeA.privateIp]: true, [podIp]: true });
    } finally {
      await sim.close();
      await exec
        .ip({ args: ['netns', 'delete', `${prefix}-p1`], tolerate: ['not-found', 'no-netns'] })
        .catch(() => undefined);
    }
    const left = (await listNamespaces(new NetlinkExecutor())).filter(
      (name) => prefix !== '' && name.startsWith(prefix),
    );
    assert.deepEqual(left, []);
    assert.equal(await rootFingerprint(), rootBefore);
  });
});
