/**
 * The EC2 adapter on the AWS SDK v3 EC2 client: ipamd's {@link Ec2Api} and the custom-networking workflow's
 * {@link Ec2VpcApi} in one client. This file builds it (SDK client, client-side budget, retry policy, the one call
 * path of call.ts) and holds the ENI operations; network.ts holds the rest. Each operation builds its SDK command,
 * sends it through the call path (client-side budget, timing, our retry, observation, error classification) and maps
 * the answer to domain types (map.ts). The SDK's own retries are off (`maxAttempts: 1`): ours take a token per attempt.
 *
 * Endpoint, region and credentials are options — nothing here reads the environment — so the same client talks to
 * EC2 or to the embedded VPC on 127.0.0.1.
 *
 * @example
 * const ec2 = createEc2Api({ endpoint: sim.ec2Url, region: 'ap-northeast-2', credentials, clock: systemClock });
 * const eni = await ec2.createNetworkInterface({ subnetId, groups, description: 'aws-K8S-i-0abc', tags: {}, secondaryIpCount: 9 });
 * ec2.destroy();
 */
import {
  AssignPrivateIpAddressesCommand,
  AttachNetworkInterfaceCommand,
  CreateNetworkInterfaceCommand,
  DeleteNetworkInterfaceCommand,
  DescribeNetworkInterfacesCommand,
  DetachNetworkInterfaceCommand,
  EC2Client,
  ModifyNetworkInterfaceAttributeCommand,
  UnassignPrivateIpAddressesCommand,
  type EC2ClientConfig,
} from '@aws-sdk/client-ec2';
import { rfc3339, type Clock } from '../../ipam/clock.js';
import type { EniId } from '../../ipam/types.js';
import type { InstanceLimits } from '../../limits/index.js';
import type { AwsCallRecord } from '../calls.js';
import type { CreateEniRequest, Ec2Api, Ec2Eni, Ec2Filter, Ec2SecurityGroup, Ec2VpcApi } from './port.js';
import { CloudError, isCloudError } from '../errors.js';
import { Ec2Budget, type BucketSpec } from './budget.js';
import { createCallPath, type Ec2RetryEvent } from './call.js';
import { malformed, missingEniIds, toEc2Eni, toSdkTags } from './map.js';
import { SdkEc2Network, type PageInput } from './network.js';
import { DEFAULT_EC2_RETRY, realSleep, type RetryPolicy, type Sleep } from './retry.js';

export interface Ec2ApiOptions {
  /** `http://127.0.0.1:PORT` for the embedded VPC; EC2's regional endpoint when absent. */
  readonly endpoint?: string;
  readonly region: string;
  /** The SDK's default provider chain when absent. */
  readonly credentials?: EC2ClientConfig['credentials'];
  readonly clock: Clock;
  /** Waits for tokens and back-off; a real timer by default. */
  readonly sleep?: Sleep;
  readonly random?: () => number;
  /** One record per logical call (retries included). */
  readonly observe?: (record: AwsCallRecord) => void;
  /** Each failed attempt that will be retried, as it happens (ipamd names it when a pod waits on that call). */
  readonly onRetry?: (event: Ec2RetryEvent) => void;
  /** `false` = no client-side rate limit; otherwise a share (default 0.8) of EC2's buckets and overrides by key. */
  readonly budget?:
    | false
    | {
        readonly share?: number;
        readonly overrides?: Readonly<Record<string, BucketSpec>>;
        readonly maxWaitMs?: number;
        readonly initialFill?: number;
      };
  readonly retry?: Partial<Omit<RetryPolicy, 'baseMs'>> & { readonly baseMs?: Partial<RetryPolicy['baseMs']> };
  /** Per-request HTTP timeout (connect and response); 10 s as the reference's HTTP_TIMEOUT default. */
  readonly httpTimeoutMs?: number;
  /** Appended to the SDK's user agent, e.g. `vpc-cni/0.1.0` (productUserAgent). */
  readonly userAgent?: string;
  /** MaxResults of filtered Describe calls (5..1000); 1000 as the reference. */
  readonly pageSize?: number;
}

/** Both ports in one client, which also owns its HTTP connections. */
export interface Ec2ApiClient extends Ec2Api, Ec2VpcApi {
  /** Closes idle connections; the client must not be used afterwards. */
  destroy(): void;
  /** Always present on this adapter (optional on Ec2Api). */
  describeSecurityGroups(filters: readonly Ec2Filter[]): Promise<Ec2SecurityGroup[]>;
  describeInstanceType(instanceType: string): Promise<InstanceLimits | undefined>;
}

