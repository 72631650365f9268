/**
 * Parsers for the structured values of the environment: paths, URLs, CIDR lists, ENI tags, bind addresses, log
 * destinations, Kubernetes names. Each takes the raw text and returns a {@link Parsed} value or what it expected.
 *
 * @example
 * parseCidrList('10.0.0.0/8, 192.168.0.0/16'); // { ok: true, value: ['10.0.0.0/8', '192.168.0.0/16'] }
 * parseBindAddress('unix:/run/aws-node/introspection.sock'); // { ok: true, value: { kind: 'unix', path: ... } }
 * parseVethPrefix('eth'); // { ok: false, expected: 'expected at most 4 characters, not eth/lo/vlan' }
 */
import { isIPv4, isIPv6 } from 'node:net';
import { formatCidr, parseCidr } from '../ipam/cidr.js';
import { fail, ok, parseBase10Int, showValue, type Parsed } from './parsers.js';
import type { BindAddress, LogDestination } from './types.js';

const MAX_PATH = 4096;

export function parseAbsolutePath(text: string): Parsed<string> {
  return text.startsWith('/') && text.length <= MAX_PATH && !text.includes('\0')
    ? ok(text)
    : fail('expected an absolute path');
}

/** `stdout`, `stderr` or an absolute file path; plugins (whose stdout is the CNI result) refuse `stdout`. */
export function parseLogDestination(text: string, allowStdout: boolean): Parsed<LogDestination> {
  if (text === 'stderr') return ok({ to: 'stderr' });
  if (text === 'stdout' && allowStdout) return ok({ to: 'stdout' });
  if (parseAbsolutePath(text).ok) return ok({ to: 'file', path: text });
  return fail(
    allowStdout
      ? 'expected stdout, stderr or an absolute file path'
      : 'expected stderr or an absolute file path (a plugin writes its CNI result on stdout)',
  );
}

/**
 * The environment spelling of a log destination.
 *
 * @example
 * formatLogDestination({ to: 'file', path: '/var/log/aws-routed-eni/plugin.log' }); // '/var/log/aws-routed-eni/plugin.log'
 */
export function formatLogDestination(destination: LogDestination): string {
  return destination.to === 'file' ? destination.path : destination.to;
}

const RESERVED_VETH_PREFIXES = new Set(['eth', 'lo', 'vlan']);

export function parseVethPrefix(text: string): Parsed<string> {
  if (Array.from(text).length > 4 || RESERVED_VETH_PREFIXES.has(text)) {
    return fail('expected at most 4 characters, not eth/lo/vlan');
  }
  return /^[A-Za-z0-9_-]+$/.test(text) ? ok(text) : fail("expected letters, digits, '-' or '_' only");
}

/** An http(s) URL with a host and no credentials; the text is kept as given. */
export function parseHttpUrl(text: string): Parsed<string> {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return fail('expected an http:// or https:// URL');
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') {
    return fail('expected an http:// or https:// URL');
  }
  if (url.username !== '' || url.password !== '') return fail('expected an http(s) URL without user:password');
  return ok(text);
}

/** Comma-separated IPv4 CIDRs; spaces around entries and empty entries are ignored. Canonical text out. */
export function parseCidrList(text: string): Parsed<readonly string[]> {
  const cidrs: string[] = [];
  for (const item of text.split(',')) {
    const entry = item.trim();
    if (entry === '') continue;
    try {
      cidrs.push(formatCidr(parseCidr(entry)));
    } catch (error) {
      // The CIDR parser quotes the entry verbatim: only repeat its explanation for short, printable entries.
      const plain = entry.length <= 48 && /^[\x20-\x7e]+$/.test(entry) && error instanceof Error;
      const reason = plain ? error.message : `${showValue(entry)} is not a CIDR block`;
      return fail(`expected comma-separated IPv4 CIDRs like 10.0.0.0/8: ${reason}`);
    }
  }
  return ok(cidrs);
}

/** Decimal without leading zeros (so no octal look-alikes) or 0x hex, 1 to 2^32 - 1. */
export function parseConnmark(text: string): Parsed<number> {
  const value = /^0[xX][0-9a-fA-F]{1,8}$/.test(text)
    ? Number.parseInt(text.slice(2), 16)
    : /^[1-9]\d{0,9}$/.test(text)
      ? Number(text)
      : undefined;
  if (value !== undefined && value >= 1 && value <= 0xffffffff) return ok(value);
  return fail('expected a decimal or 0x-hexadecimal integer from 1 to 0xffffffff, e.g. 0x80');
}

