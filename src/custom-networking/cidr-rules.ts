/**
 * EC2's rules for adding an IPv4 block to a VPC [ec2-imds §3.2], checked before anything is asked of EC2
 * so that a mistake is refused with a clear reason: size /16../28, no overlap with the VPC's blocks, at most 5
 * blocks, and the association-restriction table by the range of the primary block (a 10/8 VPC may add 10/8,
 * 100.64.0.0/10 or public space, never 172.16/12, 192.168/16 or 198.19/16; 169.254/16 never). Pure.
 *
 * @example
 * vpcBlockStatus({ primary: '10.11.0.0/16', blocks: [{ cidr: '10.11.0.0/16', state: 'associated' }] }, '100.64.0.0/16');
 * // { kind: 'new' }
 * vpcBlockStatus(vpc, '192.168.0.0/16'); // throws CN_CIDR_NOT_ALLOWED
 * vpcBlockStatus(vpc, '10.11.0.0/16');   // throws CN_CIDR_OVERLAP
 */
import { cidrsOverlap, formatCidr, parseCidr, type Cidr } from '../ipam/cidr.js';
import { associationRule } from '../ipam/vpc-cidr-rules.js';
import { CustomNetworkingError } from './errors.js';

/** The default quota of IPv4 blocks per VPC, the primary included. */
export const MAX_VPC_IPV4_BLOCKS = 5;

/**
 * Parses a block for a VPC or a subnet: canonical, /16../28.
 *
 * @example
 * parseVpcSizedCidr('100.64.0.0/16', '--cidr'); // { network: 1681915904, prefixLength: 16 }
 */
export function parseVpcSizedCidr(text: string, what: string): Cidr {
  let cidr: Cidr;
  try {
    cidr = parseCidr(text);
  } catch (error) {
    throw new CustomNetworkingError(
      'CN_CIDR_INVALID',
      `${what} '${text}' is not a valid IPv4 CIDR block: ${(error as Error).message}`,
      { cidr: text },
      error,
    );
  }
  if (cidr.prefixLength < 16 || cidr.prefixLength > 28) {
    throw new CustomNetworkingError(
      'CN_CIDR_INVALID',
      `${what} '${text}' must be between /16 and /28 (EC2's limits for VPC blocks and subnets)`,
      { cidr: text },
    );
  }
  return cidr;
}

export interface VpcBlocks {
  readonly id?: string;
  readonly primary: string;
  readonly blocks: readonly { readonly cidr: string; readonly state: string }[];
}

export type VpcBlockStatus = { readonly kind: 'new' } | { readonly kind: 'associating' | 'associated' };

const LIVE = new Set(['associating', 'associated']);

/**
 * Where `candidate` stands with the VPC: already associated (or on its way), or new and allowed.
 *
 * @throws CustomNetworkingError CN_CIDR_INVALID, CN_CIDR_OVERLAP, CN_CIDR_NOT_ALLOWED, CN_CIDR_LIMIT.
 *
 * @example
 * vpcBlockStatus({ primary: '10.11.0.0/16', blocks: [{ cidr: '10.11.0.0/16', state: 'associated' }] }, '100.64.0.0/16'); // { kind: 'new' }
 */
export function vpcBlockStatus(vpc: VpcBlocks, candidateText: string): VpcBlockStatus {
  const candidate = parseVpcSizedCidr(candidateText, '--cidr');
  const live = vpc.blocks.filter((b) => LIVE.has(b.state));
  const vpcName = vpc.id ?? 'the VPC';
  const same = live.find((b) => b.cidr === formatCidr(candidate));
  // The secondary block of an earlier (or interrupted) run; the primary block is where the nodes are, not a pod block.
  if (same !== undefined && same.cidr !== vpc.primary)
    return { kind: same.state === 'associated' ? 'associated' : 'associating' };
  const overlapping = live.find((b) => cidrsOverlap(parseCidr(b.cidr), candidate));
  if (overlapping !== undefined) {
    throw new CustomNetworkingError(
      'CN_CIDR_OVERLAP',
      `--cidr ${candidateText} overlaps ${overlapping.cidr}, ${overlapping.cidr === vpc.primary ? 'the primary block' : 'a block'} of ${vpcName} (custom networking puts pods in a secondary block); pick a block outside ${live.map((b) => b.cidr).join(', ')} (100.64.0.0/16 is the usual choice)`,
      { cidr: candidateText, overlaps: overlapping.cidr },
    );
  }
  const refusal = restriction(
    parseCidr(vpc.primary),
    live.map((b) => parseCidr(b.cidr)),
    candidate,
  );
  if (refusal !== undefined) {
    throw new CustomNetworkingError(
      'CN_CIDR_NOT_ALLOWED',
      `--cidr ${candidateText} cannot be associated with ${vpcName} (primary ${vpc.primary}): ${refusal}`,
      { cidr: candidateText, primary: vpc.primary },
    );
  }
  if (live.length >= MAX_VPC_IPV4_BLOCKS) {
    throw new CustomNetworkingError(
      'CN_CIDR_LIMIT',
      `${vpcName} already has ${live.length} IPv4 blocks (${live.map((b) => b.cidr).join(', ')}), EC2's default quota`,
      { blocks: live.map((b) => b.cidr) },
    );
  }
  return { kind: 'new' };
}

function restriction(primary: Cidr, existing: readonly Cidr[], candidate: Cidr): string | undefined {
  const refusal = associationRule(primary, existing, candidate, 'strict');
  switch (refusal?.kind) {
    case undefined:
      return undefined;
    case 'link-local':
      return 'link-local addresses (169.254.0.0/16) can never be used in a VPC';
    case 'reserved':
      return 'reserved, loopback and multicast addresses can never be used in a VPC';
    case 'range':
      return `EC2 does not allow a ${refusal.to} block on a VPC whose primary block is in ${refusal.from}; use the same private range, 100.64.0.0/10 or a publicly routable block`;
    case 'ten-slash-15':
      return '10.0.0.0/16 cannot be added while the VPC has a block in 10.0.0.0/15';
    case 'default-vpc-block':
      return '172.31.0.0/16 cannot be added to a VPC whose primary block is in 172.16.0.0/12';
  }
}
