/**
 * Pure rendering of ipamd's iptables rule set ([behaviour §7.7] SNAT, [behaviour §7.8] connmark, iptables variant) and
 * the plan that converges a node namespace to it: an `iptables-restore --noflush` input computed from `iptables-save`.
 *
 * Rules are kept as `iptables-save` prints them (the *canonical* spelling: `-i` before `-m`, `--set-mark` shown as
 * `--set-xmark`, `--restore-mark --mask M` as `--nfmask M --ctmask M`, `/32` spelled out, `-d 0.0.0.0/0` dropped), so
 * comparing a rule with the saved text is a string comparison, and a converged namespace needs no write at all.
 *
 * Ownership: our chains are `AWS-SNAT-CHAIN*` and `AWS-CONNMARK-CHAIN*` (flushed and refilled when they differ, as
 * one transaction; extra ones, such as the `AWS-SNAT-CHAIN-1` of old releases, are flushed and deleted). In
 * built-in chains, our rules are those carrying one of our comments or jumping to one of our chains; when they are
 * not exactly the wanted list in order, all of them are deleted and the wanted ones appended, which also removes the
 * legacy `-m state --state NEW` jump and keeps the connmark jump ahead of the restore-mark rule.
 *
 * @example
 * const wanted = snatRules(spec, { randomFully: true });
 * const plan = planRestore(parseIptablesSave(await save()), wanted);
 * if (plan.input !== '') await restore(plan.input);
 */
import { isIpv4 } from '../ipam/cidr.js';
import type { SnatSpec } from './port.js';
import { checkLinkName } from './commands.js';
import { NetlinkError } from './errors.js';
import { canonicalCidr, formatMark } from './host-routes.js';

export const SNAT_CHAIN = 'AWS-SNAT-CHAIN-0';
export const CONNMARK_CHAIN = 'AWS-CONNMARK-CHAIN-0';

/** The reference's comments, byte for byte: tools and runbooks grep for them. */
export const COMMENTS = {
  snatJump: 'AWS SNAT CHAIN',
  snatExclusion: 'AWS SNAT CHAIN EXCLUSION',
  snat: 'AWS, SNAT',
  primaryEni: 'AWS, primary ENI',
  outbound: 'AWS, outbound connections',
  connmark: 'AWS, CONNMARK',
  connmarkChain: 'AWS CONNMARK CHAIN',
} as const;

const OWNED_CHAIN = /^AWS-(SNAT|CONNMARK)-CHAIN/;
const BUILTIN_COMMENTS = new Set<string>([
  COMMENTS.snatJump,
  COMMENTS.snat,
  COMMENTS.primaryEni,
  COMMENTS.outbound,
  COMMENTS.connmark,
]);

/** The tables we write, in the order of the restore input. */
export const TABLES = ['mangle', 'nat'] as const;
export type Table = (typeof TABLES)[number];

/** What we want in one table: the full content of our chains, and our rules in built-in chains (in order). */
export interface TableRules {
  readonly chains: ReadonlyMap<string, readonly string[]>;
  readonly builtins: ReadonlyMap<string, readonly string[]>;
}

export type SnatRules = Readonly<Record<Table, TableRules>>;

export interface RenderOptions {
  /** The iptables binary knows `--random-fully` (≥ 1.6.2); without it `prng` falls back to `--random`. */
  readonly randomFully: boolean;
}

function invalid(what: string, value: unknown): never {
  throw new NetlinkError('NETLINK_INVALID_ARGUMENT', `invalid ${what}: ${JSON.stringify(value)}`, { what, value });
}

/** `-d CIDR ` in canonical form; iptables drops a match on 0.0.0.0/0, so it is written without `-d`. */
function dst(cidr: string): string {
  const canonical = canonicalCidr(cidr);
  return canonical === '0.0.0.0/0' ? '' : `-d ${canonical} `;
}

const comment = (text: string): string => `-m comment --comment "${text}"`;

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}

/** The SNAT target's port randomisation [behaviour §7.7]: `prng` is `--random-fully` where supported, else `--random`. */
export function snatRandomization(mode: SnatSpec['randomizeSnat'], options: RenderOptions): string {
  if (mode === 'none') return '';
  return mode === 'prng' && options.randomFully ? ' --random-fully' : ' --random';
}

/**
 * The rule set of [behaviour §7.7–7.8] for `spec`. External SNAT drops the SNAT and connmark chains and their jumps;
 * the mangle rules follow node-port support (the pod restore-mark also stays while SNAT is ours).
 */
