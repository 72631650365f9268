/**
 * All-or-nothing address claims for the ENI operations. A request may take a primary address, secondaries and
 * prefixes in several steps; each step can fail (subnet full, address in use), and a failed request must leave the
 * subnet exactly as it found it. {@link AddressClaim} records what each step took and gives it all back on
 * {@link AddressClaim.rollback}.
 *
 * @example
 * const claim = new AddressClaim(store, subnet);
 * try { claim.allocateIps(1); claim.allocatePrefixes(2); } catch (e) { claim.rollback(); throw e; }
 */
import {
  formatIpv4,
  isAligned,
  lastAddress,
  parseCidr,
  parseIpv4,
  PREFIX_LENGTH,
  PREFIX_SIZE,
} from '../../ipam/cidr.js';
import { Ec2Error, invalidParameterValue } from '../ec2/errors.js';
import type { Subnet } from './model.js';
import type { VpcStore } from './store.js';

/** Parses a dotted-quad address from a request; EC2's InvalidParameterValue when it is not one. */
export function parseAddressParam(text: string): number {
  try {
    return parseIpv4(text);
  } catch {
    throw invalidParameterValue(`Invalid value '${text}' for IP address. The value must be a valid IPv4 address.`);
  }
}

/** Parses and checks a `/28` prefix from a request: canonical, aligned, inside the subnet, clear of reserved addresses. */
function parsePrefixParam(subnet: Subnet, text: string): number {
  let network: number;
  try {
    const cidr = parseCidr(text);
    if (cidr.prefixLength !== PREFIX_LENGTH) throw new RangeError('not a /28');
    network = cidr.network;
  } catch {
    throw invalidParameterValue(
      `Invalid value '${text}' for IPv4 prefix. The value must be an IPv4 CIDR block of size /28.`,
    );
  }
  const range = parseCidr(subnet.cidr);
  if (!isAligned(network, PREFIX_LENGTH) || network < range.network + 4 || network + PREFIX_SIZE > lastAddress(range)) {
    throw invalidParameterValue(
      `The prefix '${text}' does not fall within the usable range of subnet ${subnet.id} (${subnet.cidr}).`,
    );
  }
  return network;
}

function rejectDuplicates(values: readonly string[]): void {
  const seen = new Set<string>();
  for (const value of values) {
    if (seen.has(value)) throw invalidParameterValue(`The address ${value} is specified more than once.`);
    seen.add(value);
  }
}

/** Addresses taken from one subnet for one request, released together if the request fails. */
export class AddressClaim {
  readonly ips: string[] = [];
  readonly prefixes: string[] = [];
  readonly #store: VpcStore;
  readonly #subnet: Subnet;

  constructor(store: VpcStore, subnet: Subnet) {
    this.#store = store;
    this.#subnet = subnet;
  }

  /** The lowest `count` free addresses; InsufficientFreeAddressesInSubnet when there are fewer. */
  allocateIps(count: number): string[] {
    const taken = count > 0 ? this.#store.allocateIps(this.#subnet, count) : [];
    this.ips.push(...taken);
    return taken;
  }

  /**
   * Specific addresses. In use → `inUseCode` (EC2 answers InvalidIPAddress.InUse for a primary address and
   * InvalidParameterValue for secondaries); outside the subnet's usable range → InvalidParameterValue.
   */
  claimIps(texts: readonly string[], inUseCode = 'InvalidParameterValue'): string[] {
    rejectDuplicates(texts);
    const addresses = texts.map(parseAddressParam);
    try {
      this.#store.claimIps(this.#subnet, addresses);
    } catch (error) {
      if (error instanceof Ec2Error && error.code === 'InvalidIPAddress.InUse')
        throw new Ec2Error(inUseCode, error.message);
      throw error;
    }
    const canonical = addresses.map(formatIpv4);
    this.ips.push(...canonical);
    return canonical;
  }

  /** The lowest `count` free aligned /28 prefixes; InsufficientCidrBlocks when the subnet is too full or fragmented. */
  allocatePrefixes(count: number): string[] {
    const taken = count > 0 ? this.#store.allocatePrefixes(this.#subnet, count) : [];
    this.prefixes.push(...taken);
    return taken;
  }

  /** Specific /28 prefixes; InvalidParameterValue when malformed, outside the subnet or overlapping used addresses. */
  claimPrefixes(texts: readonly string[]): string[] {
    rejectDuplicates(texts);
    const starts = texts.map((text) => parsePrefixParam(this.#subnet, text));
    starts.forEach((start, i) => {
      for (let a = start; a < start + PREFIX_SIZE; a++) {
        if (this.#subnet.used.has(a))
          throw invalidParameterValue(`The prefix '${texts[i] ?? ''}' overlaps addresses already in use.`);
      }
    });
    for (const start of starts) for (let a = start; a < start + PREFIX_SIZE; a++) this.#subnet.used.add(a);
    const canonical = starts.map((start) => `${formatIpv4(start)}/${PREFIX_LENGTH}`);
    this.prefixes.push(...canonical);
    return canonical;
  }

  /** Gives back everything this claim took. */
  rollback(): void {
    this.#store.releaseIps(this.#subnet, this.ips, this.prefixes);
    this.ips.length = 0;
    this.prefixes.length = 0;
  }
}

/** Runs `steps` against a fresh claim; on any error the claim is rolled back and the error rethrown. */
export function withClaim<T>(store: VpcStore, subnet: Subnet, steps: (claim: AddressClaim) => T): T {
  const claim = new AddressClaim(store, subnet);
  try {
    return steps(claim);
  } catch (error) {
    claim.rollback();
    throw error;
  }
}
