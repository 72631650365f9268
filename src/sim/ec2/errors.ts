/**
 * EC2 wire errors: the code, message and HTTP status the embedded VPC answers with. Messages follow real EC2's text
 * where it is known (ids in single quotes: the reference CNI parses them out with a regex).
 *
 * @example
 * throw notFound('InvalidSubnetID.NotFound', 'subnet', 'subnet-0abc');
 * // 400 "The subnet ID 'subnet-0abc' does not exist"
 */
// EC2's own vocabulary on the wire (codes EC2 documents, not ours): the simulator answers with it, clients map it to
// their CloudError codes. It is not one of vpc-cni's errors, so it has no catalogue.
// eslint-disable-next-line no-restricted-syntax -- see above
export class Ec2Error extends Error {
  readonly code: string;
  readonly status: number;

  constructor(code: string, message: string, status = 400) {
    super(message);
    this.name = 'Ec2Error';
    this.code = code;
    this.status = status;
  }
}

/** `The <noun> ID '<id>' does not exist`, as EC2 words its NotFound errors. */
export function notFound(code: string, noun: string, id: string): Ec2Error {
  return new Ec2Error(code, `The ${noun} ID '${id}' does not exist`);
}

export function missingParameter(name: string): Ec2Error {
  return new Ec2Error('MissingParameter', `The request must contain the parameter ${name}`);
}

export function invalidParameterValue(message: string): Ec2Error {
  return new Ec2Error('InvalidParameterValue', message);
}

export function invalidParameterCombination(message: string): Ec2Error {
  return new Ec2Error('InvalidParameterCombination', message);
}

export function malformedId(code: string, id: string, prefix: string): Ec2Error {
  return new Ec2Error(code, `Invalid id: "${id}" (expecting "${prefix}-...")`);
}

export const REQUEST_LIMIT_EXCEEDED = (): Ec2Error =>
  new Ec2Error('RequestLimitExceeded', 'Request limit exceeded.', 503);

export const AUTH_FAILURE = (): Ec2Error =>
  new Ec2Error('AuthFailure', 'AWS was not able to validate the provided access credentials', 401);
