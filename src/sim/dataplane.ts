/**
 * Data-plane mode of the embedded VPC: mirrors the store's changes into a {@link VpcFabric}, so that each instance is
 * a node namespace, each attached ENI an `ethN` link in it, and each assigned address or prefix routed to its ENI.
 *
 * Store events are emitted synchronously while an EC2 operation runs, and the ENI records they carry keep changing
 * afterwards (a detach clears `eni.attachment`). So every listener copies what it needs at once and queues the
 * kernel work; the queue runs one operation at a time in event order. A failed operation is reported through
 * `onError` and the queue goes on: the VPC's state stays the truth, and an EC2 call never fails because the kernel
 * did. Operations never reject unobserved.
 *
 * Event order follows the store: RunInstances emits `eni-attached` (device 0) before `instance-launched`, so an
 * attach creates the instance's node when it has none; TerminateInstances emits `trunk-disassociated` for each
 * branch of the instance's trunk, `eni-detached` for each ENI, then `instance-terminated`.
 *
 * A branch ENI (security groups for pods) is plugged into its trunk when it is associated: the fabric routes its
 * addresses over the trunk's link tagged with the association's VLAN id, and unplugs it when the association ends.
 * Its placement is its trunk's, plus the VLAN id, so address changes of a branch are routed like any ENI's.
 *
 * @example
 * const fabric = await VpcFabric.create();
 * const dataPlane = attachDataPlane(store, fabric, { onError: (error, op) => log.warn({ err: error, op }, 'data plane') });
 * launchInstance(store, { instanceType: 'm5.large', subnetId });   // a node namespace with eth0 appears
 * await dataPlane.close();                                           // and is gone again
 */
import { NetlinkError } from '../netlink/errors.js';
import type { EniRef, VpcFabric } from '../netlink/vpc-fabric.js';
import type { VpcEvents, VpcStore } from './state/store.js';
import type { Eni, TrunkAssociation } from './state/model.js';

export type DataPlaneOperationKind =
  'launch' | 'attach' | 'route' | 'unroute' | 'detach' | 'associate' | 'disassociate' | 'terminate';

/** What a failed operation was doing, for the error report. */
export interface DataPlaneOperation {
  readonly kind: DataPlaneOperationKind;
  readonly instanceId: string;
  readonly eniId?: string;
  readonly addresses?: readonly string[];
}

/** The part of {@link VpcFabric} the data plane drives (a seam for tests). */
export type DataPlaneFabric = Pick<
  VpcFabric,
  | 'node'
  | 'addNode'
  | 'plugEni'
  | 'plugBranch'
  | 'plugged'
  | 'routeAddresses'
  | 'unrouteAddresses'
  | 'unplugEni'
  | 'removeNode'
  | 'destroy'
>;

export interface DataPlaneOptions {
  /** Receives every failed operation (the queue goes on with the next one). Must not throw; if it does, it is ignored. */
  readonly onError: (error: unknown, operation: DataPlaneOperation) => void;
}

export interface DataPlane {
  /** Resolves once every operation queued so far has run. */
  settled(): Promise<void>;
  /** Stops following the store, waits for the queue, then destroys the fabric (every namespace of its prefix). */
  close(): Promise<void>;
}

interface Placement {
  readonly instanceId: string;
  readonly deviceIndex: number;
  /** A branch: the VLAN id on the trunk at `deviceIndex`. */
  readonly vlanId?: number;
}

interface EniSnapshot extends Placement {
  readonly eniId: string;
  readonly mac: string;
  readonly subnetCidr: string;
  readonly primaryIp: string;
  readonly addresses: readonly string[];
}

type Listener<K extends keyof VpcEvents> = (...args: VpcEvents[K]) => void;

