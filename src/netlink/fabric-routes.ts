/**
 * Pure builders for the VPC fabric's per-address routing: how EC2 "knows" which ENI owns an address. Each address
 * (or block of addresses) gets a route to the ENI's fabric link and, per address, a permanent neighbour entry to the
 * ENI's MAC, so the fabric never ARPs the node for it (a node does not answer ARP for its pods' addresses).
 *
 * A /28 prefix is one route plus 16 neighbour entries rather than 16 /32 routes: for a link route the kernel
 * resolves the next hop as the destination itself, so the per-address entries are found just the same, the fabric's
 * table mirrors the VPC's (one entry per delegated prefix), and removal is one route. Both fit in one `ip -batch`.
 *
 * @example
 * routeAddressCommands([parseAddressBlock('10.0.0.20')], '02:00:00:00:00:01', 'n1-eth1');
 * // route replace 10.0.0.20/32 dev n1-eth1; neigh replace 10.0.0.20 lladdr 02:00:00:00:00:01 dev n1-eth1 nud permanent
 */
import { formatCidr, formatIpv4, isIpv4, parseCidr, parseIpv4, type Cidr } from '../ipam/cidr.js';
import { neighDelete, neighReplacePermanent, routeDelete, routeReplace, type IpCommand } from './commands.js';
import { NetlinkError } from './errors.js';

/** The largest block expanded into per-address neighbour entries (256 of them). */
export const MIN_BLOCK_PREFIX_LENGTH = 24;

/** A bare address is a /32; a CIDR must have no host bits and be at most a /24. */
export function parseAddressBlock(text: string): Cidr {
  const block = isIpv4(text) ? { network: parseIpv4(text), prefixLength: 32 } : parseCidr(text);
  if (block.prefixLength < MIN_BLOCK_PREFIX_LENGTH) {
    throw new NetlinkError(
      'NETLINK_INVALID_ARGUMENT',
      `${text}: blocks larger than /${MIN_BLOCK_PREFIX_LENGTH} are not routed per address`,
      { block: text },
    );
  }
  return block;
}

/** Every address of the block, first to last. */
export function blockAddresses(block: Cidr): string[] {
  return Array.from({ length: 2 ** (32 - block.prefixLength) }, (_, i) => formatIpv4(block.network + i));
}

/** Routes each block to `dev` with permanent neighbour entries to `mac` (idempotent: `replace` verbs). */
export function routeAddressCommands(blocks: readonly Cidr[], mac: string, dev: string): IpCommand[] {
  return blocks.flatMap((block) => [
    routeReplace({ dst: formatCidr(block), dev }),
    ...blockAddresses(block).map((address) => neighReplacePermanent(address, mac, dev)),
  ]);
}

/**
 * Undoes {@link routeAddressCommands}. The route is deleted with `dev`, so a block that has meanwhile been routed to
 * another ENI keeps its new route; what is already gone is success.
 */
export function unrouteAddressCommands(blocks: readonly Cidr[], dev: string): IpCommand[] {
  return blocks.flatMap((block) => [
    routeDelete({ dst: formatCidr(block), dev }),
    ...blockAddresses(block).map((address) => neighDelete(address, dev)),
  ]);
}
