/**
 * `/v1/pool` (the warm pool's last plan and why) and the two settings documents (`/v1/networkutils-env-settings`,
 * `/v1/ipamd-env-settings`) as readable text.
 *
 * @example
 * io.stdout.write(poolText(await getIntrospection(endpoint, '/v1/pool'), Date.now(), { wide: false }));
 * io.stdout.write(envText(networkutils, ipamd));
 */
import { CliError } from '../errors.js';
import { formatTable, humanDuration } from '../table.js';

interface Verdict {
  result?: boolean;
  reason?: string;
}
interface CardDoc {
  networkCard?: number;
  plannedAt?: string;
  summary?: string;
  freeEni?: { kind?: string; reason?: string };
  state?: { tooLow?: Verdict; tooHigh?: Verdict; removeExtraEnis?: Verdict };
  stats?: {
    totalIPs?: number;
    assignedIPs?: number;
    cooldownIPs?: number;
    availableIPs?: number;
    totalPrefixes?: number;
    freePrefixes?: number;
  };
  limits?: { maxEnis?: number; maxIpsPerEni?: number; maxPods?: number };
  lastDecreaseAt?: string | null;
  lastInsufficientAt?: string | null;
  attachmentBlockedBy?: string | null;
}
interface ActionDoc {
  at?: string;
  action?: string;
  eniId?: string | null;
  detail?: string;
  outcome?: string;
  errorCode?: string | null;
  durationMs?: number | null;
}
interface ErrorDoc {
  at?: string;
  code?: string;
  message?: string;
  hint?: string | null;
}
interface PoolDoc {
  mode?: { prefixDelegation?: boolean; customNetworking?: boolean };
  targets?: { warmEniTarget?: number; warmIpTarget?: number; minimumIpTarget?: number; warmPrefixTarget?: number };
  cards?: CardDoc[];
  recentActions?: ActionDoc[];
  recentErrors?: ErrorDoc[];
}

const ago = (time: string | null | undefined, now: number): string => {
  const ms = time === null || time === undefined ? Number.NaN : Date.parse(time);
  return Number.isNaN(ms) ? '-' : humanDuration(now - ms);
};

const target = (name: string, value: number | undefined, unsetWhenZero: boolean): string =>
  `${name}=${value ?? '?'}${unsetWhenZero && value === 0 ? ' (unset)' : ''}`;

const verdict = (v: Verdict | undefined): string => `${v?.result === true ? 'yes' : 'no'}: ${v?.reason ?? '?'}`;

function cardText(card: CardDoc, now: number): string {
  const s = card.stats ?? {};
  const l = card.limits ?? {};
  const lines = [
    `Network card ${card.networkCard ?? 0} (planned ${ago(card.plannedAt, now)} ago): ${card.summary ?? '?'}`,
    `  addresses:    ${s.totalIPs ?? 0} in the pool, ${s.assignedIPs ?? 0} assigned, ${s.cooldownIPs ?? 0} cooling down, ${s.availableIPs ?? 0} available` +
      `${(s.totalPrefixes ?? 0) > 0 ? `; ${s.totalPrefixes ?? 0} prefixes (${s.freePrefixes ?? 0} without pods)` : ''}`,
    `  limits:       ${l.maxEnis ?? '?'} ENIs × ${l.maxIpsPerEni ?? '?'} secondary IPs, max pods ${l.maxPods ?? '?'}`,
    `  too low?      ${verdict(card.state?.tooLow)}`,
    `  too high?     ${verdict(card.state?.tooHigh)}`,
    `  free an ENI?  ${card.freeEni?.kind ?? '?'}: ${card.freeEni?.reason ?? '?'}`,
  ];
  if (card.attachmentBlockedBy !== null && card.attachmentBlockedBy !== undefined)
    lines.push(`  blocked:      ${card.attachmentBlockedBy}`);
  if (card.lastInsufficientAt !== null && card.lastInsufficientAt !== undefined) {
    lines.push(`  subnet full:  EC2 said so ${ago(card.lastInsufficientAt, now)} ago (growing backs off for 2 min)`);
  }
  return `${lines.join('\n')}\n`;
}

/** The pool report as text; `wide` lists every recent action instead of the last five. */
export function poolText(doc: unknown, now: number, options: { wide: boolean; endpoint: string }): string {
  const pool = doc as PoolDoc;
  if (typeof doc !== 'object' || doc === null || !Array.isArray(pool.cards)) {
    throw new CliError(
      'STATUS_NOT_IPAMD',
      `${options.endpoint}/v1/pool is not ipamd's pool report: wrong port, or another program?`,
    );
  }
  const m = pool.mode ?? {};
  const t = pool.targets ?? {};
  let text = `Mode: ${m.prefixDelegation === true ? '/28 prefixes (prefix delegation)' : 'secondary IPs'}, custom networking ${m.customNetworking === true ? 'on' : 'off'}\n`;
  text += `Targets: ${[
    target('WARM_ENI_TARGET', t.warmEniTarget, false),
    target('WARM_IP_TARGET', t.warmIpTarget, true),
    target('MINIMUM_IP_TARGET', t.minimumIpTarget, true),
    target('WARM_PREFIX_TARGET', t.warmPrefixTarget, !(m.prefixDelegation === true)),
  ].join('  ')}\n\n`;
  text += pool.cards.map((card) => cardText(card, now)).join('\n');
  const actions = pool.recentActions ?? [];
  const shown = options.wide ? actions : actions.slice(0, 5);
  text += `\nRecent EC2 actions${shown.length < actions.length ? ` (last ${shown.length} of ${actions.length}; -o wide for all)` : ''}:\n`;
  text +=
    shown.length === 0
      ? '  none\n'
      : formatTable(
          ['AGE', 'ACTION', 'ENI', 'DETAIL', 'OUTCOME', 'MS'],
          shown.map((a) => [
            ago(a.at, now),
            a.action ?? '?',
            a.eniId ?? '-',
            a.detail ?? '',
            a.outcome === 'error' ? `error ${a.errorCode ?? ''}`.trim() : 'ok',
            a.durationMs === null || a.durationMs === undefined ? '-' : String(a.durationMs),
          ]),
        );
  const errors = pool.recentErrors ?? [];
  text += `\nRecent errors:\n`;
  text +=
    errors.length === 0
      ? '  none\n'
      : errors
          .map(
            (e) =>
              `  ${ago(e.at, now)} ago  ${e.code ?? '?'}: ${e.message ?? ''}${e.hint === null || e.hint === undefined ? '' : `\n    → ${e.hint}`}\n`,
          )
          .join('');
  return text;
}

function settingValue(value: unknown): string {
  if (value === null || value === undefined) return '<unset>';
  if (Array.isArray(value)) return value.length === 0 ? '<none>' : value.join(',');
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

function settingsTable(title: string, doc: unknown, endpoint: string, path: string): string {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new CliError(
      'STATUS_NOT_IPAMD',
      `${endpoint}${path} is not ipamd's settings document: wrong port, or another program?`,
    );
  }
  return `${title} (${path}):\n${formatTable(
    ['SETTING', 'VALUE'],
    Object.entries(doc).map(([k, v]) => [k, settingValue(v)]),
  )}`;
}

/** Both settings documents, one table each. */
export function envText(networkutils: unknown, ipamd: unknown, endpoint: string): string {
  return `${settingsTable('Host networking (networkutils)', networkutils, endpoint, '/v1/networkutils-env-settings')}\n${settingsTable('ipamd', ipamd, endpoint, '/v1/ipamd-env-settings')}`;
}
