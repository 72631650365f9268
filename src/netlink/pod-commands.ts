/**
 * Pure builders for the aws-cni plugin's pod wiring [behaviour §7.3; behaviour §7.4]: the `ip -batch` lines run inside
 * the pod's namespace and the node's, the IPv6 sysctls of the host veth, and the argv of the batches themselves.
 * Nothing here spawns; `pod-network.ts` runs what these return (one batch per namespace).
 *
 * @example
 * podSideCommands(plan, 4242);
 * // link add eth0 address 02:.. mtu 9001 up type veth peer name eni1a2b3c4d5e6 address 02:.. mtu 9001 netns 4242
 * // addr replace 10.0.97.30/32 dev eth0
 * // route replace 169.254.1.1 dev eth0 scope link
 * // route replace default via 169.254.1.1 dev eth0
 * // neigh replace 169.254.1.1 lladdr 02:.. dev eth0 nud permanent
 */
import type { PodSpec } from './port.js';
import { isIpv4 } from '../ipam/cidr.js';
import {
  NETNS_RUN_DIR,
  addrReplace,
  checkLinkName,
  checkMac,
  checkNetnsName,
  linkDelete,
  linkSetUp,
  neighReplacePermanent,
  routeDelete,
  routeReplace,
  ruleAdd,
  type IpCommand,
  type ProgramCommand,
} from './commands.js';
import { NetlinkError } from './errors.js';

/** The pod's gateway: a link-local address that only exists as the pod's permanent neighbour entry ([behaviour §7.3] step 6). */
export const POD_GATEWAY = '169.254.1.1';
/** Rule `to <pod IP> lookup main`: traffic to the pod never follows an ENI's table. */
export const TO_POD_RULE_PRIORITY = 512;
/** Rule `from <pod IP> lookup <ENI table>`: pods on secondary ENIs leave through their own ENI. */
export const FROM_POD_RULE_PRIORITY = 1536;

function invalid(what: string, value: unknown): never {
  throw new NetlinkError('NETLINK_INVALID_ARGUMENT', `invalid ${what}: ${JSON.stringify(value)}`, { what, value });
}

/** A pod address: IPv4 only (IPv6 pods need `fe80::1`, /128 and a DAD wait, which this adapter does not do). */
export function checkPodIp(ip: string): string {
  return isIpv4(ip) ? ip : invalid('pod IPv4 address', ip);
}

/** The reference treats route table ids ≤ 1 as main (backward compatibility), like 254 itself. */
export function isMainTable(table: number): boolean {
  return table <= 1 || table === 254;
}

function checkTableId(table: number): number {
  return Number.isInteger(table) && table >= 0 && table <= 0xffffffff ? table : invalid('route table id', table);
}

function checkMtu(mtu: number): string {
  return Number.isInteger(mtu) && mtu >= 68 && mtu <= 65535 ? String(mtu) : invalid('MTU', mtu);
}

// Words that pass both ip's batch parser (no blanks, quotes, `#`, `\`) and stay readable in logs.
const NETNS_FILE = /^\/[A-Za-z0-9_.:@+/-]+$/;

/** An absolute namespace file (CNI_NETNS, `/proc/PID/ns/net`) that can be written into an `ip -batch` line. */
export function checkNetnsPath(path: string): string {
  return NETNS_FILE.test(path) && path.length <= 4096 ? path : invalid('namespace path', path);
}

/** The name of a namespace file `ip netns` made (`/var/run/netns/NAME`), which `ip -n NAME` enters cheaper than nsenter. */
export function namedNetns(path: string): string | undefined {
  const prefix = `${NETNS_RUN_DIR}/`;
  if (!path.startsWith(prefix)) return undefined;
  const name = path.slice(prefix.length);
  try {
    return checkNetnsName(name);
  } catch {
    return undefined;
  }
}

/**
 * A locally administered unicast MAC from 6 random bytes (the kernel's `eth_random_addr` does the same): bit 1 of the
 * first octet set, bit 0 (multicast) cleared.
 */
const HEX_DIGITS = '0123456789abcdef';

export function randomMac(bytes: Uint8Array): string {
  if (bytes.length < 6) invalid('random bytes for a MAC', bytes.length);
  // A loop, not Array.from/map/padStart: the plugin runs this once per process, where a JS-implemented builtin's
  // first call costs more than the work.
  let mac = '';
  for (let i = 0; i < 6; i++) {
    const octet = i === 0 ? ((bytes[0] as number) & 0xfe) | 0x02 : (bytes[i] as number);
    mac += (i === 0 ? '' : ':') + HEX_DIGITS[octet >> 4] + HEX_DIGITS[octet & 0xf];
  }
  return mac;
}

