/**
 * `/v1/enis` and `/v1/pods` as tables: one row per ENI (device, id, IPs and prefixes, assigned / cooling down / free,
 * subnet), with `-o wide` every address and the pod on it; one row per pod. Reads the documents ipamd serves
 * (Go field names, RFC 3339 times) and checks their shape, so a wrong endpoint is an error rather than an empty
 * table.
 *
 * @example
 * const doc = parseEnis(await getIntrospection(endpoint, '/v1/enis'), endpoint);
 * io.stdout.write(enisTable(doc, Date.now(), { wide: false }));
 */
import { CliError } from '../errors.js';
import { formatTable, humanDuration } from '../table.js';

/** `IP_COOLDOWN_PERIOD`'s default; `/v1/enis` shows release times, not the period ipamd runs with. */
export const DEFAULT_COOLDOWN_MS = 30_000;

export type AddressState = 'assigned' | 'cooling down' | 'free';

export interface AddressRow {
  readonly address: string;
  readonly state: AddressState;
  /** `namespace/name` of the pod on it (assigned), or the pod it had (cooling down). */
  readonly pod?: string;
  /** When it was assigned (assigned) or released (cooling down), ms since the epoch. */
  readonly since?: number;
}

export interface EniRow {
  readonly card: string;
  readonly id: string;
  readonly device: number;
  readonly primary: boolean;
  readonly subnet: string;
  readonly routeTable: number;
  readonly ips: number;
  readonly prefixes: number;
  readonly addresses: readonly AddressRow[];
}

