/**
 * The IPAM checkpoint in the reference's `vpc-cni-ipam/1` format (`pkg/ipamd/datastore/checkpoint.go`), so that a
 * node can switch between the reference and this implementation without losing its pods' addresses. Pure: the
 * checkpoint store adapter does the atomic file write; this module only turns data into text and back.
 *
 * Timestamps are Unix nanoseconds held as `bigint`: the reference writes values such as 1714560000123456789, which
 * a JS number cannot hold exactly (2^53 ≈ 9.007e15), and the file must round-trip digit for digit.
 *
 * @example
 * const text = serializeCheckpoint({ version: CHECKPOINT_FORMAT_VERSION, allocations: [] });
 * // '{"version":"vpc-cni-ipam/1","allocations":[]}\n'
 * parseCheckpoint(text).allocations.length; // 0
 */
import { z } from 'zod';
import { isIpv4, parseIpv4 } from './cidr.js';
import { IpamError } from './errors.js';
import type { IpamKey, IpamMetadata } from './types.js';
import { messageOf } from '../errors.js';

/** The only checkpoint version the reference (v1.12+) and this implementation read and write. */
export const CHECKPOINT_FORMAT_VERSION = 'vpc-cni-ipam/1';

/**
 * Network name and interface name of allocations that reference versions ≤ 1.7 migrated from the CRI; the
 * container id is the real one. DEL falls back to this key so that such pods can still release their address.
 */
export const CRI_MIGRATED_NETWORK_NAME = '_migrated-from-cri';
export const CRI_MIGRATED_IF_NAME = 'unknown';

/**
 * One allocation row. `ipv4`/`ipv6` are absent when empty, as the reference's `omitempty`.
 *
 * @example
 * const entry: CheckpointEntry = {
 *   networkName: 'aws-cni', containerID: 'c0ffee', ifName: 'eth0', ipv4: '10.0.97.30',
 *   allocationTimestamp: 1714560000123456789n, metadata: { k8sPodNamespace: 'default', k8sPodName: 'web-1' },
 * };
 */
export interface CheckpointEntry extends IpamKey {
  readonly ipv4?: string;
  readonly ipv6?: string;
  /** When the address was assigned, in Unix nanoseconds (exact). */
  readonly allocationTimestamp: bigint;
  readonly metadata?: IpamMetadata;
}

/** The whole checkpoint file. */
export interface CheckpointData {
  readonly version: typeof CHECKPOINT_FORMAT_VERSION;
  readonly allocations: readonly CheckpointEntry[];
}

const NS_PER_MS = 1_000_000n;

/**
 * Converts a clock reading (ms, possibly fractional) to Unix nanoseconds; sub-millisecond digits are dropped.
 *
 * @example
 * msToNs(1714560000123); // 1714560000123000000n
 */
export function msToNs(ms: number): bigint {
  return BigInt(Math.floor(ms)) * NS_PER_MS;
}

/**
 * Converts Unix nanoseconds to milliseconds, rounding down.
 *
 * @example
 * nsToMs(1714560000123456789n); // 1714560000123
 */
export function nsToMs(ns: bigint): number {
  return Number(ns / NS_PER_MS);
}

/**
 * The checkpoint as the reference writes it: one line of JSON plus a newline, fields in the order of the Go
 * structs, `ipv4`/`ipv6` and empty metadata fields omitted, `metadata` always present, `allocations` `[]` when
 * empty. Allocations are ordered by address (the reference's order is Go map order) so that equal states give equal
 * files.
 *
 * @example
 * serializeCheckpoint({ version: 'vpc-cni-ipam/1', allocations: [{ networkName: 'aws-cni', containerID: 'c1',
 *   ifName: 'eth0', ipv4: '10.0.0.5', allocationTimestamp: 1000000n }] });
 * // '{"version":"vpc-cni-ipam/1","allocations":[{"networkName":"aws-cni","containerID":"c1","ifName":"eth0",
 * //   "ipv4":"10.0.0.5","allocationTimestamp":1000000,"metadata":{}}]}\n'   (on one line)
 */
export function serializeCheckpoint(data: CheckpointData): string {
  const rows = [...data.allocations].sort(compareEntries).map((entry, index) => entryJson(entry, index));
  return `{"version":${goJsonString(data.version)},"allocations":[${rows.join(',')}]}\n`;
}

