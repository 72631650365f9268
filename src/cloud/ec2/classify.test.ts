import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { EC2ServiceException } from '@aws-sdk/client-ec2';
import { CloudError, type CloudErrorCode } from '../errors.js';
import { failureFacts, toCloudError } from './classify.js';
import type { RetryClass } from './retry.js';

/** An error shaped as the SDK builds it for EC2 (no modeled errors: name = EC2's code). */
function ec2Error(code: string, status: number, message = `${code} happened`): EC2ServiceException {
  return new EC2ServiceException({
    name: code,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status, requestId: 'req-1', attempts: 1, totalRetryDelay: 0 },
    message,
  });
}

describe('failureFacts and toCloudError', () => {
  const table: [code: string, status: number, cloud: CloudErrorCode, retry: RetryClass | undefined][] = [
    ['InsufficientFreeAddressesInSubnet', 400, 'CLOUD_SUBNET_FULL', undefined],
    ['InsufficientCidrBlocks', 400, 'CLOUD_NO_CIDR_BLOCKS', undefined],
    ['AttachmentLimitExceeded', 400, 'CLOUD_ENI_LIMIT', undefined],
    ['NetworkInterfaceLimitExceeded', 400, 'CLOUD_ENI_LIMIT', undefined],
    ['PrivateIpAddressLimitExceeded', 400, 'CLOUD_IP_LIMIT', undefined],
    ['RequestLimitExceeded', 503, 'CLOUD_THROTTLED', 'throttling'],
    ['Throttling', 400, 'CLOUD_THROTTLED', 'throttling'],
    ['SomethingElse', 429, 'CLOUD_THROTTLED', 'throttling'],
    ['InvalidNetworkInterfaceID.NotFound', 400, 'CLOUD_NOT_FOUND', undefined],
    ['InvalidAttachmentID.NotFound', 400, 'CLOUD_NOT_FOUND', undefined],
    ['UnauthorizedOperation', 403, 'CLOUD_UNAUTHORIZED', undefined],
    ['AuthFailure', 401, 'CLOUD_UNAUTHORIZED', undefined],
    ['InvalidParameterValue', 400, 'CLOUD_INVALID_REQUEST', undefined],
    ['InvalidParameterCombination', 400, 'CLOUD_INVALID_REQUEST', undefined],
    ['InvalidNetworkInterfaceId.Malformed', 400, 'CLOUD_INVALID_REQUEST', undefined],
    ['MissingParameter', 400, 'CLOUD_INVALID_REQUEST', undefined],
    ['InternalError', 500, 'CLOUD_UNAVAILABLE', 'transient'],
    ['ServiceUnavailable', 503, 'CLOUD_UNAVAILABLE', 'transient'],
    ['Unavailable', 503, 'CLOUD_UNAVAILABLE', 'transient'],
    ['BadGateway', 502, 'CLOUD_UNAVAILABLE', 'transient'],
    ['OperationNotPermitted', 400, 'CLOUD_EC2_ERROR', undefined],
    // Final codes stay final even if EC2 ever sent them with a server status.
    ['InsufficientFreeAddressesInSubnet', 500, 'CLOUD_SUBNET_FULL', undefined],
  ];
  for (const [code, status, cloud, retry] of table) {
    it(`${code} (${status}) → ${cloud}, retry ${retry ?? 'no'}`, () => {
      const error = ec2Error(code, status);
      const facts = failureFacts(error);
      assert.deepEqual(facts, {
        awsCode: code,
        fromEc2: true,
        status,
        requestId: 'req-1',
        message: `${code} happened`,
        retry,
      });
      const mapped = toCloudError('AssignPrivateIpAddresses', error, 2);
      assert.equal(mapped.code, cloud);
      assert.deepEqual(mapped.details, {
        operation: 'AssignPrivateIpAddresses',
        awsCode: code,
        httpStatus: status,
        requestId: 'req-1',
        attempts: 2,
      });
      assert.equal(mapped.cause, error);
      assert.match(
        mapped.message,
        new RegExp(
          `^AssignPrivateIpAddresses failed: .+ \\(EC2 ${code.replace('.', '\\.')}: ${code.replace('.', '\\.')} happened\\) after 2 attempts$`,
        ),
      );
    });
  }

  it('reads transport errors: socket codes, AggregateError, the SDK TimeoutError', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    assert.deepEqual(failureFacts(refused), {
      awsCode: 'ECONNREFUSED',
      fromEc2: false,
      message: 'connect ECONNREFUSED 127.0.0.1:1',
      retry: 'transient',
    });
    const aggregate = new AggregateError([Object.assign(new Error('x'), { code: 'ECONNRESET' })], 'boom');
    assert.equal(failureFacts(aggregate).awsCode, 'ECONNRESET');
    const timeout = Object.assign(new Error('timed out'), { name: 'TimeoutError', code: 'ETIMEDOUT' });
    assert.equal(failureFacts(timeout).awsCode, 'TimeoutError');
    assert.equal(failureFacts(timeout).retry, 'transient');
    const cloud = toCloudError('DescribeSubnets', refused, 10);
    assert.equal(cloud.code, 'CLOUD_UNAVAILABLE');
    assert.match(
      cloud.message,
      /^DescribeSubnets failed: EC2 could not be reached \(ECONNREFUSED: connect ECONNREFUSED 127\.0\.0\.1:1\) after 10 attempts$/,
    );
  });

  it('an unknown non-SDK error is not retried and still becomes a CloudError', () => {
    const facts = failureFacts(new TypeError('x is not a function'));
    assert.equal(facts.retry, undefined);
    assert.equal(toCloudError('CreateTags', 'weird', 1).code, 'CLOUD_EC2_ERROR');
    assert.match(toCloudError('CreateTags', 'weird', 1).message, /the EC2 client failed/);
  });

  it('a CloudError raised on our side (budget) passes through with operation and attempts', () => {
    const own = new CloudError('CLOUD_THROTTLED', 'budget spent', { operation: 'x', bucket: 'CreateTags' });
    const out = toCloudError('CreateTags', own, 1);
    assert.equal(out.code, 'CLOUD_THROTTLED');
    assert.deepEqual(out.details, { operation: 'CreateTags', bucket: 'CreateTags', attempts: 1 });
  });
});
