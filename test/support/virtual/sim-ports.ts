/**
 * ipamd's EC2 and IMDS ports over the embedded VPC's state, without HTTP: {@link SimEc2} calls the sim's state
 * operations directly and maps EC2's error codes to CloudError codes the way the real adapter does; {@link SimImds}
 * reads the sim's lagging IMDS view. Both record their calls and can be told to fail the next call of an action.
 *
 * @example
 * const ec2 = new SimEc2(store, instanceId);
 * ec2.failNext('AssignPrivateIpAddresses', 'CLOUD_THROTTLED', 'RequestLimitExceeded');
 * const imds = new SimImds(new ImdsPropagation(store, { lagMs: 2000 }), instanceId);
 */
import { CloudError, type CloudErrorCode } from '../../../src/cloud/errors.js';
import { rfc3339 } from '../../../src/ipam/clock.js';
import type { EniId } from '../../../src/ipam/types.js';
import type { InstanceLimits } from '../../../src/limits/index.js';
import {
  Ec2Error,
  applyFilters,
  eniFilterFields,
  assignPrivateIps,
  attachEni,
  createEni,
  deleteEni,
  detachEni,
  modifyEniAttribute,
  settleDetachments,
  unassignPrivateIps,
  createTags,
  cidrAssociationState,
  type ImdsPropagation,
  type VisibleEni,
  type Eni,
  type VpcStore,
} from '../../../src/sim/index.js';
import { cloudCodeOfEc2Error } from '../../../src/cloud/ec2/classify.js';
import type {
  CreateEniRequest,
  Ec2Api,
  Ec2Eni,
  Ec2Filter,
  Ec2InstanceAttachments,
  Ec2Subnet,
} from '../../../src/cloud/ec2/port.js';
import type { Imds, ImdsEni, InstanceIdentity } from '../../../src/cloud/imds/port.js';

function tagRecord(tags: ReadonlyMap<string, string>): Record<string, string> {
  return Object.fromEntries(tags);
}

export function toEc2Eni(eni: Eni): Ec2Eni {
  const a = eni.attachment;
  return {
    id: eni.id,
    macAddress: eni.macAddress,
    subnetId: eni.subnetId,
    vpcId: eni.vpcId,
    availabilityZone: eni.availabilityZone,
    description: eni.description,
    status: eni.status,
    interfaceType: eni.interfaceType,
    privateIp: eni.privateIpAddress,
    secondaryIps: [...eni.secondaryIps],
    prefixes: [...eni.prefixes],
    groups: [...eni.groups],
    tags: tagRecord(eni.tags),
    ...(a === undefined
      ? {}
      : {
          attachment: {
            id: a.id,
            instanceId: a.instanceId,
            deviceIndex: a.deviceIndex,
            networkCardIndex: a.networkCardIndex,
            deleteOnTermination: a.deleteOnTermination,
            status: a.status,
          },
        }),
  };
}

/** Calls and injected failures, shared by both fakes. */
class CallLog {
  readonly calls: { action: string; args: unknown[] }[] = [];
  readonly #faults = new Map<string, CloudError[]>();

  failNext(action: string, code: CloudErrorCode, awsCode: string, times = 1): void {
    const queue = this.#faults.get(action) ?? [];
    for (let i = 0; i < times; i++)
      queue.push(new CloudError(code, `${action}: injected ${awsCode}`, { operation: action, awsCode }));
    this.#faults.set(action, queue);
  }

  count(action: string): number {
    return this.calls.filter((c) => c.action === action).length;
  }

  run<T>(action: string, args: unknown[], work: () => T): Promise<T> {
    this.calls.push({ action, args });
    const fault = this.#faults.get(action)?.shift();
    if (fault !== undefined) return Promise.reject(fault);
    try {
      return Promise.resolve(work());
    } catch (error) {
      if (error instanceof Ec2Error) {
        return Promise.reject(
          new CloudError(
            cloudCodeOfEc2Error(error.code, error.status),
            error.message,
            { operation: action, awsCode: error.code, httpStatus: error.status },
            error,
          ),
        );
      }
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }
}

export class SimEc2 extends CallLog implements Ec2Api {
  readonly store: VpcStore;

  constructor(store: VpcStore) {
    super();
    this.store = store;
  }

