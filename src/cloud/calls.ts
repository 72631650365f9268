/** What the cloud adapters report of each call they make, for the metrics of whoever composes them. */

/** One EC2 or IMDS call, as the cloud adapters report it (for `awscni_aws_api_latency_ms` and the error counters). */
export interface AwsCallRecord {
  /** EC2 action (`AssignPrivateIpAddresses`) or IMDS operation (`GetMACs`, `GetLocalIPv4s`, ...). */
  readonly api: string;
  readonly kind: 'ec2' | 'imds';
  readonly ms: number;
  /** EC2's error code or a transport error name; absent on success. */
  readonly error?: string;
  /** HTTP status, when there was a response. */
  readonly status?: number;
  readonly attempts: number;
}
