/**
 * AssignPrivateIpAddresses / UnassignPrivateIpAddresses. The per-ENI limit is the attached instance type's
 * `Ipv4AddressesPerInterface` (primary + secondaries + one per /28 prefix); an unattached ENI gets the settings'
 * generous default. Prefixes need a Nitro or bare-metal attachment. Changes are visible in EC2 at once and emitted
 * as events (the IMDS views lag behind on their own).
 *
 * @example
 * assignPrivateIps(store, eniId, { count: 2 });            // { ips: ['10.0.1.6', '10.0.1.7'], prefixes: [] }
 * assignPrivateIps(store, eniId, { prefixCount: 1 });      // { ips: [], prefixes: ['10.0.1.16/28'] }
 * unassignPrivateIps(store, eniId, { ips: ['10.0.1.6'] });
 */
import { formatIpv4 } from '../../ipam/cidr.js';
import { Ec2Error, invalidParameterCombination, invalidParameterValue, missingParameter } from '../ec2/errors.js';
import { parseAddressParam, withClaim } from './ops-eni-claims.js';
import { addressCount, attachedInstance, eniSettings, instanceEniLimits, settleEni } from './ops-eni-settings.js';
import type { Eni } from './model.js';
import type { VpcStore } from './store.js';

/** Exactly one of the four forms. */
export interface AssignPrivateIpsInput {
  count?: number;
  ips?: readonly string[];
  prefixCount?: number;
  prefixes?: readonly string[];
  /** Take listed addresses even when they are secondaries of another ENI in the subnet. */
  allowReassignment?: boolean;
}

/** Exactly one of the two lists. */
export interface UnassignPrivateIpsInput {
  ips?: readonly string[];
  prefixes?: readonly string[];
}

const ASSIGN_FORMS = 'SecondaryPrivateIpAddressCount, PrivateIpAddress, Ipv4PrefixCount or Ipv4Prefix';

/** Takes listed addresses away from other ENIs' secondaries (AllowReassignment); returns what it moved. */
function takeFromOthers(store: VpcStore, eni: Eni, ips: readonly string[]): { owner: Eni; ip: string }[] {
  const moved: { owner: Eni; ip: string }[] = [];
  const subnet = store.subnet(eni.subnetId);
  // Parse everything first, so a bad address fails before anything has moved.
  for (const address of ips.map(parseAddressParam)) {
    const ip = formatIpv4(address);
    for (const owner of store.enis.values()) {
      const at = owner.id === eni.id || owner.subnetId !== eni.subnetId ? -1 : owner.secondaryIps.indexOf(ip);
      if (at < 0) continue;
      owner.secondaryIps.splice(at, 1);
      subnet.used.delete(address);
      moved.push({ owner, ip });
    }
  }
  return moved;
}

/** AssignPrivateIpAddresses; returns what was added and emits `addresses-assigned`. */
export function assignPrivateIps(
  store: VpcStore,
  eniId: string,
  input: AssignPrivateIpsInput,
): { ips: string[]; prefixes: string[] } {
  const eni = store.eni(eniId);
  settleEni(store, eni);
  const ips = input.ips ?? [];
  const prefixes = input.prefixes ?? [];
  const forms = [
    input.count !== undefined,
    ips.length > 0,
    input.prefixCount !== undefined,
    prefixes.length > 0,
  ].filter(Boolean).length;
  if (forms === 0) throw missingParameter(ASSIGN_FORMS);
  if (forms > 1) throw invalidParameterCombination(`Specify only one of ${ASSIGN_FORMS}.`);
  for (const [name, value] of [
    ['SecondaryPrivateIpAddressCount', input.count],
    ['Ipv4PrefixCount', input.prefixCount],
  ] as const) {
    if (value !== undefined && (!Number.isInteger(value) || value < 1))
      throw invalidParameterValue(`Invalid value '${value}' for ${name}. It must be at least 1.`);
  }
  const instance = attachedInstance(store, eni);
  const limits = instance === undefined ? undefined : instanceEniLimits(store, instance);
  const wantsPrefixes = input.prefixCount !== undefined || prefixes.length > 0;
  if (wantsPrefixes && limits !== undefined && !limits.prefixDelegation) {
    throw invalidParameterValue(`Prefix delegation is not supported on instance type ${limits.instanceType}.`);
  }
  const adding = (input.count ?? 0) + ips.length + (input.prefixCount ?? 0) + prefixes.length;
  if (addressCount(eni) + adding > (limits?.ipv4PerEni ?? eniSettings(store).unattachedIpv4PerEni)) {
    throw new Ec2Error('PrivateIpAddressLimitExceeded', 'Number of private addresses will exceed limit.');
  }
  const subnet = store.subnet(eni.subnetId);
  const moved = input.allowReassignment === true ? takeFromOthers(store, eni, ips) : [];
  let added: { ips: string[]; prefixes: string[] };
  try {
    added = withClaim(store, subnet, (claim) => ({
      ips: [...claim.claimIps(ips), ...claim.allocateIps(input.count ?? 0)],
      prefixes: [...claim.claimPrefixes(prefixes), ...claim.allocatePrefixes(input.prefixCount ?? 0)],
    }));
  } catch (error) {
    for (const { owner, ip } of moved) {
      owner.secondaryIps.push(ip);
      subnet.used.add(parseAddressParam(ip));
    }
    throw error;
  }
  for (const { owner, ip } of moved) store.events.emit('addresses-unassigned', { eni: owner, ips: [ip], prefixes: [] });
  eni.secondaryIps.push(...added.ips);
  eni.prefixes.push(...added.prefixes);
  store.events.emit('addresses-assigned', { eni, ips: added.ips, prefixes: added.prefixes });
  return added;
}

/**
 * UnassignPrivateIpAddresses: secondaries or prefixes (not both); every one must be on the ENI, and the primary
 * address cannot be removed. Emits `addresses-unassigned`.
 */
export function unassignPrivateIps(store: VpcStore, eniId: string, input: UnassignPrivateIpsInput): void {
  const eni = store.eni(eniId);
  settleEni(store, eni);
  const ips = input.ips ?? [];
  const prefixes = input.prefixes ?? [];
  if (ips.length === 0 && prefixes.length === 0) throw missingParameter('PrivateIpAddress or Ipv4Prefix');
  if (ips.length > 0 && prefixes.length > 0)
    throw invalidParameterCombination('Specify either PrivateIpAddress or Ipv4Prefix, not both.');
  if (ips.includes(eni.privateIpAddress)) {
    throw invalidParameterValue(
      `The primary private IP address ${eni.privateIpAddress} of interface ${eni.id} cannot be unassigned.`,
    );
  }
  const uniqueIps = [...new Set(ips)];
  const uniquePrefixes = [...new Set(prefixes)];
  if (
    !uniqueIps.every((ip) => eni.secondaryIps.includes(ip)) ||
    !uniquePrefixes.every((p) => eni.prefixes.includes(p))
  ) {
    throw invalidParameterValue(`Some of the specified addresses are not assigned to interface ${eni.id}`);
  }
  removeAll(eni.secondaryIps, uniqueIps);
  removeAll(eni.prefixes, uniquePrefixes);
  store.releaseIps(store.subnet(eni.subnetId), uniqueIps, uniquePrefixes);
  store.events.emit('addresses-unassigned', { eni, ips: uniqueIps, prefixes: uniquePrefixes });
}

function removeAll(list: string[], values: readonly string[]): void {
  for (const value of values) {
    const at = list.indexOf(value);
    if (at >= 0) list.splice(at, 1);
  }
}
