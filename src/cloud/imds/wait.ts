/**
 * The wait after attaching an ENI ([behaviour §3.6], `waitForENIAndIPsAttached`): IMDS shows a new ENI and its
 * addresses some time after EC2 reports them, so poll the attached ENIs with back-off (100 ms × 2ⁿ, jitter 0.15,
 * each wait capped at 1 min, 12 attempts) until the ENI shows with every wanted secondary address or prefix.
 *
 * As the reference: once the ENI shows with at least one of them, running out of attempts is not an error — the
 * caller proceeds with what is visible (`complete: false`) and the reconciler picks up the rest later. Never seeing
 * the ENI, or seeing it with none, is a CloudError IMDS_ERROR. One observation (`waitForENIAndIPsAttached`) records
 * how long IMDS took to converge, the metric maintainers asked for [pain-points §13].
 *
 * @example
 * const { eni, complete } = await waitForEniInImds(imds, { eniId, primaryMac, wantIps: 9 }, { clock, sleep });
 */
import type { Clock } from '../../ipam/clock.js';
import type { EniId } from '../../ipam/types.js';
import type { AwsCallRecord } from '../calls.js';
import type { Imds, ImdsEni } from './port.js';
import { CloudError, isCloudError } from '../errors.js';
import { realSleep, simpleBackoff, type Sleep } from '../ec2/retry.js';

export interface EniWaitTarget {
  readonly eniId: EniId;
  /** The instance's primary MAC, for {@link Imds.attachedEnis}. */
  readonly primaryMac: string;
  /** Secondary IPv4 addresses asked for (the ENI's primary address not counted). */
  readonly wantIps?: number;
  /** /28 prefixes asked for. */
  readonly wantPrefixes?: number;
}

export interface EniWaitOptions {
  readonly clock: Clock;
  readonly sleep?: Sleep;
  readonly random?: () => number;
  readonly observe?: (record: AwsCallRecord) => void;
  /** 12 as the reference (maxENIEC2APIRetries). */
  readonly maxAttempts?: number;
  /** First wait; 100 ms. */
  readonly baseMs?: number;
  /** Longest single wait; 60 s. */
  readonly maxDelayMs?: number;
}

export interface EniWaitResult {
  readonly eni: ImdsEni;
  /** Every wanted address and prefix is visible. */
  readonly complete: boolean;
  readonly attempts: number;
  readonly waitedMs: number;
}

type Seen = { readonly state: 'absent' | 'empty' | 'partial' | 'complete'; readonly eni?: ImdsEni };

function inspect(enis: readonly ImdsEni[], target: EniWaitTarget): Seen {
  const eni = enis.find((e) => e.eniId === target.eniId);
  if (eni === undefined) return { state: 'absent' };
  const ips = Math.max(0, eni.localIpv4s.length - 1);
  const prefixes = eni.ipv4Prefixes.length;
  const wantIps = target.wantIps ?? 0;
  const wantPrefixes = target.wantPrefixes ?? 0;
  // Only the kinds asked for count: a prefix-mode ENI is not "ready" because of a stray secondary address.
  const visible = (wantIps > 0 ? ips : 0) + (wantPrefixes > 0 ? prefixes : 0);
  if (wantIps === 0 && wantPrefixes === 0) return { state: 'complete', eni };
  if (visible === 0) return { state: 'empty', eni };
  return { state: ips >= wantIps && prefixes >= wantPrefixes ? 'complete' : 'partial', eni };
}

/** Polls IMDS for a just-attached ENI; see the module comment. */
export async function waitForEniInImds(
  imds: Imds,
  target: EniWaitTarget,
  options: EniWaitOptions,
): Promise<EniWaitResult> {
  const { clock } = options;
  const sleep = options.sleep ?? realSleep;
  const random = options.random ?? Math.random;
  const maxAttempts = options.maxAttempts ?? 12;
  const backoff = { baseMs: options.baseMs ?? 100, maxMs: options.maxDelayMs ?? 60_000, jitter: 0.15, multiple: 2 };
  const start = clock.now();
  let seen: Seen = { state: 'absent' };
  let lastError: unknown;
  let attempt = 0;
  while (attempt < maxAttempts) {
    attempt += 1;
    try {
      seen = inspect(await imds.attachedEnis(target.primaryMac), target);
      lastError = undefined;
    } catch (error) {
      // IMDS may list a MAC whose keys are not there yet; that is one more reason to wait, not to give up.
      if (!isCloudError(error)) throw error;
      lastError = error;
    }
    if (seen.state === 'complete') break;
    if (attempt < maxAttempts) await sleep(simpleBackoff(attempt - 1, backoff, random));
  }
  const waitedMs = clock.now() - start;
  const usable = seen.eni !== undefined && (seen.state === 'complete' || seen.state === 'partial');
  options.observe?.({
    api: 'waitForENIAndIPsAttached',
    kind: 'imds',
    ms: waitedMs,
    attempts: attempt,
    ...(usable ? {} : { error: seen.state === 'absent' ? 'ENINotFound' : 'NoSecondaryIPsFound' }),
  });
  if (usable && seen.eni !== undefined)
    return { eni: seen.eni, complete: seen.state === 'complete', attempts: attempt, waitedMs };
  const why = seen.state === 'absent' ? 'did not show the ENI' : 'showed the ENI without any of its new addresses';
  throw new CloudError(
    'IMDS_ERROR',
    `IMDS ${why} ${target.eniId} after ${attempt} attempts over ${waitedMs} ms`,
    { operation: 'waitForENIAndIPsAttached', eniId: target.eniId, attempts: attempt, waitedMs, seen: seen.state },
    lastError,
  );
}
