import type { Ec2Subnet } from '../../cloud/ec2/port.js';
import type { AwsCallRecord } from '../../cloud/calls.js';
import type { DatastoreSnapshot } from '../../ipam/types.js';

/**
 * ipamd's metrics through a narrow interface (the prom-client registry lives in the composition root). Names in
 * comments are the reference's `awscni_*` metrics [behaviour §6].
 */
export interface IpamdMetrics {
  /** awscni_aws_api_latency_ms, awscni_aws_api_error_count, awscni_ec2api_req_count, awscni_ec2api_error_count */
  awsCall(record: AwsCallRecord): void;
  /** awscni_ipamd_error_count{fn} */
  ipamdError(fn: string): void;
  /** awscni_ipamd_action_inprogress{fn} */
  actionInProgress(fn: string, delta: 1 | -1): void;
  /** awscni_reconcile_count{fn} */
  reconcile(fn: string): void;
  /** awscni_add_ip_req_count */
  addRequest(): void;
  /** awscni_del_ip_req_count{reason} */
  delRequest(reason: string): void;
  /** awscni_no_available_ip_addresses */
  noAvailableAddress(): void;
  /** awscni_force_removed_enis, awscni_force_removed_ips */
  forceRemoved(counts: { readonly enis: number; readonly ips: number }): void;
  /** awscni_eni_max, awscni_ip_max */
  poolLimits(limits: { readonly maxEnis: number; readonly maxIps: number }): void;
  /** awscni_eni_allocated, awscni_total_ip_addresses, awscni_assigned_ip_addresses, awscni_total_ipv4_prefixes,
   * awscni_assigned_ip_per_cidr{cidr}, awscni_assigned_ip_per_eni{eni} (series of vanished ENIs/CIDRs deleted) */
  datastore(snapshot: DatastoreSnapshot): void;
  /** Ours: awscni_subnet_available_ip_addresses{subnet_id,cidr,availability_zone} — free addresses per subnet. */
  subnets(subnets: readonly Ec2Subnet[]): void;
  /** awscni_ipamd_startup_duration_seconds */
  startup(seconds: number, success: boolean, failureReason: string): void;
}
