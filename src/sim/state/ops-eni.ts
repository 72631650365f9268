/**
 * Elastic network interfaces in the embedded VPC: create, delete and modify (this file), attach/detach
 * (ops-eni-attach.ts) and address assignment (ops-eni-addresses.ts), all re-exported here. Each operation validates
 * fully before it changes anything, so a failed call leaves the store as it was (EC2's behaviour).
 *
 * @example
 * const eni = createEni(store, { subnetId, groups: [sgId], secondaryIpCount: 9, description: 'aws-K8S-i-0abc' });
 * const attachment = attachEni(store, { eniId: eni.id, instanceId, deviceIndex: 1 });
 */
import { Ec2Error, invalidParameterCombination, missingParameter } from '../ec2/errors.js';
import { withClaim } from './ops-eni-claims.js';
import { eniSettings, settleEni } from './ops-eni-settings.js';
import { releaseBranch } from './ops-trunk.js';
import type { Eni, EniInterfaceType, Subnet } from './model.js';
import type { VpcStore } from './store.js';

export { attachEni, detachEni, releaseInstanceEnis, type AttachEniInput } from './ops-eni-attach.js';
export {
  assignPrivateIps,
  unassignPrivateIps,
  type AssignPrivateIpsInput,
  type UnassignPrivateIpsInput,
} from './ops-eni-addresses.js';
export { eniSettings, settleDetachments, settleEni, type EniSettings } from './ops-eni-settings.js';

export type { EniInterfaceType } from './model.js';

export interface CreateEniInput {
  subnetId: string;
  groups?: readonly string[];
  description?: string;
  secondaryIpCount?: number;
  /** The primary address; the lowest free address of the subnet when absent. */
  privateIpAddress?: string;
  secondaryIps?: readonly string[];
  prefixCount?: number;
  prefixes?: readonly string[];
  interfaceType?: EniInterfaceType;
  tags?: readonly { key: string; value: string }[];
  clientToken?: string;
}

/**
 * Checks security groups for an ENI in `vpcId` (each must exist in that VPC; at most the per-ENI quota) and returns
 * them without duplicates, in request order.
 */
export function validateGroups(store: VpcStore, vpcId: string, groups: readonly string[]): string[] {
  const unique = [...new Set(groups)];
  for (const id of unique) {
    if (store.securityGroups.get(id)?.vpcId !== vpcId) {
      throw new Ec2Error('InvalidGroup.NotFound', `The security group '${id}' does not exist in VPC '${vpcId}'`);
    }
  }
  if (unique.length > eniSettings(store).maxSecurityGroupsPerEni) {
    throw new Ec2Error(
      'SecurityGroupsPerInterfaceLimitExceeded',
      'The maximum number of security groups per interface has been reached.',
    );
  }
  return unique;
}

function defaultGroups(store: VpcStore, vpcId: string): string[] {
  for (const group of store.securityGroups.values())
    if (group.vpcId === vpcId && group.name === 'default') return [group.id];
  return [];
}

function checkCount(name: string, value: number | undefined): number {
  if (value === undefined) return 0;
  if (!Number.isInteger(value) || value < 0)
    throw new Ec2Error('InvalidParameterValue', `Invalid value '${value}' for ${name}.`);
  return value;
}

/** The request as idempotency sees it: same token + same fingerprint → same ENI. */
function fingerprint(input: CreateEniInput): string {
  const { clientToken: _token, ...rest } = input;
  return JSON.stringify(Object.entries(rest).sort(([a], [b]) => (a < b ? -1 : 1)));
}

function allocateAddresses(
  store: VpcStore,
  subnet: Subnet,
  input: CreateEniInput,
): { primary: string; secondaries: string[]; prefixes: string[] } {
  return withClaim(store, subnet, (claim) => {
    const primary =
      input.privateIpAddress === undefined
        ? claim.allocateIps(1)[0]
        : claim.claimIps([input.privateIpAddress], 'InvalidIPAddress.InUse')[0];
    const secondaries = [
      ...claim.claimIps(input.secondaryIps ?? []),
      ...claim.allocateIps(input.secondaryIpCount ?? 0),
    ];
    const prefixes = [...claim.claimPrefixes(input.prefixes ?? []), ...claim.allocatePrefixes(input.prefixCount ?? 0)];
    if (primary === undefined) throw new RangeError('the address allocator returned no primary address');
    return { primary, secondaries, prefixes };
  });
}

/**
 * CreateNetworkInterface: a new `available` ENI in the subnet, with its primary address (lowest free unless given),
 * secondaries and prefixes taken all-or-nothing. A repeated ClientToken with the same parameters returns the ENI
 * it created; with different parameters it is IdempotentParameterMismatch.
 */
