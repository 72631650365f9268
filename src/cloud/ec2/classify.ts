/**
 * What an EC2 failure means. The SDK gives either a service exception (EC2 has no modeled errors, so every one is an
 * `EC2ServiceException` whose `name` is EC2's code, with `$metadata.httpStatusCode` and `requestId`) or a transport
 * error (`TimeoutError`, a socket error with `code: 'ECONNREFUSED'`, ...). {@link failureFacts} reads both into one
 * shape and decides whether the failure is retryable; {@link toCloudError} turns it into the {@link CloudError} a
 * caller acts on — "the subnet is full" rather than "failed".
 *
 * Retry rules follow the SDKs' standard mode [ec2-imds §1.4]: throttling names and 429 are retried with
 * the throttling base; 5xx, server-fault codes, timeouts and socket errors with the transient base; everything else
 * — InsufficientFreeAddressesInSubnet, InvalidParameter*, *.NotFound, PrivateIpAddressLimitExceeded,
 * AttachmentLimitExceeded, UnauthorizedOperation — is final: asking again gives the same answer.
 *
 * @example
 * failureFacts(error);            // { awsCode: 'RequestLimitExceeded', status: 503, retry: 'throttling', ... }
 * toCloudError('AssignPrivateIpAddresses', error, 3).code; // 'CLOUD_THROTTLED'
 */
import { CloudError, type CloudErrorCode } from '../errors.js';
import type { RetryClass } from './retry.js';

export interface FailureFacts {
  /** EC2's error code, or the transport error's name/code (`TimeoutError`, `ECONNREFUSED`). */
  readonly awsCode?: string;
  /** True when EC2 answered (the code is EC2's own). */
  readonly fromEc2: boolean;
  readonly status?: number;
  readonly requestId?: string;
  readonly message: string;
  readonly retry: RetryClass | undefined;
}

const THROTTLING = new Set([
  'BandwidthLimitExceeded',
  'EC2ThrottledException',
  'LimitExceededException',
  'PriorRequestNotComplete',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'ThrottledException',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'TransactionInProgressException',
]);

const SERVER_FAULTS = new Set([
  'InternalError',
  'InternalFailure',
  'ServerInternal',
  'ServiceUnavailable',
  'Unavailable',
]);

const TRANSPORT = new Set([
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNABORTED',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
]);

/** Codes that are never retried even when EC2 sends them with a 5xx status. */
const FINAL = new Set([
  'InsufficientFreeAddressesInSubnet',
  'InsufficientCidrBlocks',
  'PrivateIpAddressLimitExceeded',
  'AttachmentLimitExceeded',
  'NetworkInterfaceLimitExceeded',
  'UnauthorizedOperation',
  'AuthFailure',
]);

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** A socket error's code; Node wraps parallel connection attempts (autoSelectFamily) in an AggregateError. */
function transportCode(error: Record<string, unknown>): string | undefined {
  const code = text(error['code']);
  if (code !== undefined) return code;
  const inner = error['errors'];
  if (Array.isArray(inner))
    for (const e of inner as unknown[]) {
      const c = text(record(e)?.['code']);
      if (c !== undefined) return c;
    }
  const cause = record(error['cause']);
  return cause === undefined ? undefined : text(cause['code']);
}

function retryClassOf(code: string | undefined, status: number | undefined): RetryClass | undefined {
  if (code !== undefined && FINAL.has(code)) return undefined;
  if ((code !== undefined && THROTTLING.has(code)) || status === 429) return 'throttling';
  if (code !== undefined && (SERVER_FAULTS.has(code) || TRANSPORT.has(code))) return 'transient';
  if (status !== undefined && [500, 502, 503, 504].includes(status)) return 'transient';
  return undefined;
}

/** Reads an SDK or transport error; see the module comment. */
export function failureFacts(error: unknown): FailureFacts {
  const e = record(error);
  const message = text(e?.['message']) ?? String(error);
  if (e === undefined) return { fromEc2: false, message, retry: undefined };
  const metadata = record(e['$metadata']);
  const status = typeof metadata?.['httpStatusCode'] === 'number' ? metadata['httpStatusCode'] : undefined;
  const requestId = text(metadata?.['requestId']);
  // A service exception carries `$fault`; its name is EC2's code. Anything else is transport or a bug.
  const fromEc2 = e['$fault'] === 'client' || e['$fault'] === 'server';
  const name = text(e['name']);
  // Transport: the SDK's `TimeoutError` (code ETIMEDOUT) by name, socket errors by their code.
  const transport =
    name !== undefined && TRANSPORT.has(name) ? name : (transportCode(e) ?? (name === 'Error' ? undefined : name));
  const awsCode = fromEc2 ? (text(e['Code']) ?? name) : transport;
  return {
    ...(awsCode === undefined ? {} : { awsCode }),
    fromEc2,
    ...(status === undefined ? {} : { status }),
    ...(requestId === undefined ? {} : { requestId }),
    message,
    retry: retryClassOf(awsCode, status),
  };
}

