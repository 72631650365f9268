/**
 * CHECK's observations from netlink dumps: links, IPv4 addresses, main-table routes, neighbours and rules decoded by
 * replies.ts, in the shape `ip -json` prints them (pod-state.ts compares that shape with the spec), so that the
 * rtnetlink and iproute2 pod wirings report the same differences. Pure.
 *
 * @example
 * const pod = podObservation(links, addresses, routes, neighbours);
 * podStateDifferences(spec, pod, hostObservation(hostLinks, hostRoutes, rules, spec.podIp));
 */
import type { HostObservation, JsonLink, JsonNeighbour, JsonRoute, JsonRule, PodObservation } from '../pod-state.js';
import type { Address, Link, Neighbour, Route, Rule } from './replies.js';
import { AF_INET, IFF_UP, RT_SCOPE, RT_TABLE_MAIN } from './wire.js';

const IFF_LOWER_UP = 0x10000;

/** NUD_* bits in `ip -json`'s words. */
const NUD: readonly [number, string][] = [
  [0x01, 'INCOMPLETE'],
  [0x02, 'REACHABLE'],
  [0x04, 'STALE'],
  [0x08, 'DELAY'],
  [0x10, 'PROBE'],
  [0x20, 'FAILED'],
  [0x40, 'NOARP'],
  [0x80, 'PERMANENT'],
];

/** iproute2's names of the reserved tables; others print as their number. */
function tableName(table: number): string {
  return table === RT_TABLE_MAIN ? 'main' : table === 255 ? 'local' : table === 253 ? 'default' : String(table);
}

function scopeName(scope: number): string | undefined {
  if (scope === RT_SCOPE.UNIVERSE) return undefined;
  return scope === RT_SCOPE.LINK ? 'link' : scope === RT_SCOPE.HOST ? 'host' : String(scope);
}

function jsonLinks(links: readonly Link[], addresses: readonly Address[]): JsonLink[] {
  return links.map((l) => {
    const flags: string[] = [];
    if ((l.flags & IFF_UP) !== 0) flags.push('UP');
    if ((l.flags & IFF_LOWER_UP) !== 0) flags.push('LOWER_UP');
    const addr_info = addresses
      .filter((a) => a.index === l.index && a.family === AF_INET && a.local !== undefined)
      .map((a) => ({ family: 'inet', local: a.local as string, prefixlen: a.prefixLen }));
    return {
      flags,
      addr_info,
      ...(l.name === undefined ? {} : { ifname: l.name }),
      ...(l.mtu === undefined ? {} : { mtu: l.mtu }),
      ...(l.address === undefined ? {} : { address: l.address }),
    };
  });
}

/** The main table's IPv4 routes, `dst` as iproute2 prints it: `default`, a bare /32 address, or a CIDR. */
function jsonRoutes(routes: readonly Route[], links: readonly Link[]): JsonRoute[] {
  const names = new Map(links.map((l) => [l.index, l.name]));
  return routes
    .filter((r) => r.family === AF_INET && r.table === RT_TABLE_MAIN)
    .map((r) => {
      const dst = r.dstLen === 0 ? 'default' : r.dstLen === 32 ? r.dst : `${r.dst ?? '?'}/${r.dstLen}`;
      const dev = r.oif === undefined ? undefined : names.get(r.oif);
      const scope = scopeName(r.scope);
      return {
        ...(dst === undefined ? {} : { dst }),
        ...(r.gateway === undefined ? {} : { gateway: r.gateway }),
        ...(dev === undefined ? {} : { dev }),
        ...(scope === undefined ? {} : { scope }),
      };
    });
}

function jsonNeighbours(neighbours: readonly Neighbour[], links: readonly Link[]): JsonNeighbour[] {
  const names = new Map(links.map((l) => [l.index, l.name]));
  return neighbours
    .filter((n) => n.family === AF_INET)
    .map((n) => {
      const dev = names.get(n.index);
      return {
        state: NUD.filter(([bit]) => (n.state & bit) !== 0).map(([, name]) => name),
        ...(n.dst === undefined ? {} : { dst: n.dst }),
        ...(dev === undefined ? {} : { dev }),
        ...(n.lladdr === undefined ? {} : { lladdr: n.lladdr }),
      };
    });
}

/** Rules as `ip -json rule show` prints them: a /32 selector as the bare address, without its length. */
function jsonRules(rules: readonly Rule[]): JsonRule[] {
  return rules
    .filter((r) => r.family === AF_INET)
    .map((r) => ({
      priority: r.priority ?? 0,
      table: tableName(r.table),
      ...(r.src === undefined ? {} : { src: r.src }),
      ...(r.src === undefined || r.srcLen === 32 ? {} : { srclen: r.srcLen }),
      ...(r.dst === undefined ? {} : { dst: r.dst }),
      ...(r.dst === undefined || r.dstLen === 32 ? {} : { dstlen: r.dstLen }),
    }));
}

/** Inside the pod: links with their addresses, the main table's routes, the neighbour entries. */
export function podObservation(
  links: readonly Link[],
  addresses: readonly Address[],
  routes: readonly Route[],
  neighbours: readonly Neighbour[],
): PodObservation {
  return {
    links: jsonLinks(links, addresses),
    routes: jsonRoutes(routes, links),
    neighbours: jsonNeighbours(neighbours, links),
  };
}

/** In the node: links, the pod address's /32 route in main (`ip route show table main exact <ip>/32`), rules. */
export function hostObservation(
  links: readonly Link[],
  routes: readonly Route[],
  rules: readonly Rule[],
  podIp: string,
): HostObservation {
  return {
    links: jsonLinks(links, []),
    routes: jsonRoutes(
      routes.filter((r) => r.dstLen === 32 && r.dst === podIp),
      links,
    ),
    rules: jsonRules(rules),
  };
}
