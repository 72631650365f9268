import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { instanceWorld } from '../ec2/handlers/instances.test-util.js';
import {
  assignPrivateIps,
  attachEni,
  createEni,
  detachEni,
  eniSettings,
  unassignPrivateIps,
} from '../state/ops-eni.js';
import { launchInstance } from '../state/ops-instance.js';
import { ImdsPropagation, imdsPropagationOf } from './view.js';

function setup(lagMs: number) {
  const world = instanceWorld();
  eniSettings(world.store).detachDelayMs = 0;
  const imds = new ImdsPropagation(world.store, { lagMs });
  const instance = launchInstance(world.store, { instanceType: 'm5.large', subnetId: world.subnetId });
  const view = imds.view(instance.id);
  const macs = () => view.interfaces().map((eni) => eni.macAddress);
  return { ...world, imds, instance, view, macs };
}

describe('ImdsPropagation', () => {
  it('shows the primary ENI at once, a newly attached ENI only after the lag', () => {
    const { store, clock, instance, view, macs, subnetId } = setup(2000);
    const primary = store.eni(instance.primaryEniId);
    assert.deepEqual(macs(), [primary.macAddress]);
    assert.equal(view.primary()?.eniId, primary.id);
    const eni = createEni(store, { subnetId, secondaryIpCount: 2 });
    attachEni(store, { eniId: eni.id, instanceId: instance.id, deviceIndex: 1 });
    assert.deepEqual(macs(), [primary.macAddress]);
    clock.advance(1999);
    assert.deepEqual(macs(), [primary.macAddress]);
    clock.advance(1);
    assert.deepEqual(macs(), [primary.macAddress, eni.macAddress]);
    const visible = view.interfaces()[1];
    assert.equal(visible?.deviceIndex, 1);
    assert.deepEqual(visible?.secondaryIps, eni.secondaryIps);
  });

  it('keeps a detached (even deleted) ENI until the lag has passed', () => {
    const { store, clock, instance, macs, subnetId, imds } = setup(0);
    const eni = createEni(store, { subnetId });
    const attachment = attachEni(store, { eniId: eni.id, instanceId: instance.id, deviceIndex: 1 });
    assert.equal(macs().length, 2);
    imds.configure({ detachLagMs: 500 });
    detachEni(store, attachment.id);
    store.enis.delete(eni.id);
    clock.advance(499);
    assert.deepEqual(macs().includes(eni.macAddress), true);
    clock.advance(1);
    assert.deepEqual(macs().includes(eni.macAddress), false);
  });

  it('follows address assignment and unassignment after the address lag, in order', () => {
    const { store, clock, instance, view, imds } = setup(0);
    imds.configure({ addressLagMs: 1000 });
    const eniId = instance.primaryEniId;
    const { ips } = assignPrivateIps(store, eniId, { count: 2 });
    const { prefixes } = assignPrivateIps(store, eniId, { prefixCount: 1 });
    assert.deepEqual(view.primary()?.secondaryIps, []);
    clock.advance(500);
    unassignPrivateIps(store, eniId, { ips: [ips[0] ?? ''] });
    clock.advance(500);
    assert.deepEqual(view.primary()?.secondaryIps, ips);
    assert.deepEqual(view.primary()?.prefixes, prefixes);
    clock.advance(500);
    assert.deepEqual(view.primary()?.secondaryIps, [ips[1]]);
  });

  it('freezes: nothing changes until unfrozen; flush applies everything at once', () => {
    const { store, clock, instance, macs, subnetId, imds } = setup(100);
    imds.configure({ frozen: true });
    const eni = createEni(store, { subnetId });
    attachEni(store, { eniId: eni.id, instanceId: instance.id, deviceIndex: 1 });
    clock.advance(10_000);
    assert.equal(macs().length, 1);
    assert.equal(imds.pending(), 1);
    imds.configure({ frozen: false });
    assert.equal(macs().length, 2);
    const other = createEni(store, { subnetId });
    attachEni(store, { eniId: other.id, instanceId: instance.id, deviceIndex: 2 });
    assert.equal(macs().length, 2);
    imds.flush();
    assert.equal(macs().length, 3);
    assert.equal(imds.pending(), 0);
  });

  it('seeds from ENIs already attached, and stops listening when closed', () => {
    const world = instanceWorld();
    const instance = launchInstance(world.store, { instanceType: 'm5.large', subnetId: world.subnetId });
    const late = new ImdsPropagation(world.store, { lagMs: 0 });
    assert.equal(late.view(instance.id).interfaces().length, 1);
    late.close();
    const eni = createEni(world.store, { subnetId: world.subnetId });
    attachEni(world.store, { eniId: eni.id, instanceId: instance.id, deviceIndex: 1 });
    assert.equal(late.view(instance.id).interfaces().length, 1);
    assert.equal(imdsPropagationOf(world.store), imdsPropagationOf(world.store));
  });

  it('rejects negative lags', () => {
    const { imds } = setup(0);
    assert.throws(() => imds.configure({ lagMs: -1 }), RangeError);
  });
});