export function createEni(store: VpcStore, input: CreateEniInput): Eni {
  const subnet = store.subnet(input.subnetId);
  const token = input.clientToken;
  const print = fingerprint(input);
  if (token !== undefined && token !== '') {
    const previous = store.clientTokens.get(token);
    if (previous !== undefined) {
      if (previous.fingerprint !== print) {
        throw new Ec2Error(
          'IdempotentParameterMismatch',
          'The request uses the same client token as a previous, but non-identical request.',
        );
      }
      const existing = store.enis.get(previous.eniId);
      if (existing !== undefined) return existing;
    }
  }
  const secondaryCount = checkCount('SecondaryPrivateIpAddressCount', input.secondaryIpCount);
  const prefixCount = checkCount('Ipv4PrefixCount', input.prefixCount);
  const listedIps = input.secondaryIps?.length ?? 0;
  const listedPrefixes = input.prefixes?.length ?? 0;
  if (input.secondaryIpCount !== undefined && listedIps > 0) {
    throw invalidParameterCombination(
      'SecondaryPrivateIpAddressCount cannot be specified with a list of secondary private IP addresses.',
    );
  }
  if (input.prefixCount !== undefined && listedPrefixes > 0) {
    throw invalidParameterCombination('Ipv4PrefixCount cannot be specified with a list of IPv4 prefixes.');
  }
  if ((secondaryCount > 0 || listedIps > 0) && (prefixCount > 0 || listedPrefixes > 0)) {
    throw invalidParameterCombination('IPv4 prefixes cannot be specified with secondary private IPv4 addresses.');
  }
  const groups =
    input.groups === undefined || input.groups.length === 0
      ? defaultGroups(store, subnet.vpcId)
      : validateGroups(store, subnet.vpcId, input.groups);
  const settings = eniSettings(store);
  if (1 + secondaryCount + listedIps + prefixCount + listedPrefixes > settings.unattachedIpv4PerEni) {
    throw new Ec2Error('PrivateIpAddressLimitExceeded', 'Number of private addresses will exceed limit.');
  }
  if (store.enis.size >= settings.regionalEniQuota) {
    throw new Ec2Error(
      'NetworkInterfaceLimitExceeded',
      `You have reached the maximum number of network interfaces (${settings.regionalEniQuota}) in this Region.`,
    );
  }
  const addresses = allocateAddresses(store, subnet, input);
  const eni: Eni = {
    id: store.newId('eni'),
    subnetId: subnet.id,
    vpcId: subnet.vpcId,
    availabilityZone: subnet.availabilityZone,
    description: input.description ?? '',
    macAddress: store.newMac(),
    groups,
    status: 'available',
    privateIpAddress: addresses.primary,
    secondaryIps: addresses.secondaries,
    prefixes: addresses.prefixes,
    attachment: undefined,
    interfaceType: input.interfaceType ?? 'interface',
    sourceDestCheck: true,
    requesterManaged: false,
    tags: new Map((input.tags ?? []).map((t) => [t.key, t.value])),
    createdAt: store.clock.now(),
  };
  store.enis.set(eni.id, eni);
  if (token !== undefined && token !== '') store.clientTokens.set(token, { fingerprint: print, eniId: eni.id });
  return eni;
}

/**
 * DeleteNetworkInterface: only a detached ENI; its primary, secondaries and prefixes go back to the subnet. An
 * associated branch is deleted with its association (`trunk-disassociated` first).
 */
export function deleteEni(store: VpcStore, eniId: string): void {
  const eni = store.eni(eniId);
  settleEni(store, eni);
  if (eni.attachment !== undefined)
    throw new Ec2Error('InvalidParameterValue', `Network interface '${eni.id}' is currently in use.`);
  releaseBranch(store, eni);
  store.releaseIps(store.subnet(eni.subnetId), [eni.privateIpAddress, ...eni.secondaryIps], eni.prefixes);
  store.enis.delete(eni.id);
}

/** ModifyNetworkInterfaceAttribute: exactly one attribute per call, as in EC2. */
export interface ModifyEniAttributeInput {
  attachment?: { attachmentId: string; deleteOnTermination: boolean };
  groups?: readonly string[];
  description?: string;
  sourceDestCheck?: boolean;
}

export function modifyEniAttribute(store: VpcStore, eniId: string, input: ModifyEniAttributeInput): void {
  const eni = store.eni(eniId);
  settleEni(store, eni);
  const given = (['attachment', 'groups', 'description', 'sourceDestCheck'] as const).filter(
    (k) => input[k] !== undefined,
  );
  if (given.length === 0) throw missingParameter('Attachment, SecurityGroupId, Description or SourceDestCheck');
  if (given.length > 1) throw invalidParameterCombination('Only one attribute can be modified at a time.');
  if (input.attachment !== undefined) {
    if (eni.attachment?.id !== input.attachment.attachmentId) {
      throw new Ec2Error(
        'InvalidAttachmentID.NotFound',
        `The attachment ID '${input.attachment.attachmentId}' does not exist for network interface '${eni.id}'`,
      );
    }
    eni.attachment.deleteOnTermination = input.attachment.deleteOnTermination;
  } else if (input.groups !== undefined) {
    if (input.groups.length === 0) throw missingParameter('SecurityGroupId');
    eni.groups = validateGroups(store, eni.vpcId, input.groups);
  } else if (input.description !== undefined) {
    eni.description = input.description;
  } else if (input.sourceDestCheck !== undefined) {
    eni.sourceDestCheck = input.sourceDestCheck;
  }
}
