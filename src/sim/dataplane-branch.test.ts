// Branch ENIs in the data plane: associating a branch plugs it into its trunk under the VLAN id, its addresses follow
// it, and the association's end unplugs it; then, in real namespaces, a pod wired as the plugin's strict mode wires a
// branch pod reaches another node through the trunk, and stops when the association ends.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NetlinkExecutor } from '../netlink/exec.js';
import { listNamespaces } from '../netlink/netns.js';
import { netnsSkipReason, reach, rootFingerprint } from '../netlink/netns.test-util.js';
import { probeFrom } from '../netlink/probe.js';
import { VpcFabric } from '../netlink/vpc-fabric.js';
import { VlanLinks } from '../netlink/vlan-link.js';
import { addBranchPod } from '../netlink/wiring.test-util.js';
import { attachDataPlane, type DataPlaneOperation } from './dataplane.js';
import { dataPlaneWorld, RecordingFabric } from './dataplane.test-util.js';

function collectErrors(): {
  errors: [string, DataPlaneOperation][];
  onError: (e: unknown, op: DataPlaneOperation) => void;
} {
  const errors: [string, DataPlaneOperation][] = [];
  return { errors, onError: (error, op) => errors.push([(error as Error).message, op]) };
}

describe('attachDataPlane: branch ENIs (recording fabric)', () => {
  it('plugs a branch into its trunk under the VLAN id, routes its addresses there, and unplugs it', async () => {
    const world = dataPlaneWorld();
    const fabric = new RecordingFabric();
    const { errors, onError } = collectErrors();
    const dataPlane = attachDataPlane(world.store, fabric, { onError });
    const { instance } = world.launch('10.0.0.10');
    const ns = `ns-${instance.id}`;
    const trunk = world.createEni('10.0.0.11');
    world.attach(trunk, instance, 2);
    const branch = world.createEni('10.0.0.40');
    world.assign(branch, ['10.0.0.41']); // not associated yet: carried by the association
    const first = world.associate(trunk, branch, 5);
    world.assign(branch, ['10.0.0.42']);
    world.unassign(branch, ['10.0.0.41']);
    world.disassociate(first);
    world.assign(branch, ['10.0.0.43']); // no longer on the trunk: nothing to route
    world.associate(trunk, branch, 6);
    world.terminate(instance);
    await dataPlane.settled();
    assert.deepEqual(fabric.calls.slice(4), [
      `plugBranch ${ns} eth2.5 10.0.0.40 ${branch.macAddress}`,
      `route ${ns} eth2.5 10.0.0.41`,
      `route ${ns} eth2.5 10.0.0.42`,
      `unroute ${ns} eth2.5 10.0.0.41`,
      `unplug ${ns} eth2.5`,
      `plugBranch ${ns} eth2.6 10.0.0.40 ${branch.macAddress}`,
      `route ${ns} eth2.6 10.0.0.42,10.0.0.43`,
      `unplug ${ns} eth2.6`,
      `unplug ${ns} eth0`,
      `unplug ${ns} eth2`,
      `removeNode ${instance.id}`,
    ]);
    assert.deepEqual(errors, []);
    await dataPlane.close();
  });

  it('mirrors associations that exist when it starts, after their trunk', async () => {
    const world = dataPlaneWorld();
    const { instance } = world.launch('10.0.0.10');
    const trunk = world.createEni('10.0.0.11');
    world.attach(trunk, instance, 1);
    const branch = world.createEni('10.0.0.40');
    world.associate(trunk, branch, 9);
    const fabric = new RecordingFabric();
    const dataPlane = attachDataPlane(world.store, fabric, collectErrors());
    await dataPlane.settled();
    assert.deepEqual(fabric.calls.slice(-2), [
      `plugEni ns-${instance.id} eth1 10.0.0.11 10.0.0.0/24`,
      `plugBranch ns-${instance.id} eth1.9 10.0.0.40 ${branch.macAddress}`,
    ]);
    await dataPlane.close();
  });

  it('reports an association whose trunk is not plugged, and plugs nothing', async () => {
    const world = dataPlaneWorld();
    const fabric = new RecordingFabric();
    const { errors, onError } = collectErrors();
    const dataPlane = attachDataPlane(world.store, fabric, { onError });
    const trunk = world.createEni('10.0.0.11');
    const branch = world.createEni('10.0.0.40');
    world.associate(trunk, branch, 3);
    await dataPlane.settled();
    assert.deepEqual(fabric.calls, []);
    assert.deepEqual(
      errors.map(([message, op]) => [message, op.kind, op.eniId]),
      [[`branch ${branch.id}: trunk ${trunk.id} is not plugged`, 'associate', branch.id]],
    );
    await dataPlane.close();
  });
});

const skip = await netnsSkipReason();