export function snatRules(spec: SnatSpec, options: RenderOptions): SnatRules {
  if (!isIpv4(spec.primaryIp)) invalid('primary IPv4 address', spec.primaryIp);
  const primaryIf = checkLinkName(spec.primaryInterface);
  if (!/^[A-Za-z0-9_.-]{1,14}$/.test(spec.vethPrefix)) invalid('veth prefix', spec.vethPrefix);
  const mark = formatMark(spec.connmark);
  const vpc = unique(spec.vpcCidrs.map(dst));
  const excluded = unique(spec.excludeSnatCidrs.map(dst));
  const restoreMark = `-j CONNMARK --restore-mark --nfmask ${mark} --ctmask ${mark}`;

  const mangle: string[] = [];
  if (spec.nodePortSupport) {
    mangle.push(
      `-i ${primaryIf} ${comment(COMMENTS.primaryEni)} -m addrtype --dst-type LOCAL --limit-iface-in -j CONNMARK --set-xmark ${mark}/${mark}`,
    );
  }
  if (spec.nodePortSupport || !spec.externalSnat)
    mangle.push(`-i ${spec.vethPrefix}+ ${comment(COMMENTS.primaryEni)} ${restoreMark}`);
  if (spec.nodePortSupport) mangle.push(`-i vlan+ ${comment(COMMENTS.primaryEni)} ${restoreMark}`);

  const nat: TableRules = spec.externalSnat
    ? { chains: new Map(), builtins: new Map() }
    : {
        chains: new Map([
          [
            SNAT_CHAIN,
            [
              ...vpc.map((d) => `${d}${comment(COMMENTS.snatJump)} -j RETURN`),
              ...excluded.map((d) => `${d}${comment(COMMENTS.snatExclusion)} -j RETURN`),
              `! -o vlan+ ${comment(COMMENTS.snat)} -m addrtype ! --dst-type LOCAL -j SNAT --to-source ${spec.primaryIp}${snatRandomization(spec.randomizeSnat, options)}`,
            ],
          ],
          [
            CONNMARK_CHAIN,
            [
              ...unique([...vpc, ...excluded]).map((d) => `${d}${comment(COMMENTS.connmarkChain)} -j RETURN`),
              `${comment(COMMENTS.connmark)} -j CONNMARK --set-xmark ${mark}/${mark}`,
            ],
          ],
        ]),
        builtins: new Map([
          ['POSTROUTING', [`${comment(COMMENTS.snatJump)} -j ${SNAT_CHAIN}`]],
          [
            'PREROUTING',
            [
              `-i ${spec.vethPrefix}+ ${comment(COMMENTS.outbound)} -j ${CONNMARK_CHAIN}`,
              `${comment(COMMENTS.connmark)} ${restoreMark}`,
            ],
          ],
        ]),
      };
  return { nat, mangle: { chains: new Map(), builtins: new Map([['PREROUTING', mangle]]) } };
}

/** One table of `iptables-save` output: every chain (built-in or not) and its rules as printed after `-A CHAIN `. */
export interface SavedTable {
  readonly chains: Map<string, string[]>;
  readonly builtin: Set<string>;
}

/** Parses `iptables-save` output (`*table`, `:CHAIN POLICY [p:b]`, `-A CHAIN spec`, `COMMIT`, `#` comments). */
export function parseIptablesSave(text: string): Map<string, SavedTable> {
  const tables = new Map<string, SavedTable>();
  let current: SavedTable | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('*')) {
      current = { chains: new Map(), builtin: new Set() };
      tables.set(line.slice(1).trim(), current);
    } else if (current !== undefined && line.startsWith(':')) {
      const [name = '', policy = '-'] = line.slice(1).split(' ');
      current.chains.set(name, current.chains.get(name) ?? []);
      if (policy !== '-') current.builtin.add(name);
    } else if (current !== undefined && line.startsWith('-A ')) {
      const space = line.indexOf(' ', 3);
      const chain = space < 0 ? line.slice(3) : line.slice(3, space);
      const rules = current.chains.get(chain) ?? [];
      rules.push(space < 0 ? '' : line.slice(space + 1));
      current.chains.set(chain, rules);
    }
  }
  return tables;
}

/** True for a rule of a built-in chain that vpc-cni owns (one of our comments, or a jump to one of our chains). */
export function isOwnedBuiltinRule(rule: string): boolean {
  const commentText = /--comment (?:"((?:[^"\\]|\\.)*)"|(\S+))/.exec(rule);
  const text = commentText?.[1] ?? commentText?.[2];
  if (text !== undefined && BUILTIN_COMMENTS.has(text)) return true;
  const target = /(?:^|\s)-[jg] (\S+)/.exec(rule)?.[1];
  return target !== undefined && OWNED_CHAIN.test(target);
}

export interface RestorePlan {
  /** `iptables-restore --noflush` input; '' when the namespace already has exactly the wanted rules. */
  readonly input: string;
  /** `table/chain` of every chain the input changes, for logs and tests. */
  readonly changed: readonly string[];
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** The restore input that turns `saved` into `wanted`, touching nothing that is not ours. */
export function planRestore(saved: ReadonlyMap<string, SavedTable>, wanted: SnatRules): RestorePlan {
  let input = '';
  const changed: string[] = [];
  for (const table of TABLES) {
    const have = saved.get(table) ?? { chains: new Map<string, string[]>(), builtin: new Set<string>() };
    const want = wanted[table];
    const declare: string[] = [];
    const deletes: string[] = [];
    const appends: string[] = [];
    const removals: string[] = [];
    for (const [chain, rules] of want.chains) {
      const current = have.chains.get(chain);
      if (current !== undefined && !have.builtin.has(chain) && sameList(current, rules)) continue;
      // With --noflush, declaring an existing chain flushes it (both backends); the refill is in the same commit.
      declare.push(`:${chain} - [0:0]`);
      appends.push(...rules.map((r) => `-A ${chain} ${r}`));
      changed.push(`${table}/${chain}`);
    }
    const stale = [...have.chains.keys()].filter(
      (c) => OWNED_CHAIN.test(c) && !have.builtin.has(c) && !want.chains.has(c),
    );
    removals.push(...stale.map((c) => `-F ${c}`), ...stale.map((c) => `-X ${c}`));
    changed.push(...stale.map((c) => `${table}/${c}`));
    const builtins = new Set([...have.builtin, ...want.builtins.keys()]);
    for (const chain of builtins) {
      const ours = (have.chains.get(chain) ?? []).filter(isOwnedBuiltinRule);
      const rules = want.builtins.get(chain) ?? [];
      if (sameList(ours, rules)) continue;
      deletes.push(...ours.map((r) => `-D ${chain} ${r}`));
      appends.push(...rules.map((r) => `-A ${chain} ${r}`));
      changed.push(`${table}/${chain}`);
    }
    const body = [...declare, ...deletes, ...appends, ...removals];
    if (body.length > 0) input += `*${table}\n${body.join('\n')}\nCOMMIT\n`;
  }
  return { input, changed };
}