/** Subscribes the fabric to the store: first mirrors the live instances and attached ENIs, then every change. */
export function attachDataPlane(store: VpcStore, fabric: DataPlaneFabric, options: DataPlaneOptions): DataPlane {
  const placements = new Map<string, Placement>();
  let tail: Promise<void> = Promise.resolve();
  let closing: Promise<void> | undefined;

  const report = (error: unknown, operation: DataPlaneOperation): void => {
    try {
      options.onError(error, operation);
    } catch {
      // A throwing reporter must not turn into an unhandled rejection of the queue.
    }
  };
  const enqueue = (operation: DataPlaneOperation, run: () => Promise<void>): void => {
    tail = tail.then(run).catch((error: unknown) => report(error, operation));
  };
  const nodeNs = (instanceId: string): string | undefined => fabric.node(instanceId)?.name;
  const refOf = (name: string, placement: Placement): EniRef =>
    placement.vlanId === undefined
      ? { nodeNs: name, deviceIndex: placement.deviceIndex }
      : { nodeNs: name, deviceIndex: placement.deviceIndex, vlanId: placement.vlanId };

  const attach = (eni: Eni, instanceId: string): void => {
    const operation: DataPlaneOperation = { kind: 'attach', instanceId, eniId: eni.id };
    const snapshot = snapshotEni(store, eni, instanceId);
    if (snapshot instanceof NetlinkError) {
      report(snapshot, operation);
      return;
    }
    placements.set(eni.id, snapshot);
    enqueue(operation, async () => {
      const node = fabric.node(instanceId) ?? (await fabric.addNode(instanceId));
      const ref = { nodeNs: node.name, deviceIndex: snapshot.deviceIndex };
      await fabric.plugEni({
        ...ref,
        mac: snapshot.mac,
        subnetCidr: snapshot.subnetCidr,
        primaryIp: snapshot.primaryIp,
      });
      if (snapshot.addresses.length > 0) await fabric.routeAddresses(ref, snapshot.addresses);
    });
  };

  const route = (kind: 'route' | 'unroute', eni: Eni, ips: readonly string[], prefixes: readonly string[]): void => {
    const placement = placements.get(eni.id);
    // Addresses of an unattached ENI are routed when it is attached (the attach copies all of them).
    if (placement === undefined) return;
    const addresses = [...ips, ...prefixes];
    if (addresses.length === 0) return;
    const operation: DataPlaneOperation = { kind, instanceId: placement.instanceId, eniId: eni.id, addresses };
    enqueue(operation, async () => {
      const name = nodeNs(placement.instanceId);
      if (name === undefined) {
        if (kind === 'unroute') return;
        throw new NetlinkError('FABRIC_UNKNOWN_NODE', `instance ${placement.instanceId} has no node namespace`, {
          ...operation,
        });
      }
      const ref = refOf(name, placement);
      if (kind === 'route') await fabric.routeAddresses(ref, addresses);
      else if (fabric.plugged(ref) !== undefined) await fabric.unrouteAddresses(ref, addresses);
    });
  };

  const associate = (association: TrunkAssociation, branch: Eni): void => {
    const trunk = placements.get(association.trunkInterfaceId);
    const operation: DataPlaneOperation = { kind: 'associate', instanceId: trunk?.instanceId ?? '', eniId: branch.id };
    const subnetCidr = store.subnets.get(branch.subnetId)?.cidr;
    if (trunk === undefined || subnetCidr === undefined) {
      const why =
        trunk === undefined ? `trunk ${association.trunkInterfaceId} is not plugged` : 'its subnet is unknown';
      report(new NetlinkError('FABRIC_BAD_EVENT', `branch ${branch.id}: ${why}`, { ...association }), operation);
      return;
    }
    const placement: Placement = { ...trunk, vlanId: association.vlanId };
    const mac = branch.macAddress;
    const primaryIp = branch.privateIpAddress;
    const addresses = [...branch.secondaryIps, ...branch.prefixes];
    placements.set(branch.id, placement);
    enqueue(operation, async () => {
      const name = nodeNs(placement.instanceId);
      if (name === undefined) throw new NetlinkError('FABRIC_UNKNOWN_NODE', `no node for ${placement.instanceId}`);
      const ref = { nodeNs: name, deviceIndex: placement.deviceIndex, vlanId: association.vlanId };
      await fabric.plugBranch({ ...ref, mac, subnetCidr, primaryIp });
      if (addresses.length > 0) await fabric.routeAddresses(ref, addresses);
    });
  };

  const unplug = (kind: 'detach' | 'disassociate', eniId: string, instanceId: string): void => {
    const placement = placements.get(eniId);
    if (placement === undefined) return;
    placements.delete(eniId);
    // A trunk's branches go with it (the fabric deletes their sub-interfaces with the trunk's link).
    if (placement.vlanId === undefined) {
      for (const [id, other] of placements)
        if (other.instanceId === placement.instanceId && other.deviceIndex === placement.deviceIndex)
          placements.delete(id);
    }
    enqueue({ kind, instanceId, eniId }, async () => {
      const name = nodeNs(placement.instanceId);
      if (name !== undefined) await fabric.unplugEni(refOf(name, placement));
    });
  };

  const listeners: { [K in keyof VpcEvents]: Listener<K> } = {
    'instance-launched': ({ instance }) => {
      enqueue({ kind: 'launch', instanceId: instance.id }, async () => {
        await fabric.addNode(instance.id);
      });
    },
    'eni-attached': ({ eni, instanceId }) => attach(eni, instanceId),
    'addresses-assigned': ({ eni, ips, prefixes }) => route('route', eni, ips, prefixes),
    'addresses-unassigned': ({ eni, ips, prefixes }) => route('unroute', eni, ips, prefixes),
    'eni-detached': ({ eni, instanceId }) => unplug('detach', eni.id, instanceId),
    'trunk-associated': ({ association, branch }) => associate(association, branch),
    'trunk-disassociated': ({ association, branch }) => {
      const instanceId = placements.get(association.trunkInterfaceId)?.instanceId ?? '';
      unplug('disassociate', branch.id, instanceId);
    },
    'instance-terminated': ({ instance }) => {
      for (const [eniId, placement] of placements) if (placement.instanceId === instance.id) placements.delete(eniId);
      enqueue({ kind: 'terminate', instanceId: instance.id }, () => fabric.removeNode(instance.id));
    },
  };

  // What exists before we started listening: live instances and the ENIs attached to them.
  for (const instance of store.instances.values()) {
    if (instance.state === 'terminated' || instance.state === 'shutting-down') continue;
    listeners['instance-launched']({ instance });
    for (const eni of store.enis.values()) {
      if (eni.attachment?.instanceId === instance.id && eni.attachment.status !== 'detaching') attach(eni, instance.id);
    }
  }
  for (const association of store.trunkAssociations.values()) {
    const branch = store.enis.get(association.branchInterfaceId);
    if (branch !== undefined && placements.has(association.trunkInterfaceId)) associate(association, branch);
  }
  subscribe(store, listeners, 'on');

  return {
    settled: async () => {
      await tail;
    },
    close: () => {
      closing ??= (async () => {
        subscribe(store, listeners, 'off');
        await tail;
        await fabric.destroy();
      })();
      return closing;
    },
  };
}