/**
 * The node's namespace as `ip link add … netns REF` names it when the command runs inside the pod's namespace: a pid
 * (the plugin's own process: its namespace is the node's), a name under /var/run/netns, or an absolute path.
 * iproute2 reads an all-digit word as a pid, so an all-digit *name* is passed as its path.
 */
export function peerNetnsRef(netns: number | string): string {
  if (typeof netns === 'number') {
    return Number.isInteger(netns) && netns > 0 && netns <= 4_194_304 ? String(netns) : invalid('pid', netns);
  }
  if (netns.startsWith('/')) return checkNetnsPath(netns);
  return /^\d+$/.test(netns) ? `${NETNS_RUN_DIR}/${checkNetnsName(netns)}` : checkNetnsName(netns);
}

/** Validates every field of a pod spec (CHECK builds no command from some of them, but must not spawn on bad input). */
export function checkPodSpec(spec: PodSpec): void {
  checkLinkName(spec.hostVethName);
  checkLinkName(spec.containerIfName);
  checkNetnsPath(spec.netnsPath);
  checkPodIp(spec.podIp);
  checkMtu(spec.mtu);
  checkTableId(spec.routeTableId);
}

/** Everything both batches need; the MACs are chosen before anything is created so nothing has to be read back. */
export interface PodWiringPlan extends Omit<PodSpec, 'netnsPath'> {
  readonly hostMac: string;
  readonly containerMac: string;
}

/**
 * `link add IF address M mtu N up type veth peer name HOST address M mtu N netns REF`, run inside the pod's
 * namespace, so the host end is created directly in the node's namespace (never moved: moves serialise on a kernel
 * barrier). Only the first end may take `up` in the creating request (the peer pointer is set after both ends are
 * registered; opening the peer earlier fails with ENOTCONN), which is the container end here.
 */
export function podVethAdd(plan: PodWiringPlan, hostNetns: number | string): IpCommand {
  const mtu = checkMtu(plan.mtu);
  return {
    args: [
      'link',
      'add',
      checkLinkName(plan.containerIfName),
      'address',
      checkMac(plan.containerMac),
      'mtu',
      mtu,
      'up',
      'type',
      'veth',
      'peer',
      'name',
      checkLinkName(plan.hostVethName),
      'address',
      checkMac(plan.hostMac),
      'mtu',
      mtu,
      'netns',
      peerNetnsRef(hostNetns),
    ],
  };
}

/**
 * The pod side, in order ([behaviour §7.3] steps 3, 5, 7, 8, 9): the veth, `<ip>/32`, the gateway's link route (before
 * the default route, which needs its gateway reachable), the default route, and the gateway's permanent neighbour entry
 * to the host veth's MAC, so the pod never ARPs. Routes through the container end are accepted while the host end is
 * still down (no carrier): the kernel only requires the device to be administratively up.
 */
export function podSideCommands(plan: PodWiringPlan, hostNetns: number | string): IpCommand[] {
  const dev = plan.containerIfName;
  return [
    podVethAdd(plan, hostNetns),
    addrReplace(`${checkPodIp(plan.podIp)}/32`, dev),
    routeReplace({ dst: POD_GATEWAY, dev, scope: 'link' }),
    routeReplace({ dst: 'default', via: POD_GATEWAY, dev }),
    neighReplacePermanent(POD_GATEWAY, plan.hostMac, dev),
  ];
}

/**
 * The node side ([behaviour §7.3] step 11): host end up (a route through a down device is refused), `<ip>/32 dev HOST
 * scope link` in main, rule 512 `to <ip>/32 lookup main`, and rule 1536 `from <ip>/32 lookup <table>` for a non-main
 * table. `ruleAdd` tolerates EEXIST, as the reference ignores existing-rule errors.
 */
export function hostSideCommands(plan: Pick<PodWiringPlan, 'hostVethName' | 'podIp' | 'routeTableId'>): IpCommand[] {
  const cidr = `${checkPodIp(plan.podIp)}/32`;
  const table = checkTableId(plan.routeTableId);
  return [
    linkSetUp(plan.hostVethName),
    routeReplace({ dst: cidr, dev: plan.hostVethName, scope: 'link' }),
    ruleAdd({ priority: TO_POD_RULE_PRIORITY, to: cidr, table: 'main' }),
    ...(isMainTable(table) ? [] : [ruleAdd({ priority: FROM_POD_RULE_PRIORITY, from: cidr, table })]),
  ];
}

/** `rule del prio P to|from <ip>/32` with no table: matches the rule whatever table it points to. Gone is success. */
export function podRuleDelete(priority: number, direction: 'to' | 'from', ip: string): IpCommand {
  return {
    args: ['rule', 'del', 'prio', String(priority), direction, `${checkPodIp(ip)}/32`],
    tolerate: ['not-found'],
  };
}

