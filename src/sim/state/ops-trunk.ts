/**
 * Trunk and branch ENIs (security groups for pods) [sgp §5]: a trunk is an ENI of type `trunk` attached to an
 * instance whose type supports trunking; a branch is an unattached ENI associated with the trunk under a VLAN id,
 * whose traffic rides the trunk's attachment tagged with that id. Each operation validates fully before it changes
 * anything, as the other ENI operations do.
 *
 * Rules, and where they come from: at most one trunk per instance, only on types with branch interfaces (the limits
 * table's `branch_interfaces`, the resource controller's table [sgp §4.3]); at most that many associations per trunk;
 * a VLAN id (1–4094) once per trunk; a branch is never attached (AttachNetworkInterface refuses it) and shows as
 * `interfaceType=branch`, `status=in-use` while associated. Deleting an associated branch succeeds and ends its
 * association: the resource controller deletes branches whose association id it lost without disassociating them
 * first [sgp §4.8]. A trunk with associations cannot be detached (so it cannot be deleted either); terminating its
 * instance ends them. EC2 documents no error codes for these operations: the codes below are EC2's generic ones.
 *
 * @example
 * const association = associateTrunk(store, { trunkInterfaceId: trunk.id, branchInterfaceId: branch.id, vlanId: 1 });
 * disassociateTrunk(store, association.id);
 */
import { Ec2Error, invalidParameterCombination, invalidParameterValue } from '../ec2/errors.js';
import type { Eni, Instance, TrunkAssociation } from './model.js';
import { instanceEniLimits, settleEni, type EniLimits } from './ops-eni-settings.js';
import type { VpcStore } from './store.js';

export const MIN_VLAN_ID = 1;
export const MAX_VLAN_ID = 4094;

export interface AssociateTrunkInput {
  readonly trunkInterfaceId: string;
  readonly branchInterfaceId: string;
  readonly vlanId: number;
  readonly clientToken?: string;
}

/** The associations of a trunk, by VLAN id. */
export function associationsOfTrunk(store: VpcStore, trunkId: string): TrunkAssociation[] {
  return [...store.trunkAssociations.values()]
    .filter((a) => a.trunkInterfaceId === trunkId)
    .sort((a, b) => a.vlanId - b.vlanId);
}

/** The association of a branch ENI, if it has one. */
export function associationOfBranch(store: VpcStore, branchId: string): TrunkAssociation | undefined {
  for (const association of store.trunkAssociations.values())
    if (association.branchInterfaceId === branchId) return association;
  return undefined;
}

/** The trunk attached to an instance, if any (an instance takes one). */
export function trunkOf(store: VpcStore, instanceId: string): Eni | undefined {
  for (const eni of store.enis.values())
    if (eni.interfaceType === 'trunk' && eni.attachment?.instanceId === instanceId) return eni;
  return undefined;
}

function checkVlanId(vlanId: number): void {
  if (!Number.isInteger(vlanId) || vlanId < MIN_VLAN_ID || vlanId > MAX_VLAN_ID) {
    throw invalidParameterValue(
      `Value ( ${vlanId} ) for parameter VlanId is invalid. It must be between ${MIN_VLAN_ID} and ${MAX_VLAN_ID}.`,
    );
  }
}

/** An idempotency token already used: the same request gets its first answer, another one is a mismatch. */
function replayed(store: VpcStore, token: string | undefined, fingerprint: string): string | undefined {
  if (token === undefined || token === '') return undefined;
  const previous = store.associationTokens.get(token);
  if (previous === undefined) return undefined;
  if (previous.fingerprint !== fingerprint) {
    throw new Ec2Error(
      'IdempotentParameterMismatch',
      'The request uses the same client token as a previous, but non-identical request.',
    );
  }
  return previous.associationId;
}

function checkTrunk(store: VpcStore, trunk: Eni): Instance {
  if (trunk.interfaceType !== 'trunk') {
    throw invalidParameterValue(
      `Network interface '${trunk.id}' is not a trunk interface (its interfaceType is ${trunk.interfaceType}).`,
    );
  }
  const instance = trunk.attachment === undefined ? undefined : store.instances.get(trunk.attachment.instanceId);
  if (trunk.attachment?.status !== 'attached' || instance === undefined) {
    throw new Ec2Error('IncorrectState', `The trunk interface '${trunk.id}' is not attached to an instance.`);
  }
  return instance;
}

