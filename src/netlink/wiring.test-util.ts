/**
 * What ipamd and the CNI plugin will do inside a node, done by hand for data-plane tests, with the reference's
 * wiring: a secondary ENI gets its address and a route table `deviceIndex + 1` (`<gw> dev ethN scope link`,
 * `default via <gw>`), and its subnet route leaves the main table; a pod gets a veth, `<ip>/32`, gateway
 * 169.254.1.1 with a permanent neighbour entry, a host `/32` route and rules 512 (to pod: main) and 1536 (from pod:
 * the ENI's table). A branch-ENI pod (security groups for pods, strict mode) gets `vlan.eth.<id>` on the trunk's link
 * with the branch's MAC, table `<id> + 100` and the prio-10 `iif` rules instead.
 *
 * @example
 * await wireSecondaryEni(exec, node.name, { deviceIndex: 1, address: '10.0.0.11/24', gateway: '10.0.0.1' });
 * await addPod(exec, { nodeNs: node.name, podNs: `${fabric.prefix}-p1`, hostVeth: 'vp1', ip: '10.0.0.20', table: 2 });
 */
import { formatCidr, parseCidr } from '../ipam/cidr.js';
import {
  addrReplace,
  linkAddVeth,
  linkSetUp,
  neighReplacePermanent,
  routeDelete,
  routeReplace,
  ruleAdd,
  type IpCommand,
} from './commands.js';
import type { NetlinkExecutor } from './exec.js';
import { createNamespaces } from './netns.js';
import type { VlanLinks } from './vlan-link.js';

export interface SecondaryEniWiring {
  readonly deviceIndex: number;
  /** The ENI's primary address with the subnet's length, e.g. `10.0.0.11/24`. */
  readonly address: string;
  readonly gateway: string;
}

/** ipamd's set-up of a secondary ENI (one process). */
export async function wireSecondaryEni(exec: NetlinkExecutor, nodeNs: string, eni: SecondaryEniWiring): Promise<void> {
  const dev = `eth${eni.deviceIndex}`;
  const table = eni.deviceIndex + 1;
  const subnet = formatCidr(parseCidr(eni.address, { allowHostBits: true }));
  await exec.batch(
    [
      linkSetUp(dev),
      addrReplace(eni.address, dev),
      routeDelete({ dst: subnet, dev }),
      routeReplace({ dst: eni.gateway, dev, scope: 'link', table }),
      routeReplace({ dst: 'default', via: eni.gateway, dev, table }),
    ],
    { netns: nodeNs },
  );
}

export interface PodWiring {
  readonly nodeNs: string;
  readonly podNs: string;
  readonly hostVeth: string;
  readonly ip: string;
  /** The ENI's route table (device index + 1); omit for a pod on the primary ENI. */
  readonly table?: number;
}

const POD_GATEWAY = '169.254.1.1';

/** The CNI plugin's ADD for one pod (three processes: namespace, node side, pod side). */
export async function addPod(exec: NetlinkExecutor, pod: PodWiring): Promise<void> {
  // Unique per pod address: 02:00 and the address's four octets.
  const hostMac = ['02', '00', ...pod.ip.split('.').map((o) => Number(o).toString(16).padStart(2, '0'))].join(':');
  await createNamespaces(exec, [pod.podNs]);
  await exec.batch(
    [
      linkAddVeth({ name: pod.hostVeth, mac: hostMac, up: true, peer: { name: 'eth0', netns: pod.podNs } }),
      routeReplace({ dst: `${pod.ip}/32`, dev: pod.hostVeth, scope: 'link' }),
      ruleAdd({ priority: 512, to: `${pod.ip}/32`, table: 'main' }),
      ...(pod.table === undefined ? [] : [ruleAdd({ priority: 1536, from: `${pod.ip}/32`, table: pod.table })]),
    ],
    { netns: pod.nodeNs },
  );
  await exec.batch(podSide(pod.ip, hostMac), { netns: pod.podNs });
}

/** The pod side of either wiring: `lo` and `eth0` up, the /32, the gateway's routes and its permanent neighbour. */
function podSide(ip: string, hostMac: string): IpCommand[] {
  return [
    linkSetUp('lo'),
    linkSetUp('eth0'),
    addrReplace(`${ip}/32`, 'eth0'),
    routeReplace({ dst: POD_GATEWAY, dev: 'eth0', scope: 'link' }),
    routeReplace({ dst: 'default', via: POD_GATEWAY, dev: 'eth0' }),
    neighReplacePermanent(POD_GATEWAY, hostMac, 'eth0'),
  ];
}

export interface BranchPodWiring {
  readonly nodeNs: string;
  readonly podNs: string;
  readonly hostVeth: string;
  /** The branch ENI's primary address. */
  readonly ip: string;
  /** The branch ENI's MAC: the VLAN link's address. */
  readonly mac: string;
  readonly vlanId: number;
  /** The trunk's link in the node (`eth<deviceIndex>`). */
  readonly trunkLink: string;
  /** The branch subnet's gateway (`.1`). */
  readonly gateway: string;
}

/**
 * The plugin's strict-mode ADD for a branch-ENI pod [behaviour §11]: the pod side as for any pod; in the node the
 * trunk's link up, `vlan.eth.<id>` on it with the branch MAC (the kernel's VLAN link, or its stand-in where the kernel
 * has no 802.1Q driver), table `<id> + 100` with the gateway and a default route through the VLAN link and the pod's
 * route, and rules prio 10 `iif vlan.eth.<id>` and `iif <hostVeth>`.
 */
export async function addBranchPod(exec: NetlinkExecutor, vlans: VlanLinks, pod: BranchPodWiring): Promise<void> {
  const hostMac = ['02', '01', ...pod.ip.split('.').map((o) => Number(o).toString(16).padStart(2, '0'))].join(':');
  const vlanLink = `vlan.eth.${pod.vlanId}`;
  const table = pod.vlanId + 100;
  await createNamespaces(exec, [pod.podNs]);
  await exec.batch([linkSetUp(pod.trunkLink)], { netns: pod.nodeNs });
  await vlans.add(pod.nodeNs, { name: vlanLink, parent: pod.trunkLink, vlanId: pod.vlanId, mac: pod.mac, up: true });
  await exec.batch(
    [
      routeReplace({ dst: pod.gateway, dev: vlanLink, scope: 'link', table }),
      routeReplace({ dst: 'default', via: pod.gateway, dev: vlanLink, table }),
      linkAddVeth({ name: pod.hostVeth, mac: hostMac, up: true, peer: { name: 'eth0', netns: pod.podNs } }),
      routeReplace({ dst: `${pod.ip}/32`, dev: pod.hostVeth, scope: 'link', table }),
      ruleAdd({ priority: 10, iif: vlanLink, table }),
      ruleAdd({ priority: 10, iif: pod.hostVeth, table }),
    ],
    { netns: pod.nodeNs },
  );
  await exec.batch(podSide(pod.ip, hostMac), { netns: pod.podNs });
}
