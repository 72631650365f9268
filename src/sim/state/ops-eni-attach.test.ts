import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addInstance, errorOf, newWorld } from './eni-fixtures.test-util.js';
import type { Eni, EniAttachment } from './model.js';
import {
  attachEni,
  createEni,
  deleteEni,
  detachEni,
  eniSettings,
  modifyEniAttribute,
  releaseInstanceEnis,
  settleDetachments,
} from './ops-eni.js';

describe('attachEni', () => {
  it('attaches at once, in-use, DeleteOnTermination false for a secondary ENI, and emits eni-attached', () => {
    const { store, subnetId, clock } = newWorld();
    const instance = addInstance(store, { type: 'm5.large', subnetId });
    const eni = createEni(store, { subnetId, secondaryIpCount: 9 });
    const seen: { eni: Eni; instanceId: string }[] = [];
    store.events.on('eni-attached', (e) => seen.push(e));
    const attachment = attachEni(store, {
      eniId: eni.id,
      instanceId: instance.id,
      deviceIndex: 1,
      networkCardIndex: 0,
    });
    assert.match(attachment.id, /^eni-attach-[0-9a-f]{17}$/);
    assert.equal(attachment.status, 'attached');
    assert.equal(attachment.deleteOnTermination, false);
    assert.equal(attachment.attachTime, clock.now());
    assert.equal(eni.status, 'in-use');
    assert.deepEqual(seen, [{ eni, instanceId: instance.id }]);
    assert.equal(store.eni(instance.primaryEniId).attachment?.deleteOnTermination, true);
  });

  it('limits ENIs per network card: an m5.large takes 3, the 4th is AttachmentLimitExceeded', async () => {
    const { store, subnetId } = newWorld();
    const instance = addInstance(store, { type: 'm5.large', subnetId });
    attachEni(store, { eniId: createEni(store, { subnetId }).id, instanceId: instance.id, deviceIndex: 1 });
    attachEni(store, { eniId: createEni(store, { subnetId }).id, instanceId: instance.id, deviceIndex: 2 });
    const fourth = createEni(store, { subnetId });
    const error = await errorOf(() => attachEni(store, { eniId: fourth.id, instanceId: instance.id, deviceIndex: 3 }));
    assert.deepEqual(error, {
      name: 'AttachmentLimitExceeded',
      message: 'Interface count 4 exceeds the limit for m5.large',
    });
    assert.equal(fourth.attachment, undefined);
  });

  it('counts per card on multi-card types', async () => {
    const { store, subnetId } = newWorld();
    const instance = addInstance(store, { type: 'p4d.24xlarge', subnetId });
    const attachNew = (deviceIndex: number, networkCardIndex: number): EniAttachment =>
      attachEni(store, {
        eniId: createEni(store, { subnetId }).id,
        instanceId: instance.id,
        deviceIndex,
        networkCardIndex,
      });
    const attachment = attachNew(1, 1);
    assert.equal(attachment.networkCardIndex, 1);
    // The same device index on another card is a different slot.
    attachNew(1, 0);
    const error = await errorOf(() => attachNew(0, 2));
    assert.equal(error.name, 'InvalidParameterValue');
    const noCard = await errorOf(() => attachNew(1, 4));
    assert.equal(noCard.name, 'InvalidParameterValue');
  });

  it('refuses a taken device index, an attached ENI, another zone, a bad card and a stopped-for-good instance', async () => {
    const { store, subnetId, subnetBId } = newWorld();
    const instance = addInstance(store, { type: 't3.medium', subnetId });
    const eni = createEni(store, { subnetId });
    attachEni(store, { eniId: eni.id, instanceId: instance.id, deviceIndex: 2 });
    const other = createEni(store, { subnetId });
    assert.deepEqual(
      await errorOf(() => attachEni(store, { eniId: other.id, instanceId: instance.id, deviceIndex: 2 })),
      {
        name: 'InvalidParameterValue',
        message: `Instance '${instance.id}' already has an interface attached at device index '2'.`,
      },
    );
    assert.equal(
      (await errorOf(() => attachEni(store, { eniId: eni.id, instanceId: instance.id, deviceIndex: 1 }))).name,
      'InvalidNetworkInterface.InUse',
    );
    const elsewhere = createEni(store, { subnetId: subnetBId });
    assert.equal(
      (await errorOf(() => attachEni(store, { eniId: elsewhere.id, instanceId: instance.id, deviceIndex: 1 }))).name,
      'InvalidParameterCombination',
    );
    assert.equal(
      (
        await errorOf(() =>
          attachEni(store, { eniId: other.id, instanceId: instance.id, deviceIndex: 1, networkCardIndex: 1 }),
        )
      ).name,
      'InvalidParameterValue',
    );
    const gone = addInstance(store, { type: 't3.medium', subnetId, state: 'terminated' });
    assert.equal(
      (await errorOf(() => attachEni(store, { eniId: other.id, instanceId: gone.id, deviceIndex: 1 }))).name,
      'IncorrectInstanceState',
    );
    assert.equal(
      (await errorOf(() => attachEni(store, { eniId: other.id, instanceId: 'i-00000000000000000', deviceIndex: 1 })))
        .name,
      'InvalidInstanceID.NotFound',
    );
  });

  it('refuses an ENI holding more addresses than the type allows, or prefixes on a Xen type', async () => {
    const { store, subnetId } = newWorld();
    const m5 = addInstance(store, { type: 'm5.large', subnetId });
    const big = createEni(store, { subnetId, secondaryIpCount: 10 });
    assert.equal(
      (await errorOf(() => attachEni(store, { eniId: big.id, instanceId: m5.id, deviceIndex: 1 }))).name,
      'InvalidInterface.IpAddressLimitExceeded',
    );
    const xen = addInstance(store, { type: 't2.medium', subnetId });
    const prefixed = createEni(store, { subnetId, prefixCount: 1 });
    assert.equal(
      (await errorOf(() => attachEni(store, { eniId: prefixed.id, instanceId: xen.id, deviceIndex: 1 }))).name,
      'InvalidParameterValue',
    );
  });
});

