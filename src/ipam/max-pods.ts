/**
 * Max pods per node, exactly as EKS computes it [max-pods §4]: the arithmetic of amazon-eks-ami's
 * `max-pods-calculator.sh` and the uncapped value of `eni-max-pods.txt`. Pure.
 *
 * @example
 * const limits = requireInstanceLimits('m5.large');
 * calculateMaxPods({ limits }).maxPods; // 29
 * calculateMaxPods({ limits, prefixDelegation: true }).maxPods; // 110 (434 capped: 2 vCPUs)
 * eniMaxPods(limits); // 29, the eni-max-pods.txt value
 */
import type { InstanceLimits } from '../limits/index.js';
import { IpamError } from './errors.js';

/** The CNI version assumed when none is given: the release the limits table was taken from. */
export const DEFAULT_CNI_VERSION = '1.23.1';

/** Addresses in a delegated /28 prefix. */
const IPS_PER_PREFIX = 16;
/** aws-node and kube-proxy run in the host network and need no VPC address. */
const HOST_NETWORK_PODS = 2;
const LOW_CPU_CAP = 110;
const HIGH_CPU_CAP = 250;
/** The calculator uses the 250 cap only above this many vCPUs. */
const HIGH_CPU_THRESHOLD = 30;

/** The limits the calculation reads; a subset of {@link InstanceLimits} so that callers may pass EC2's own answer. */
export type MaxPodsLimits = Pick<InstanceLimits, 'instanceType' | 'maxEnis' | 'ipv4PerEni' | 'hypervisor' | 'vcpus'>;

export interface MaxPodsInput {
  readonly limits: MaxPodsLimits;
  /** `X.Y.Z` (a leading `v` and a `-suffix` are accepted); only major and minor matter. Default {@link DEFAULT_CNI_VERSION}. */
  readonly cniVersion?: string;
  readonly customNetworking?: boolean;
  readonly prefixDelegation?: boolean;
  /** `--cni-max-eni`: an upper bound on the ENIs counted, in every mode. A positive integer. */
  readonly maxEni?: number;
  /** `--show-max-allowed`: report the raw value, without the 110/250 cap. */
  readonly showMaxAllowed?: boolean;
}

export interface MaxPodsResult {
  readonly instanceType: string;
  /** What the calculator prints: the raw value, capped unless `showMaxAllowed`. */
  readonly maxPods: number;
  /** The uncapped value (what `--show-max-allowed` prints). */
  readonly raw: number;
  /** ENIs counted for pods, after `maxEni` and custom networking; can be 0. */
  readonly enis: number;
  /** IPv4 addresses per ENI from the limits table, the primary included (the script's `ips`). */
  readonly ipsPerEni: number;
  /** Pod addresses per counted ENI: `ips − 1`, times 16 with prefix delegation. */
  readonly podsPerEni: number;
  readonly prefixDelegationApplied: boolean;
  /** Set when prefix delegation was asked for but the calculator ignores it, as the script does silently. */
  readonly prefixDelegationIgnoredReason?: 'not-nitro' | 'cni-too-old';
  /** The cap applied to `raw`; null with `showMaxAllowed`. */
  readonly cap: 110 | 250 | null;
  readonly capReason: string;
  /** The arithmetic of `raw`, e.g. `3 × (10 − 1) + 2 = 29`. */
  readonly formula: string;
  /** Caveats, such as a cap chosen without a known vCPU count. */
  readonly note?: string;
}

export interface CniVersion {
  readonly major: number;
  readonly minor: number;
}

const VERSION = /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)(?:\.(0|[1-9]\d*))?(?:[-+][0-9A-Za-z.-]+)?$/;

/**
 * Parses a CNI version such as `1.23.1`, `v1.12.6` or `1.12.6-eksbuild.2`.
 *
 * @throws IpamError `INVALID_MAX_PODS_INPUT` for anything else.
 */
export function parseCniVersion(text: string): CniVersion {
  const match = VERSION.exec(text.trim());
  if (match === null) {
    throw new IpamError(
      'INVALID_MAX_PODS_INPUT',
      `invalid CNI version '${text}' (expected X.Y.Z, e.g. ${DEFAULT_CNI_VERSION})`,
      { cniVersion: text },
    );
  }
  return { major: Number(match[1]), minor: Number(match[2]) };
}

/** Prefix delegation needs VPC CNI 1.9 or later ("above 1.8" in the script). */
export function cniSupportsPrefixDelegation(version: CniVersion): boolean {
  return version.major > 1 || (version.major === 1 && version.minor >= 9);
}

