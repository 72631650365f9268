/**
 * The steps of the rtnetlink pod wiring on open route sockets, each request named by the `ip` command that does the
 * same (errors read `route replace default via 169.254.1.1 dev eth0: Network is unreachable`). Validated input only:
 * pod-network.ts checks the spec first. Synchronous: every request is answered in the system call that sends it.
 *
 * @example
 * setupPodSide(pod, node, plan, system.ownNamespaceFd);
 * setupHostSide(node, plan);
 */
import { isNetlinkError, type NetlinkErrorCode } from '../errors.js';
import {
  FROM_POD_RULE_PRIORITY,
  FROM_RULE_DELETES_PER_ROUND,
  POD_GATEWAY,
  TO_POD_RULE_PRIORITY,
  isMainTable,
  type PodWiringPlan,
} from '../pod-commands.js';
import type { HostObservation, PodObservation } from '../pod-state.js';
import { hostObservation, podObservation } from './observe.js';
import { decodeAddress, decodeLink, decodeNeighbour, decodeRoute, decodeRule, type Link } from './replies.js';
import {
  delLink,
  delRoute,
  delRule,
  dumpAddrs,
  dumpLinks,
  dumpNeighbours,
  dumpRoutes,
  dumpRules,
  getLink,
  newAddr,
  newPermanentNeighbour,
  newRoute,
  newRule,
  newVeth,
  setLinkUp,
} from './requests.js';
import type { RtnlSocket } from './socket.js';
import { RT_SCOPE, RT_TABLE_MAIN } from './wire.js';

/**
 * At most this many `from` rules of one address are deleted: the iproute2 wiring's rounds (a first round and up to
 * eight more, each of {@link FROM_RULE_DELETES_PER_ROUND}).
 */
const MAX_FROM_RULE_DELETES = FROM_RULE_DELETES_PER_ROUND * 9;

/** Runs `step`; a failure with one of `codes` means "already so" and is success. */
function tolerating(codes: readonly NetlinkErrorCode[], step: () => void): void {
  try {
    step();
  } catch (error) {
    if (!isNetlinkError(error, ...codes)) throw error;
  }
}

/** The index of the link `name`, or undefined when there is none. */
function linkIndex(socket: RtnlSocket, name: string): number | undefined {
  try {
    return decodeLink(socket.get(getLink(name), `link show ${name}`)).index;
  } catch (error) {
    if (isNetlinkError(error, 'LINK_NOT_FOUND')) return undefined;
    throw error;
  }
}

/** Deletes a link of the node by name; gone is success. */
function deleteLink(node: RtnlSocket, name: string): void {
  const index = linkIndex(node, name);
  if (index !== undefined) tolerating(['LINK_NOT_FOUND'], () => node.change(delLink(index), `link del dev ${name}`));
}

/**
 * The pod's side ([behaviour §7.3] steps 3, 5, 7, 8, 9), from a socket inside the pod's namespace: the veth with its
 * host end created in the node's namespace (`nodeNetnsFd`), then `<ip>/32`, the gateway's link route (before the
 * default route, which needs its gateway reachable), the default route and the gateway's permanent neighbour entry.
 * EEXIST on the veth is most likely a stale host veth of the same name (a crashed earlier ADD whose pod lives on): it
 * is deleted and the veth created again, once. A failure after the veth exists deletes it (with the container end).
 */
export function setupPodSide(pod: RtnlSocket, node: RtnlSocket, plan: PodWiringPlan, nodeNetnsFd: number): void {
  const { containerIfName: dev, hostVethName: host, podIp: ip, mtu } = plan;
  const what = `link add ${dev} type veth peer name ${host}`;
  const veth = (): Uint8Array =>
    newVeth({ name: dev, mac: plan.containerMac, mtu }, { name: host, mac: plan.hostMac, mtu, netnsFd: nodeNetnsFd });
  try {
    pod.change(veth(), what);
  } catch (error) {
    if (!isNetlinkError(error, 'NETLINK_EXISTS')) throw error;
    deleteLink(node, host);
    pod.change(veth(), what);
  }
  try {
    const index = decodeLink(pod.get(getLink(dev), `link show ${dev}`)).index;
    pod.change(newAddr(index, ip, 32), `addr replace ${ip}/32 dev ${dev}`);
    const link = { dst: POD_GATEWAY, dstLen: 32, oif: index, scope: RT_SCOPE.LINK };
    pod.change(newRoute(link), `route replace ${POD_GATEWAY} dev ${dev} scope link`);
    const gateway = { dstLen: 0, gateway: POD_GATEWAY, oif: index, scope: RT_SCOPE.UNIVERSE };
    pod.change(newRoute(gateway), `route replace default via ${POD_GATEWAY} dev ${dev}`);
    const neighbour = newPermanentNeighbour(index, POD_GATEWAY, plan.hostMac);
    pod.change(neighbour, `neigh replace ${POD_GATEWAY} lladdr ${plan.hostMac} dev ${dev} nud permanent`);
  } catch (error) {
    try {
      deleteLink(node, host);
    } catch {
      // The original error says what went wrong.
    }
    throw error;
  }
}