function checkBranch(store: VpcStore, branch: Eni, trunk: Eni): void {
  if (branch.id === trunk.id)
    throw invalidParameterValue(`Network interface '${branch.id}' cannot be its own branch interface.`);
  if (branch.interfaceType !== 'interface' && branch.interfaceType !== 'branch') {
    throw invalidParameterValue(
      `Network interface '${branch.id}' of type ${branch.interfaceType} cannot be a branch interface.`,
    );
  }
  if (branch.attachment !== undefined) {
    throw new Ec2Error(
      'InvalidNetworkInterface.InUse',
      `Network interface '${branch.id}' is attached to an instance; a branch interface must not be attached.`,
    );
  }
  const existing = associationOfBranch(store, branch.id);
  if (existing !== undefined) {
    throw new Ec2Error(
      'InvalidNetworkInterface.InUse',
      `Network interface '${branch.id}' is already associated with trunk interface '${existing.trunkInterfaceId}' (${existing.id}).`,
    );
  }
  if (branch.vpcId !== trunk.vpcId || branch.availabilityZone !== trunk.availabilityZone) {
    throw invalidParameterCombination(
      `The branch interface '${branch.id}' and the trunk interface '${trunk.id}' must be in the same VPC and availability zone.`,
    );
  }
}

/**
 * AssociateTrunkInterface with VLAN: the branch becomes `interfaceType=branch`, `in-use`. Emits `trunk-associated`.
 * A repeated ClientToken with the same parameters returns the association it made (while it exists).
 */
export function associateTrunk(store: VpcStore, input: AssociateTrunkInput): TrunkAssociation {
  const fingerprint = JSON.stringify(['associate', input.trunkInterfaceId, input.branchInterfaceId, input.vlanId]);
  const previousId = replayed(store, input.clientToken, fingerprint);
  const previous = previousId === undefined ? undefined : store.trunkAssociations.get(previousId);
  if (previous !== undefined) return previous;
  const trunk = store.eni(input.trunkInterfaceId);
  const branch = store.eni(input.branchInterfaceId);
  settleEni(store, trunk);
  settleEni(store, branch);
  checkVlanId(input.vlanId);
  const instance = checkTrunk(store, trunk);
  checkBranch(store, branch, trunk);
  const associations = associationsOfTrunk(store, trunk.id);
  if (associations.some((a) => a.vlanId === input.vlanId)) {
    throw invalidParameterValue(`VLAN ID ${input.vlanId} is already in use on trunk interface '${trunk.id}'.`);
  }
  const limit = instanceEniLimits(store, instance).branchInterfaces;
  if (associations.length + 1 > limit) {
    throw new Ec2Error(
      'AttachmentLimitExceeded',
      `Branch interface count ${associations.length + 1} exceeds the limit of ${limit} for ${instance.instanceType} (trunk interface '${trunk.id}').`,
    );
  }
  const association: TrunkAssociation = {
    id: store.newId('trunk-assoc'),
    branchInterfaceId: branch.id,
    trunkInterfaceId: trunk.id,
    interfaceProtocol: 'VLAN',
    vlanId: input.vlanId,
    createdAt: store.clock.now(),
  };
  store.trunkAssociations.set(association.id, association);
  branch.interfaceType = 'branch';
  branch.status = 'in-use';
  if (input.clientToken !== undefined && input.clientToken !== '')
    store.associationTokens.set(input.clientToken, { fingerprint, associationId: association.id });
  store.events.emit('trunk-associated', { association, trunk, branch });
  return association;
}

/** Ends an association: the branch is `available` again (it stays a branch). Emits `trunk-disassociated`. */
function endAssociation(store: VpcStore, association: TrunkAssociation): void {
  store.trunkAssociations.delete(association.id);
  const trunk = store.enis.get(association.trunkInterfaceId);
  const branch = store.enis.get(association.branchInterfaceId);
  if (branch !== undefined && branch.attachment === undefined) branch.status = 'available';
  if (trunk !== undefined && branch !== undefined)
    store.events.emit('trunk-disassociated', { association, trunk, branch });
}

