/**
 * `MaxResults` / `NextToken` pagination as EC2 does it. Without MaxResults everything is returned (the AWS CLI
 * only sends it with --page-size). Tokens are opaque to clients: base64url of the operation and the next offset,
 * so a token from another operation is `InvalidNextToken`.
 *
 * @example
 * const { page, nextToken } = paginate('DescribeSubnets', subnets, p, { min: 5, max: 1000 });
 */
import { Ec2Error } from './errors.js';
import type { Params } from './params.js';

export interface PageBounds {
  readonly min: number;
  readonly max: number;
}

export interface Page<T> {
  readonly page: T[];
  readonly nextToken: string | undefined;
}

function encode(action: string, offset: number): string {
  return Buffer.from(JSON.stringify([action, offset])).toString('base64url');
}

function decode(action: string, token: string): number {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && parsed[0] === action && Number.isInteger(parsed[1]) && (parsed[1] as number) >= 0) {
      return parsed[1] as number;
    }
  } catch {
    // falls through to the error below
  }
  throw new Ec2Error('InvalidNextToken', `The token '${token}' is invalid.`);
}

export function paginate<T>(action: string, items: readonly T[], params: Params, bounds: PageBounds): Page<T> {
  const maxResults = params.optInt('MaxResults');
  const token = params.optString('NextToken');
  if (maxResults !== undefined && (maxResults < bounds.min || maxResults > bounds.max)) {
    throw new Ec2Error(
      'InvalidParameterValue',
      `Value ( ${maxResults} ) for parameter maxResults is invalid. Expecting a value between ${bounds.min} and ${bounds.max}.`,
    );
  }
  const start = token === undefined || token === '' ? 0 : decode(action, token);
  if (maxResults === undefined) return { page: items.slice(start), nextToken: undefined };
  const end = start + maxResults;
  return { page: items.slice(start, end), nextToken: end < items.length ? encode(action, end) : undefined };
}
