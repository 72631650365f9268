/**
 * What the VPC fabric plugs (see vpc-fabric.ts): where an ENI sits (a node namespace and device index; a branch ENI
 * also its VLAN id on the trunk at that index), the options of a plug, the plugged record, and the pure helpers the
 * fabric keys and checks them with.
 *
 * @example
 * eniKey({ nodeNs: 'vcni-9-1-n1', deviceIndex: 2, vlanId: 7 }); // 'vcni-9-1-n1/2.7'
 */
import { cidrContains, parseCidr, parseIpv4, type Cidr } from '../ipam/cidr.js';
import { NetlinkError } from './errors.js';

/**
 * Where an ENI is plugged: the node namespace and the ENI's device index (its link is `eth<deviceIndex>`); for a branch
 * ENI, its trunk's device index and the VLAN id it is tagged with.
 */
export interface EniRef {
  readonly nodeNs: string;
  readonly deviceIndex: number;
  readonly vlanId?: number;
}

export interface PlugEniOptions extends EniRef {
  readonly mac: string;
  readonly subnetCidr: string;
  readonly primaryIp: string;
  readonly mtu?: number;
}

export interface PlugBranchOptions extends EniRef {
  readonly vlanId: number;
  /** The branch ENI's MAC, the source of its tagged frames. */
  readonly mac: string;
  readonly subnetCidr: string;
  readonly primaryIp: string;
}

export interface PluggedEni extends EniRef {
  readonly mac: string;
  /** The node-side link, `eth<deviceIndex>` (for a branch, its trunk's link, on which the node tags its VLAN). */
  readonly linkName: string;
  /** The fabric-side link, `n<k>-eth<deviceIndex>` (for a branch, the trunk's VLAN sub-interface `n<k>-eth<N>.<id>`). */
  readonly fabricLink: string;
  readonly subnetCidr: string;
  readonly gateway: string;
  readonly primaryIp: string;
}

/** The fabric's registry key of a plug point. */
export function eniKey(eni: EniRef): string {
  return `${eni.nodeNs}/${eni.deviceIndex}${eni.vlanId === undefined ? '' : `.${eni.vlanId}`}`;
}

/** Whether `eni` is a branch riding on the trunk plugged at `trunk`. */
export function isBranchOf(eni: EniRef, trunk: EniRef): boolean {
  return eni.vlanId !== undefined && eni.nodeNs === trunk.nodeNs && eni.deviceIndex === trunk.deviceIndex;
}

/** `<namespace> eth<N>[ VLAN <id>]`, for messages. */
export function describeRef(eni: EniRef): string {
  return `${eni.nodeNs} eth${eni.deviceIndex}${eni.vlanId === undefined ? '' : ` VLAN ${eni.vlanId}`}`;
}

/** The subnet of a plug, checked to contain its primary address. */
export function subnetOf(options: { readonly subnetCidr: string; readonly primaryIp: string }): Cidr {
  const subnet = parseCidr(options.subnetCidr);
  if (!cidrContains(subnet, parseIpv4(options.primaryIp))) {
    throw new NetlinkError('NETLINK_INVALID_ARGUMENT', `${options.primaryIp} is not in ${options.subnetCidr}`, {
      ...options,
    });
  }
  return subnet;
}