function entryJson(entry: CheckpointEntry, index: number): string {
  if (entry.allocationTimestamp < 0n) {
    const why = `allocations[${index}].allocationTimestamp: negative (${entry.allocationTimestamp})`;
    throw new IpamError('CHECKPOINT_INVALID', why, { index });
  }
  const fields = [
    `"networkName":${goJsonString(entry.networkName)}`,
    `"containerID":${goJsonString(entry.containerID)}`,
    `"ifName":${goJsonString(entry.ifName)}`,
  ];
  if (entry.ipv4 !== undefined && entry.ipv4 !== '') fields.push(`"ipv4":${goJsonString(entry.ipv4)}`);
  if (entry.ipv6 !== undefined && entry.ipv6 !== '') fields.push(`"ipv6":${goJsonString(entry.ipv6)}`);
  fields.push(`"allocationTimestamp":${entry.allocationTimestamp.toString()}`);
  fields.push(`"metadata":${metadataJson(entry.metadata ?? {})}`);
  return `{${fields.join(',')}}`;
}

function metadataJson(metadata: IpamMetadata): string {
  const fields: string[] = [];
  if (metadata.k8sPodNamespace) fields.push(`"k8sPodNamespace":${goJsonString(metadata.k8sPodNamespace)}`);
  if (metadata.k8sPodName) fields.push(`"k8sPodName":${goJsonString(metadata.k8sPodName)}`);
  if (metadata.interfacesCount) fields.push(`"interfacesCount":${String(metadata.interfacesCount)}`);
  return `{${fields.join(',')}}`;
}