const ENI_NOT_FOUND = 'InvalidNetworkInterfaceID.NotFound';

function mergeRetry(retry: Ec2ApiOptions['retry']): RetryPolicy {
  return {
    maxAttempts: retry?.maxAttempts ?? DEFAULT_EC2_RETRY.maxAttempts,
    capMs: retry?.capMs ?? DEFAULT_EC2_RETRY.capMs,
    baseMs: { ...DEFAULT_EC2_RETRY.baseMs, ...retry?.baseMs },
  };
}

function userAgentPairs(userAgent: string): [string, string][] {
  return userAgent
    .split(' ')
    .filter((token) => token !== '')
    .map((token) => {
      const slash = token.indexOf('/');
      return slash < 0 ? [token, ''] : [token.slice(0, slash), token.slice(slash + 1)];
    });
}

/** Builds the EC2 adapter; see the module comment. */
export function createEc2Api(options: Ec2ApiOptions): Ec2ApiClient {
  const timeout = options.httpTimeoutMs ?? 10_000;
  const client = new EC2Client({
    region: options.region,
    maxAttempts: 1,
    requestHandler: { connectionTimeout: timeout, requestTimeout: timeout, throwOnRequestTimeout: true },
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
    // As name/version pairs: the SDK would turn the spaces of one string into dashes.
    ...(options.userAgent === undefined ? {} : { customUserAgent: userAgentPairs(options.userAgent) }),
  });
  const sleep = options.sleep ?? realSleep;
  const budget =
    options.budget === false ? undefined : new Ec2Budget({ clock: options.clock, sleep, ...options.budget });
  const call = createCallPath({
    clock: options.clock,
    sleep,
    retry: mergeRetry(options.retry),
    ...(budget === undefined ? {} : { budget }),
    ...(options.observe === undefined ? {} : { observe: options.observe }),
    ...(options.onRetry === undefined ? {} : { onRetry: options.onRetry }),
    ...(options.random === undefined ? {} : { random: options.random }),
  });
  const pageSize = options.pageSize ?? 1000;
  if (!(Number.isInteger(pageSize) && pageSize >= 5 && pageSize <= 1000))
    throw new RangeError(`pageSize must be 5..1000, got ${pageSize}`);
  return new SdkEc2Api(client, call, pageSize, options.clock);
}

/** The ENI operations on top of the network half (network.ts), which owns the SDK client and the call path. */
class SdkEc2Api extends SdkEc2Network implements Ec2ApiClient {
  async createNetworkInterface(request: CreateEniRequest): Promise<Ec2Eni> {
    const api = 'CreateNetworkInterface';
    if (request.secondaryIpCount !== undefined && request.prefixCount !== undefined) {
      throw new CloudError(
        'CLOUD_INVALID_REQUEST',
        `${api} not sent: ask for secondary addresses or prefixes, not both`,
        { operation: api },
      );
    }
    const out = await this.call(api, () => {
      // Stamped per attempt: the time this request leaves, however long it waited for a token or a retry.
      const stamped =
        request.stampTag === undefined
          ? request.tags
          : { ...request.tags, [request.stampTag]: rfc3339(this.clock.now()) };
      const tags = toSdkTags(stamped);
      return this.client.send(
        new CreateNetworkInterfaceCommand({
          SubnetId: request.subnetId,
          Description: request.description,
          Groups: [...request.groups],
          ...(tags.length === 0 ? {} : { TagSpecifications: [{ ResourceType: 'network-interface', Tags: tags }] }),
          ...(request.secondaryIpCount === undefined
            ? {}
            : { SecondaryPrivateIpAddressCount: request.secondaryIpCount }),
          ...(request.prefixCount === undefined ? {} : { Ipv4PrefixCount: request.prefixCount }),
        }),
      );
    });
    return toEc2Eni(out.NetworkInterface, api);
  }

  async attachNetworkInterface(request: {
    eniId: EniId;
    instanceId: string;
    deviceIndex: number;
    networkCardIndex: number;
  }): Promise<string> {
    const api = 'AttachNetworkInterface';
    const out = await this.call(api, () =>
      this.client.send(
        new AttachNetworkInterfaceCommand({
          NetworkInterfaceId: request.eniId,
          InstanceId: request.instanceId,
          DeviceIndex: request.deviceIndex,
          NetworkCardIndex: request.networkCardIndex,
        }),
      ),
    );
    if (out.AttachmentId === undefined) throw malformed(api, 'an attachment id');
    return out.AttachmentId;
  }

