/**
 * MissingIAMPermissions events [cninode §5.1]: whenever an EC2 call fails with `UnauthorizedOperation`, a Warning
 * `events.k8s.io/v1` Event on the aws-node pod (`kube-system/<MY_POD_NAME>`), reporting controller `aws-node`, action
 * `ec2:<Action>`, with the reference's note — so `kubectl describe pod aws-node-…` and `kubectl get events` say which
 * IAM permission the node role lacks.
 *
 * Repeats are folded the way client-go's event recorder folds them, into a series: the first failure of an action
 * creates the Event; later ones within {@link SERIES_GAP_MS} of the previous one count into it, and its `series`
 * (count, last time) is patched at most once per {@link SERIES_PATCH_MS}. A longer silence, or a series Event the API
 * server has dropped (events expire after an hour), starts a new Event. Recording never fails an EC2 caller: API
 * errors are logged.
 *
 * @example
 * const events = new IamEvents({ client, podName: 'aws-node-x7k2p', nodeName, clock, log });
 * ec2 observe: (record) => events.note(record); // { api: 'CreateNetworkInterface', error: 'UnauthorizedOperation' }
 */
import type { AwsCallRecord } from '../../cloud/calls.js';
import type { Clock } from '../../ipam/clock.js';
import type { K8sClient } from '../../k8s/client.js';
import { isK8sError } from '../../k8s/errors.js';
import type { Logger } from '../../obs/logger.js';
import { messageOf } from '../../errors.js';

/** A repeat later than this after the previous one starts a new Event (client-go's isomorphic-event window). */
export const SERIES_GAP_MS = 6 * 60_000;
/** How often a growing series is written back. */
export const SERIES_PATCH_MS = 60_000;

const IAM_POLICY_DOC = 'https://github.com/aws/amazon-vpc-cni-k8s/blob/master/docs/iam-policy.md';

/**
 * The reference's note for an action.
 *
 * @example
 * missingPermissionNote('CreateNetworkInterface'); // 'Unauthorized operation: failed to call ec2:CreateNetworkInterface due to missing permissions. ...'
 */
export function missingPermissionNote(action: string): string {
  return (
    `Unauthorized operation: failed to call ec2:${action} due to missing permissions. ` +
    `Please refer ${IAM_POLICY_DOC} to attach relevant policy to IAM role`
  );
}

/** MicroTime as the API server writes it: RFC 3339 with six fractional digits. */
function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export interface IamEventsOptions {
  readonly client: Pick<K8sClient, 'readPod' | 'createEventV1' | 'patchEventV1'>;
  /** MY_POD_NAME: the aws-node pod the events are about. */
  readonly podName: string;
  /** The pod's namespace; the reference's is fixed: kube-system. */
  readonly namespace?: string;
  readonly nodeName: string;
  readonly clock: Clock;
  readonly log: Logger;
}

interface Series {
  readonly name: string;
  count: number;
  lastAt: number;
  sentAt: number;
  sentCount: number;
}

/** See the module comment. */
export class IamEvents {
  readonly #options: IamEventsOptions;
  readonly #namespace: string;
  readonly #series = new Map<string, Series>();
  #podUid: string | undefined;
  /** One write at a time, so a series exists before it is patched. */
  #queue: Promise<void> = Promise.resolve();

  constructor(options: IamEventsOptions) {
    this.#options = options;
    this.#namespace = options.namespace ?? 'kube-system';
  }

  /** An EC2 call as the adapter reports it; only failures with UnauthorizedOperation are recorded. */
  note(record: AwsCallRecord): void {
    if (record.kind !== 'ec2' || record.error !== 'UnauthorizedOperation') return;
    const action = record.api;
    const at = this.#options.clock.now();
    this.#queue = this.#queue.then(() => this.#record(action, at)).catch(() => undefined);
  }

  /** Resolves when every event noted so far has been written (or failed). */
  flushed(): Promise<void> {
    return this.#queue;
  }

  async #record(action: string, now: number): Promise<void> {
    const series = this.#series.get(action);
    if (series !== undefined && now - series.lastAt <= SERIES_GAP_MS) {
      series.count += 1;
      series.lastAt = now;
      if (now - series.sentAt < SERIES_PATCH_MS) return;
      if (await this.#patch(action, series)) return;
    }
    await this.#create(action, now);
  }

  async #create(action: string, now: number): Promise<void> {
    const { client, podName, nodeName, log } = this.#options;
    const name = `${podName}.${(BigInt(now) * 1_000_000n).toString(16)}`;
    const uid = await this.#uid();
    try {
      await client.createEventV1(this.#namespace, {
        apiVersion: 'events.k8s.io/v1',
        kind: 'Event',
        metadata: { name, namespace: this.#namespace },
        eventTime: microTime(now),
        reportingController: 'aws-node',
        reportingInstance: `aws-node-${nodeName}`.slice(0, 128),
        action: `ec2:${action}`,
        reason: 'MissingIAMPermissions',
        regarding: {
          apiVersion: 'v1',
          kind: 'Pod',
          namespace: this.#namespace,
          name: podName,
          ...(uid === undefined ? {} : { uid }),
        },
        note: missingPermissionNote(action),
        type: 'Warning',
      });
      this.#series.set(action, { name, count: 1, lastAt: now, sentAt: now, sentCount: 1 });
      log.warn({ action: `ec2:${action}`, event: name }, `recorded MissingIAMPermissions on pod ${podName}`);
    } catch (error) {
      log.warn({ action: `ec2:${action}` }, `could not record the MissingIAMPermissions event: ${messageOf(error)}`);
    }
  }

  /** Writes the series back; false when the Event is gone (a new one is due). */
  async #patch(action: string, series: Series): Promise<boolean> {
    const { client, log } = this.#options;
    if (series.count === series.sentCount) return true;
    try {
      await client.patchEventV1(this.#namespace, series.name, {
        series: { count: series.count, lastObservedTime: microTime(series.lastAt) },
      });
      series.sentAt = series.lastAt;
      series.sentCount = series.count;
      return true;
    } catch (error) {
      if (isK8sError(error, 'K8S_NOT_FOUND')) return false;
      log.warn({ action: `ec2:${action}` }, `could not update the MissingIAMPermissions event: ${messageOf(error)}`);
      return true;
    }
  }

  /** The pod's uid for `regarding`, read once it can be (the event is valid without it). */
  async #uid(): Promise<string | undefined> {
    if (this.#podUid !== undefined) return this.#podUid;
    try {
      const pod = (await this.#options.client.readPod(this.#namespace, this.#options.podName, {
        timeoutMs: 5_000,
      })) as { metadata?: { uid?: unknown } };
      if (typeof pod.metadata?.uid === 'string') this.#podUid = pod.metadata.uid;
    } catch (error) {
      this.#options.log.debug({}, `reading pod ${this.#options.podName} for its uid: ${messageOf(error)}`);
    }
    return this.#podUid;
  }
}
