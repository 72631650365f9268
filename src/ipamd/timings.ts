/** The reference's constants (`pkg/ipamd/ipamd.go`, `pkg/awsutils`), each overridable through `deps.timings`. */
export const IPAMD_TIMINGS = Object.freeze({
  /** One pool check per interval: half of it before the pool tick, half before the reconcile (2.5 s + 2.5 s). */
  poolIntervalMs: 5_000,
  /** Reconcile runs when this long has passed since the last pool action. */
  reconcileIntervalMs: 60_000,
  /** Released IPs/prefixes are not re-added by reconcile for this long (`ipReconcileCooldown`). */
  reconcileCooldownMs: 60_000,
  decreaseIntervalMs: 30_000,
  insufficientAddressBackoffMs: 120_000,
  minEniAgeMs: 60_000,
  leakedEniIntervalMs: 3_600_000,
  /** The first leaked-ENI run waits a random 0 … this (the reference's 0–299 s), so nodes do not call EC2 together. */
  leakedEniMaxStartDelayMs: 300_000,
  /** A detached CNI ENI younger than this is not deleted. */
  leakedEniMinAgeMs: 300_000,
  /** Sleep between DetachNetworkInterface and DeleteNetworkInterface. */
  detachWaitMs: 2_000,
  /** Detach/delete attempts when freeing an ENI (`maxENIEC2APIRetries`), with exponential back-off. */
  freeEniAttempts: 12,
  freeEniBackoffBaseMs: 200,
  freeEniBackoffMaxMs: 60_000,
  /** Ours: how long AddNetwork waits for the pool to grow before failing (0 = fail at once, as the reference). */
  addWaitMs: 10_000,
  /** Re-read the VPC CIDRs from IMDS this often; re-program SNAT when they change ([behaviour §2.3] step 14). */
  vpcCidrRefreshMs: 30_000,
  /**
   * Ours: start-up's DescribeSubnets answer serves the first subnet discovery (the pre-scaling ENI, a moment
   * later) when it is younger than this; the reference asks twice. 0 = always ask.
   */
  subnetReuseMs: 10_000,
});

export type IpamdTimings = { -readonly [K in keyof typeof IPAMD_TIMINGS]: number };

/** The share of the account's EC2 buckets a paced node fleet takes together (VPC_CNI_EC2_PACING_NODES). */
export const PACED_ACCOUNT_SHARE = 0.9;

/**
 * Timings for an ipamd paced to `share` of the account's EC2 buckets: it may call DescribeSubnets only once per
 * 1 / (20 × share) s (that bucket refills 20 per second), so start-up's answer must serve the first discovery that
 * long.
 *
 * @example
 * pacedTimings(0.9 / 1000).subnetReuseMs; // 56556
 */
export function pacedTimings(share: number): Pick<IpamdTimings, 'subnetReuseMs'> {
  return { subnetReuseMs: Math.ceil(1000 / (20 * share)) + 1000 };
}

/**
 * The reference's timings with `deps.timings` laid over them.
 *
 * @example
 * resolveTimings({ addWaitMs: 0 }).poolIntervalMs; // 5000
 */
export function resolveTimings(overrides: Partial<IpamdTimings> = {}): IpamdTimings {
  const timings: IpamdTimings = { ...IPAMD_TIMINGS };
  for (const [key, value] of Object.entries(overrides) as [keyof IpamdTimings, number | undefined][]) {
    if (value === undefined) continue;
    if (!Number.isFinite(value) || value < 0) throw new RangeError(`timings.${key} must be a number ≥ 0, got ${value}`);
    timings[key] = value;
  }
  return timings;
}
