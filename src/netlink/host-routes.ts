/**
 * Pure builders for ipamd's policy routing in the node namespace [behaviour §7.5–7.6]: a secondary ENI's address,
 * route table and rule 32765; rule 1024 (connmark → main); rules 1535 (external service CIDRs); and the removal of a
 * stale pod's rules 512 and 1536. Nothing here spawns: each function returns the lines of one `ip -batch`, computed
 * from what `ip -json addr/rule show` printed, so that re-running converges without duplicates.
 *
 * @example
 * eniSetupCommands({ name: 'eth2', inetAddresses: [] }, { mac, deviceNumber: 2, primaryIp: '10.0.97.5',
 *   subnetCidr: '10.0.96.0/19', routeTableId: 3, mtu: 9001 });
 * // link set dev eth2 mtu 9001 up; addr replace 10.0.97.5/19 dev eth2;
 * // route replace 10.0.96.1 dev eth2 scope link table 3; route replace default via 10.0.96.1 dev eth2 table 3;
 * // route del 10.0.96.0/19 dev eth2 src 10.0.97.5 scope link table main; rule add prio 32765 from 10.0.97.5/32 lookup 3
 */
import { formatCidr, formatIpv4, isIpv4, parseCidr, subnetGateway } from '../ipam/cidr.js';
import type { EniNetworkSpec } from './port.js';
import {
  addrDelete,
  addrReplace,
  linkSetMtuUp,
  routeDelete,
  routeFlushTable,
  routeReplace,
  ruleAdd,
  ruleDelete,
  type IpCommand,
  type RouteTable,
} from './commands.js';
import { NetlinkError } from './errors.js';

/** Rule priorities of [behaviour §7.6]. */
export const RULE_PRIORITY = { podTo: 512, connmark: 1024, externalService: 1535, podFrom: 1536, eni: 32765 } as const;

/** One entry of `ip -json rule show` (fields iproute2 6.1 prints; absent lengths mean /32). */
export interface IpRuleJson {
  readonly priority?: number;
  readonly src?: string;
  readonly srclen?: number;
  readonly dst?: string;
  readonly dstlen?: number;
  readonly fwmark?: string;
  readonly fwmask?: string;
  readonly table?: string;
}

/** A link as `setupEni` needs it: its name and its global IPv4 addresses (`a.b.c.d/len`). */
export interface EniLinkState {
  readonly name: string;
  readonly inetAddresses: readonly string[];
}

function invalid(what: string, value: unknown): never {
  throw new NetlinkError('NETLINK_INVALID_ARGUMENT', `invalid ${what}: ${JSON.stringify(value)}`, { what, value });
}

function checkIp(ip: string): string {
  return isIpv4(ip) ? ip : invalid('IPv4 address', ip);
}

/** The subnet's gateway, the VPC router: network + 1 (`10.0.96.0/19` → `10.0.96.1`). */
export function eniGateway(subnetCidr: string): string {
  return formatIpv4(subnetGateway(parseCidr(subnetCidr, { allowHostBits: true })));
}

/** A CIDR in the kernel's spelling (host bits cleared); a bare address is a /32. */
export function canonicalCidr(text: string): string {
  return formatCidr(parseCidr(isIpv4(text) ? `${text}/32` : text, { allowHostBits: true }));
}

function isIpv4Cidr(text: string): boolean {
  try {
    canonicalCidr(text);
    return true;
  } catch {
    return false;
  }
}

/** The table of a rule as printed by `ip -json rule show` (`"main"`, `"3"`). */
export function ruleTable(rule: IpRuleJson): RouteTable | undefined {
  const table = rule.table;
  if (table === 'main' || table === 'local' || table === 'default') return table;
  return table !== undefined && /^\d+$/.test(table) ? Number(table) : undefined;
}

function ruleEnd(address: string | undefined, length: number | undefined): string | undefined {
  if (address === undefined || address === 'all') return undefined;
  return `${address}/${length ?? 32}`;
}

/** The `from` selector of a rule as `a.b.c.d/len`, undefined for `all`. */
export function ruleFrom(rule: IpRuleJson): string | undefined {
  return ruleEnd(rule.src, rule.srclen);
}

/** The `to` selector of a rule as `a.b.c.d/len`, undefined for none. */
export function ruleTo(rule: IpRuleJson): string | undefined {
  return ruleEnd(rule.dst, rule.dstlen);
}

/** Lowercase hex as iptables and iproute2 print marks: 128 → `0x80`. */
export function formatMark(mark: number): string {
  if (!Number.isInteger(mark) || mark < 1 || mark > 0xffffffff) invalid('connmark', mark);
  return `0x${mark.toString(16)}`;
}

/**
 * ipamd's set-up of a secondary ENI (reference `SetupENINetwork`), as one batch: MTU and up, every other global
 * IPv4 address removed, `P/<subnet len>` added after the removals (deleting a primary address also deletes its
 * secondaries, which could include P), table T with the gateway `/32` and the default route, the kernel's connected
 * route for the subnet taken out of main (it would let replies bypass table T), rule 32765. Every line is idempotent.
 */