/**
 * The node's side ([behaviour §7.3] step 11): the host end up (a route through a down device is refused), its /32
 * route in main, rule 512 `to <ip>/32 lookup main` and, for a pod on a secondary ENI, rule 1536 `from <ip>/32 lookup
 * <table>`. An identical rule already there is success, as in the reference.
 */
export function setupHostSide(node: RtnlSocket, plan: PodWiringPlan): void {
  const { hostVethName: host, podIp: ip, routeTableId: table } = plan;
  const index = decodeLink(node.get(getLink(host), `link show ${host}`)).index;
  node.change(setLinkUp(index), `link set dev ${host} up`);
  node.change(
    newRoute({ dst: ip, dstLen: 32, oif: index, scope: RT_SCOPE.LINK }),
    `route replace ${ip}/32 dev ${host} scope link`,
  );
  const to = { priority: TO_POD_RULE_PRIORITY, dst: { address: ip, length: 32 }, table: RT_TABLE_MAIN };
  tolerating(['NETLINK_EXISTS'], () => node.change(newRule(to), `rule add prio 512 to ${ip}/32 lookup main`));
  if (isMainTable(table)) return;
  const from = { priority: FROM_POD_RULE_PRIORITY, src: { address: ip, length: 32 }, table };
  tolerating(['NETLINK_EXISTS'], () => node.change(newRule(from), `rule add prio 1536 from ${ip}/32 lookup ${table}`));
}

/**
 * DEL ([behaviour §7.4] step 4), tolerant of everything already gone: rule 512, every rule 1536 of the address (any
 * table) and the host route (through the host veth when its name is known, so a route that already moved to another
 * pod's veth stays; none when that veth is gone, which took its routes). The veth is left to the runtime's removal of
 * the pod's namespace, as the reference leaves it (deleting a veth waits for an RCU grace period); `removeVeth` (the
 * undo of a failed ADD) deletes it, with the container end. Every step is tried; the first failure that is not
 * "already gone" is thrown at the end.
 */
export function teardownHostSide(
  node: RtnlSocket,
  spec: {
    readonly podIp: string;
    readonly hostVethName?: string | undefined;
    readonly removeVeth?: boolean | undefined;
  },
): void {
  const { podIp: ip, hostVethName: host } = spec;
  const failures: unknown[] = [];
  const attempt = (codes: readonly NetlinkErrorCode[], step: () => void): void => {
    try {
      tolerating(codes, step);
    } catch (error) {
      failures.push(error);
    }
  };
  const to = { priority: TO_POD_RULE_PRIORITY, dst: { address: ip, length: 32 } };
  attempt(['NETLINK_NOT_FOUND'], () => node.change(delRule(to), `rule del prio 512 to ${ip}/32`));
  const from = { priority: FROM_POD_RULE_PRIORITY, src: { address: ip, length: 32 } };
  attempt([], () => {
    for (let n = 0; n < MAX_FROM_RULE_DELETES; n++) {
      try {
        node.change(delRule(from), `rule del prio 1536 from ${ip}/32`);
      } catch (error) {
        if (isNetlinkError(error, 'NETLINK_NOT_FOUND')) return;
        throw error;
      }
    }
  });
  let index: number | undefined;
  attempt([], () => {
    index = host === undefined ? undefined : linkIndex(node, host);
  });
  if (host === undefined || index !== undefined) {
    const route = { dst: ip, dstLen: 32, scope: RT_SCOPE.LINK, ...(index === undefined ? {} : { oif: index }) };
    const what = `route del ${ip}/32${host === undefined ? '' : ` dev ${host}`} scope link`;
    attempt(['NETLINK_NOT_FOUND', 'LINK_NOT_FOUND'], () => node.change(delRoute(route), what));
  }
  if (index !== undefined && spec.removeVeth === true) {
    const found = index;
    attempt(['LINK_NOT_FOUND'], () => node.change(delLink(found), `link del dev ${host ?? ''}`));
  }
  if (failures.length > 0) throw failures[0];
}

/** CHECK's reads: links, IPv4 addresses, routes and neighbours in the pod; links, routes and rules in the node. */
export function observePod(
  pod: RtnlSocket,
  node: RtnlSocket,
  podIp: string,
): { podSide: PodObservation; hostSide: HostObservation } {
  const podLinks: Link[] = pod.dump(dumpLinks(), 'link show').map(decodeLink);
  const podSide = podObservation(
    podLinks,
    pod.dump(dumpAddrs(), 'addr show').map(decodeAddress),
    pod.dump(dumpRoutes(), 'route show').map(decodeRoute),
    pod.dump(dumpNeighbours(), 'neigh show').map(decodeNeighbour),
  );
  const hostSide = hostObservation(
    node.dump(dumpLinks(), 'link show').map(decodeLink),
    node.dump(dumpRoutes(), 'route show').map(decodeRoute),
    node.dump(dumpRules(), 'rule show').map(decodeRule),
    podIp,
  );
  return { podSide, hostSide };
}
