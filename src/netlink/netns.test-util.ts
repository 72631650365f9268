/**
 * Helpers for tests that need real network namespaces: the gate (root and a working `ip netns`), and a fingerprint
 * of the machine's root namespace so a test can prove it left it untouched.
 *
 * @example
 * const skip = await netnsSkipReason();
 * describe('fabric', { skip }, () => { ... });
 */
import { strict as assert } from 'node:assert';
import { readFile } from 'node:fs/promises';
import { after, before } from 'node:test';
import { NetlinkExecutor } from './exec.js';
import { deleteNamespacesWithPrefix, listNamespaces } from './netns.js';
import { netnsList } from './commands.js';

/** False when namespace tests can run here, else why not (node:test prints it as the skip reason). */
export async function netnsSkipReason(): Promise<string | false> {
  if (process.getuid?.() !== 0) return 'needs root (real network namespaces)';
  try {
    await new NetlinkExecutor({ timeoutMs: 5_000 }).ip(netnsList());
    return false;
  } catch (error) {
    return `ip netns does not work here: ${(error as Error).message}`;
  }
}

interface JsonLink {
  ifname?: string;
  address?: string;
  mtu?: number;
  flags?: string[];
  addr_info?: { family?: string; local?: string; prefixlen?: number }[];
}

const ROOT_SYSCTLS = [
  'net/ipv4/ip_forward',
  'net/ipv4/conf/all/rp_filter',
  'net/ipv4/conf/default/rp_filter',
  'net/ipv4/conf/all/proxy_arp',
  'net/ipv4/conf/default/proxy_arp',
];

/**
 * Links, IPv4 addresses, main-table routes, rules and the sysctls the fabric writes, of the namespace this process
 * runs in (the root one), read-only. Lifetimes and counters are left out, so the text only changes when someone
 * configures something.
 */