describe('detachEni', () => {
  it('is detaching for the configured delay; delete fails "in use" until then; emits eni-detached at once', async () => {
    const { store, subnetId, clock } = newWorld();
    const instance = addInstance(store, { type: 'm5.large', subnetId });
    const eni = createEni(store, { subnetId });
    const attachment = attachEni(store, { eniId: eni.id, instanceId: instance.id, deviceIndex: 1 });
    const detached: string[] = [];
    store.events.on('eni-detached', (e) => detached.push(`${e.eni.id}@${e.instanceId}`));
    detachEni(store, attachment.id, { force: false });
    assert.deepEqual(detached, [`${eni.id}@${instance.id}`]);
    assert.equal(eni.status, 'detaching');
    assert.equal(eni.attachment?.status, 'detaching');
    detachEni(store, attachment.id);
    assert.equal(detached.length, 1, 'a repeated detach while detaching changes nothing');
    assert.deepEqual(await errorOf(() => deleteEni(store, eni.id)), {
      name: 'InvalidParameterValue',
      message: `Network interface '${eni.id}' is currently in use.`,
    });
    clock.advance(499);
    settleDetachments(store);
    assert.equal(eni.status, 'detaching');
    clock.advance(1);
    deleteEni(store, eni.id);
    assert.equal(store.enis.has(eni.id), false);
    assert.equal((await errorOf(() => detachEni(store, attachment.id))).name, 'InvalidAttachmentID.NotFound');
  });

  it('completes at once with a zero delay, and refuses the primary interface', async () => {
    const { store, subnetId } = newWorld();
    eniSettings(store).detachDelayMs = 0;
    const instance = addInstance(store, { type: 'm5.large', subnetId });
    const eni = createEni(store, { subnetId });
    const attachment = attachEni(store, { eniId: eni.id, instanceId: instance.id, deviceIndex: 1 });
    modifyEniAttribute(store, eni.id, { attachment: { attachmentId: attachment.id, deleteOnTermination: true } });
    assert.equal(eni.attachment?.deleteOnTermination, true);
    detachEni(store, attachment.id);
    assert.equal(eni.status, 'available');
    assert.equal(eni.attachment, undefined);
    const primary = store.eni(instance.primaryEniId);
    const error = await errorOf(() => detachEni(store, primary.attachment?.id ?? ''));
    assert.equal(error.name, 'OperationNotPermitted');
  });
});

describe('releaseInstanceEnis', () => {
  it('deletes DeleteOnTermination interfaces and detaches the others', () => {
    const { store, subnetId } = newWorld();
    const subnet = store.subnet(subnetId);
    const instance = addInstance(store, { type: 'm5.large', subnetId });
    const kept = createEni(store, { subnetId, secondaryIpCount: 1 });
    attachEni(store, { eniId: kept.id, instanceId: instance.id, deviceIndex: 1 });
    const events: string[] = [];
    store.events.on('eni-detached', (e) => events.push(e.eni.id));
    const result = releaseInstanceEnis(store, instance.id);
    assert.deepEqual(result, { deleted: [instance.primaryEniId], detached: [kept.id] });
    assert.deepEqual(events.sort(), [instance.primaryEniId, kept.id].sort());
    assert.equal(kept.status, 'available');
    assert.equal(store.availableIpAddressCount(subnet), 251 - 2);
  });
});
