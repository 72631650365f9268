import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isNetlinkError } from './errors.js';
import { NetlinkExecutor } from './exec.js';
import { listNamespaces } from './netns.js';
import { netnsSkipReason, reach, rootFingerprint } from './netns.test-util.js';
import { VpcFabric, type EniRef, type FabricNode } from './vpc-fabric.js';
import { addPod, wireSecondaryEni } from './wiring.test-util.js';

const SUBNET = '10.0.0.0/24';
const MAC_A0 = '02:0a:00:00:00:10';
const MAC_A1 = '02:0a:00:00:00:11';
const MAC_B0 = '02:0b:00:00:00:30';

interface JsonLink {
  ifname: string;
  address: string;
  mtu: number;
  flags: string[];
  addr_info?: { family: string; local: string; prefixlen: number }[];
}

const skip = await netnsSkipReason();

describe('VpcFabric (real namespaces)', { skip, timeout: 60_000 }, () => {
  const exec = new NetlinkExecutor({ confined: true });
  let rootBefore = '';
  let fabric: VpcFabric;
  let a: FabricNode;
  let b: FabricNode;
  let a1: EniRef;

  before(async () => {
    rootBefore = await rootFingerprint();
    fabric = await VpcFabric.create();
    a = await fabric.addNode('i-a');
    b = await fabric.addNode('i-b');
    a1 = { nodeNs: a.name, deviceIndex: 1 };
  });

  after(async () => {
    await fabric.destroy();
  });

  it('plugs ENIs with one process per namespace touched, the secondary one left down as EC2 leaves it', async (t) => {
    let spawns = fabric.spawnCount;
    const spent = (): number => -spawns + (spawns = fabric.spawnCount);
    await fabric.plugEni({ nodeNs: a.name, deviceIndex: 0, mac: MAC_A0, subnetCidr: SUBNET, primaryIp: '10.0.0.10' });
    assert.equal(spent(), 2, 'primary ENI: fabric batch + node batch');
    await fabric.plugEni({ nodeNs: b.name, deviceIndex: 0, mac: MAC_B0, subnetCidr: SUBNET, primaryIp: '10.0.0.30' });
    spent();
    const eni = await fabric.plugEni({ ...a1, mac: MAC_A1, subnetCidr: SUBNET, primaryIp: '10.0.0.11' });
    assert.equal(spent(), 1, 'secondary ENI: one fabric batch');
    assert.equal(eni.fabricLink, 'n1-eth1');
    assert.equal(eni.gateway, '10.0.0.1');
    await fabric.routeAddresses(a1, ['10.0.0.20', '10.0.0.32/28']);
    assert.equal(spent(), 1, 'routing an IP and a prefix: one batch');
    assert.equal(
      await fabric.plugEni({ ...a1, mac: MAC_A1, subnetCidr: SUBNET, primaryIp: '10.0.0.11' }),
      eni,
      'plugging again is a no-op',
    );
    assert.equal(spent(), 0);

    const links = await exec.ipJson<JsonLink[]>({ args: ['addr', 'show'] }, { netns: a.name });
    const eth0 = links.find((l) => l.ifname === 'eth0');
    const eth1 = links.find((l) => l.ifname === 'eth1');
    assert.equal(eth0?.address, MAC_A0);
    assert.ok(eth0?.flags.includes('UP'));
    assert.deepEqual(
      eth0?.addr_info?.filter((x) => x.family === 'inet').map((x) => `${x.local}/${x.prefixlen}`),
      ['10.0.0.10/24'],
    );
    assert.equal(eth1?.address, MAC_A1);
    assert.equal(eth1?.mtu, 9001);
    assert.ok(!eth1?.flags.includes('UP'), 'ipamd brings a new ENI up, not EC2');
    const routes = await exec.ipJson<{ dst: string; gateway?: string; dev: string }[]>(
      { args: ['route', 'show'] },
      { netns: a.name },
    );
    assert.ok(routes.some((r) => r.dst === 'default' && r.gateway === '10.0.0.1' && r.dev === 'eth0'));

    const fabricRoutes = await exec.ipJson<{ dst: string; dev: string }[]>(
      { args: ['route', 'show'] },
      { netns: fabric.name },
    );
    assert.deepEqual(fabricRoutes.map((r) => `${r.dst} ${r.dev}`).sort(), [
      '10.0.0.10 n1-eth0',
      '10.0.0.11 n1-eth1',
      '10.0.0.20 n1-eth1',
      '10.0.0.30 n2-eth0',
      '10.0.0.32/28 n1-eth1',
    ]);
    const neighbours = await exec.ipJson<{ dst: string; lladdr: string; state: string[] }[]>(
      { args: ['neigh', 'show', 'dev', 'n1-eth1'] },
      { netns: fabric.name },
    );
    const permanent = neighbours.filter((n) => n.state.includes('PERMANENT') && n.lladdr === MAC_A1);
    assert.equal(permanent.length, 1 + 1 + 16, 'primary, secondary IP and 16 prefix addresses');
    const proxyArp = await exec.run({
      file: 'nsenter',
      args: [
        `--net=${fabric.path}`,
        '--',
        'sysctl',
        '-n',
        'net.ipv4.conf.n1-eth1.proxy_arp',
        'net.ipv4.conf.n1-eth1.rp_filter',
        'net.ipv4.neigh.n1-eth1.proxy_delay',
      ],
    });
    assert.deepEqual(proxyArp.stdout.trim().split('\n'), ['1', '0', '0']);
    const rpFilter = await exec.run({
      file: 'nsenter',
      args: [`--net=${a.path}`, '--', 'sysctl', '-n', 'net.ipv4.conf.eth1.rp_filter', 'net.ipv4.ip_forward'],
    });
    assert.deepEqual(rpFilter.stdout.trim().split('\n'), ['2', '1']);
    t.diagnostic(`spawns so far: ${fabric.spawnCount}`);
  });

  it('carries traffic from node B to node A, its secondary IP and a prefix address, and back from a pod', async () => {
    await wireSecondaryEni(exec, a.name, { deviceIndex: 1, address: '10.0.0.11/24', gateway: '10.0.0.1' });
    await addPod(exec, { nodeNs: a.name, podNs: `${fabric.prefix}-p1`, hostVeth: 'vp1', ip: '10.0.0.20', table: 2 });
    await addPod(exec, { nodeNs: a.name, podNs: `${fabric.prefix}-p2`, hostVeth: 'vp2', ip: '10.0.0.37', table: 2 });
    assert.deepEqual(await reach(exec, b.path, ['10.0.0.1', '10.0.0.10', '10.0.0.11', '10.0.0.20', '10.0.0.37']), {
      '10.0.0.1': true,
      '10.0.0.10': true,
      '10.0.0.11': true,
      '10.0.0.20': true,
      '10.0.0.37': true,
    });
    assert.deepEqual(await reach(exec, `/var/run/netns/${fabric.prefix}-p1`, ['10.0.0.30', '10.0.0.37']), {
      '10.0.0.30': true,
      '10.0.0.37': true,
    });
  });

  it('stops carrying an unrouted address and an unplugged ENI, and refuses what it does not know', async () => {
    await fabric.unrouteAddresses(a1, ['10.0.0.20']);
    const after1 = await reach(exec, b.path, ['10.0.0.20', '10.0.0.37']);
    assert.notEqual(after1['10.0.0.20'], true);
    assert.equal(after1['10.0.0.37'], true);
    await fabric.unrouteAddresses(a1, ['10.0.0.20']);

    await fabric.unplugEni(a1);
    await fabric.unplugEni(a1);
    assert.notEqual((await reach(exec, b.path, ['10.0.0.37']))['10.0.0.37'], true);
    const links = await exec.ipJson<JsonLink[]>({ args: ['link', 'show'] }, { netns: a.name });
    assert.ok(!links.some((l) => l.ifname === 'eth1'), 'the node end went with the fabric end');

    await assert.rejects(fabric.routeAddresses(a1, ['10.0.0.21']), (e: unknown) =>
      isNetlinkError(e, 'FABRIC_UNKNOWN_ENI'),
    );
    await assert.rejects(
      fabric.plugEni({
        nodeNs: 'vcni-0-0-nope',
        deviceIndex: 1,
        mac: MAC_A1,
        subnetCidr: SUBNET,
        primaryIp: '10.0.0.11',
      }),
      (e: unknown) => isNetlinkError(e, 'FABRIC_UNKNOWN_NODE'),
    );
    await assert.rejects(
      fabric.plugEni({ nodeNs: a.name, deviceIndex: 0, mac: MAC_A1, subnetCidr: SUBNET, primaryIp: '10.0.0.12' }),
      (e: unknown) => isNetlinkError(e, 'FABRIC_ENI_CONFLICT'),
    );
    await assert.rejects(
      fabric.plugEni({ nodeNs: a.name, deviceIndex: 2, mac: MAC_A1, subnetCidr: SUBNET, primaryIp: '10.1.0.12' }),
      (e: unknown) => isNetlinkError(e, 'NETLINK_INVALID_ARGUMENT'),
    );
  });

  it('measures plug + route + unplug of a secondary ENI', async (t) => {
    const samples: number[] = [];
    const spawnsBefore = fabric.spawnCount;
    for (let i = 0; i < 7; i++) {
      const ref = { nodeNs: b.name, deviceIndex: 1 };
      const start = performance.now();
      await fabric.plugEni({ ...ref, mac: MAC_A1, subnetCidr: SUBNET, primaryIp: '10.0.0.12' });
      await fabric.routeAddresses(ref, ['10.0.0.21', '10.0.0.22', '10.0.0.48/28']);
      samples.push(performance.now() - start);
      await fabric.unplugEni(ref);
    }
    assert.equal(fabric.spawnCount - spawnsBefore, 7 * 3);
    samples.sort((x, y) => x - y);
    t.diagnostic(
      `plugEni + routeAddresses (2 IPs + a /28): median ${samples[3]?.toFixed(1)} ms, min ${samples[0]?.toFixed(1)} ms, 2 processes`,
    );
  });

  it('removes a node, and destroy leaves no namespace and an untouched root namespace', async () => {
    await fabric.removeNode('i-b');
    await fabric.removeNode('i-b');
    assert.equal(fabric.node('i-b'), undefined);
    const fabricRoutes = await exec.ipJson<{ dst: string }[]>({ args: ['route', 'show'] }, { netns: fabric.name });
    assert.ok(!fabricRoutes.some((r) => r.dst === '10.0.0.30'), 'the fabric no longer routes to the removed node');
    assert.ok(!(await listNamespaces(exec)).includes(b.name));

    await fabric.destroy();
    await fabric.destroy();
    const left = (await listNamespaces(exec)).filter((n) => n.startsWith(`${fabric.prefix}-`));
    assert.deepEqual(left, []);
    await assert.rejects(fabric.addNode('i-c'), (e: unknown) => isNetlinkError(e, 'FABRIC_DESTROYED'));
    assert.equal(await rootFingerprint(), rootBefore);
  });
});