  describeInstance(instanceId: string): Promise<Ec2InstanceAttachments> {
    return this.run('DescribeInstances', [instanceId], () => {
      settleDetachments(this.store);
      const instance = this.store.instance(instanceId);
      const deviceIndexes = [...this.store.enis.values()].flatMap((e) =>
        e.attachment?.instanceId === instanceId
          ? [{ networkCardIndex: e.attachment.networkCardIndex, deviceIndex: e.attachment.deviceIndex }]
          : [],
      );
      return { instanceId, instanceType: instance.instanceType, deviceIndexes };
    });
  }

  createNetworkInterface(request: CreateEniRequest): Promise<Ec2Eni> {
    return this.run('CreateNetworkInterface', [request], () =>
      toEc2Eni(
        createEni(this.store, {
          subnetId: request.subnetId,
          groups: request.groups,
          description: request.description,
          tags: Object.entries(request.tags)
            .concat(request.stampTag === undefined ? [] : [[request.stampTag, rfc3339(this.store.clock.now())]])
            .map(([key, value]) => ({ key, value })),
          ...(request.secondaryIpCount === undefined ? {} : { secondaryIpCount: request.secondaryIpCount }),
          ...(request.prefixCount === undefined ? {} : { prefixCount: request.prefixCount }),
        }),
      ),
    );
  }

  attachNetworkInterface(request: {
    eniId: EniId;
    instanceId: string;
    deviceIndex: number;
    networkCardIndex: number;
  }): Promise<string> {
    return this.run('AttachNetworkInterface', [request], () => attachEni(this.store, request).id);
  }

  setDeleteOnTermination(eniId: EniId, attachmentId: string): Promise<void> {
    return this.run('ModifyNetworkInterfaceAttribute', [eniId, attachmentId], () =>
      modifyEniAttribute(this.store, eniId, { attachment: { attachmentId, deleteOnTermination: true } }),
    );
  }

  detachNetworkInterface(attachmentId: string): Promise<void> {
    return this.run('DetachNetworkInterface', [attachmentId], () => detachEni(this.store, attachmentId));
  }

  deleteNetworkInterface(eniId: EniId): Promise<void> {
    return this.run('DeleteNetworkInterface', [eniId], () => {
      if (this.store.enis.has(eniId)) deleteEni(this.store, eniId);
    });
  }

  assignPrivateIps(
    eniId: EniId,
    request: { count: number } | { prefixCount: number },
  ): Promise<{ ips: string[]; prefixes: string[] }> {
    return this.run('AssignPrivateIpAddresses', [eniId, request], () =>
      assignPrivateIps(
        this.store,
        eniId,
        'count' in request ? { count: request.count } : { prefixCount: request.prefixCount },
      ),
    );
  }

  unassignPrivateIps(
    eniId: EniId,
    request: { ips: readonly string[] } | { prefixes: readonly string[] },
  ): Promise<void> {
    return this.run('UnassignPrivateIpAddresses', [eniId, request], () =>
      unassignPrivateIps(this.store, eniId, 'ips' in request ? { ips: request.ips } : { prefixes: request.prefixes }),
    );
  }

  describeNetworkInterfaces(ids: readonly EniId[]): Promise<{ enis: Ec2Eni[]; missing: EniId[] }> {
    return this.run('DescribeNetworkInterfaces', [ids], () => {
      settleDetachments(this.store);
      const enis = ids.flatMap((id) => {
        const eni = this.store.enis.get(id);
        return eni === undefined ? [] : [toEc2Eni(eni)];
      });
      return { enis, missing: ids.filter((id) => !this.store.enis.has(id)) };
    });
  }

  findNetworkInterfaces(filters: readonly Ec2Filter[]): Promise<Ec2Eni[]> {
    return this.run('DescribeNetworkInterfaces', [filters], () => {
      settleDetachments(this.store);
      return applyFilters([...this.store.enis.values()], filters, eniFilterFields(this.store), (e) => e.tags).map(
        toEc2Eni,
      );
    });
  }

  createTags(resourceIds: readonly string[], tags: Readonly<Record<string, string>>): Promise<void> {
    return this.run('CreateTags', [resourceIds, tags], () =>
      createTags(
        this.store,
        resourceIds,
        Object.entries(tags).map(([key, value]) => ({ key, value })),
      ),
    );
  }

  /** What the sim's EC2 knows of the type (an extra type of the store, or the limits table's), as DescribeInstanceTypes. */
  describeInstanceType(instanceType: string): Promise<InstanceLimits | undefined> {
    return this.run('DescribeInstanceTypes', [instanceType], () => this.store.instanceTypeLimits(instanceType));
  }