export async function rootFingerprint(): Promise<string> {
  const exec = new NetlinkExecutor();
  const links = await exec.ipJson<JsonLink[]>({ args: ['addr', 'show'] });
  const routes = await exec.ipJson<Record<string, unknown>[]>({ args: ['route', 'show', 'table', 'main'] });
  const rules = await exec.ipJson<unknown[]>({ args: ['rule', 'show'] });
  const sysctls = await Promise.all(
    ROOT_SYSCTLS.map(async (key) => `${key}=${(await readFile(`/proc/sys/${key}`, 'utf8')).trim()}`),
  );
  return [
    ...links.map((l) => {
      const v4 = (l.addr_info ?? []).filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen}`);
      return `link ${l.ifname} ${l.address} mtu ${l.mtu} ${(l.flags ?? []).join(',')} ${v4.join(' ')}`;
    }),
    ...routes.map((r) => `route ${r['dst'] as string} via ${String(r['gateway'])} dev ${String(r['dev'])}`),
    ...rules.map((r) => `rule ${JSON.stringify(r)}`),
    ...sysctls,
  ].join('\n');
}

// Connects to port 9 (discard; nothing listens there) of each target. ECONNREFUSED means a RST came back from the
// target's own kernel: the SYN got there and the answer got back. Routers answer with ICMP errors instead
// (EHOSTUNREACH, ENETUNREACH), and a black hole times out. The machines have no `ping`, but they always have node.
const PROBE = `
const net = require('node:net');
const probe = (host) => new Promise((done) => {
  const socket = net.connect({ host, port: 9, timeout: 1500 });
  socket.on('connect', () => { socket.destroy(); done([host, 'open']); });
  socket.on('error', (error) => done([host, error.code]));
  socket.on('timeout', () => { socket.destroy(); done([host, 'timeout']); });
});
Promise.all(process.argv.slice(1).map(probe)).then((r) => process.stdout.write(JSON.stringify(Object.fromEntries(r))));
`;

/**
 * Two-way reachability of each target from inside a namespace (path), in one process: true when the target's kernel
 * answered (RST or accept), else the error code.
 */
export async function reach(
  exec: NetlinkExecutor,
  nsPath: string,
  targets: readonly string[],
): Promise<Record<string, true | string>> {
  const out = await exec.run(
    { file: 'nsenter', args: [`--net=${nsPath}`, '--', process.execPath, '-e', PROBE, ...targets] },
    { timeoutMs: 10_000 },
  );
  const results = JSON.parse(out.stdout) as Record<string, string>;
  return Object.fromEntries(
    Object.entries(results).map(([t, r]) => [t, r === 'ECONNREFUSED' || r === 'open' ? true : r]),
  );
}

/** Read-only `iptables-save` of both backends in the root namespace (comments dropped). */
export async function rootIptables(exec: NetlinkExecutor): Promise<string> {
  const outputs = await Promise.all(
    ['iptables-nft-save', 'iptables-legacy-save'].map((file) => exec.run({ file, args: [] })),
  );
  return outputs
    .map((o) =>
      o.stdout
        .split('\n')
        .filter((l) => !l.startsWith('#'))
        .join('\n'),
    )
    .join('\n');
}

/**
 * Registers the suite's before/after hooks for a suite whose namespaces are named `<prefix>-…`: afterwards they are
 * all deleted, none may be left, and the root namespace (with `iptables`, also its rules) must be as before.
 *
 * @example
 * describe('pods', { skip }, () => {
 *   const exec = new NetlinkExecutor({ confined: true });
 *   const prefix = newRunPrefix('vcni');
 *   guardIsolation(exec, prefix);
 * });
 */
export function guardIsolation(
  exec: NetlinkExecutor,
  prefix: string,
  options: { readonly iptables?: boolean } = {},
): void {
  let rootBefore = '';
  let iptablesBefore = '';
  before(async () => {
    rootBefore = await rootFingerprint();
    if (options.iptables === true) iptablesBefore = await rootIptables(exec);
  });
  after(async () => {
    await deleteNamespacesWithPrefix(exec, prefix);
    assert.deepEqual(
      (await listNamespaces(exec)).filter((n) => n.startsWith(`${prefix}-`)),
      [],
      'no namespace left behind',
    );
    assert.equal(await rootFingerprint(), rootBefore, 'root namespace untouched');
    if (options.iptables === true) assert.equal(await rootIptables(exec), iptablesBefore, 'root iptables untouched');
  });
}

/** A namespace's wiring in the reference's words, one string per link, route, neighbour and rule. */
export interface State {
  links: string[];
  routes: string[];
  neighbours: string[];
  rules: string[];
}

/**
 * Links (but lo) with their IPv4 addresses, main routes, neighbours and rules of a namespace, in the reference's
 * words, read with `ip -json` (the pod wiring tests compare namespaces with it).
 */
export async function podState(exec: NetlinkExecutor, ns: string): Promise<State> {
  type Json = Record<string, unknown> & {
    addr_info?: { family: string; local: string; prefixlen: number }[];
    flags?: string[];
    state?: string[];
  };
  const read = (...args: string[]): Promise<Json[]> => exec.ipJson<Json[]>({ args }, { netns: ns });
  const [links, routes, neighbours, rules] = await Promise.all([
    read('addr', 'show'),
    read('route', 'show', 'table', 'main'),
    read('neigh', 'show'),
    read('rule', 'show'),
  ]);
  const text = (v: unknown): string => String(v);
  const opt = (word: string, v: unknown): string => (v === undefined ? '' : ` ${word} ${text(v)}`);
  return {
    links: links
      .filter((l) => l['ifname'] !== 'lo')
      .map((l) => {
        const v4 = (l.addr_info ?? []).filter((a) => a.family === 'inet').map((a) => ` ${a.local}/${a.prefixlen}`);
        return `${text(l['ifname'])} ${text(l['address'])} mtu ${text(l['mtu'])} ${l.flags?.includes('UP') === true ? 'up' : 'down'}${v4.join('')}`;
      }),
    routes: routes.map(
      (r) => `${text(r['dst'])}${opt('via', r['gateway'])} dev ${text(r['dev'])}${opt('scope', r['scope'])}`,
    ),
    neighbours: neighbours.map((n) => `${text(n['dst'])} lladdr ${text(n['lladdr'])} ${(n.state ?? []).join(',')}`),
    rules: rules.map(
      (r) =>
        `${text(r['priority'])}${r['src'] === 'all' ? '' : opt('from', r['src'])}${opt('to', r['dst'])} lookup ${text(r['table'])}`,
    ),
  };
}
