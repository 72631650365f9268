// MissingIAMPermissions [cninode §5.1]: an events.k8s.io Event on the aws-node pod for every EC2 UnauthorizedOperation,
// with the reference's reason, action and note; repeats fold into a series patched at most once a minute; a long
// silence or an expired Event starts a new one; API failures never reach the EC2 caller.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import type { AwsCallRecord } from '../../cloud/calls.js';
import { manualClock } from '../../ipam/clock.js';
import { K8sError } from '../../k8s/errors.js';
import { silentLogger } from '../../obs/logger.js';
import { IamEvents, missingPermissionNote, SERIES_GAP_MS, SERIES_PATCH_MS } from './iam-events.js';

const START = Date.UTC(2024, 4, 1, 12, 0, 0);
const denied = (api: string, error = 'UnauthorizedOperation'): AwsCallRecord => ({
  api,
  kind: 'ec2',
  ms: 20,
  error,
  status: 403,
  attempts: 1,
});

function fakeClient(options: { readonly failCreate?: boolean; readonly patchGone?: boolean } = {}) {
  const calls: { op: string; namespace: string; name?: string; body: Record<string, unknown> }[] = [];
  return {
    calls,
    client: {
      readPod: (namespace: string, name: string) =>
        Promise.resolve({ metadata: { namespace, name, uid: 'uid-1' } } as unknown),
      createEventV1: (namespace: string, body: Readonly<Record<string, unknown>>) => {
        calls.push({ op: 'create', namespace, body: { ...body } });
        return options.failCreate === true
          ? Promise.reject(new K8sError('K8S_API_ERROR', 'create failed: HTTP 403 Forbidden'))
          : Promise.resolve(body as unknown);
      },
      patchEventV1: (namespace: string, name: string, body: Readonly<Record<string, unknown>>) => {
        calls.push({ op: 'patch', namespace, name, body: { ...body } });
        return options.patchGone === true
          ? Promise.reject(new K8sError('K8S_NOT_FOUND', 'gone'))
          : Promise.resolve(body as unknown);
      },
    },
  };
}

describe('MissingIAMPermissions events', () => {
  it("creates the reference's event on the aws-node pod for UnauthorizedOperation only", async () => {
    const clock = manualClock(START);
    const { calls, client } = fakeClient();
    const events = new IamEvents({ client, podName: 'aws-node-x7k2p', nodeName: 'node-1', clock, log: silentLogger });
    events.note(denied('DescribeInstances', 'AuthFailure'));
    events.note(denied('DescribeInstances', 'RequestLimitExceeded'));
    events.note({ api: 'GetMACs', kind: 'imds', ms: 1, error: 'UnauthorizedOperation', attempts: 1 });
    events.note(denied('CreateNetworkInterface'));
    await events.flushed();
    assert.equal(calls.length, 1);
    assert.deepEqual(calls[0], {
      op: 'create',
      namespace: 'kube-system',
      body: {
        apiVersion: 'events.k8s.io/v1',
        kind: 'Event',
        metadata: { name: `aws-node-x7k2p.${(BigInt(START) * 1_000_000n).toString(16)}`, namespace: 'kube-system' },
        eventTime: '2024-05-01T12:00:00.000000Z',
        reportingController: 'aws-node',
        reportingInstance: 'aws-node-node-1',
        action: 'ec2:CreateNetworkInterface',
        reason: 'MissingIAMPermissions',
        regarding: { apiVersion: 'v1', kind: 'Pod', namespace: 'kube-system', name: 'aws-node-x7k2p', uid: 'uid-1' },
        note:
          'Unauthorized operation: failed to call ec2:CreateNetworkInterface due to missing permissions. Please refer ' +
          'https://github.com/aws/amazon-vpc-cni-k8s/blob/master/docs/iam-policy.md to attach relevant policy to IAM role',
        type: 'Warning',
      },
    });
    assert.equal(missingPermissionNote('X').includes('ec2:X due to missing permissions'), true);
  });

  it('folds repeats into a series: counted, patched at most once a minute; a new event after a long silence', async () => {
    const clock = manualClock(START);
    const { calls, client } = fakeClient();
    const events = new IamEvents({ client, podName: 'p', nodeName: 'n', clock, log: silentLogger });
    const note = async (api: string, afterMs: number): Promise<void> => {
      clock.advance(afterMs);
      events.note(denied(api));
      await events.flushed();
    };
    await note('AssignPrivateIpAddresses', 0);
    await note('AssignPrivateIpAddresses', 5_000); // counted, not sent
    await note('AssignPrivateIpAddresses', 5_000); // counted, not sent
    await note('CreateNetworkInterface', 0); // another action: its own event
    await note('AssignPrivateIpAddresses', SERIES_PATCH_MS); // a minute since the last write: the series goes out
    assert.deepEqual(
      calls.map((c) => [c.op, c.body['action'] ?? c.body['series']]),
      [
        ['create', 'ec2:AssignPrivateIpAddresses'],
        ['create', 'ec2:CreateNetworkInterface'],
        ['patch', { count: 4, lastObservedTime: '2024-05-01T12:01:10.000000Z' }],
      ],
    );
    assert.match(calls[2]?.name ?? '', /^p\.[0-9a-f]+$/);
    await note('AssignPrivateIpAddresses', SERIES_GAP_MS + 1); // silence: a new event
    assert.deepEqual(calls.at(-1)?.op, 'create');
    assert.equal(calls.length, 4);
  });

  it('an expired series event is created anew; failures to write are only logged', async () => {
    const clock = manualClock(START);
    const gone = fakeClient({ patchGone: true });
    const events = new IamEvents({ client: gone.client, podName: 'p', nodeName: 'n', clock, log: silentLogger });
    events.note(denied('DetachNetworkInterface'));
    clock.advance(SERIES_PATCH_MS);
    events.note(denied('DetachNetworkInterface'));
    await events.flushed();
    assert.deepEqual(
      gone.calls.map((c) => c.op),
      ['create', 'patch', 'create'],
    );
    const failing = fakeClient({ failCreate: true });
    const quiet = new IamEvents({ client: failing.client, podName: 'p', nodeName: 'n', clock, log: silentLogger });
    quiet.note(denied('CreateTags'));
    quiet.note(denied('CreateTags'));
    await quiet.flushed();
    // Nothing was created, so each failure tries again.
    assert.deepEqual(
      failing.calls.map((c) => c.op),
      ['create', 'create'],
    );
  });
});
