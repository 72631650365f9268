import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addInstance, errorOf, newWorld, type EniWorld } from './eni-fixtures.test-util.js';
import type { Eni, Instance } from './model.js';
import { attachEni, createEni, deleteEni, detachEni, eniSettings, releaseInstanceEnis } from './ops-eni.js';
import { associateTrunk, associationsOfTrunk, disassociateTrunk, trunkOf } from './ops-trunk.js';
import { deserializeStore, serializeStore } from './persist.js';

interface TrunkWorld extends EniWorld {
  readonly instance: Instance;
  readonly trunk: Eni;
  readonly branch: Eni;
  readonly events: string[];
}

/** An m5.large (9 branch interfaces) with a trunk at device 2, an unattached ENI to use as branch, events recorded. */
function trunkWorld(type = 'm5.large'): TrunkWorld {
  const world = newWorld();
  const { store, subnetId } = world;
  eniSettings(store).detachDelayMs = 0;
  const instance = addInstance(store, { type, subnetId });
  const trunk = createEni(store, { subnetId, interfaceType: 'trunk', description: 'aws-k8s-trunk-eni' });
  attachEni(store, { eniId: trunk.id, instanceId: instance.id, deviceIndex: 2 });
  const branch = createEni(store, { subnetId, description: 'aws-k8s-branch-eni' });
  const events: string[] = [];
  store.events.on('trunk-associated', (e) => events.push(`associated ${e.branch.id} ${e.association.vlanId}`));
  store.events.on('trunk-disassociated', (e) => events.push(`disassociated ${e.branch.id} ${e.association.vlanId}`));
  store.events.on('eni-detached', (e) => events.push(`detached ${e.eni.id}`));
  return { ...world, instance, trunk, branch, events };
}