  describeSubnets(filters: readonly Ec2Filter[]): Promise<Ec2Subnet[]> {
    return this.run('DescribeSubnets', [filters], () => {
      const fields: Record<string, (s: Ec2Subnet) => string> = {
        'vpc-id': (s) => s.vpcId,
        'availability-zone': (s) => s.availabilityZone,
        'subnet-id': (s) => s.id,
      };
      const all = [...this.store.subnets.values()].map((s) => ({
        id: s.id,
        vpcId: s.vpcId,
        cidr: s.cidr,
        availabilityZone: s.availabilityZone,
        availableIpAddressCount: this.store.availableIpAddressCount(s),
        tags: tagRecord(s.tags),
      }));
      return all.filter((s) => filters.every((f) => f.values.includes(fields[f.name]?.(s) ?? '')));
    });
  }

  modifyNetworkInterfaceGroups(eniId: EniId, groups: readonly string[]): Promise<void> {
    return this.run('ModifyNetworkInterfaceAttribute', [eniId, groups], () =>
      modifyEniAttribute(this.store, eniId, { groups }),
    );
  }
}

export class SimImds extends CallLog implements Imds {
  readonly propagation: ImdsPropagation;
  readonly instanceId: string;

  constructor(propagation: ImdsPropagation, instanceId: string) {
    super();
    this.propagation = propagation;
    this.instanceId = instanceId;
  }

  get #store(): VpcStore {
    return this.propagation.store;
  }

  #toImds(eni: VisibleEni, primaryMac: string): ImdsEni {
    const subnet = this.#store.subnets.get(eni.subnetId);
    return {
      mac: eni.macAddress,
      eniId: eni.eniId,
      deviceNumber: eni.macAddress === primaryMac ? 0 : eni.deviceIndex,
      networkCard: eni.networkCardIndex,
      subnetId: eni.subnetId,
      subnetCidr: subnet?.cidr ?? '',
      vpcId: eni.vpcId,
      localIpv4s: [eni.privateIpAddress, ...eni.secondaryIps],
      ipv4Prefixes: [...eni.prefixes],
      securityGroupIds: [...(this.#store.enis.get(eni.eniId)?.groups ?? eni.groups)],
    };
  }

  #primaryMac(): string {
    const instance = this.#store.instance(this.instanceId);
    return this.#store.eni(instance.primaryEniId).macAddress;
  }

  #byMac(mac: string): VisibleEni {
    const eni = this.propagation.interfaces(this.instanceId).find((e) => e.macAddress === mac);
    if (eni === undefined)
      throw new CloudError('IMDS_ERROR', `IMDS has no interface ${mac}`, {
        operation: `network/interfaces/macs/${mac}`,
      });
    return eni;
  }

  identity(): Promise<InstanceIdentity> {
    return this.run('identity', [], () => {
      const instance = this.#store.instance(this.instanceId);
      return {
        instanceId: instance.id,
        instanceType: instance.instanceType,
        region: this.#store.region,
        availabilityZone: instance.availabilityZone,
        localIpv4: instance.privateIpAddress,
        primaryMac: this.#primaryMac(),
      };
    });
  }

  macs(): Promise<string[]> {
    return this.run('macs', [], () => this.propagation.interfaces(this.instanceId).map((e) => e.macAddress));
  }

  eni(mac: string, _options?: { readonly prefixes?: boolean }): Promise<ImdsEni> {
    return this.run('eni', [mac], () => this.#toImds(this.#byMac(mac), this.#primaryMac()));
  }

  attachedEnis(primaryMac: string): Promise<ImdsEni[]> {
    return this.run('attachedEnis', [primaryMac], () =>
      this.propagation.interfaces(this.instanceId).map((e) => this.#toImds(e, primaryMac)),
    );
  }

  vpcIpv4Cidrs(mac: string): Promise<string[]> {
    return this.run('vpcIpv4Cidrs', [mac], () => {
      const vpc = this.#store.vpc(this.#byMac(mac).vpcId);
      return vpc.cidrAssociations
        .filter((a) => cidrAssociationState(this.#store, a) === 'associated')
        .map((a) => a.cidr);
    });
  }

  securityGroupIds(mac: string): Promise<string[]> {
    return this.run('securityGroupIds', [mac], () =>
      this.#toImds(this.#byMac(mac), this.#primaryMac()).securityGroupIds.slice(),
    );
  }
}
