/**
 * Which address a new pod gets. The reference walks Go maps, so its choice is effectively random [behaviour §3.8]; this
 * rule is deterministic and steers the pool towards states the pool manager can shrink:
 *
 * 1. ENIs by ascending device number, skipping ENIs excluded for pod IPs. Pods gather on the primary and low ENIs,
 *    so the newest (highest) ENIs are the first to have no pods and can be freed (`tryFreeENI` frees only empty
 *    ENIs).
 * 2. Within an ENI, only CIDRs of the current mode (prefix delegation: /28 prefixes; otherwise /32 secondary IPs),
 *    the one with the most assigned addresses first, ties by lower address. Packing pods into partly used /28s
 *    leaves whole prefixes without pods, and only those can be released (`freePrefixes`, [behaviour §3.7]).
 * 3. Within a CIDR, the lowest address that is neither assigned nor in cooldown. A /28 offers all 16 addresses from
 *    its network address, as in the reference (AWS reserves nothing inside a delegated prefix).
 *
 * @example
 * const pick = pickAddress(enis.values(), { prefixDelegation: true, now: clock.now(), cooldownMs: 30_000 });
 * if (pick) formatIpv4(pick.address);
 */
import { cidrSize } from './cidr.js';
import {
  assignedCount,
  isAssigned,
  isCoolingDown,
  orderedEnis,
  poolStats,
  type CidrRecord,
  type CooldownContext,
  type EniRecord,
} from './datastore-model.js';
import { IpamError } from './errors.js';

export interface SelectionContext extends CooldownContext {
  readonly prefixDelegation: boolean;
}

export interface AddressPick {
  readonly eni: EniRecord;
  readonly cidr: CidrRecord;
  readonly address: number;
}

/** The address the next pod gets under the rule above, or undefined when every usable address is taken or cooling. */
export function pickAddress(enis: Iterable<EniRecord>, context: SelectionContext): AddressPick | undefined {
  for (const eni of orderedEnis(enis)) {
    if (eni.excluded) continue;
    for (const cidr of fullestFirst(eni, context.prefixDelegation)) {
      const address = lowestFree(cidr, context);
      if (address !== undefined) return { eni, cidr, address };
    }
  }
  return undefined;
}

function fullestFirst(eni: EniRecord, prefixDelegation: boolean): CidrRecord[] {
  return [...eni.cidrs.values()]
    .filter((cidr) => cidr.isPrefix === prefixDelegation)
    .map((cidr) => ({ cidr, assigned: assignedCount(cidr) }))
    .sort((a, b) => b.assigned - a.assigned || a.cidr.block.network - b.cidr.block.network)
    .map(({ cidr }) => cidr);
}

function lowestFree(cidr: CidrRecord, context: CooldownContext): number | undefined {
  const end = cidr.block.network + cidrSize(cidr.block);
  for (let address = cidr.block.network; address < end; address += 1) {
    const record = cidr.addresses.get(address);
    if (!isAssigned(record) && !isCoolingDown(record, context)) return address;
  }
  return undefined;
}

/**
 * Forgets released addresses whose cooldown is over, as the reference's `getUnusedIP` does, so that a CIDR's map
 * holds only addresses that still matter.
 */
export function forgetCooledAddresses(cidr: CidrRecord, context: CooldownContext): void {
  for (const [address, record] of cidr.addresses) {
    if (record.kind === 'released' && !isCoolingDown(record, context)) cidr.addresses.delete(address);
  }
}

/** When the first address in cooldown on a usable ENI becomes reusable; undefined when none is cooling down. */
function earliestReuse(
  enis: Iterable<EniRecord>,
  prefixDelegation: boolean,
  context: CooldownContext,
): number | undefined {
  let earliest: number | undefined;
  for (const eni of enis) {
    if (eni.excluded) continue;
    for (const cidr of eni.cidrs.values()) {
      if (cidr.isPrefix !== prefixDelegation) continue;
      for (const record of cidr.addresses.values()) {
        if (record.kind !== 'released' || !isCoolingDown(record, context)) continue;
        const reuseAt = record.unassignedTime + context.cooldownMs;
        if (earliest === undefined || reuseAt < earliest) earliest = reuseAt;
      }
    }
  }
  return earliest;
}

/** `NO_AVAILABLE_ADDRESS` with the pool's counts and, when addresses are cooling down, when the first frees up. */
export function exhaustionError(enis: Iterable<EniRecord>, context: SelectionContext): IpamError {
  const all = [...enis];
  const { totalIPs, assignedIPs, cooldownIPs } = poolStats(all, context.prefixDelegation, context);
  const details = { totalIPs, assignedIPs, cooldownIPs, prefixDelegation: context.prefixDelegation };
  if (totalIPs === 0) {
    const kind = context.prefixDelegation ? '/28 prefixes' : 'secondary IPs';
    return new IpamError('NO_AVAILABLE_ADDRESS', `no free address: no ${kind} on ENIs usable for pods`, details);
  }
  const reuseAt = earliestReuse(all, context.prefixDelegation, context);
  const cooling = reuseAt === undefined ? '' : `, ${cooldownIPs} in cooldown until ${reuseAt}`;
  return new IpamError('NO_AVAILABLE_ADDRESS', `no free address: ${assignedIPs} of ${totalIPs} assigned${cooling}`, {
    ...details,
    ...(reuseAt === undefined ? {} : { reuseAt }),
  });
}