/**
 * DisassociateTrunkInterface: `InvalidAssociationID.NotFound` for an unknown id; a repeated ClientToken for the same
 * association succeeds again.
 */
export function disassociateTrunk(store: VpcStore, associationId: string, clientToken?: string): void {
  const fingerprint = JSON.stringify(['disassociate', associationId]);
  if (replayed(store, clientToken, fingerprint) !== undefined) return;
  endAssociation(store, store.trunkAssociation(associationId));
  if (clientToken !== undefined && clientToken !== '')
    store.associationTokens.set(clientToken, { fingerprint, associationId });
}

/** For DeleteNetworkInterface: a branch takes its association with it. */
export function releaseBranch(store: VpcStore, eni: Eni): void {
  const association = associationOfBranch(store, eni.id);
  if (association !== undefined) endAssociation(store, association);
}

/** For TerminateInstances: the instance's trunk loses every association before it is detached. */
export function releaseTrunk(store: VpcStore, eni: Eni): void {
  if (eni.interfaceType !== 'trunk') return;
  for (const association of associationsOfTrunk(store, eni.id)) endAssociation(store, association);
}

/**
 * AttachNetworkInterface's trunk rules: a branch is never attached; a trunk only to a type with branch interfaces
 * and only where the instance has no trunk yet. `attached` are the instance's ENIs.
 */
export function checkTrunkAttach(eni: Eni, instance: Instance, limits: EniLimits, attached: readonly Eni[]): void {
  if (eni.interfaceType === 'branch') {
    throw new Ec2Error(
      'OperationNotPermitted',
      `Network interface '${eni.id}' is a branch interface: it cannot be attached to an instance; associate it with a trunk interface (AssociateTrunkInterface).`,
    );
  }
  if (eni.interfaceType !== 'trunk') return;
  if (limits.branchInterfaces === 0) {
    throw new Ec2Error(
      'UnsupportedOperation',
      `The instance type '${limits.instanceType}' does not support trunk network interfaces.`,
    );
  }
  const other = attached.find((e) => e.interfaceType === 'trunk' && e.id !== eni.id);
  if (other !== undefined) {
    throw invalidParameterValue(
      `Instance '${instance.id}' already has a trunk interface attached ('${other.id}'); an instance takes one trunk interface.`,
    );
  }
}

/** DetachNetworkInterface's trunk rule: not while branches ride on it. */
export function checkTrunkDetach(store: VpcStore, eni: Eni): void {
  if (eni.interfaceType !== 'trunk') return;
  const count = associationsOfTrunk(store, eni.id).length;
  if (count > 0) {
    throw new Ec2Error(
      'DependencyViolation',
      `The trunk interface '${eni.id}' has ${count} branch interface association(s); disassociate them first (DisassociateTrunkInterface).`,
    );
  }
}

/** A branch as the status views show it. */
export interface BranchView {
  readonly associationId: string;
  readonly branchInterfaceId: string;
  readonly vlanId: number;
  readonly privateIpAddress: string | undefined;
  readonly macAddress: string | undefined;
}

/** A trunk and its branches, for the admin state and `vpc-cni sim`'s description. */
export interface TrunkView {
  readonly trunkInterfaceId: string;
  readonly instanceId: string | undefined;
  readonly deviceIndex: number | undefined;
  readonly branches: readonly BranchView[];
}

/** Every trunk ENI with its associations (by VLAN id); `instanceId` narrows to one instance's trunk. */
export function trunkViews(store: VpcStore, instanceId?: string): TrunkView[] {
  const trunks = [...store.enis.values()].filter(
    (e) => e.interfaceType === 'trunk' && (instanceId === undefined || e.attachment?.instanceId === instanceId),
  );
  return trunks.map((trunk) => ({
    trunkInterfaceId: trunk.id,
    instanceId: trunk.attachment?.instanceId,
    deviceIndex: trunk.attachment?.deviceIndex,
    branches: associationsOfTrunk(store, trunk.id).map((a) => {
      const branch = store.enis.get(a.branchInterfaceId);
      return {
        associationId: a.id,
        branchInterfaceId: a.branchInterfaceId,
        vlanId: a.vlanId,
        privateIpAddress: branch?.privateIpAddress,
        macAddress: branch?.macAddress,
      };
    }),
  }));
}
