// The call path reports every failed attempt it is about to retry (onRetry) with EC2's answer as a CloudError, so
// ipamd can tell a waiting pod why; the final outcome is still one observed record.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { EC2ServiceException } from '@aws-sdk/client-ec2';
import { manualClock } from '../../ipam/clock.js';
import type { AwsCallRecord } from '../calls.js';
import { createCallPath, type Ec2RetryEvent } from './call.js';
import { DEFAULT_EC2_RETRY } from './retry.js';

function ec2Error(code: string, status: number): EC2ServiceException {
  return new EC2ServiceException({
    name: code,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status, requestId: 'req-1', attempts: 1, totalRetryDelay: 0 },
    message: `${code} happened`,
  });
}

describe('createCallPath onRetry', () => {
  it('reports each retried failure, typed, then the success once', async () => {
    const clock = manualClock(1_000);
    const retries: Ec2RetryEvent[] = [];
    const records: AwsCallRecord[] = [];
    const call = createCallPath({
      clock,
      sleep: (ms) => Promise.resolve(clock.advance(ms)),
      retry: DEFAULT_EC2_RETRY,
      random: () => 0.5,
      observe: (record) => records.push(record),
      onRetry: (event) => retries.push(event),
    });
    const answers = [ec2Error('RequestLimitExceeded', 503), ec2Error('InternalError', 500)];
    const value = await call('AssignPrivateIpAddresses', () => {
      const next = answers.shift();
      return next === undefined ? Promise.resolve('assigned') : Promise.reject(next);
    });
    assert.equal(value, 'assigned');
    assert.deepEqual(
      retries.map((r) => [r.api, r.attempt, r.error.code, r.error.details.awsCode]),
      [
        ['AssignPrivateIpAddresses', 1, 'CLOUD_THROTTLED', 'RequestLimitExceeded'],
        ['AssignPrivateIpAddresses', 2, 'CLOUD_UNAVAILABLE', 'InternalError'],
      ],
    );
    assert.equal(retries[0]?.at, 1_000);
    assert.ok((retries[1]?.at ?? 0) > 1_000, 'the second failure came after the first back-off');
    assert.deepEqual(
      records.map((r) => [r.api, r.attempts, r.status]),
      [['AssignPrivateIpAddresses', 3, 200]],
    );
  });

  it('a failure that is not retried is not reported as a retry', async () => {
    const retries: Ec2RetryEvent[] = [];
    const call = createCallPath({
      clock: manualClock(0),
      sleep: () => Promise.resolve(),
      retry: DEFAULT_EC2_RETRY,
      onRetry: (e) => retries.push(e),
    });
    await assert.rejects(
      call('AttachNetworkInterface', () => Promise.reject(ec2Error('AttachmentLimitExceeded', 400))),
    );
    assert.deepEqual(retries, []);
  });
});
