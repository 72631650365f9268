/**
 * Raw IMDS reads on `MetadataService` from @aws-sdk/ec2-metadata-service, with what that class lacks for a daemon
 * that reads IMDS every few seconds:
 *
 * - **A cached IMDSv2 token.** `MetadataService.request` fetches a new token before every GET (two round trips per
 *   read). We fetch one with `fetchMetadataToken()`, keep it for its TTL (less a minute), pass it ourselves with
 *   `disableFetchToken`, and drop it on a 401 — what the Go SDK (the reference CNI) does. When the token PUT fails,
 *   the read goes without a token (IMDSv1), as the SDK does, unless `v1Fallback` is false.
 * - **Our retry**, with the injected sleep: the SDK's retries are off (`retries: 0`) because its back-off sleeps on a
 *   real timer. Transient failures (no answer, 5xx, 401, 429) are retried; 400/403/404 are answers.
 * - **One observation per read** (`kind: 'imds'`, the reference's operation names) and a CloudError `IMDS_ERROR`
 *   naming the path on failure.
 * - **No double slash.** The SDK requests `endpoint.pathname + path`; paths here have no leading slash and the
 *   endpoint always ends with one, so `http://127.0.0.1:PORT` yields `GET /latest/meta-data/...`.
 *
 * @example
 * const reader = new ImdsReader({ endpoint: 'http://127.0.0.1:40123', clock: systemClock });
 * await reader.get('GetInstanceID', 'meta-data/instance-id');        // 'i-0abc...'
 * await reader.find('GetIPv4Prefixes', 'meta-data/network/...');     // undefined on 404
 */
import { MetadataService } from '@aws-sdk/ec2-metadata-service';
import type { Clock } from '../../ipam/clock.js';
import type { AwsCallRecord } from '../calls.js';
import { CloudError } from '../errors.js';
import { realSleep, withRetry, type RetryClass, type RetryPolicy, type Sleep } from '../ec2/retry.js';
import { messageOf } from '../../errors.js';

export const DEFAULT_IMDS_ENDPOINT = 'http://169.254.169.254';

export interface ImdsReaderOptions {
  /** `http://127.0.0.1:PORT` for the embedded VPC; the link-local IMDS address when absent. */
  readonly endpoint?: string;
  readonly clock: Clock;
  readonly sleep?: Sleep;
  readonly random?: () => number;
  readonly observe?: (record: AwsCallRecord) => void;
  /** Per-request timeout (connect and response); 2 s by default. IMDS is local: a slow answer is a sick one. */
  readonly timeoutMs?: number;
  readonly retry?: Partial<Pick<RetryPolicy, 'maxAttempts' | 'capMs'>> & { readonly baseMs?: number };
  /** Token TTL asked for; 21600 s (6 h, the maximum) by default. */
  readonly tokenTtlSeconds?: number;
  /** Read without a token when the token PUT fails (IMDSv1); true by default, as the SDK. */
  readonly v1Fallback?: boolean;
}

const TOKEN_HEADER = 'x-aws-ec2-metadata-token';
/** Refresh a token this long before it expires, so a read never carries one that dies in flight. */
const TOKEN_MARGIN_MS = 60_000;

/** What failed, read from the SDK's wrapped error (`$metadata.httpStatusCode` only when IMDS answered). */
function statusOf(error: unknown): number | undefined {
  const metadata = (error as { $metadata?: { httpStatusCode?: unknown } } | undefined)?.$metadata;
  return typeof metadata?.httpStatusCode === 'number' ? metadata.httpStatusCode : undefined;
}

function errorName(status: number | undefined, error: unknown): string {
  if (status === 404) return 'NotFound';
  if (status === 401) return 'Unauthorized';
  if (status !== undefined) return `HTTP${status}`;
  // The SDK wraps transport errors in a fresh Error whose message holds the original ("... Error: connect
  // ECONNREFUSED").
  const message = messageOf(error);
  return /\b(E[A-Z_]{3,})\b/.exec(message)?.[1] ?? (/timeout/i.test(message) ? 'TimeoutError' : 'IMDSError');
}

function retryClass(error: unknown): RetryClass | undefined {
  if (error instanceof CloudError) return undefined;
  const status = statusOf(error);
  if (status === undefined || status === 401 || status >= 500) return 'transient';
  return status === 429 ? 'throttling' : undefined;
}

/** IMDS reads with a cached token, retry and observation; see the module comment. */
export class ImdsReader {
  readonly #service: MetadataService;
  readonly #clock: Clock;
  readonly #sleep: Sleep;
  readonly #random: () => number;
  readonly #observe: ((record: AwsCallRecord) => void) | undefined;
  readonly #policy: RetryPolicy;
  readonly #ttlSeconds: number;
  readonly #v1Fallback: boolean;
  #token: { readonly value: string; readonly expiresAt: number } | undefined;
  #pendingToken: Promise<string | undefined> | undefined;