describe('associateTrunk / disassociateTrunk', () => {
  it('associates a branch under a VLAN id: interfaceType branch, in-use, one event; disassociating undoes it', () => {
    const { store, trunk, branch, events, clock } = trunkWorld();
    const association = associateTrunk(store, { trunkInterfaceId: trunk.id, branchInterfaceId: branch.id, vlanId: 1 });
    assert.match(association.id, /^trunk-assoc-[0-9a-f]{17}$/);
    assert.deepEqual(
      { ...association, id: '' },
      {
        id: '',
        branchInterfaceId: branch.id,
        trunkInterfaceId: trunk.id,
        interfaceProtocol: 'VLAN',
        vlanId: 1,
        createdAt: clock.now(),
      },
    );
    assert.equal(branch.interfaceType, 'branch');
    assert.equal(branch.status, 'in-use');
    assert.equal(branch.attachment, undefined, 'a branch is never attached');
    assert.deepEqual(associationsOfTrunk(store, trunk.id), [association]);
    disassociateTrunk(store, association.id);
    assert.equal(store.trunkAssociations.size, 0);
    assert.equal(branch.status, 'available');
    assert.equal(branch.interfaceType, 'branch');
    assert.deepEqual(events, [`associated ${branch.id} 1`, `disassociated ${branch.id} 1`]);
  });

  it('answers a repeated ClientToken with the same association, and a changed request with a mismatch', async () => {
    const { store, subnetId, trunk, branch } = trunkWorld();
    const input = { trunkInterfaceId: trunk.id, branchInterfaceId: branch.id, vlanId: 3, clientToken: 'tok-1' };
    const first = associateTrunk(store, input);
    assert.equal(associateTrunk(store, input), first);
    const other = createEni(store, { subnetId });
    const error = await errorOf(() => associateTrunk(store, { ...input, branchInterfaceId: other.id }));
    assert.equal(error.name, 'IdempotentParameterMismatch');
    disassociateTrunk(store, first.id, 'tok-2');
    disassociateTrunk(store, first.id, 'tok-2'); // the retry of a call that succeeded
    assert.equal((await errorOf(() => disassociateTrunk(store, first.id))).name, 'InvalidAssociationID.NotFound');
  });

  it('takes as many branches as the type allows (m5.large: 9); the next one names the limit', async () => {
    const { store, subnetId, trunk } = trunkWorld();
    for (let vlan = 1; vlan <= 9; vlan++) {
      const branch = createEni(store, { subnetId });
      associateTrunk(store, { trunkInterfaceId: trunk.id, branchInterfaceId: branch.id, vlanId: vlan });
    }
    const tenth = createEni(store, { subnetId });
    const error = await errorOf(() =>
      associateTrunk(store, { trunkInterfaceId: trunk.id, branchInterfaceId: tenth.id, vlanId: 10 }),
    );
    assert.deepEqual(error, {
      name: 'AttachmentLimitExceeded',
      message: `Branch interface count 10 exceeds the limit of 9 for m5.large (trunk interface '${trunk.id}').`,
    });
    assert.equal(store.trunkAssociations.size, 9);
    assert.equal(tenth.interfaceType, 'interface');
    assert.equal(tenth.status, 'available');
  });

  // Each case breaks one rule; the call must fail with EC2's code and leave the store as it was.
  const refused: {
    name: string;
    code: string;
    message?: RegExp;
    call: (w: TrunkWorld) => { trunk?: string; branch?: string; vlanId?: number };
  }[] = [
    {
      name: 'an unknown trunk id',
      code: 'InvalidNetworkInterfaceID.NotFound',
      message: /^The networkInterface ID 'eni-00000000000000000' does not exist$/,
      call: () => ({ trunk: 'eni-00000000000000000' }),
    },
    {
      name: 'an unknown branch id',
      code: 'InvalidNetworkInterfaceID.NotFound',
      call: () => ({ branch: 'eni-0000000f' }),
    },
    {
      name: 'an ordinary interface as the trunk',
      code: 'InvalidParameterValue',
      message: /is not a trunk interface \(its interfaceType is interface\)/,
      call: (w) => ({ trunk: w.instance.primaryEniId }),
    },
    {
      name: 'a trunk that is not attached',
      code: 'IncorrectState',
      message: /is not attached to an instance/,
      call: (w) => ({ trunk: createEni(w.store, { subnetId: w.subnetId, interfaceType: 'trunk' }).id }),
    },
    {
      name: 'an attached interface as the branch',
      code: 'InvalidNetworkInterface.InUse',
      call: (w) => ({ branch: w.instance.primaryEniId }),
    },
    { name: 'the trunk as its own branch', code: 'InvalidParameterValue', call: (w) => ({ branch: w.trunk.id }) },
    {
      name: 'a trunk-type ENI as the branch',
      code: 'InvalidParameterValue',
      message: /of type trunk cannot be a branch interface/,
      call: (w) => ({ branch: createEni(w.store, { subnetId: w.subnetId, interfaceType: 'trunk' }).id }),
    },
    {
      name: 'a branch in another availability zone',
      code: 'InvalidParameterCombination',
      call: (w) => ({ branch: createEni(w.store, { subnetId: w.subnetBId }).id }),
    },
    { name: 'VLAN id 0', code: 'InvalidParameterValue', message: /between 1 and 4094/, call: () => ({ vlanId: 0 }) },
    { name: 'VLAN id 4095', code: 'InvalidParameterValue', call: () => ({ vlanId: 4095 }) },
    { name: 'a fractional VLAN id', code: 'InvalidParameterValue', call: () => ({ vlanId: 1.5 }) },
    {
      name: 'a VLAN id in use on the trunk',
      code: 'InvalidParameterValue',
      message: /^VLAN ID 7 is already in use on trunk interface 'eni-/,
      call: () => ({ vlanId: 7 }),
    },
    {
      name: 'a branch already associated',
      code: 'InvalidNetworkInterface.InUse',
      message: /is already associated with trunk interface/,
      call: (w) => ({ branch: w.store.trunkAssociations.values().next().value?.branchInterfaceId ?? '' }),
    },
  ];
  for (const { name, code, message, call } of refused) {
    it(`refuses ${name} with ${code}, changing nothing`, async () => {
      const w = trunkWorld();
      const taken = createEni(w.store, { subnetId: w.subnetId });
      associateTrunk(w.store, { trunkInterfaceId: w.trunk.id, branchInterfaceId: taken.id, vlanId: 7 });
      const args = call(w);
      const before = serializeStore(w.store);
      const error = await errorOf(() =>
        associateTrunk(w.store, {
          trunkInterfaceId: args.trunk ?? w.trunk.id,
          branchInterfaceId: args.branch ?? w.branch.id,
          vlanId: args.vlanId ?? 1,
        }),
      );
      assert.equal(error.name, code, error.message);
      if (message !== undefined) assert.match(error.message, message);
      assert.equal(serializeStore(w.store), before);
      assert.deepEqual(w.events, [`associated ${taken.id} 7`]);
    });
  }
});