/** The stable code for an EC2 code (and status), plus what it means in words. */
export function cloudCodeFor(facts: Pick<FailureFacts, 'awsCode' | 'fromEc2' | 'status' | 'retry'>): {
  code: CloudErrorCode;
  meaning: string;
} {
  const aws = facts.awsCode ?? '';
  switch (aws) {
    case 'InsufficientFreeAddressesInSubnet':
      return { code: 'CLOUD_SUBNET_FULL', meaning: 'the subnet has no free addresses' };
    case 'InsufficientCidrBlocks':
      return { code: 'CLOUD_NO_CIDR_BLOCKS', meaning: 'the subnet has no free aligned /28 for a prefix' };
    case 'AttachmentLimitExceeded':
      return { code: 'CLOUD_ENI_LIMIT', meaning: 'the instance type takes no more network interfaces' };
    case 'NetworkInterfaceLimitExceeded':
      return { code: 'CLOUD_ENI_LIMIT', meaning: "the region's network interface quota is reached" };
    case 'PrivateIpAddressLimitExceeded':
      return { code: 'CLOUD_IP_LIMIT', meaning: 'the network interface holds as many addresses as its type allows' };
    case 'UnauthorizedOperation':
    case 'AuthFailure':
    case 'Blocked':
    case 'OptInRequired':
      return { code: 'CLOUD_UNAUTHORIZED', meaning: 'EC2 refused the credentials or the IAM policy lacks the action' };
    default:
      break;
  }
  if (facts.retry === 'throttling') return { code: 'CLOUD_THROTTLED', meaning: 'EC2 throttled the request' };
  if (aws.endsWith('.NotFound')) return { code: 'CLOUD_NOT_FOUND', meaning: 'EC2 does not know the resource' };
  if (/^(Invalid|MissingParameter|UnknownParameter)/.test(aws) || aws.endsWith('.Malformed')) {
    return { code: 'CLOUD_INVALID_REQUEST', meaning: 'EC2 rejected a parameter' };
  }
  if (facts.retry === 'transient' || (facts.status !== undefined && facts.status >= 500)) {
    return {
      code: 'CLOUD_UNAVAILABLE',
      meaning: facts.fromEc2 ? 'EC2 failed on its side' : 'EC2 could not be reached',
    };
  }
  // Not from EC2 and not a known transport failure: the SDK itself failed (a bug or a response it cannot parse).
  return { code: 'CLOUD_EC2_ERROR', meaning: facts.fromEc2 ? 'EC2 refused the request' : 'the EC2 client failed' };
}

/**
 * The stable code of an error EC2 answered with (its code and HTTP status), for callers that have no SDK error to
 * classify, such as in-process stand-ins of EC2.
 *
 * @example
 * cloudCodeOfEc2Error('InsufficientFreeAddressesInSubnet', 400); // 'CLOUD_SUBNET_FULL'
 */
export function cloudCodeOfEc2Error(awsCode: string, status: number): CloudErrorCode {
  return cloudCodeFor({ awsCode, fromEc2: true, status, retry: retryClassOf(awsCode, status) }).code;
}

/**
 * The CloudError for a failed call after `attempts` requests. A CloudError raised on our side (the client-side
 * budget) passes through with the attempt count added.
 */
export function toCloudError(operation: string, error: unknown, attempts: number): CloudError {
  if (error instanceof CloudError) {
    return new CloudError(error.code, error.message, { ...error.details, operation, attempts }, error.cause);
  }
  const facts = failureFacts(error);
  const { code, meaning } = cloudCodeFor(facts);
  const tries = attempts === 1 ? '1 attempt' : `${attempts} attempts`;
  const source =
    facts.awsCode === undefined ? facts.message : `${facts.fromEc2 ? 'EC2 ' : ''}${facts.awsCode}: ${facts.message}`;
  return new CloudError(
    code,
    `${operation} failed: ${meaning} (${source}) after ${tries}`,
    {
      operation,
      ...(facts.awsCode === undefined ? {} : { awsCode: facts.awsCode }),
      ...(facts.status === undefined ? {} : { httpStatus: facts.status }),
      ...(facts.requestId === undefined ? {} : { requestId: facts.requestId }),
      attempts,
    },
    error,
  );
}
