import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NetlinkExecutor } from '../netlink/exec.js';
import { listNamespaces } from '../netlink/netns.js';
import { netnsSkipReason, reach, rootFingerprint } from '../netlink/netns.test-util.js';
import { VpcFabric } from '../netlink/vpc-fabric.js';
import { attachDataPlane, type DataPlaneOperation } from './dataplane.js';
import { dataPlaneWorld, RecordingFabric } from './dataplane.test-util.js';

function collectErrors(): {
  errors: [string, DataPlaneOperation][];
  onError: (e: unknown, op: DataPlaneOperation) => void;
} {
  const errors: [string, DataPlaneOperation][] = [];
  return { errors, onError: (error, op) => errors.push([(error as Error).message, op]) };
}

describe('attachDataPlane (recording fabric)', () => {
  it('mirrors launch, attach, assign, unassign, detach and terminate in event order', async () => {
    const world = dataPlaneWorld();
    const fabric = new RecordingFabric();
    const { errors, onError } = collectErrors();
    const dataPlane = attachDataPlane(world.store, fabric, { onError });
    const { instance } = world.launch('10.0.0.10');
    const id = instance.id;
    const eni = world.createEni('10.0.0.11');
    world.assign(eni, ['10.0.0.20']); // not attached yet: routed by the attach
    world.attach(eni, instance, 1);
    world.assign(eni, ['10.0.0.21'], ['10.0.0.32/28']);
    world.unassign(eni, ['10.0.0.20']);
    world.detach(eni);
    world.terminate(instance);
    await dataPlane.settled();
    assert.deepEqual(fabric.calls, [
      `addNode ${id}`,
      `plugEni ns-${id} eth0 10.0.0.10 10.0.0.0/24`,
      `addNode ${id}`,
      `plugEni ns-${id} eth1 10.0.0.11 10.0.0.0/24`,
      `route ns-${id} eth1 10.0.0.20`,
      `route ns-${id} eth1 10.0.0.21,10.0.0.32/28`,
      `unroute ns-${id} eth1 10.0.0.20`,
      `unplug ns-${id} eth1`,
      `unplug ns-${id} eth0`,
      `removeNode ${id}`,
    ]);
    assert.deepEqual(errors, []);
    await dataPlane.close();
    assert.equal(fabric.calls.at(-1), 'destroy');
  });

  it('mirrors what exists when it starts, and ignores ENIs that are not attached', async () => {
    const world = dataPlaneWorld();
    const { instance } = world.launch('10.0.0.10');
    const eni = world.createEni('10.0.0.11');
    world.attach(eni, instance, 1);
    world.assign(eni, ['10.0.0.20']);
    world.assign(world.createEni('10.0.0.12'), ['10.0.0.22']);
    const gone = world.launch('10.0.0.30').instance;
    world.terminate(gone);
    const fabric = new RecordingFabric();
    const dataPlane = attachDataPlane(world.store, fabric, collectErrors());
    await dataPlane.settled();
    const id = instance.id;
    assert.deepEqual(fabric.calls, [
      `addNode ${id}`,
      `plugEni ns-${id} eth0 10.0.0.10 10.0.0.0/24`,
      `plugEni ns-${id} eth1 10.0.0.11 10.0.0.0/24`,
      `route ns-${id} eth1 10.0.0.20`,
    ]);
    await dataPlane.close();
  });

  it('reports a failed operation through onError and goes on; a throwing reporter is contained', async () => {
    const world = dataPlaneWorld();
    const fabric = new RecordingFabric();
    fabric.fail = (call) => call.startsWith('route');
    const { errors, onError } = collectErrors();
    let calls = 0;
    const dataPlane = attachDataPlane(world.store, fabric, {
      onError: (error, op) => {
        calls += 1;
        onError(error, op);
        throw new Error('reporter bug');
      },
    });
    const { instance, eni } = world.launch('10.0.0.10');
    world.assign(eni, ['10.0.0.20']);
    world.assign(eni, ['10.0.0.21']);
    world.terminate(instance);
    await dataPlane.settled();
    assert.equal(calls, 2);
    assert.deepEqual(
      errors.map(([message, op]) => [message, op.kind, op.addresses]),
      [
        [`injected failure: route ns-${instance.id} eth0 10.0.0.20`, 'route', ['10.0.0.20']],
        [`injected failure: route ns-${instance.id} eth0 10.0.0.21`, 'route', ['10.0.0.21']],
      ],
    );
    assert.equal(fabric.calls.at(-1), `removeNode ${instance.id}`);
    await dataPlane.close();
  });

  it('stops following the store on close, and closes once', async () => {
    const world = dataPlaneWorld();
    const fabric = new RecordingFabric();
    const dataPlane = attachDataPlane(world.store, fabric, collectErrors());
    world.launch('10.0.0.10');
    await Promise.all([dataPlane.close(), dataPlane.close()]);
    world.launch('10.0.0.11');
    await dataPlane.settled();
    assert.equal(fabric.calls.filter((c) => c === 'destroy').length, 1);
    assert.equal(fabric.calls.filter((c) => c.startsWith('addNode')).length, 2, 'only the first launch');
    assert.equal(world.store.events.listenerCount('eni-attached'), 0);
  });
});