interface AddressDoc {
  Address?: string;
  IPAMKey?: { networkName?: string };
  IPAMMetadata?: { k8sPodNamespace?: string; k8sPodName?: string };
  AssignedTime?: string;
  UnassignedTime?: string;
}
interface CidrDoc {
  IPAddresses?: Record<string, AddressDoc>;
  IsPrefix?: boolean;
}
interface EniDoc {
  ID?: string;
  IsPrimary?: boolean;
  DeviceNumber?: number;
  AvailableIPv4Cidrs?: Record<string, CidrDoc>;
  RouteTableID?: number;
  SubnetID?: string;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Go's zero time (`0001-01-01T00:00:00Z`) means "never". */
function goTime(text: string | undefined): number | undefined {
  if (text === undefined || text.startsWith('0001-')) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

const ipNumber = (ip: string): number => ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);

/** Every address of a /32 or /28, in order. */
function expand(cidr: string): string[] {
  const [ip = '', bits = '32'] = cidr.split('/');
  const size = 2 ** (32 - Number(bits));
  const base = ipNumber(ip);
  return Array.from({ length: size }, (_, i) => {
    const n = base + i;
    return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
  });
}

function addressRow(address: string, doc: AddressDoc | undefined, now: number, cooldownMs: number): AddressRow {
  const meta = doc?.IPAMMetadata;
  const pod = meta?.k8sPodName === undefined ? undefined : `${meta.k8sPodNamespace ?? ''}/${meta.k8sPodName}`;
  if (doc !== undefined && (doc.IPAMKey?.networkName ?? '') !== '') {
    const since = goTime(doc.AssignedTime);
    return {
      address,
      state: 'assigned',
      ...(pod === undefined ? {} : { pod }),
      ...(since === undefined ? {} : { since }),
    };
  }
  const released = goTime(doc?.UnassignedTime);
  if (released !== undefined && now - released < cooldownMs) return { address, state: 'cooling down', since: released };
  return { address, state: 'free' };
}

/** Parses `/v1/enis`; a document of another shape is STATUS_NOT_IPAMD. */
export function parseEnis(doc: unknown, endpoint: string, now: number, cooldownMs = DEFAULT_COOLDOWN_MS): EniRow[] {
  const bad = (): CliError =>
    new CliError(
      'STATUS_NOT_IPAMD',
      `${endpoint}/v1/enis is not ipamd's ENI document (expected {"0": {"ENIs": {...}}}): wrong port, or another program?`,
    );
  if (!isObject(doc)) throw bad();
  const rows: EniRow[] = [];
  for (const [card, info] of Object.entries(doc)) {
    if (!isObject(info) || !isObject(info['ENIs'])) throw bad();
    for (const eni of Object.values(info['ENIs']) as EniDoc[]) {
      const cidrs = Object.entries(eni.AvailableIPv4Cidrs ?? {});
      const addresses = cidrs
        .flatMap(([cidr, c]) => expand(cidr).map((a) => addressRow(a, c.IPAddresses?.[a], now, cooldownMs)))
        .sort((a, b) => ipNumber(a.address) - ipNumber(b.address));
      rows.push({
        card,
        id: eni.ID ?? '?',
        device: eni.DeviceNumber ?? -1,
        primary: eni.IsPrimary === true,
        subnet: eni.SubnetID ?? '',
        routeTable: eni.RouteTableID ?? 0,
        ips: cidrs.filter(([, c]) => c.IsPrefix !== true).length,
        prefixes: cidrs.filter(([, c]) => c.IsPrefix === true).length,
        addresses,
      });
    }
  }
  return rows.sort((a, b) => (a.card === b.card ? a.device - b.device : a.card < b.card ? -1 : 1));
}

const count = (eni: EniRow, state: AddressState): number => eni.addresses.filter((a) => a.state === state).length;

/** One line: `2 ENIs, 18 addresses: 3 assigned, 1 cooling down, 14 free`. */
export function enisSummary(enis: readonly EniRow[]): string {
  const all = enis.flatMap((e) => e.addresses);
  const n = (state: AddressState): number => all.filter((a) => a.state === state).length;
  return `${enis.length} ENI${enis.length === 1 ? '' : 's'}, ${all.length} addresses: ${n('assigned')} assigned, ${n('cooling down')} cooling down, ${n('free')} free`;
}

/** The ENI table; with `wide`, the card and route table, and each ENI's addresses below it. */
export function enisTable(enis: readonly EniRow[], now: number, options: { wide: boolean }): string {
  const header = ['DEVICE', 'ENI', 'PRIMARY', 'SUBNET', 'IPS', 'PREFIXES', 'ASSIGNED', 'COOLING DOWN', 'FREE'];
  const rows = enis.map((e) => [
    String(e.device),
    e.id,
    e.primary ? 'yes' : 'no',
    e.subnet,
    String(e.ips),
    String(e.prefixes),
    String(count(e, 'assigned')),
    String(count(e, 'cooling down')),
    String(count(e, 'free')),
  ]);
  if (!options.wide) return formatTable(header, rows);
  const wideRows = rows.map((row, i) => [
    enis[i]?.card ?? '',
    ...row,
    enis[i]?.routeTable === 254 ? 'main' : String(enis[i]?.routeTable ?? ''),
  ]);
  let text = formatTable(['CARD', ...header, 'ROUTE TABLE'], wideRows);
  for (const eni of enis) {
    text += `\n${eni.id} (device ${eni.device}):\n`;
    text += formatTable(
      ['ADDRESS', 'STATE', 'POD', 'SINCE'],
      eni.addresses.map((a) => [
        a.address,
        a.state,
        a.pod ?? '-',
        a.since === undefined ? '-' : humanDuration(now - a.since),
      ]),
    );
  }
  return text;
}

export interface PodEntry {
  readonly namespace: string;
  readonly name: string;
  readonly container: string;
  readonly ip: string;
  readonly device: number;
}

/** Parses `/v1/pods` (`"<pod>_<namespace>_<container>": {"DeviceNumber", "IP"}`). */
export function parsePods(doc: unknown, endpoint: string): PodEntry[] {
  if (!isObject(doc))
    throw new CliError(
      'STATUS_NOT_IPAMD',
      `${endpoint}/v1/pods is not ipamd's pod document: wrong port, or another program?`,
    );
  return Object.entries(doc)
    .map(([key, value]) => {
      const [name = '', namespace = '', container = ''] = key.split('_');
      const entry = isObject(value) ? value : {};
      return {
        namespace,
        name,
        container,
        ip: typeof entry['IP'] === 'string' ? entry['IP'] : '',
        device: Number(entry['DeviceNumber'] ?? -1),
      };
    })
    .sort((a, b) => (a.namespace === b.namespace ? (a.name < b.name ? -1 : 1) : a.namespace < b.namespace ? -1 : 1));
}

/** The pod table; with `wide`, the container id prefix, the ENI and the address's age. */
export function podsTable(pods: readonly PodEntry[], enis: readonly EniRow[] | undefined, now: number): string {
  if (enis === undefined)
    return formatTable(
      ['POD', 'NAMESPACE', 'IP', 'DEVICE'],
      pods.map((p) => [p.name, p.namespace, p.ip, String(p.device)]),
    );
  const rows = pods.map((p) => {
    const eni = enis.find((e) => e.addresses.some((a) => a.address === p.ip));
    const since = eni?.addresses.find((a) => a.address === p.ip)?.since;
    return [
      p.name,
      p.namespace,
      p.ip,
      String(p.device),
      eni?.id ?? '-',
      p.container,
      since === undefined ? '-' : humanDuration(now - since),
    ];
  });
  return formatTable(['POD', 'NAMESPACE', 'IP', 'DEVICE', 'ENI', 'CONTAINER', 'AGE'], rows);
}