/** How many `from` deletions one teardown round sends; a round whose last one succeeded is followed by another. */
export const FROM_RULE_DELETES_PER_ROUND = 2;

/**
 * DEL ([behaviour §7.4] step 4), tolerant of everything already gone: rule 512, every rule 1536 of the address (any
 * table: the kernel refuses identical rules, but one to another table can exist) and the host route (through the host
 * veth when its name is known, so a route that already moved to another pod's veth stays). The veth is left to the
 * namespace's removal, as the reference leaves it: deleting a veth waits for an RCU grace period (20–30 ms here),
 * which the runtime's namespace deletion pays in the background. `removeVeth` (the undo of a failed ADD) deletes it
 * too, with the container end. Lines 2..1+{@link FROM_RULE_DELETES_PER_ROUND} are the `from` deletions.
 */
export function hostTeardownCommands(spec: {
  readonly podIp: string;
  readonly hostVethName?: string | undefined;
  readonly removeVeth?: boolean | undefined;
}): IpCommand[] {
  const cidr = `${checkPodIp(spec.podIp)}/32`;
  const host = spec.hostVethName;
  const commands = [podRuleDelete(TO_POD_RULE_PRIORITY, 'to', spec.podIp)];
  for (let i = 0; i < FROM_RULE_DELETES_PER_ROUND; i++)
    commands.push(podRuleDelete(FROM_POD_RULE_PRIORITY, 'from', spec.podIp));
  commands.push(
    routeDelete(host === undefined ? { dst: cidr, scope: 'link' } : { dst: cidr, dev: host, scope: 'link' }),
  );
  if (host !== undefined && spec.removeVeth === true) commands.push(linkDelete(host));
  return commands;
}

/**
 * The host veth's IPv6 settings ([behaviour §7.3] step 4), as `/proc/sys` relative paths (slashes: a device name may
 * hold dots). They only matter to IPv6 (no router advertisements accepted from the pod, no forwarding role on the
 * veth).
 */
export function hostVethSysctls(hostVethName: string): Record<string, string> {
  const dir = `net/ipv6/conf/${checkLinkName(hostVethName)}`;
  return { [`${dir}/accept_ra`]: '0', [`${dir}/accept_redirects`]: '1', [`${dir}/forwarding`]: '0' };
}

/** `nsenter --net=FILE -- sysctl -q -e -w k=v ...`: `-e` ignores missing keys (IPv6 disabled on the node). */
export function sysctlIgnoringMissing(netnsFile: string, settings: Readonly<Record<string, string>>): ProgramCommand {
  const words = Object.entries(settings).map(([key, value]) => {
    if (!/^[a-z0-9_]+(\/[A-Za-z0-9_.-]+)+$/.test(key) || !/^[0-9]+$/.test(value))
      invalid('sysctl setting', `${key}=${value}`);
    return `${key}=${value}`;
  });
  if (words.length === 0) invalid('sysctl settings', settings);
  return { file: 'nsenter', args: [`--net=${checkNetnsPath(netnsFile)}`, '--', 'sysctl', '-q', '-e', '-w', ...words] };
}

/**
 * `ip [-json] [-force] -batch -` in a namespace: the caller's own (undefined), a name (`ip -n`), a file of
 * /var/run/netns (also `ip -n`: 2.4 ms against 3.6 ms for nsenter, which execs twice), or any other file (nsenter).
 * Without `force`, ip stops at the first failed line, so nothing runs after a failed `link add`.
 */
export function ipBatchProgram(
  netns: string | undefined,
  options: { readonly json?: boolean; readonly force?: boolean } = {},
): ProgramCommand {
  const tail = [
    ...(options.json === true ? ['-json'] : []),
    ...(options.force === true ? ['-force'] : []),
    '-batch',
    '-',
  ];
  if (netns === undefined) return { file: 'ip', args: tail };
  const name = netns.startsWith('/') ? namedNetns(netns) : checkNetnsName(netns);
  if (name !== undefined) return { file: 'ip', args: ['-n', name, ...tail] };
  return { file: 'nsenter', args: [`--net=${checkNetnsPath(netns)}`, '--', 'ip', ...tail] };
}

/** What CHECK reads inside the pod, one JSON array per line: links with addresses, main routes, neighbours. */
export function podReadCommands(): IpCommand[] {
  return [{ args: ['addr', 'show'] }, { args: ['route', 'show', 'table', 'main'] }, { args: ['neigh', 'show'] }];
}

/** What CHECK reads in the node: links, the pod's /32 route in main, rules. None of them fails on an empty answer. */
export function hostReadCommands(podIp: string): IpCommand[] {
  return [
    { args: ['link', 'show'] },
    { args: ['route', 'show', 'table', 'main', 'exact', `${checkPodIp(podIp)}/32`] },
    { args: ['rule', 'show'] },
  ];
}