describe('attachDataPlane: branch ENIs (real namespaces)', { skip, timeout: 60_000 }, () => {
  it('carries a branch pod over its trunk tagged with the VLAN id, until the association ends', async () => {
    const rootBefore = await rootFingerprint();
    const exec = new NetlinkExecutor({ confined: true });
    const world = dataPlaneWorld();
    const fabric = await VpcFabric.create();
    const { errors, onError } = collectErrors();
    const dataPlane = attachDataPlane(world.store, fabric, { onError });
    try {
      const a = world.launch('10.0.0.10');
      const b = world.launch('10.0.0.30');
      const trunk = world.createEni('10.0.0.11');
      world.attach(trunk, a.instance, 1);
      const branch = world.createEni('10.0.0.40');
      const association = world.associate(trunk, branch, 5);
      await dataPlane.settled();
      assert.deepEqual(errors, []);
      const nodeA = fabric.node(a.instance.id);
      const nodeB = fabric.node(b.instance.id);
      assert.ok(nodeA !== undefined && nodeB !== undefined);
      const trunkLink = fabric.plugged({ nodeNs: nodeA.name, deviceIndex: 1 })?.fabricLink ?? '';
      const vlanLink = `${trunkLink}.5`;
      const [link] = await exec.ipJson<
        { ifname: string; linkinfo?: { info_kind?: string; info_data?: { id?: number } } }[]
      >({ args: ['-d', 'link', 'show', 'dev', vlanLink] }, { netns: fabric.name });
      if (link?.linkinfo?.info_kind === 'vlan') {
        assert.equal(link.linkinfo.info_data?.id, 5);
      } else {
        // The stand-in for kernels without 802.1Q: a veth whose frames the trunk's filter pref 5 untags.
        assert.equal(link?.linkinfo?.info_kind, 'veth');
        const filters = await exec.run({
          file: 'tc',
          args: ['-n', fabric.name, 'filter', 'show', 'dev', trunkLink, 'ingress'],
        });
        assert.match(filters.stdout, /pref 5 bpf .*classifier\/untag/);
      }
      const neighbours = await exec.ipJson<{ dst: string; lladdr: string; state: string[] }[]>(
        { args: ['neigh', 'show', 'dev', vlanLink] },
        { netns: fabric.name },
      );
      assert.deepEqual(
        neighbours.map((n) => [n.dst, n.lladdr, n.state.join()]),
        [['10.0.0.40', branch.macAddress, 'PERMANENT']],
      );

      // What the plugin will do for a branch pod in strict mode, by hand.
      const podNs = `${fabric.prefix}-p1`;
      await addBranchPod(exec, new VlanLinks(exec), {
        nodeNs: nodeA.name,
        podNs,
        hostVeth: 'vlan1a2b3c4d5e6',
        ip: '10.0.0.40',
        mac: branch.macAddress,
        vlanId: 5,
        trunkLink: 'eth1',
        gateway: '10.0.0.1',
      });
      const podPath = `/var/run/netns/${podNs}`;
      const [toB] = await probeFrom(exec, podPath, ['10.0.0.30']);
      assert.equal(toB?.ok, true, `branch pod → node B: ${toB?.detail ?? 'no result'}`);
      assert.deepEqual(await reach(exec, nodeB.path, ['10.0.0.40']), { '10.0.0.40': true });

      world.disassociate(association);
      await dataPlane.settled();
      assert.deepEqual(errors, []);
      const routes = await exec.ipJson<{ dst: string; dev: string }[]>(
        { args: ['route', 'show'] },
        { netns: fabric.name },
      );
      assert.deepEqual(
        routes.filter((r) => r.dst === '10.0.0.40'),
        [],
        'the branch address is no longer routed',
      );
      assert.deepEqual(
        (await exec.ipJson<{ ifname: string }[]>({ args: ['link', 'show'] }, { netns: fabric.name }))
          .map((l) => l.ifname)
          .filter((name) => name === vlanLink),
        [],
      );
      assert.notEqual((await reach(exec, nodeB.path, ['10.0.0.40']))['10.0.0.40'], true);

      // Terminating the trunk's instance takes the branches' links with it, stand-ins included.
      world.associate(trunk, branch, 6);
      await dataPlane.settled();
      world.terminate(a.instance);
      await dataPlane.settled();
      assert.deepEqual(errors, []);
      const fabricLinks = await exec.ipJson<{ ifname: string }[]>({ args: ['link', 'show'] }, { netns: fabric.name });
      assert.deepEqual(
        fabricLinks.map((l) => l.ifname).filter((name) => name.startsWith(trunkLink) || name.startsWith('vt')),
        [],
      );
    } finally {
      await dataPlane.close();
    }
    assert.deepEqual(
      (await listNamespaces(exec)).filter((n) => n.startsWith(`${fabric.prefix}-`)),
      [],
    );
    assert.equal(await rootFingerprint(), rootBefore);
  });
});