function subscribe(store: VpcStore, listeners: { [K in keyof VpcEvents]: Listener<K> }, how: 'on' | 'off'): void {
  const events = store.events;
  events[how]('instance-launched', listeners['instance-launched']);
  events[how]('eni-attached', listeners['eni-attached']);
  events[how]('addresses-assigned', listeners['addresses-assigned']);
  events[how]('addresses-unassigned', listeners['addresses-unassigned']);
  events[how]('eni-detached', listeners['eni-detached']);
  events[how]('trunk-associated', listeners['trunk-associated']);
  events[how]('trunk-disassociated', listeners['trunk-disassociated']);
  events[how]('instance-terminated', listeners['instance-terminated']);
}

/** Copies what plugging an ENI needs, now: the record keeps changing after the event. */
function snapshotEni(store: VpcStore, eni: Eni, instanceId: string): EniSnapshot | NetlinkError {
  const attachment = eni.attachment;
  if (attachment === undefined)
    return new NetlinkError('FABRIC_BAD_EVENT', `${eni.id} has no attachment`, { eniId: eni.id });
  const subnet = store.subnets.get(eni.subnetId);
  if (subnet === undefined) {
    return new NetlinkError('FABRIC_BAD_EVENT', `${eni.id}: subnet ${eni.subnetId} is not in the store`, {
      eniId: eni.id,
      subnetId: eni.subnetId,
    });
  }
  return {
    eniId: eni.id,
    instanceId,
    deviceIndex: attachment.deviceIndex,
    mac: eni.macAddress,
    subnetCidr: subnet.cidr,
    primaryIp: eni.privateIpAddress,
    addresses: [...eni.secondaryIps, ...eni.prefixes],
  };
}
