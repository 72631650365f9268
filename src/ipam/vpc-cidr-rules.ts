/**
 * Which IPv4 blocks may join a VPC, by the address range of its primary block (the association-restriction table
 * of the VPC user guide, "VPC CIDR blocks", 2023 copy). Pure: the embedded VPC answers a refusal as EC2's
 * `InvalidVpc.Range`, the custom-networking workflow refuses a plan with its own advice.
 *
 * Two rule sets: `strict` (the documented table, the default) and `relaxed` (the 2025 guide is reported to allow
 * mixing the RFC 1918 ranges; only the never-allowed ranges stay refused).
 *
 * @example
 * cidrAssociationRefusal(parseCidr('10.0.0.0/16'), [], parseCidr('100.64.0.0/16'), 'strict'); // undefined
 * cidrAssociationRefusal(parseCidr('10.0.0.0/16'), [], parseCidr('192.168.0.0/16'), 'strict'); // 'a VPC whose ...'
 */
import { cidrContains, parseCidr, type Cidr } from './cidr.js';

export type CidrRuleSet = 'strict' | 'relaxed';

/** The address range a block belongs to, as the restriction table names them. */
export type AddressRange =
  '10/8' | '172.16/12' | '192.168/16' | '198.19/16' | '100.64/10' | '169.254/16' | 'reserved' | 'public';

const RANGES: readonly (readonly [AddressRange, Cidr])[] = [
  ['10/8', parseCidr('10.0.0.0/8')],
  ['172.16/12', parseCidr('172.16.0.0/12')],
  ['192.168/16', parseCidr('192.168.0.0/16')],
  ['198.19/16', parseCidr('198.19.0.0/16')],
  ['100.64/10', parseCidr('100.64.0.0/10')],
  ['169.254/16', parseCidr('169.254.0.0/16')],
  // "This network", loopback, multicast and the old class E: not routable anywhere, so never a VPC block.
  ['reserved', parseCidr('0.0.0.0/8')],
  ['reserved', parseCidr('127.0.0.0/8')],
  ['reserved', parseCidr('224.0.0.0/3')],
];

const TEN_SLASH_15 = parseCidr('10.0.0.0/15');
const TEN_SLASH_16 = parseCidr('10.0.0.0/16');
const ONE_SEVEN_TWO_THIRTY_ONE = parseCidr('172.31.0.0/16');

/**
 * The range of a VPC-sized block (/16 or longer). Such a block never straddles one of the ranges above, so
 * containment of its network address decides.
 */
export function addressRange(cidr: Cidr): AddressRange {
  for (const [name, range] of RANGES) if (cidrContains(range, cidr.network)) return name;
  return 'public';
}

/** Ranges a block may come from when the VPC's primary block is in `primary` (strict table). */
const PERMITTED: Readonly<Record<AddressRange, readonly AddressRange[]>> = {
  '10/8': ['10/8', 'public', '100.64/10'],
  '172.16/12': ['172.16/12', 'public', '100.64/10'],
  '192.168/16': ['192.168/16', 'public', '100.64/10'],
  '198.19/16': ['public', '100.64/10'],
  '100.64/10': ['public', '100.64/10'],
  public: ['public', '100.64/10'],
  // A primary block is never in these; listed for exhaustiveness.
  '169.254/16': [],
  reserved: [],
};

/** Why a block may not join a VPC, as data: each caller words it (EC2's message, the workflow's advice). */
export type AssociationRefusal =
  | { readonly kind: 'link-local' }
  | { readonly kind: 'reserved' }
  | { readonly kind: 'range'; readonly from: AddressRange; readonly to: AddressRange }
  /** 10.0.0.0/16 while the VPC has a block in 10.0.0.0/15. */
  | { readonly kind: 'ten-slash-15' }
  /** 172.31.0.0/16 on a VPC whose primary block is in 172.16.0.0/12. */
  | { readonly kind: 'default-vpc-block' };

/**
 * The restriction table applied to `candidate` for a VPC whose primary block is `primary` and whose blocks (primary
 * included) are `existing`; undefined when it may join. Size and overlap are checked by the caller.
 */
export function associationRule(
  primary: Cidr,
  existing: readonly Cidr[],
  candidate: Cidr,
  rules: CidrRuleSet,
): AssociationRefusal | undefined {
  const to = addressRange(candidate);
  if (to === '169.254/16') return { kind: 'link-local' };
  if (to === 'reserved') return { kind: 'reserved' };
  if (rules === 'relaxed') return undefined;
  const from = addressRange(primary);
  if (!PERMITTED[from].includes(to)) return { kind: 'range', from, to };
  if (from === '10/8' && cidrContains(TEN_SLASH_16, candidate) && existing.some((c) => cidrContains(TEN_SLASH_15, c)))
    return { kind: 'ten-slash-15' };
  if (from === '172.16/12' && cidrContains(ONE_SEVEN_TWO_THIRTY_ONE, candidate)) return { kind: 'default-vpc-block' };
  return undefined;
}

/** EC2's wording of a refusal (`InvalidVpc.Range`). */
function ec2Message(refusal: AssociationRefusal): string {
  switch (refusal.kind) {
    case 'link-local':
      return 'Link-local addresses (169.254.0.0/16) cannot be used in a VPC.';
    case 'reserved':
      return 'Reserved, loopback and multicast addresses cannot be used in a VPC.';
    case 'range':
      return `A VPC whose primary CIDR is in ${refusal.from} cannot use a CIDR from ${refusal.to}. Use a CIDR from the same private address range as the current VPC CIDR, 100.64.0.0/10, or a publicly-routable CIDR.`;
    case 'ten-slash-15':
      return 'A CIDR from 10.0.0.0/16 cannot be added while the VPC has a CIDR from 10.0.0.0/15.';
    case 'default-vpc-block':
      return 'A CIDR from 172.31.0.0/16 cannot be added to a VPC whose primary CIDR is in 172.16.0.0/12.';
  }
}

/** Why a block can never be a VPC block (primary or secondary), in EC2's words, or undefined. */
export function neverAllowed(cidr: Cidr): string | undefined {
  const range = addressRange(cidr);
  if (range === '169.254/16') return ec2Message({ kind: 'link-local' });
  if (range === 'reserved') return ec2Message({ kind: 'reserved' });
  return undefined;
}

/** {@link associationRule} in EC2's words, as the embedded VPC answers it; undefined when the block may join. */
export function cidrAssociationRefusal(
  primary: Cidr,
  existing: readonly Cidr[],
  candidate: Cidr,
  rules: CidrRuleSet,
): string | undefined {
  const refusal = associationRule(primary, existing, candidate, rules);
  return refusal === undefined ? undefined : ec2Message(refusal);
}
