/**
 * A store driven by hand for data-plane tests: records built directly and events emitted in the order the EC2
 * operations emit them (RunInstances: `eni-attached` then `instance-launched`; TerminateInstances: `eni-detached`
 * per ENI then `instance-terminated`), plus a fake fabric that records calls.
 *
 * @example
 * const world = dataPlaneWorld();
 * const { instance, eni } = world.launch('10.0.0.10');
 * world.assign(eni, ['10.0.0.20'], ['10.0.0.32/28']);
 */
import { manualClock } from '../ipam/clock.js';
import type { EniRef, FabricNode, PlugBranchOptions, PlugEniOptions, PluggedEni } from '../netlink/vpc-fabric.js';
import type { DataPlaneFabric } from './dataplane.js';
import type { Eni, Instance, Subnet, TrunkAssociation } from './state/model.js';
import { VpcStore } from './state/store.js';

export interface DataPlaneWorld {
  readonly store: VpcStore;
  readonly subnet: Subnet;
  launch(ip: string): { instance: Instance; eni: Eni };
  createEni(ip: string): Eni;
  attach(eni: Eni, instance: Instance, deviceIndex: number): void;
  assign(eni: Eni, ips: readonly string[], prefixes?: readonly string[]): void;
  unassign(eni: Eni, ips: readonly string[], prefixes?: readonly string[]): void;
  detach(eni: Eni): void;
  /** Associates `branch` with `trunk` under `vlanId`, as AssociateTrunkInterface records and announces it. */
  associate(trunk: Eni, branch: Eni, vlanId: number): TrunkAssociation;
  disassociate(association: TrunkAssociation): void;
  terminate(instance: Instance): void;
}

export function dataPlaneWorld(subnetCidr = '10.0.0.0/24'): DataPlaneWorld {
  const store = new VpcStore({ region: 'us-west-2', clock: manualClock(0) });
  const subnet: Subnet = {
    id: store.newId('subnet'),
    vpcId: 'vpc-1',
    cidr: subnetCidr,
    availabilityZone: 'us-west-2a',
    mapPublicIpOnLaunch: false,
    tags: new Map(),
    used: new Set(),
  };
  store.subnets.set(subnet.id, subnet);
  const createEni = (ip: string): Eni => {
    const eni: Eni = {
      id: store.newId('eni'),
      subnetId: subnet.id,
      vpcId: 'vpc-1',
      availabilityZone: subnet.availabilityZone,
      description: '',
      macAddress: store.newMac(),
      groups: [],
      status: 'available',
      privateIpAddress: ip,
      secondaryIps: [],
      prefixes: [],
      attachment: undefined,
      interfaceType: 'interface',
      sourceDestCheck: true,
      requesterManaged: false,
      tags: new Map(),
      createdAt: 0,
    };
    store.enis.set(eni.id, eni);
    return eni;
  };
  const attach = (eni: Eni, instance: Instance, deviceIndex: number): void => {
    eni.attachment = {
      id: store.newId('eni-attach'),
      instanceId: instance.id,
      deviceIndex,
      networkCardIndex: 0,
      status: 'attached',
      attachTime: 0,
      deleteOnTermination: deviceIndex === 0,
    };
    eni.status = 'in-use';
    store.events.emit('eni-attached', { eni, instanceId: instance.id });
  };
  const detach = (eni: Eni): void => {
    const instanceId = eni.attachment?.instanceId;
    if (instanceId === undefined) return;
    eni.attachment = undefined;
    eni.status = 'available';
    store.events.emit('eni-detached', { eni, instanceId });
  };
  const disassociate = (association: TrunkAssociation): void => {
    const trunk = store.eni(association.trunkInterfaceId);
    const branch = store.eni(association.branchInterfaceId);
    store.trunkAssociations.delete(association.id);
    branch.status = 'available';
    store.events.emit('trunk-disassociated', { association, trunk, branch });
  };
  return {
    store,
    subnet,
    createEni,
    attach,
    detach,
    associate: (trunk, branch, vlanId) => {
      const association: TrunkAssociation = {
        id: store.newId('trunk-assoc'),
        trunkInterfaceId: trunk.id,
        branchInterfaceId: branch.id,
        interfaceProtocol: 'VLAN',
        vlanId,
        createdAt: 0,
      };
      store.trunkAssociations.set(association.id, association);
      branch.interfaceType = 'branch';
      branch.status = 'in-use';
      store.events.emit('trunk-associated', { association, trunk, branch });
      return association;
    },
    disassociate,
    launch: (ip) => {
      const eni = createEni(ip);
      const instance: Instance = {
        id: store.newId('i'),
        reservationId: store.newId('r'),
        instanceType: 'm5.large',
        imageId: 'ami-1',
        availabilityZone: subnet.availabilityZone,
        subnetId: subnet.id,
        vpcId: 'vpc-1',
        privateIpAddress: ip,
        primaryEniId: eni.id,
        groups: [],
        state: 'running',
        launchTime: 0,
        tags: new Map(),
      };
      store.instances.set(instance.id, instance);
      attach(eni, instance, 0);
      store.events.emit('instance-launched', { instance });
      return { instance, eni };
    },
    assign: (eni, ips, prefixes = []) => {
      eni.secondaryIps.push(...ips);
      eni.prefixes.push(...prefixes);
      store.events.emit('addresses-assigned', { eni, ips, prefixes });
    },
    unassign: (eni, ips, prefixes = []) => {
      eni.secondaryIps.splice(0, eni.secondaryIps.length, ...eni.secondaryIps.filter((ip) => !ips.includes(ip)));
      eni.prefixes.splice(0, eni.prefixes.length, ...eni.prefixes.filter((p) => !prefixes.includes(p)));
      store.events.emit('addresses-unassigned', { eni, ips, prefixes });
    },
    terminate: (instance) => {
      for (const association of [...store.trunkAssociations.values()]) {
        if (store.eni(association.trunkInterfaceId).attachment?.instanceId === instance.id) disassociate(association);
      }
      for (const eni of store.enis.values()) if (eni.attachment?.instanceId === instance.id) detach(eni);
      instance.state = 'terminated';
      store.events.emit('instance-terminated', { instance });
    },
  };
}