  constructor(options: ImdsReaderOptions) {
    const endpoint = options.endpoint ?? DEFAULT_IMDS_ENDPOINT;
    const url = new URL(endpoint);
    if (!url.pathname.endsWith('/')) url.pathname += '/';
    this.#ttlSeconds = options.tokenTtlSeconds ?? 21_600;
    this.#service = new MetadataService({
      endpoint: url.toString(),
      httpOptions: { timeout: options.timeoutMs ?? 2_000 },
      // Both given, so the SDK reads no environment or profile for them.
      ec2MetadataV1Disabled: false,
      disableFetchToken: true,
      retries: 0,
      tokenTtl: this.#ttlSeconds,
    });
    this.#clock = options.clock;
    this.#sleep = options.sleep ?? realSleep;
    this.#random = options.random ?? Math.random;
    this.#observe = options.observe;
    const base = options.retry?.baseMs ?? 100;
    this.#policy = {
      maxAttempts: options.retry?.maxAttempts ?? 4,
      capMs: options.retry?.capMs ?? 2_000,
      baseMs: { transient: base, throttling: base * 5 },
    };
    this.#v1Fallback = options.v1Fallback ?? true;
  }

  /** GET `latest/<path>`; any failure, 404 included, is a CloudError IMDS_ERROR. */
  async get(api: string, path: string): Promise<string> {
    const body = await this.#read(api, path, false);
    if (body === undefined)
      throw new CloudError('IMDS_ERROR', `IMDS ${api}: ${path} not found (404)`, {
        operation: api,
        path,
        httpStatus: 404,
      });
    return body;
  }

  /** GET `latest/<path>`; `undefined` when IMDS answers 404 (the key does not exist: no prefixes, single card). */
  find(api: string, path: string): Promise<string | undefined> {
    return this.#read(api, path, true);
  }

  async #read(api: string, path: string, missingOk: boolean): Promise<string | undefined> {
    const start = this.#clock.now();
    const outcome = await withRetry(
      async () => {
        const token = await this.#currentToken();
        try {
          return await this.#service.request(`latest/${path}`, {
            headers: token === undefined ? {} : { [TOKEN_HEADER]: token },
          });
        } catch (error) {
          if (statusOf(error) === 401) this.#token = undefined;
          throw error;
        }
      },
      { policy: this.#policy, classify: retryClass, sleep: this.#sleep, random: this.#random },
    );
    const ms = this.#clock.now() - start;
    if (outcome.ok) {
      this.#observe?.({ api, kind: 'imds', ms, status: 200, attempts: outcome.attempts });
      return outcome.value;
    }
    const status = statusOf(outcome.error);
    if (status === 404 && missingOk) {
      this.#observe?.({ api, kind: 'imds', ms, status, attempts: outcome.attempts });
      return undefined;
    }
    const name = errorName(status, outcome.error);
    this.#observe?.({
      api,
      kind: 'imds',
      ms,
      error: name,
      ...(status === undefined ? {} : { status }),
      attempts: outcome.attempts,
    });
    if (outcome.error instanceof CloudError) throw outcome.error;
    const what = status === undefined ? messageOf(outcome.error) : `answered ${status}`;
    const tries = outcome.attempts === 1 ? '1 attempt' : `${outcome.attempts} attempts`;
    throw new CloudError(
      'IMDS_ERROR',
      `IMDS ${api} failed: ${path} ${what} after ${tries}`,
      {
        operation: api,
        path,
        ...(status === undefined ? {} : { httpStatus: status }),
        attempts: outcome.attempts,
        error: name,
      },
      outcome.error,
    );
  }

  /** The cached token, a fresh one, or undefined (IMDSv1) when the PUT fails and the fallback is allowed. */
  async #currentToken(): Promise<string | undefined> {
    const now = this.#clock.now();
    if (this.#token !== undefined && now < this.#token.expiresAt) return this.#token.value;
    // Concurrent reads share one PUT.
    this.#pendingToken ??= this.#fetchToken().finally(() => {
      this.#pendingToken = undefined;
    });
    return this.#pendingToken;
  }

  async #fetchToken(): Promise<string | undefined> {
    const issuedAt = this.#clock.now();
    try {
      const value = await this.#service.fetchMetadataToken();
      this.#token = { value, expiresAt: issuedAt + Math.max(0, this.#ttlSeconds * 1000 - TOKEN_MARGIN_MS) };
      return value;
    } catch (error) {
      this.#token = undefined;
      // Without the fallback the read fails like any transport failure (and is retried like one).
      if (this.#v1Fallback) return undefined;
      throw error;
    }
  }
}
