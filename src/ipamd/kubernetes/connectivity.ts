/**
 * ipamd's start-up check of the API server [cninode §2.2], `GET /version`:
 *
 * - when a setting needs the API server from the first pod on (ANNOTATE_POD_IP, custom networking with a cluster,
 *   ENABLE_POD_ENI): ask every 2 s, each request bounded to 5 s, until it answers. A timeout is retried (the API
 *   server may be starting, or kube-proxy not ready yet); any other failure — connection refused, 401/403 — stops the
 *   start-up with KUBERNETES_API_UNREACHABLE naming the setting, as the reference exits.
 * - otherwise: up to 30 s (every 5 s), then ipamd goes on without it. Nothing else has to poll in the background:
 *   every user retries by itself (the Node follower reconnects with back-off; events and annotations call when
 *   needed).
 *
 * @example
 * await checkApiServer(client, { requiredBy: ['ANNOTATE_POD_IP=true'], timers, clock, log, signal });
 */
import type { Clock } from '../../ipam/clock.js';
import type { K8sClient } from '../../k8s/client.js';
import { isK8sError } from '../../k8s/errors.js';
import type { Logger } from '../../obs/logger.js';
import type { Timers } from '../../obs/timers.js';
import { messageOf } from '../../errors.js';
import { IpamdError } from '../errors.js';

export interface ConnectivityTimings {
  /** Per request (reference: 5 s). */
  readonly requestTimeoutMs: number;
  /** Between tries when required (reference: 2 s). */
  readonly requiredPollMs: number;
  /** How long to try when not required (reference: 30 s), and how often (5 s). */
  readonly optionalWaitMs: number;
  readonly optionalPollMs: number;
}

export const CONNECTIVITY_TIMINGS: ConnectivityTimings = {
  requestTimeoutMs: 5_000,
  requiredPollMs: 2_000,
  optionalWaitMs: 30_000,
  optionalPollMs: 5_000,
};

export interface ConnectivityOptions {
  /** The settings that make the API server necessary (`ANNOTATE_POD_IP=true`); empty = best effort. */
  readonly requiredBy: readonly string[];
  readonly timers: Timers;
  readonly clock: Clock;
  readonly log: Logger;
  readonly signal?: AbortSignal;
  readonly timings?: Partial<ConnectivityTimings>;
}

/**
 * Waits for the API server as described in the module comment; resolves true when it answered.
 *
 * @throws IpamdError KUBERNETES_API_UNREACHABLE when a required API server fails other than by a timeout.
 * @example
 * const reachable = await checkApiServer(client, { requiredBy: [], timers, clock, log });
 */
export async function checkApiServer(
  client: Pick<K8sClient, 'version' | 'target'>,
  options: ConnectivityOptions,
): Promise<boolean> {
  const timings = { ...CONNECTIVITY_TIMINGS, ...options.timings };
  const { timers, clock, log, requiredBy } = options;
  const required = requiredBy.length > 0;
  const deadline = clock.now() + timings.optionalWaitMs;
  for (let attempt = 1; ; attempt += 1) {
    try {
      const { gitVersion } = await client.version({ timeoutMs: timings.requestTimeoutMs });
      log.info({ target: client.target, version: gitVersion }, `Kubernetes API server ${gitVersion} answers`);
      return true;
    } catch (error) {
      const timedOut = isK8sError(error) && error.details['timedOut'] === true;
      if (required && !timedOut) {
        throw new IpamdError(
          'KUBERNETES_API_UNREACHABLE',
          `${requiredBy.join(' and ')} needs the Kubernetes API server (${client.target}), and it failed: ${messageOf(error)}`,
          { target: client.target, requiredBy: requiredBy.join(',') },
          error,
        );
      }
      if (options.signal?.aborted === true)
        throw new IpamdError('IPAMD_INIT_FAILED', 'stopped while waiting for the Kubernetes API server');
      const waitMs = required ? timings.requiredPollMs : timings.optionalPollMs;
      if (!required && clock.now() + waitMs > deadline) {
        log.warn(
          { target: client.target, attempts: attempt },
          `Kubernetes API server not reachable (${messageOf(error)}): going on without it; its users retry by themselves`,
        );
        return false;
      }
      log.warn(
        { target: client.target, attempt, retryInMs: waitMs },
        required
          ? `${requiredBy.join(' and ')} needs the Kubernetes API server, which did not answer: ${messageOf(error)}`
          : `Kubernetes API server not reachable yet: ${messageOf(error)}`,
      );
      await timers.sleep(waitMs);
    }
  }
}