/** Go's encoding/json escapes `<`, `>`, `&`, U+2028 and U+2029; JSON.stringify does not. */
function goJsonString(text: string): string {
  return JSON.stringify(text).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

function compareEntries(a: CheckpointEntry, b: CheckpointEntry): number {
  const byV4 = ipv4Order(a) - ipv4Order(b);
  if (byV4 !== 0 && !Number.isNaN(byV4)) return byV4;
  const av6 = a.ipv6 ?? '';
  const bv6 = b.ipv6 ?? '';
  if (av6 !== bv6) return av6 < bv6 ? -1 : 1;
  const ak = `${a.networkName}\0${a.containerID}\0${a.ifName}`;
  const bk = `${b.networkName}\0${b.containerID}\0${b.ifName}`;
  return ak < bk ? -1 : ak > bk ? 1 : 0;
}

function ipv4Order(entry: CheckpointEntry): number {
  return entry.ipv4 !== undefined && isIpv4(entry.ipv4) ? parseIpv4(entry.ipv4) : Number.POSITIVE_INFINITY;
}

/**
 * Reads a checkpoint written by the reference or by {@link serializeCheckpoint}. Nothing is guessed: empty text,
 * malformed JSON, a missing or mistyped field, a bad address or a negative or fractional timestamp is
 * `CHECKPOINT_INVALID` naming the field (e.g. `allocations[3].ipv4: '10.0.0.x' is not an IPv4 address`); another
 * version is `CHECKPOINT_VERSION`. Unknown fields are ignored, as the reference's decoder does.
 *
 * @example
 * const data = parseCheckpoint('{"version":"vpc-cni-ipam/1","allocations":[{"networkName":"aws-cni",' +
 *   '"containerID":"c1","ifName":"eth0","ipv4":"10.0.0.5","allocationTimestamp":1714560000123456789,' +
 *   '"metadata":{}}]}\n');
 * data.allocations[0]?.allocationTimestamp; // 1714560000123456789n
 */
export function parseCheckpoint(text: string): CheckpointData {
  if (text.trim() === '') throw new IpamError('CHECKPOINT_INVALID', 'invalid checkpoint: the file is empty');
  let raw: unknown;
  try {
    raw = JSON.parse(quoteTimestamps(text));
  } catch (cause) {
    const reason = messageOf(cause);
    throw new IpamError('CHECKPOINT_INVALID', `invalid checkpoint: not JSON (${reason})`, {}, cause);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new IpamError('CHECKPOINT_INVALID', `invalid checkpoint: expected a JSON object, got ${describe(raw)}`);
  }
  const version = (raw as Record<string, unknown>)['version'];
  if (typeof version !== 'string') {
    const got = version === undefined ? 'missing' : `expected a string, got ${describe(version)}`;
    throw new IpamError('CHECKPOINT_INVALID', `invalid checkpoint: version: ${got}`);
  }
  if (version !== CHECKPOINT_FORMAT_VERSION) {
    throw new IpamError(
      'CHECKPOINT_VERSION',
      `checkpoint version '${version}' is not supported (expected '${CHECKPOINT_FORMAT_VERSION}')`,
      { version },
    );
  }
  const parsed = checkpointSchema.safeParse(raw, { error: describeIssue });
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`);
    throw new IpamError('CHECKPOINT_INVALID', `invalid checkpoint: ${issues[0] ?? 'unknown problem'}`, {
      issues: issues.slice(0, 10),
    });
  }
  return { version: CHECKPOINT_FORMAT_VERSION, allocations: parsed.data.allocations.map(toEntry) };
}

/**
 * JSON.parse would round nanosecond timestamps to the nearest double, so their digits are wrapped in a string
 * first, tagged with a NUL that no real JSON string carries unescaped. Inside a JSON string a `"` is always escaped,
 * so the pattern can only match a real `"allocationTimestamp":` member.
 */
const TIMESTAMP_MEMBER = /("allocationTimestamp"\s*:\s*)(-?\d[\d.eE+-]*)/g;
const DIGITS_TAG = '\u0000';

function quoteTimestamps(text: string): string {
  return text.replace(TIMESTAMP_MEMBER, (_match, member: string, digits: string) => `${member}"\\u0000${digits}"`);
}

const timestamp = z.unknown().transform((value, ctx): bigint => {
  if (typeof value === 'string' && value.startsWith(DIGITS_TAG)) {
    const digits = value.slice(DIGITS_TAG.length);
    if (/^(0|[1-9]\d*)$/.test(digits)) return BigInt(digits);
    ctx.addIssue({ code: 'custom', message: `'${digits}' is not a non-negative integer of nanoseconds` });
    return z.NEVER;
  }
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return BigInt(value);
  ctx.addIssue({
    code: 'custom',
    message: value === undefined ? 'missing' : `expected a non-negative integer of nanoseconds, got ${describe(value)}`,
  });
  return z.NEVER;
});

const address = (family: 'IPv4' | 'IPv6', valid: (text: string) => boolean) =>
  z
    .string()
    .refine((text) => text === '' || valid(text), {
      error: (issue) => `'${String(issue.input)}' is not an ${family} address`,
    })
    .optional();

const keyPart = z.string().min(1, { error: 'must not be empty' });

const entrySchema = z
  .object({
    networkName: keyPart,
    containerID: keyPart,
    ifName: keyPart,
    ipv4: address('IPv4', isIpv4),
    ipv6: address('IPv6', isIpv6),
    allocationTimestamp: timestamp,
    metadata: z
      .object({
        k8sPodNamespace: z.string().optional(),
        k8sPodName: z.string().optional(),
        interfacesCount: z
          .number()
          .int({ error: 'expected an integer' })
          .nonnegative({ error: 'must not be negative' })
          .optional(),
      })
      .optional(),
  })
  .refine((entry) => Boolean(entry.ipv4) || Boolean(entry.ipv6), { error: 'has neither ipv4 nor ipv6' });

const checkpointSchema = z.object({ allocations: z.array(entrySchema) });

type ParsedEntry = z.infer<typeof entrySchema>;

function toEntry(row: ParsedEntry): CheckpointEntry {
  const metadata = row.metadata === undefined ? undefined : toMetadata(row.metadata);
  return {
    networkName: row.networkName,
    containerID: row.containerID,
    ifName: row.ifName,
    ...(row.ipv4 ? { ipv4: row.ipv4 } : {}),
    ...(row.ipv6 ? { ipv6: row.ipv6 } : {}),
    allocationTimestamp: row.allocationTimestamp,
    ...(metadata === undefined ? {} : { metadata }),
  };
}

function toMetadata(row: NonNullable<ParsedEntry['metadata']>): IpamMetadata {
  return {
    ...(row.k8sPodNamespace === undefined ? {} : { k8sPodNamespace: row.k8sPodNamespace }),
    ...(row.k8sPodName === undefined ? {} : { k8sPodName: row.k8sPodName }),
    ...(row.interfacesCount === undefined ? {} : { interfacesCount: row.interfacesCount }),
  };
}

function describeIssue(issue: { code?: string; input?: unknown; expected?: string }): string | undefined {
  if (issue.code !== 'invalid_type') return undefined;
  if (issue.input === undefined) return 'missing';
  const expected = issue.expected ?? 'value';
  return `expected ${/^[aeiou]/.test(expected) ? 'an' : 'a'} ${expected}, got ${describe(issue.input)}`;
}

function formatPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const part of path) text += typeof part === 'number' ? `[${part}]` : `${text === '' ? '' : '.'}${String(part)}`;
  return text === '' ? '(root)' : text;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string '${value.startsWith(DIGITS_TAG) ? value.slice(1) : value}'`;
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${value}`;
  return typeof value === 'object' ? 'an object' : typeof value;
}

/** Strict enough for a checkpoint: hex groups and colons (or an embedded dotted quad), checked by the URL parser. */
function isIpv6(text: string): boolean {
  return /^[0-9A-Fa-f:.]+$/.test(text) && text.includes(':') && URL.canParse(`http://[${text}]/`);
}