export function formatConnmark(mark: number): string {
  return `0x${mark.toString(16)}`;
}

export interface EniTags {
  readonly tags: Readonly<Record<string, string>>;
  /** Keys dropped because they contain `k8s.amazonaws.com` (reserved for vpc-cni's own tags). */
  readonly dropped: readonly string[];
}

const TAGS_EXPECTED = 'expected a JSON object of string keys to string values, e.g. {"team":"network"}';

/** ADDITIONAL_ENI_TAGS: a JSON object of strings within EC2's tag limits. Keys are copied as own data properties. */
export function parseEniTags(text: string): Parsed<EniTags> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return fail(TAGS_EXPECTED);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return fail(TAGS_EXPECTED);
  const kept: [string, string][] = [];
  const dropped: string[] = [];
  for (const [key, value] of Object.entries(parsed)) {
    if (typeof value !== 'string') return fail(TAGS_EXPECTED);
    if (key.length === 0 || key.length > 128 || value.length > 256) {
      return fail(`${TAGS_EXPECTED}; keys 1-128 and values 0-256 characters`);
    }
    if (key.toLowerCase().startsWith('aws:')) return fail(`${TAGS_EXPECTED}; keys starting with aws: are reserved`);
    if (key.includes('k8s.amazonaws.com')) dropped.push(key);
    else kept.push([key, value]);
  }
  return ok({ tags: Object.fromEntries(kept), dropped });
}

const BIND_EXPECTED = 'expected host:port (e.g. 127.0.0.1:61679 or [::1]:61679) or unix:/absolute/path';
const HOSTNAME =
  /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** Go's net.Listen address forms: `host:port`, `[v6]:port`, `:port` (all interfaces), or `unix:/path`. */
export function parseBindAddress(text: string): Parsed<BindAddress> {
  if (text.startsWith('unix:')) {
    const path = text.slice('unix:'.length);
    return parseAbsolutePath(path).ok ? ok({ kind: 'unix', path }) : fail(BIND_EXPECTED);
  }
  const colon = text.lastIndexOf(':');
  if (colon < 0) return fail(BIND_EXPECTED);
  const hostText = text.slice(0, colon);
  const portText = text.slice(colon + 1);
  const port = /^\d{1,5}$/.test(portText) ? parseBase10Int(portText) : undefined;
  if (port === undefined || port < 1 || port > 65535) return fail(BIND_EXPECTED);
  const bracketed = hostText.startsWith('[') && hostText.endsWith(']');
  const host = bracketed ? hostText.slice(1, -1) : hostText;
  const valid = bracketed ? isIPv6(host) : host === '' || isIPv4(host) || HOSTNAME.test(host);
  return valid ? ok({ kind: 'tcp', host, port }) : fail(BIND_EXPECTED);
}

/**
 * The environment spelling of a bind address.
 *
 * @example
 * formatBindAddress({ kind: 'tcp', host: '::1', port: 61679 }); // '[::1]:61679'
 */
export function formatBindAddress(address: BindAddress): string {
  if (address.kind === 'unix') return `unix:${address.path}`;
  return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}

const DNS_LABEL = '[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?';
/** RFC 1123 subdomain: Kubernetes node and pod names. */
export const DNS_SUBDOMAIN = new RegExp(`^(?=.{1,253}$)${DNS_LABEL}(\\.${DNS_LABEL})*$`);
const QUALIFIED_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

/** A Kubernetes label or annotation key: `[dns-subdomain/]name`, name at most 63 characters. */
export function parseQualifiedKey(text: string): Parsed<string> {
  const slash = text.lastIndexOf('/');
  const prefix = slash < 0 ? undefined : text.slice(0, slash);
  const name = slash < 0 ? text : text.slice(slash + 1);
  const valid = QUALIFIED_NAME.test(name) && (prefix === undefined || DNS_SUBDOMAIN.test(prefix));
  return valid ? ok(text) : fail('expected a Kubernetes label/annotation key like k8s.amazonaws.com/eniConfig');
}