const skip = await netnsSkipReason();

describe('attachDataPlane (real namespaces)', { skip, timeout: 60_000 }, () => {
  it('gives each instance a node namespace wired to the fabric, and close removes everything', async () => {
    const rootBefore = await rootFingerprint();
    const exec = new NetlinkExecutor({ confined: true });
    const world = dataPlaneWorld();
    const fabric = await VpcFabric.create();
    const { errors, onError } = collectErrors();
    const dataPlane = attachDataPlane(world.store, fabric, { onError });
    try {
      const a = world.launch('10.0.0.10');
      const b = world.launch('10.0.0.30');
      const eni = world.createEni('10.0.0.11');
      world.attach(eni, a.instance, 1);
      world.assign(eni, ['10.0.0.20'], ['10.0.0.32/28']);
      await dataPlane.settled();
      assert.deepEqual(errors, []);
      const nodeA = fabric.node(a.instance.id);
      const nodeB = fabric.node(b.instance.id);
      assert.ok(nodeA !== undefined && nodeB !== undefined);
      const links = await exec.ipJson<{ ifname: string; address: string }[]>(
        { args: ['link', 'show'] },
        { netns: nodeA.name },
      );
      assert.deepEqual(
        links.filter((l) => l.ifname.startsWith('eth')).map((l) => `${l.ifname} ${l.address}`),
        [`eth0 ${a.eni.macAddress}`, `eth1 ${eni.macAddress}`],
      );
      const routes = await exec.ipJson<{ dst: string; dev: string }[]>(
        { args: ['route', 'show'] },
        { netns: fabric.name },
      );
      assert.deepEqual(routes.map((r) => r.dst).sort(), [
        '10.0.0.10',
        '10.0.0.11',
        '10.0.0.20',
        '10.0.0.30',
        '10.0.0.32/28',
      ]);
      assert.deepEqual(await reach(exec, nodeB.path, ['10.0.0.10', '10.0.0.1']), {
        '10.0.0.10': true,
        '10.0.0.1': true,
      });

      world.terminate(a.instance);
      await dataPlane.settled();
      assert.equal(fabric.node(a.instance.id), undefined);
      assert.ok(!(await listNamespaces(exec)).includes(nodeA.name));
      const left = await exec.ipJson<{ dst: string }[]>({ args: ['route', 'show'] }, { netns: fabric.name });
      assert.deepEqual(
        left.map((r) => r.dst),
        ['10.0.0.30'],
      );
      assert.deepEqual(errors, []);
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