export function eniSetupCommands(link: EniLinkState, spec: EniNetworkSpec): IpCommand[] {
  const subnet = parseCidr(spec.subnetCidr, { allowHostBits: true });
  const primary = checkIp(spec.primaryIp);
  const address = `${primary}/${subnet.prefixLength}`;
  const gateway = formatIpv4(subnetGateway(subnet));
  const table = spec.routeTableId;
  if (!Number.isInteger(table) || table < 2 || (table >= 253 && table <= 255) || table > 0xffffffff) {
    invalid('ENI route table (the primary ENI uses main and gets no set-up)', table);
  }
  return [
    linkSetMtuUp(link.name, spec.mtu),
    ...link.inetAddresses.filter((a) => a !== address).map((a) => addrDelete(a, link.name)),
    addrReplace(address, link.name),
    routeReplace({ dst: gateway, dev: link.name, scope: 'link', table }),
    routeReplace({ dst: 'default', via: gateway, dev: link.name, table }),
    routeDelete({ dst: formatCidr(subnet), dev: link.name, src: primary, scope: 'link', table: 'main' }),
    eniRuleAdd(primary, table),
  ];
}

/** Rule 32765 `from P/32 lookup T`; the kernel refuses an identical second rule (tolerated), so it never doubles. */
export function eniRuleAdd(primaryIp: string, table: number): IpCommand {
  return ruleAdd({ priority: RULE_PRIORITY.eni, from: `${checkIp(primaryIp)}/32`, table });
}

/** Rule 32765 of the ENI removed and its table flushed; what is gone already is success. */
export function eniTeardownCommands(spec: Pick<EniNetworkSpec, 'primaryIp' | 'routeTableId'>): IpCommand[] {
  return [
    ruleDelete({ priority: RULE_PRIORITY.eni, from: `${checkIp(spec.primaryIp)}/32`, table: spec.routeTableId }),
    routeFlushTable(spec.routeTableId),
  ];
}

/**
 * Deletes of a stale pod's rules [behaviour §8]: 512 `to ip lookup main` and every 1536 `from ip`, whatever its table
 * (a pod on a secondary ENI has one; SGP pods used vlan tables). Built from the current rules so each delete names a
 * rule that exists.
 */
export function podRuleDeleteCommands(ip: string, rules: readonly IpRuleJson[]): IpCommand[] {
  const host = `${checkIp(ip)}/32`;
  return rules.flatMap((rule) => {
    const table = ruleTable(rule);
    if (table === undefined) return [];
    if (rule.priority === RULE_PRIORITY.podTo && ruleTo(rule) === host && ruleFrom(rule) === undefined) {
      return [ruleDelete({ priority: RULE_PRIORITY.podTo, to: host, table })];
    }
    if (rule.priority === RULE_PRIORITY.podFrom && ruleFrom(rule) === host) {
      const to = ruleTo(rule);
      return [ruleDelete({ priority: RULE_PRIORITY.podFrom, from: host, ...(to === undefined ? {} : { to }), table })];
    }
    return [];
  });
}

/**
 * Rule 1024 `fwmark M/M lookup main` when `mark` is given, and no other rule at 1024 (a changed mark, or none when
 * node-port support is off and external SNAT on). Adds before deletes, so the rule is never missing.
 */
export function connmarkRuleCommands(rules: readonly IpRuleJson[], mark: number | undefined): IpCommand[] {
  const want = mark === undefined ? undefined : `${formatMark(mark)}/${formatMark(mark)}`;
  const existing = rules.filter((r) => r.priority === RULE_PRIORITY.connmark);
  const matches = (r: IpRuleJson): boolean =>
    want !== undefined &&
    ruleTable(r) === 'main' &&
    ruleFrom(r) === undefined &&
    ruleTo(r) === undefined &&
    `${r.fwmark}/${r.fwmask ?? '0xffffffff'}` === want;
  const commands: IpCommand[] = [];
  if (want !== undefined && !existing.some(matches))
    commands.push(ruleAdd({ priority: RULE_PRIORITY.connmark, fwmark: want, table: 'main' }));
  for (const rule of existing.filter((r) => !matches(r))) commands.push(deleteAsShown(rule));
  return commands;
}

/**
 * Rules 1535: exactly one `to cidr lookup main` per entry (duplicates and stale entries removed, adds first). As in
 * the reference, entries that are not IPv4 CIDRs (IPv6, typos) are skipped; the config layer reports them.
 */
export function externalServiceRuleCommands(rules: readonly IpRuleJson[], cidrs: readonly string[]): IpCommand[] {
  const want = [...new Set(cidrs.flatMap((c) => (isIpv4Cidr(c) ? [canonicalCidr(c)] : [])))];
  const existing = rules.filter((r) => r.priority === RULE_PRIORITY.externalService);
  const kept = new Set<string>();
  const deletes: IpCommand[] = [];
  for (const rule of existing) {
    const to = ruleTo(rule);
    const ok =
      to !== undefined &&
      want.includes(to) &&
      ruleTable(rule) === 'main' &&
      ruleFrom(rule) === undefined &&
      rule.fwmark === undefined;
    if (ok && !kept.has(to)) kept.add(to);
    else deletes.push(deleteAsShown(rule));
  }
  const adds = want
    .filter((c) => !kept.has(c))
    .map((to) => ruleAdd({ priority: RULE_PRIORITY.externalService, to, table: 'main' }));
  return [...adds, ...deletes];
}

/** A delete naming a rule exactly as `ip -json rule show` printed it. */
function deleteAsShown(rule: IpRuleJson): IpCommand {
  const from = ruleFrom(rule);
  const to = ruleTo(rule);
  return ruleDelete({
    priority: rule.priority ?? invalid('rule without priority', rule),
    table: ruleTable(rule) ?? invalid('rule table', rule.table),
    ...(from === undefined ? {} : { from }),
    ...(to === undefined ? {} : { to }),
    ...(rule.fwmark === undefined
      ? {}
      : { fwmark: rule.fwmask === undefined ? rule.fwmark : `${rule.fwmark}/${rule.fwmask}` }),
  });
}