/** `<ns> eth<N>`, or `<ns> eth<N>.<vlan>` for a branch. */
function refText(eni: EniRef): string {
  return `${eni.nodeNs} eth${eni.deviceIndex}${eni.vlanId === undefined ? '' : `.${eni.vlanId}`}`;
}

/** A fabric that records each call as a line of text; `fail` makes matching calls reject. */
export class RecordingFabric implements DataPlaneFabric {
  readonly calls: string[] = [];
  fail: ((call: string) => boolean) | undefined;
  readonly #nodes = new Map<string, FabricNode>();
  readonly #enis = new Map<string, PluggedEni>();

  node(instanceId: string): FabricNode | undefined {
    return this.#nodes.get(instanceId);
  }

  plugged(eni: EniRef): PluggedEni | undefined {
    return this.#enis.get(refText(eni));
  }

  async addNode(instanceId: string): Promise<FabricNode> {
    await this.#record(`addNode ${instanceId}`);
    const node = this.#nodes.get(instanceId) ?? {
      instanceId,
      name: `ns-${instanceId}`,
      path: `/var/run/netns/ns-${instanceId}`,
    };
    this.#nodes.set(instanceId, node);
    return node;
  }

  async plugEni(o: PlugEniOptions): Promise<PluggedEni> {
    await this.#record(`plugEni ${o.nodeNs} eth${o.deviceIndex} ${o.primaryIp} ${o.subnetCidr}`);
    const eni: PluggedEni = {
      ...o,
      linkName: `eth${o.deviceIndex}`,
      fabricLink: `f-eth${o.deviceIndex}`,
      gateway: '',
      subnetCidr: o.subnetCidr,
    };
    this.#enis.set(refText(o), eni);
    return eni;
  }

  async plugBranch(o: PlugBranchOptions): Promise<PluggedEni> {
    await this.#record(`plugBranch ${refText(o)} ${o.primaryIp} ${o.mac}`);
    const branch: PluggedEni = {
      ...o,
      linkName: `eth${o.deviceIndex}`,
      fabricLink: `f-eth${o.deviceIndex}.${o.vlanId}`,
      gateway: '',
    };
    this.#enis.set(refText(o), branch);
    return branch;
  }

  async routeAddresses(eni: EniRef, addresses: readonly string[]): Promise<void> {
    await this.#record(`route ${refText(eni)} ${addresses.join(',')}`);
  }

  async unrouteAddresses(eni: EniRef, addresses: readonly string[]): Promise<void> {
    await this.#record(`unroute ${refText(eni)} ${addresses.join(',')}`);
  }

  async unplugEni(eni: EniRef): Promise<void> {
    await this.#record(`unplug ${refText(eni)}`);
    this.#enis.delete(refText(eni));
  }

  async removeNode(instanceId: string): Promise<void> {
    await this.#record(`removeNode ${instanceId}`);
    this.#nodes.delete(instanceId);
  }

  async destroy(): Promise<void> {
    await this.#record('destroy');
  }

  async #record(call: string): Promise<void> {
    // Yield first, as the real fabric does, so that ordering bugs would show.
    await new Promise((resolve) => setImmediate(resolve));
    this.calls.push(call);
    if (this.fail?.(call) === true) throw new Error(`injected failure: ${call}`);
  }
}