/** The `eni-max-pods.txt` value ipamd and AL2 nodes use: default card ENIs × (IPv4 per ENI − 1) + 2, uncapped. */
export function eniMaxPods(limits: Pick<InstanceLimits, 'maxEnis' | 'ipv4PerEni'>): number {
  return limits.maxEnis * (limits.ipv4PerEni - 1) + HOST_NETWORK_PODS;
}

function capFor(vcpus: number | null): { cap: 110 | 250; reason: string; note?: string } {
  if (vcpus === null) {
    // The script compares `null` with -gt 30; bash reports an error and takes the else branch, so 110 it is.
    return {
      cap: LOW_CPU_CAP,
      reason: `vCPU count unknown: cap ${LOW_CPU_CAP}`,
      note: `the limits table has no vCPU count for this type; the ${LOW_CPU_CAP} cap is assumed, as the script does when the count is not a number`,
    };
  }
  const count = `${vcpus} vCPU${vcpus === 1 ? '' : 's'}`;
  return vcpus > HIGH_CPU_THRESHOLD
    ? { cap: HIGH_CPU_CAP, reason: `${count} > ${HIGH_CPU_THRESHOLD}: cap ${HIGH_CPU_CAP}` }
    : { cap: LOW_CPU_CAP, reason: `${count} ≤ ${HIGH_CPU_THRESHOLD}: cap ${LOW_CPU_CAP}` };
}

function validate(input: MaxPodsInput): void {
  const { limits, maxEni } = input;
  for (const [name, value] of [
    ['maxEnis', limits.maxEnis],
    ['ipv4PerEni', limits.ipv4PerEni],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new IpamError(
        'INVALID_MAX_PODS_INPUT',
        `${limits.instanceType}: ${name} must be a positive integer, not ${value}`,
        { instanceType: limits.instanceType, [name]: value },
      );
    }
  }
  if (maxEni !== undefined && (!Number.isSafeInteger(maxEni) || maxEni < 1)) {
    throw new IpamError('INVALID_MAX_PODS_INPUT', `max ENI must be a positive integer, not ${maxEni}`, { maxEni });
  }
}

/**
 * Max pods for one instance type, with the calculator's flags. Steps, in the script's order: ENIs of the default
 * card; `min(maxEni, ENIs)`; minus one with custom networking (may reach 0); the prefix-delegation formula when the
 * type is `nitro` (bare metal is not), the flag is set and the CNI is 1.9+, else the secondary-IP formula; then the
 * 110/250 cap unless `showMaxAllowed`.
 *
 * @throws IpamError `INVALID_MAX_PODS_INPUT` for a bad CNI version, `maxEni` or limits.
 */
export function calculateMaxPods(input: MaxPodsInput): MaxPodsResult {
  validate(input);
  const { limits } = input;
  const version = parseCniVersion(input.cniVersion ?? DEFAULT_CNI_VERSION);

  let enis = limits.maxEnis;
  let enisText = String(limits.maxEnis);
  if (input.maxEni !== undefined) {
    enis = Math.min(input.maxEni, enis);
    enisText = `min(${input.maxEni}, ${limits.maxEnis})`;
  }
  if (input.customNetworking === true) {
    enis -= 1;
    enisText = `(${enisText} − 1)`;
  }

  let ignored: MaxPodsResult['prefixDelegationIgnoredReason'];
  if (input.prefixDelegation === true) {
    if (limits.hypervisor !== 'nitro') ignored = 'not-nitro';
    else if (!cniSupportsPrefixDelegation(version)) ignored = 'cni-too-old';
  }
  const pd = input.prefixDelegation === true && ignored === undefined;
  const slots = limits.ipv4PerEni - 1;
  const podsPerEni = pd ? slots * IPS_PER_PREFIX : slots;
  const raw = enis * podsPerEni + HOST_NETWORK_PODS;
  const perEniText = pd ? `((${limits.ipv4PerEni} − 1) × ${IPS_PER_PREFIX})` : `(${limits.ipv4PerEni} − 1)`;
  const formula = `${enisText} × ${perEniText} + ${HOST_NETWORK_PODS} = ${raw}`;

  const common = {
    instanceType: limits.instanceType,
    raw,
    enis,
    ipsPerEni: limits.ipv4PerEni,
    podsPerEni,
    prefixDelegationApplied: pd,
    ...(ignored === undefined ? {} : { prefixDelegationIgnoredReason: ignored }),
    formula,
  };
  if (input.showMaxAllowed === true) {
    return { ...common, maxPods: raw, cap: null, capReason: 'show max allowed: no cap' };
  }
  const { cap, reason, note } = capFor(limits.vcpus);
  return { ...common, maxPods: Math.min(cap, raw), cap, capReason: reason, ...(note === undefined ? {} : { note }) };
}