describe('trunk and branch rules of the other ENI operations', () => {
  // `prepare` builds what the case needs and returns the refused call; the store must not change by that call.
  const attachRefused: { name: string; code: string; message: RegExp; prepare: (w: TrunkWorld) => () => unknown }[] = [
    {
      name: 'a trunk on a type without trunk support (t3.medium: 0 branches)',
      code: 'UnsupportedOperation',
      message: /^The instance type 't3.medium' does not support trunk network interfaces\.$/,
      prepare: (w) => {
        const small = addInstance(w.store, { type: 't3.medium', subnetId: w.subnetId });
        const trunk = createEni(w.store, { subnetId: w.subnetId, interfaceType: 'trunk' });
        return () => attachEni(w.store, { eniId: trunk.id, instanceId: small.id, deviceIndex: 1 });
      },
    },
    {
      name: "a trunk on a type the resource controller's table does not list",
      code: 'UnsupportedOperation',
      message: /'bmn-sf1.metal'/,
      prepare: (w) => {
        const metal = addInstance(w.store, { type: 'bmn-sf1.metal', subnetId: w.subnetId });
        const trunk = createEni(w.store, { subnetId: w.subnetId, interfaceType: 'trunk' });
        return () => attachEni(w.store, { eniId: trunk.id, instanceId: metal.id, deviceIndex: 1 });
      },
    },
    {
      name: 'a second trunk on one instance',
      code: 'InvalidParameterValue',
      message: /already has a trunk interface attached/,
      prepare: (w) => {
        const second = createEni(w.store, { subnetId: w.subnetId, interfaceType: 'trunk' });
        return () => attachEni(w.store, { eniId: second.id, instanceId: w.instance.id, deviceIndex: 1 });
      },
    },
    {
      name: 'an ENI created as a branch',
      code: 'OperationNotPermitted',
      message: /is a branch interface: it cannot be attached/,
      prepare: (w) => {
        const branch = createEni(w.store, { subnetId: w.subnetId, interfaceType: 'branch' });
        return () => attachEni(w.store, { eniId: branch.id, instanceId: w.instance.id, deviceIndex: 1 });
      },
    },
    {
      name: 'an interface that became a branch by association',
      code: 'OperationNotPermitted',
      message: /is a branch interface/,
      prepare: (w) => {
        const association = associateTrunk(w.store, {
          trunkInterfaceId: w.trunk.id,
          branchInterfaceId: w.branch.id,
          vlanId: 1,
        });
        disassociateTrunk(w.store, association.id);
        return () => attachEni(w.store, { eniId: w.branch.id, instanceId: w.instance.id, deviceIndex: 1 });
      },
    },
  ];
  for (const { name, code, message, prepare } of attachRefused) {
    it(`AttachNetworkInterface refuses ${name}`, async () => {
      const w = trunkWorld();
      const refusedCall = prepare(w);
      const before = serializeStore(w.store);
      const error = await errorOf(refusedCall);
      assert.equal(error.name, code, error.message);
      assert.match(error.message, message);
      assert.equal(serializeStore(w.store), before);
    });
  }

  it('finds the trunk of an instance', () => {
    const { store, instance, trunk } = trunkWorld();
    assert.equal(trunkOf(store, instance.id), trunk);
  });

  it('refuses to detach a trunk that carries branches (DependencyViolation); without them it detaches', async () => {
    const { store, trunk, branch } = trunkWorld();
    const association = associateTrunk(store, { trunkInterfaceId: trunk.id, branchInterfaceId: branch.id, vlanId: 1 });
    const attachmentId = trunk.attachment?.id ?? '';
    const error = await errorOf(() => detachEni(store, attachmentId));
    assert.equal(error.name, 'DependencyViolation');
    assert.match(error.message, /has 1 branch interface association/);
    assert.equal(trunk.attachment?.status, 'attached');
    disassociateTrunk(store, association.id);
    detachEni(store, attachmentId);
    assert.equal(trunk.attachment, undefined);
  });

  it('deletes an associated branch with its association and returns its address', () => {
    const { store, trunk, branch, events, subnetId } = trunkWorld();
    associateTrunk(store, { trunkInterfaceId: trunk.id, branchInterfaceId: branch.id, vlanId: 4 });
    const free = store.availableIpAddressCount(store.subnet(subnetId));
    deleteEni(store, branch.id);
    assert.equal(store.enis.has(branch.id), false);
    assert.equal(store.trunkAssociations.size, 0);
    assert.equal(store.availableIpAddressCount(store.subnet(subnetId)), free + 1);
    assert.deepEqual(events, [`associated ${branch.id} 4`, `disassociated ${branch.id} 4`]);
  });

  it('ends the trunk associations before the interfaces are detached when the instance terminates', () => {
    const { store, instance, trunk, branch, events } = trunkWorld();
    associateTrunk(store, { trunkInterfaceId: trunk.id, branchInterfaceId: branch.id, vlanId: 2 });
    if (trunk.attachment !== undefined) trunk.attachment.deleteOnTermination = true;
    releaseInstanceEnis(store, instance.id);
    assert.equal(store.trunkAssociations.size, 0);
    assert.equal(store.enis.has(trunk.id), false);
    assert.equal(branch.status, 'available');
    const disassociated = events.indexOf(`disassociated ${branch.id} 2`);
    assert.ok(disassociated > 0 && disassociated < events.indexOf(`detached ${trunk.id}`), events.join('; '));
  });

  it('keeps associations and their idempotency tokens across a save and a load', () => {
    const { store, trunk, branch, clock } = trunkWorld();
    associateTrunk(store, { trunkInterfaceId: trunk.id, branchInterfaceId: branch.id, vlanId: 9, clientToken: 't' });
    const again = deserializeStore(serializeStore(store), clock);
    assert.deepEqual([...again.trunkAssociations], [...store.trunkAssociations]);
    assert.deepEqual([...again.associationTokens], [...store.associationTokens]);
    assert.equal(again.eni(branch.id).interfaceType, 'branch');
    const old = JSON.parse(serializeStore(newWorld().store)) as Record<string, unknown>;
    delete old['trunkAssociations'];
    delete old['associationTokens'];
    assert.equal(deserializeStore(JSON.stringify(old), clock).trunkAssociations.size, 0, 'a file from before trunks');
  });
});
