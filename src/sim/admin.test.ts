import * as assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { adminHandler } from './admin.js';
import { instanceWorld, type InstanceWorld } from './ec2/handlers/instances.test-util.js';
import { createGate, type SimGate } from './gate/index.js';
import { ImdsPropagation } from './imds/view.js';
import { attachEni, createEni } from './state/ops-eni.js';
import { launchInstance } from './state/ops-instance.js';
import { associateTrunk } from './state/ops-trunk.js';

interface Reply {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
}

describe('admin endpoint /_sim/', () => {
  let world: InstanceWorld;
  let gate: SimGate;
  let imds: ImdsPropagation;
  let server: Server;
  let base: string;

  const call = async (method: string, path: string, body?: unknown): Promise<Reply> => {
    const init: RequestInit = { method };
    if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body);
    const res = await fetch(`${base}${path}`, init);
    return { status: res.status, body: (await res.json()) as Record<string, unknown>, headers: res.headers };
  };
  const errorOf = (reply: Reply) =>
    reply.body['error'] as { code: string; message: string; issues?: { path: string; message: string }[] };

  before(async () => {
    world = instanceWorld();
    launchInstance(world.store, { instanceType: 'm5.large', subnetId: world.subnetId });
    gate = createGate({ clock: world.clock });
    imds = new ImdsPropagation(world.store);
    const handle = adminHandler({ store: world.store, gate, imds });
    server = createServer((req, res) => void handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('GET /_sim/state summarises the store and the knobs', async () => {
    const reply = await call('GET', '/_sim/state');
    assert.equal(reply.status, 200);
    assert.match(reply.headers.get('content-type') ?? '', /^application\/json/);
    assert.equal(reply.body['region'], 'us-west-2');
    assert.deepEqual(reply.body['instances'], { running: 1 });
    assert.deepEqual((reply.body['counts'] as Record<string, number>)['networkInterfaces'], 1);
    assert.deepEqual(reply.body['throttle'], { enabled: true, scale: 1 });
  });

  it('GET /_sim/state shows ENIs by interface type and each trunk with its branches', async () => {
    const { store, subnetId } = world;
    const instance = launchInstance(store, { instanceType: 'm5.large', subnetId });
    const trunk = createEni(store, { subnetId, interfaceType: 'trunk' });
    attachEni(store, { eniId: trunk.id, instanceId: instance.id, deviceIndex: 2 });
    const branch = createEni(store, { subnetId });
    const association = associateTrunk(store, { trunkInterfaceId: trunk.id, branchInterfaceId: branch.id, vlanId: 4 });
    const reply = await call('GET', '/_sim/state');
    assert.deepEqual(reply.body['interfaceTypes'], { interface: 2, trunk: 1, branch: 1 });
    assert.equal((reply.body['counts'] as Record<string, number>)['trunkAssociations'], 1);
    assert.deepEqual(reply.body['trunks'], [
      {
        trunkInterfaceId: trunk.id,
        instanceId: instance.id,
        deviceIndex: 2,
        branches: [
          {
            associationId: association.id,
            branchInterfaceId: branch.id,
            vlanId: 4,
            privateIpAddress: branch.privateIpAddress,
            macAddress: branch.macAddress,
          },
        ],
      },
    ]);
  });

  it('PUT /_sim/faults replaces the rules; GET shows them with their progress; DELETE clears', async () => {
    const rules = {
      AttachNetworkInterface: { code: 'InternalError', probability: 1, count: 2 },
      '*': { latencyMs: 5, probability: 0.5 },
    };
    const put = await call('PUT', '/_sim/faults', { seed: 7, rules });
    assert.equal(put.status, 200);
    assert.equal(put.body['seed'], 7);
    assert.equal(gate.faults.decide('AttachNetworkInterface').error?.code, 'InternalError');
    const got = await call('GET', '/_sim/faults');
    assert.deepEqual((got.body['rules'] as Record<string, unknown>)['AttachNetworkInterface'], {
      ...rules.AttachNetworkInterface,
      fired: 1,
    });
    const cleared = await call('DELETE', '/_sim/faults');
    assert.deepEqual(cleared.body['rules'], {});
  });

  it('refuses invalid fault bodies with a 400 naming each field', async () => {
    const cases: [unknown, string][] = [
      ['{not json', 'InvalidJson'],
      ['', 'InvalidRequest'],
      [
        { rules: { AttachNetworkInterface: { code: 'InternalError', probability: 2 } } },
        'rules.AttachNetworkInterface.probability',
      ],
      [
        { rules: { AttachNetworkInterface: { code: 'InternalError', probability: 1, colour: 'red' } } },
        'rules.AttachNetworkInterface',
      ],
      [{ rules: { 'not an action': { code: 'InternalError', probability: 1 } } }, 'rules.not an action'],
      [{ rules: { AttachNetworkInterface: { probability: 1 } } }, 'rules.AttachNetworkInterface'],
      [{ rules: {}, extra: true }, '(body)'],
      [{ seed: 1.5, rules: {} }, 'seed'],
    ];
    for (const [body, where] of cases) {
      const reply = await call('PUT', '/_sim/faults', body);
      assert.equal(reply.status, 400, JSON.stringify(body));
      const error = errorOf(reply);
      if (where === 'InvalidJson' || where === 'InvalidRequest') assert.equal(error.code, where);
      else
        assert.ok(
          error.issues?.some((issue) => issue.path === where),
          `${JSON.stringify(body)} → ${JSON.stringify(error)}`,
        );
    }
    assert.deepEqual(gate.faults.settings.rules, {});
  });

  it('PUT /_sim/throttle changes settings, drains and resets buckets', async () => {
    const drained = await call('PUT', '/_sim/throttle', { drain: ['AttachNetworkInterface'] });
    assert.equal(drained.status, 200);
    assert.equal(gate.throttle.tryTake('AttachNetworkInterface'), false);
    const reset = await call('PUT', '/_sim/throttle', { reset: true });
    assert.deepEqual(reset.body['buckets'], []);
    const scaled = await call('PUT', '/_sim/throttle', {
      scale: 2,
      overrides: { RunInstances: { capacity: 1, refillPerSecond: 1 } },
    });
    assert.equal(scaled.body['scale'], 2);
    assert.deepEqual(scaled.body['overrides'], { RunInstances: { capacity: 1, refillPerSecond: 1 } });
    await call('PUT', '/_sim/throttle', { drain: true });
    assert.equal(gate.throttle.tryTake('DescribeSubnets'), false);
    const off = await call('PUT', '/_sim/throttle', { enabled: false });
    assert.equal(off.body['enabled'], false);
    assert.equal(gate.throttle.tryTake('DescribeSubnets'), true);
    for (const body of [
      { scale: 0 },
      { enabled: 'yes' },
      { drain: false },
      { overrides: { RunInstances: { capacity: 0, refillPerSecond: 1 } } },
    ]) {
      assert.equal((await call('PUT', '/_sim/throttle', body)).status, 400, JSON.stringify(body));
    }
  });

  it('PUT /_sim/imds sets lags and the freeze switch, and flushes', async () => {
    const reply = await call('PUT', '/_sim/imds', { lagMs: 1500, addressLagMs: 200, frozen: true });
    assert.deepEqual(reply.body, { attachLagMs: 1500, detachLagMs: 1500, addressLagMs: 200, frozen: true, pending: 0 });
    assert.equal(imds.settings.frozen, true);
    const thawed = await call('PUT', '/_sim/imds', { frozen: false, flush: true });
    assert.equal(thawed.body['frozen'], false);
    assert.equal((await call('PUT', '/_sim/imds', { lagMs: -1 })).status, 400);
    assert.equal((await call('PUT', '/_sim/imds', { lag: 5 })).status, 400);
  });

  it('404 for unknown paths, 405 with Allow for unsupported methods', async () => {
    const missing = await call('GET', '/_sim/nope');
    assert.equal(missing.status, 404);
    assert.equal(errorOf(missing).code, 'NotFound');
    const wrong = await call('POST', '/_sim/state', {});
    assert.equal(wrong.status, 405);
    assert.equal(wrong.headers.get('allow'), 'GET');
  });
});