  async setDeleteOnTermination(eniId: EniId, attachmentId: string): Promise<void> {
    await this.call('ModifyNetworkInterfaceAttribute', () =>
      this.client.send(
        new ModifyNetworkInterfaceAttributeCommand({
          NetworkInterfaceId: eniId,
          Attachment: { AttachmentId: attachmentId, DeleteOnTermination: true },
        }),
      ),
    );
  }

  async detachNetworkInterface(attachmentId: string): Promise<void> {
    await this.call('DetachNetworkInterface', () =>
      this.client.send(new DetachNetworkInterfaceCommand({ AttachmentId: attachmentId })),
    );
  }

  async deleteNetworkInterface(eniId: EniId): Promise<void> {
    try {
      await this.call('DeleteNetworkInterface', () =>
        this.client.send(new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: eniId })),
      );
    } catch (error) {
      // Already gone is what we wanted (the reference treats NotFound as success too).
      if (isCloudError(error, 'CLOUD_NOT_FOUND') && error.details.awsCode === ENI_NOT_FOUND) return;
      throw error;
    }
  }

  async assignPrivateIps(
    eniId: EniId,
    request: { count: number } | { prefixCount: number },
  ): Promise<{ ips: string[]; prefixes: string[] }> {
    const out = await this.call('AssignPrivateIpAddresses', () =>
      this.client.send(
        new AssignPrivateIpAddressesCommand({
          NetworkInterfaceId: eniId,
          ...('count' in request
            ? { SecondaryPrivateIpAddressCount: request.count }
            : { Ipv4PrefixCount: request.prefixCount }),
        }),
      ),
    );
    return {
      ips: (out.AssignedPrivateIpAddresses ?? []).flatMap((a) => a.PrivateIpAddress ?? []),
      prefixes: (out.AssignedIpv4Prefixes ?? []).flatMap((p) => p.Ipv4Prefix ?? []),
    };
  }

  async unassignPrivateIps(
    eniId: EniId,
    request: { ips: readonly string[] } | { prefixes: readonly string[] },
  ): Promise<void> {
    const list = 'ips' in request ? request.ips : request.prefixes;
    if (list.length === 0) return;
    await this.call('UnassignPrivateIpAddresses', () =>
      this.client.send(
        new UnassignPrivateIpAddressesCommand({
          NetworkInterfaceId: eniId,
          ...('ips' in request ? { PrivateIpAddresses: [...request.ips] } : { Ipv4Prefixes: [...request.prefixes] }),
        }),
      ),
    );
  }

  async describeNetworkInterfaces(ids: readonly EniId[]): Promise<{ enis: Ec2Eni[]; missing: EniId[] }> {
    const api = 'DescribeNetworkInterfaces';
    let remaining = [...new Set(ids)];
    const missing: EniId[] = [];
    // EC2 fails the whole call on the first unknown id; strip it and ask again, as the reference does (IMDS may
    // still list an ENI that was just deleted). Each round drops at least one id, so this ends.
    while (remaining.length > 0) {
      const asked = remaining;
      try {
        const out = await this.call(
          api,
          () => this.client.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: asked })),
          { shape: 'unfiltered' },
        );
        return { enis: (out.NetworkInterfaces ?? []).map((eni) => toEc2Eni(eni, api)), missing };
      } catch (error) {
        if (!isCloudError(error, 'CLOUD_NOT_FOUND') || error.details.awsCode !== ENI_NOT_FOUND) throw error;
        const named = new Set(missingEniIds(error.message).filter((id) => asked.includes(id)));
        if (named.size === 0) throw error;
        missing.push(...named);
        remaining = asked.filter((id) => !named.has(id));
      }
    }
    return { enis: [], missing };
  }

  findNetworkInterfaces(filters: readonly Ec2Filter[]): Promise<Ec2Eni[]> {
    const send = (input: PageInput) => this.client.send(new DescribeNetworkInterfacesCommand(input));
    return this.describePaged('DescribeNetworkInterfaces', filters, send, (out) => out.NetworkInterfaces, toEc2Eni);
  }

  async modifyNetworkInterfaceGroups(eniId: EniId, groups: readonly string[]): Promise<void> {
    await this.call('ModifyNetworkInterfaceAttribute', () =>
      this.client.send(new ModifyNetworkInterfaceAttributeCommand({ NetworkInterfaceId: eniId, Groups: [...groups] })),
    );
  }
}
