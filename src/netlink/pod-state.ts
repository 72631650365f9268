/**
 * CHECK's comparison [behaviour §7.10], pure: what ADD leaves in the pod's namespace and the node's against what is
 * there, one line per difference. The observations have the shape of `ip -json` output (pod-network.ts reads them
 * with iproute2; rtnl/observe.ts builds them from netlink dumps), so both pod wirings report the same differences.
 *
 * @example
 * podStateDifferences(spec, { links, routes, neighbours }, { links: hostLinks, routes: hostRoutes, rules });
 * // ['pod: eth0 is down', 'node: no rule 512: from all to 10.0.97.30 lookup main']
 */
import type { PodSpec } from './port.js';
import { FROM_POD_RULE_PRIORITY, POD_GATEWAY, TO_POD_RULE_PRIORITY, isMainTable } from './pod-commands.js';

/** The fields of `ip -json` output that CHECK reads (all optional: the kernel omits what does not apply). */
export interface JsonLink {
  readonly ifname?: string;
  readonly address?: string;
  readonly mtu?: number;
  readonly flags?: readonly string[];
  readonly addr_info?: readonly { readonly family?: string; readonly local?: string; readonly prefixlen?: number }[];
}
export interface JsonRoute {
  readonly dst?: string;
  readonly gateway?: string;
  readonly dev?: string;
  readonly scope?: string;
}
export interface JsonNeighbour {
  readonly dst?: string;
  readonly dev?: string;
  readonly lladdr?: string;
  readonly state?: readonly string[];
}
/** `ip -json rule show`: a /32 selector prints as the bare address, without `srclen`/`dstlen`. */
export interface JsonRule {
  readonly priority?: number;
  readonly src?: string;
  readonly srclen?: number;
  readonly dst?: string;
  readonly dstlen?: number;
  readonly table?: string;
}

/** Inside the pod: `ip -json addr show`, `route show table main`, `neigh show`. */
export interface PodObservation {
  readonly links: readonly JsonLink[];
  readonly routes: readonly JsonRoute[];
  readonly neighbours: readonly JsonNeighbour[];
}

/** In the node: `ip -json link show`, `route show table main exact <ip>/32`, `rule show`. */
export interface HostObservation {
  readonly links: readonly JsonLink[];
  readonly routes: readonly JsonRoute[];
  readonly rules: readonly JsonRule[];
}

const isHostSelector = (address: string | undefined, length: number | undefined, ip: string): boolean =>
  address === ip && (length ?? 32) === 32;

/** One line per difference between what ADD leaves [behaviour §7.10] and what is there; empty when all is in place. */
export function podStateDifferences(spec: PodSpec, pod: PodObservation, host: HostObservation): string[] {
  const out: string[] = [];
  const { containerIfName: dev, hostVethName: veth, podIp: ip, mtu } = spec;
  const linkProblems = (where: string, link: JsonLink | undefined, name: string): void => {
    if (link === undefined) {
      out.push(`${where}: no interface ${name}`);
      return;
    }
    if (link.flags?.includes('UP') !== true) out.push(`${where}: ${name} is down`);
    if (link.mtu !== mtu) out.push(`${where}: ${name} has MTU ${String(link.mtu)}, expected ${mtu}`);
  };

  const container = pod.links.find((l) => l.ifname === dev);
  linkProblems('pod', container, dev);
  if (
    container !== undefined &&
    !(container.addr_info ?? []).some((a) => a.family === 'inet' && a.local === ip && a.prefixlen === 32)
  ) {
    out.push(`pod: ${dev} lacks ${ip}/32`);
  }
  if (
    !pod.routes.some((r) => r.dst === POD_GATEWAY && r.dev === dev && r.scope === 'link' && r.gateway === undefined)
  ) {
    out.push(`pod: no route ${POD_GATEWAY} dev ${dev} scope link`);
  }
  if (!pod.routes.some((r) => r.dst === 'default' && r.gateway === POD_GATEWAY && r.dev === dev)) {
    out.push(`pod: no route default via ${POD_GATEWAY} dev ${dev}`);
  }
  const hostLink = host.links.find((l) => l.ifname === veth);
  const mac = hostLink?.address?.toLowerCase();
  const neighbour = pod.neighbours.find((n) => n.dst === POD_GATEWAY && n.dev === dev);
  if (
    neighbour?.state?.includes('PERMANENT') !== true ||
    (mac !== undefined && neighbour.lladdr?.toLowerCase() !== mac)
  ) {
    out.push(`pod: no permanent neighbour ${POD_GATEWAY} lladdr ${mac ?? '<host veth MAC>'} dev ${dev}`);
  }

  linkProblems('node', hostLink, veth);
  if (!host.routes.some((r) => r.dst === ip && r.dev === veth && r.scope === 'link'))
    out.push(`node: no route ${ip} dev ${veth} scope link`);
  const to = host.rules.filter((r) => r.priority === TO_POD_RULE_PRIORITY && isHostSelector(r.dst, r.dstlen, ip));
  if (!to.some((r) => r.table === 'main'))
    out.push(`node: no rule ${TO_POD_RULE_PRIORITY}: from all to ${ip} lookup main`);
  const from = host.rules.filter((r) => r.priority === FROM_POD_RULE_PRIORITY && isHostSelector(r.src, r.srclen, ip));
  const table = isMainTable(spec.routeTableId) ? undefined : String(spec.routeTableId);
  if (table !== undefined && !from.some((r) => r.table === table))
    out.push(`node: no rule ${FROM_POD_RULE_PRIORITY}: from ${ip} lookup ${table}`);
  for (const r of from.filter((f) => f.table !== table))
    out.push(`node: unexpected rule ${FROM_POD_RULE_PRIORITY}: from ${ip} lookup ${String(r.table)}`);
  return out;
}
