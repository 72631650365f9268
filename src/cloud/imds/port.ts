/**
 * The IMDS port: typed getters for every instance-metadata path vpc-cni reads. The adapter is client.ts on
 * `@aws-sdk/ec2-metadata-service`; the embedded VPC serves the same paths per instance.
 */
import type { EniId } from '../../ipam/types.js';

/** An attached ENI as IMDS shows it [behaviour §2.4]. */
export interface ImdsEni {
  readonly mac: string;
  readonly eniId: EniId;
  readonly deviceNumber: number;
  readonly networkCard: number;
  readonly subnetId: string;
  readonly subnetCidr: string;
  readonly vpcId: string;
  /** Primary first. */
  readonly localIpv4s: readonly string[];
  readonly ipv4Prefixes: readonly string[];
  readonly securityGroupIds: readonly string[];
}

export interface InstanceIdentity {
  readonly instanceId: string;
  readonly instanceType: string;
  readonly region: string;
  readonly availabilityZone: string;
  readonly localIpv4: string;
  readonly primaryMac: string;
}

/** Typed IMDS getters for every path ipamd reads. Failures are {@link CloudError}s (code `IMDS_ERROR`). */
export interface Imds {
  identity(): Promise<InstanceIdentity>;
  macs(): Promise<string[]>;
  eni(mac: string, options?: { readonly prefixes?: boolean }): Promise<ImdsEni>;
  /**
   * Every attached ENI; the primary MAC forced to device 0 as the reference does. `primaryPrefixes: false` skips the
   * primary ENI's ipv4-prefix (custom networking never uses the primary ENI for pods).
   */
  attachedEnis(primaryMac: string, options?: { readonly primaryPrefixes?: boolean }): Promise<ImdsEni[]>;
  vpcIpv4Cidrs(mac: string): Promise<string[]>;
  securityGroupIds(mac: string): Promise<string[]>;
}
