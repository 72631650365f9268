/**
 * IPv4 and CIDR arithmetic on unsigned 32-bit integers. Pure; every parser is strict and throws a
 * {@link CidrError} naming the bad input.
 *
 * @example
 * const subnet = parseCidr('10.0.96.0/19');
 * formatIpv4(subnet.network + 5); // '10.0.96.5'
 * cidrContains(subnet, parseIpv4('10.0.127.255')); // true
 * splitCidr(parseCidr('100.64.0.0/16'), 19).map(formatCidr); // ['100.64.0.0/19', ..., '100.64.224.0/19']
 */
import { IpamError } from './errors.js';

export class CidrError extends IpamError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('INVALID_CIDR', message, details);
  }
}

/** An IPv4 network: `network` is the first address as an unsigned 32-bit integer. */
export interface Cidr {
  readonly network: number;
  readonly prefixLength: number;
}

/** The number of addresses in an AWS /28 prefix (prefix delegation). */
export const PREFIX_SIZE = 16;
export const PREFIX_LENGTH = 28;

const OCTET = /^(0|[1-9]\d{0,2})$/;

/** Parses dotted-quad IPv4 (no leading zeros, no shorthand) into an unsigned 32-bit integer. */
export function parseIpv4(text: string): number {
  const parts = text.split('.');
  if (parts.length !== 4) throw new CidrError(`'${text}' is not an IPv4 address (expected a.b.c.d)`, { input: text });
  let value = 0;
  for (const part of parts) {
    if (!OCTET.test(part))
      throw new CidrError(`'${text}' is not an IPv4 address (bad octet '${part}')`, { input: text });
    const octet = Number(part);
    if (octet > 255) throw new CidrError(`'${text}' is not an IPv4 address (octet ${octet} > 255)`, { input: text });
    value = value * 256 + octet;
  }
  return value;
}

export function isIpv4(text: string): boolean {
  try {
    parseIpv4(text);
    return true;
  } catch {
    return false;
  }
}

export function formatIpv4(value: number): string {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff)
    throw new RangeError(`${value} is not an IPv4 address`);
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join('.');
}

/** The number of addresses in a block of this prefix length. */
export function blockSize(prefixLength: number): number {
  return 2 ** (32 - prefixLength);
}

/** Rounds an address down to the start of its block of the given prefix length. */
export function alignDown(address: number, prefixLength: number): number {
  const size = blockSize(prefixLength);
  return address - (address % size);
}

export function isAligned(address: number, prefixLength: number): boolean {
  return address % blockSize(prefixLength) === 0;
}

export interface ParseCidrOptions {
  /** Accept host bits (e.g. `10.0.0.5/24`) and mask them off, instead of rejecting the input. Default false. */
  readonly allowHostBits?: boolean;
}

/** Parses `a.b.c.d/n`. A bare address is not accepted: callers that mean /32 say so. */
export function parseCidr(text: string, options: ParseCidrOptions = {}): Cidr {
  const slash = text.indexOf('/');
  if (slash < 0) throw new CidrError(`'${text}' is not a CIDR block (expected a.b.c.d/n)`, { input: text });
  const address = parseIpv4(text.slice(0, slash));
  const lengthText = text.slice(slash + 1);
  if (!/^(0|[1-9]\d?)$/.test(lengthText) || Number(lengthText) > 32) {
    throw new CidrError(`'${text}' has an invalid prefix length '${lengthText}' (expected 0-32)`, { input: text });
  }
  const prefixLength = Number(lengthText);
  const network = alignDown(address, prefixLength);
  if (network !== address && options.allowHostBits !== true) {
    throw new CidrError(`'${text}' has host bits set; the network is ${formatIpv4(network)}/${prefixLength}`, {
      input: text,
    });
  }
  return { network, prefixLength };
}

export function formatCidr(cidr: Cidr): string {
  return `${formatIpv4(cidr.network)}/${cidr.prefixLength}`;
}

export function cidrSize(cidr: Cidr): number {
  return blockSize(cidr.prefixLength);
}

/** The last address of the block (the broadcast address for a subnet). */
export function lastAddress(cidr: Cidr): number {
  return cidr.network + cidrSize(cidr) - 1;
}

/** True when `inner` (an address or a block) lies wholly inside `outer`. */
export function cidrContains(outer: Cidr, inner: Cidr | number): boolean {
  const start = typeof inner === 'number' ? inner : inner.network;
  const end = typeof inner === 'number' ? inner : lastAddress(inner);
  return start >= outer.network && end <= lastAddress(outer);
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  return a.network <= lastAddress(b) && b.network <= lastAddress(a);
}

/**
 * The five addresses AWS reserves in every subnet: the network address, `.1` (VPC router), `.2` (DNS), `.3`
 * (future use) and the last address (broadcast, which AWS does not support but reserves).
 */
export function subnetReservedAddresses(subnet: Cidr): number[] {
  if (subnet.prefixLength > 28) throw new CidrError(`AWS subnets are /16 to /28, not /${subnet.prefixLength}`);
  const n = subnet.network;
  return [n, n + 1, n + 2, n + 3, lastAddress(subnet)];
}

/** The subnet's gateway (VPC router) address: network + 1. */
export function subnetGateway(subnet: Cidr): number {
  return subnet.network + 1;
}

/** Addresses of a subnet AWS can hand out: its size minus the five reserved ones. */
export function subnetUsableCount(subnet: Cidr): number {
  return cidrSize(subnet) - subnetReservedAddresses(subnet).length;
}

/** Splits `cidr` into consecutive blocks of `newPrefixLength` (which must be at least as long). */
export function splitCidr(cidr: Cidr, newPrefixLength: number): Cidr[] {
  if (!Number.isInteger(newPrefixLength) || newPrefixLength < cidr.prefixLength || newPrefixLength > 32) {
    throw new CidrError(`cannot split ${formatCidr(cidr)} into /${newPrefixLength} blocks`);
  }
  const count = 2 ** (newPrefixLength - cidr.prefixLength);
  if (count > 65536)
    throw new CidrError(`splitting ${formatCidr(cidr)} into /${newPrefixLength} gives ${count} blocks (limit 65536)`);
  const step = blockSize(newPrefixLength);
  return Array.from({ length: count }, (_, i) => ({ network: cidr.network + i * step, prefixLength: newPrefixLength }));
}

/** Orders blocks by network address, then by prefix length (larger blocks first). */
export function compareCidrs(a: Cidr, b: Cidr): number {
  return a.network - b.network || a.prefixLength - b.prefixLength;
}
