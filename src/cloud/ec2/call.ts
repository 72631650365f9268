/**
 * The one path every EC2 request takes:
 *
 *   rate-limit → time it → request → observe the metric → classify the error → (the caller maps the result)
 *
 * Retry wraps the rate-limit and the request, so that each attempt takes its own token: a retry is a request that
 * EC2 counts against the account like any other. The observation is made once per logical call, with the number of
 * attempts and, on failure, EC2's code and status; `ms` covers the whole call, token waits and back-off included,
 * because that is what the caller (a pod waiting for an address) experienced.
 *
 * @example
 * const call = createCallPath({ clock, sleep, observe, budget, retry: DEFAULT_EC2_RETRY });
 * const out = await call('AssignPrivateIpAddresses', () => client.send(new AssignPrivateIpAddressesCommand(input)));
 */
import type { Clock } from '../../ipam/clock.js';
import type { CloudError } from '../errors.js';
import type { AwsCallRecord } from '../calls.js';
import type { Ec2Budget, RequestShape } from './budget.js';
import { failureFacts, toCloudError } from './classify.js';
import { withRetry, type RetryPolicy, type Sleep } from './retry.js';

export interface CallPathOptions {
  readonly clock: Clock;
  readonly sleep: Sleep;
  readonly retry: RetryPolicy;
  /** Absent = no client-side rate limit. */
  readonly budget?: Ec2Budget;
  readonly observe?: (record: AwsCallRecord) => void;
  /** Called before each retry wait, with the failure that is being retried (so a caller can say why it waits). */
  readonly onRetry?: (event: Ec2RetryEvent) => void;
  /** [0, 1) for back-off jitter; Math.random by default. */
  readonly random?: () => number;
}

/** A failed attempt that will be retried: the action, EC2's answer as a CloudError, and the wait before the retry. */
export interface Ec2RetryEvent {
  readonly api: string;
  readonly error: CloudError;
  /** The attempt that failed (1 = the first). */
  readonly attempt: number;
  readonly delayMs: number;
  /** When it failed (the call path's clock). */
  readonly at: number;
}

export interface CallOptions {
  /** Which EC2 bucket a Describe call draws from; `filtered` unless it is by ids only. */
  readonly shape?: RequestShape;
}

/** Sends one logical EC2 request; failures are CloudErrors with EC2's code in `details.awsCode`. */
export type Ec2Call = <T>(api: string, send: () => Promise<T>, options?: CallOptions) => Promise<T>;

export function createCallPath(options: CallPathOptions): Ec2Call {
  const { clock, budget, observe } = options;
  return async <T>(api: string, send: () => Promise<T>, callOptions: CallOptions = {}): Promise<T> => {
    const shape = callOptions.shape ?? 'filtered';
    const start = clock.now();
    const outcome = await withRetry(
      async () => {
        await budget?.take(api, shape);
        return send();
      },
      {
        policy: options.retry,
        classify: (error) => failureFacts(error).retry,
        sleep: options.sleep,
        ...(options.random === undefined ? {} : { random: options.random }),
        onRetry: ({ why, error, attempt, delayMs }) => {
          if (why === 'throttling') budget?.drain(api, shape);
          options.onRetry?.({ api, error: toCloudError(api, error, attempt), attempt, delayMs, at: clock.now() });
        },
      },
    );
    const ms = clock.now() - start;
    if (outcome.ok) {
      observe?.({ api, kind: 'ec2', ms, status: 200, attempts: outcome.attempts });
      return outcome.value;
    }
    const cloud = toCloudError(api, outcome.error, outcome.attempts);
    const { awsCode, httpStatus } = cloud.details;
    observe?.({
      api,
      kind: 'ec2',
      ms,
      error: awsCode ?? cloud.code,
      ...(httpStatus === undefined ? {} : { status: httpStatus }),
      attempts: outcome.attempts,
    });
    throw cloud;
  };
}
