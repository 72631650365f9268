/**
 * The CNI side of the fuzz tests: a seed corpus of real network configs (the aws-cni entry of the rendered
 * `10-aws.conflist` as libcni hands it over, the test netconf, DEL/CHECK configs with a prevResult), generators of
 * hostile CNI_* environments and stdin, and the check every plugin answer must pass — a single CNI error JSON with a
 * documented stable code (never CNI_INTERNAL), or a well-formed success.
 *
 * @example
 * const { env, stdin } = generateCall(rng, seeds);
 * const problem = cniOutputProblem(env, await runPlugin({ env, stdin, deps }), KNOWN_CODES);
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { netconf } from '../../src/cni/cni.test-util.js';
import { renderConflist } from '../../src/cni/conflist.js';
import { SUPPORTED_VERSIONS } from '../../src/cni/version.js';
import { mutateJson, mutateText, randomString, type Json } from './mutate.js';
import type { Rng } from './prng.js';

/** The repository root (this file runs from build/spec/test/fuzz/). */
export const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** Every stable error code documented in docs/errors.md (`| \`CODE\` | cniCode | meaning |`). */
export function documentedCodes(): ReadonlySet<string> {
  const text = readFileSync(`${ROOT}docs/errors.md`, 'utf8');
  return new Set([...text.matchAll(/^\| `([A-Z0-9_]+)` \| \d+ \|/gm)].map((m) => m[1] as string));
}

/** A pod's ADD result as this plugin prints it (1.0.0), for DEL and CHECK prevResult seeds. */
export const PREV_RESULT: Json = {
  cniVersion: '1.0.0',
  interfaces: [
    { name: 'eni8ea2c11fe35', mac: '02:00:00:aa:bb:cc' },
    { name: 'eth0', mac: '02:00:00:dd:ee:ff', sandbox: '/var/run/netns/cni-1234' },
    { name: 'dummy8ea2c11fe35', mac: '0', sandbox: '0' },
  ],
  ips: [{ address: '10.0.1.23/32', interface: 1 }],
  dns: {},
};

/** The aws-cni plugin's config as libcni derives it from the rendered conflist (name and cniVersion of the list). */
function conflistPluginConf(): Json {
  const list = JSON.parse(
    renderConflist({
      ipFamily: 'ipv4',
      vethPrefix: 'eni',
      mtu: 9001,
      podSgEnforcingMode: 'strict',
      pluginLogFile: '/var/log/aws-routed-eni/plugin.log',
      pluginLogLevel: 'DEBUG',
      egressEnabled: true,
      egressPluginLogFile: '/var/log/aws-routed-eni/egress-v6-plugin.log',
      randomizeSnat: 'prng',
      nodeIp: 'fd00::1',
      bandwidthPlugin: false,
      podIpv6Disabled: false,
    }),
  ) as { cniVersion: string; name: string; plugins: Record<string, Json>[] };
  const plugin = list.plugins[0] ?? {};
  return {
    cniVersion: list.cniVersion,
    name: list.name,
    ...plugin,
    runtimeConfig: { 'io.kubernetes.cri.pod-annotations': { 'k8s.amazonaws.com/nicConfig': 'x' } },
  };
}

/** The seed configs; mutations start from one of them. */
export function seedConfigs(): Json[] {
  const base = JSON.parse(netconf()) as Record<string, Json>;
  return [
    conflistPluginConf(),
    base,
    { ...base, cniVersion: '0.4.0', prevResult: PREV_RESULT },
    { ...base, mtu: 1500, vethPrefix: 'veth', prevResult: PREV_RESULT },
  ];
}

const COMMANDS = ['ADD', 'DEL', 'CHECK', 'VERSION', 'STATUS', 'GC'];
const ODD_COMMANDS = ['', 'add', ' ADD', 'ADD\n', 'ADD\u0000', 'DELETE', 'FROB', 'ADD;DEL', '😀'];
const ARG_KEYS = [
  'K8S_POD_NAMESPACE',
  'K8S_POD_NAME',
  'K8S_POD_INFRA_CONTAINER_ID',
  'K8S_POD_UID',
  'IgnoreUnknown',
  'EVIL',
  'k8s_pod_name',
];
const SEPARATORS = [';', ';;', ',', ' ; ', '&', '\n', '=', ''];

/** A CNI_ARGS value: the runtime's pairs shuffled, some values hostile, odd separators and pair shapes. */
function generateCniArgs(rng: Rng): string {
  const values: Record<string, string> = {
    IgnoreUnknown: '1',
    K8S_POD_NAMESPACE: 'default',
    K8S_POD_NAME: 'web-0',
    K8S_POD_INFRA_CONTAINER_ID: 'c0ffee1234',
    K8S_POD_UID: '1b2c3d4e-0000-4000-8000-000000000001',
  };
  const pairs = rng
    .shuffle(Object.entries(values))
    .filter(() => rng.chance(0.85))
    .map(([k, v]) => [k, v] as [string, string]);
  for (let n = rng.int(3); n > 0; n--) {
    const which = rng.int(4);
    if (which === 0 && pairs.length > 0) (pairs[rng.int(pairs.length)] as [string, string])[1] = randomString(rng);
    else if (which === 1) pairs.push([rng.pick(ARG_KEYS), rng.chance(0.5) ? randomString(rng) : 'x']);
    else if (which === 2) pairs.push([randomString(rng), randomString(rng)]);
    else pairs.push([rng.pick(['', 'IgnoreUnknown', 'a=b']), rng.pick(['', 'true', 'TRUE', 'yes', '=', 'a=b'])]);
  }
  const separator = rng.chance(0.8) ? ';' : rng.pick(SEPARATORS);
  return (
    pairs.map(([k, v]) => (rng.chance(0.95) ? `${k}=${v}` : rng.pick([k, `${k}==${v}`, `=${v}`]))).join(separator) +
    (rng.chance(0.1) ? ';' : '')
  );
}

/** One CNI_* environment: the runtime's, each variable kept, dropped, mutated or replaced. */
export function generateEnv(rng: Rng, netns: string): Record<string, string> {
  const env: Record<string, string | undefined> = {
    CNI_COMMAND: rng.chance(0.9) ? rng.pick(COMMANDS) : rng.pick(ODD_COMMANDS),
    CNI_CONTAINERID: 'c0ffee1234',
    CNI_NETNS: netns,
    CNI_IFNAME: 'eth0',
    CNI_ARGS: generateCniArgs(rng),
    CNI_PATH: '/opt/cni/bin',
  };
  for (const key of ['CNI_CONTAINERID', 'CNI_NETNS', 'CNI_IFNAME', 'CNI_PATH']) {
    const roll = rng.float();
    if (roll < 0.05) env[key] = undefined;
    else if (roll < 0.12) env[key] = randomString(rng);
    else if (roll < 0.18) env[key] = mutateText(rng, env[key] ?? '');
  }
  if (rng.chance(0.05)) env['CNI_COMMAND'] = undefined;
  // The environment of a process holds no NUL: exec cuts a value there, and Node refuses it. Keep the rest.
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined) out[key] = value.split('\u0000').join('');
  return out;
}

/** One stdin: a seed config mutated structurally or as text, random bytes, or the seed itself. */
export function generateStdin(rng: Rng, seeds: readonly Json[], fix: (conf: Json) => Json = (c) => c): string {
  const seed = rng.pick(seeds);
  const roll = rng.float();
  if (roll < 0.08) return JSON.stringify(fix(seed));
  if (roll < 0.7) return JSON.stringify(fix(mutateJson(rng, seed, 3)));
  if (roll < 0.92) return mutateText(rng, JSON.stringify(fix(seed)));
  return Buffer.from(rng.bytes(rng.int(200))).toString(rng.chance(0.5) ? 'utf8' : 'latin1');
}

const CNI_CODES = new Set([1, 2, 3, 4, 5, 6, 7, 11, 50, 51, 999]);

export interface CniAnswer {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
}

/** The error JSON of a failed call (when it is one). */
export interface CniErrorJson {
  readonly cniVersion: string;
  readonly code: number;
  readonly msg: string;
  readonly details: string;
  /** The stable code (first item of details). */
  readonly stable: string;
}

/**
 * Why an answer breaks the plugin's contract, or undefined. Success: exit 0, one JSON object on stdout for VERSION and
 * ADD, nothing for the others; the about text on stderr when CNI_COMMAND is unset. Failure: one error JSON with a CNI
 * code, a message and a documented stable code in `details` (never CNI_INTERNAL: that is an untyped throw), exit 1.
 */
export function cniOutputProblem(
  env: Readonly<Record<string, string | undefined>>,
  out: CniAnswer,
  known: ReadonlySet<string>,
): string | { error: CniErrorJson } | undefined {
  const command = env['CNI_COMMAND'] ?? '';
  if (command === '') {
    if (out.exitCode !== 0 || out.stdout !== '' || !out.stderr.startsWith('AWS CNI'))
      return 'CNI_COMMAND unset: expected the about text on stderr, exit 0';
    return undefined;
  }
  if (out.stderr !== '') return `stderr is not empty: ${out.stderr.slice(0, 300)}`;
  if (out.exitCode === 0) {
    if (command === 'VERSION' || command === 'ADD') {
      let body: unknown;
      try {
        body = JSON.parse(out.stdout);
      } catch {
        return `success stdout is not JSON: ${out.stdout.slice(0, 300)}`;
      }
      if (typeof body !== 'object' || body === null || Array.isArray(body))
        return 'success stdout is not a JSON object';
      if (typeof (body as Record<string, unknown>)['cniVersion'] !== 'string')
        return 'success result has no cniVersion';
      return undefined;
    }
    return out.stdout === '' ? undefined : `${command} succeeded but printed ${out.stdout.slice(0, 200)}`;
  }
  if (out.exitCode !== 1) return `exit code ${out.exitCode}`;
  let body: unknown;
  try {
    body = JSON.parse(out.stdout);
  } catch {
    return `error stdout is not one JSON document: ${out.stdout.slice(0, 300)}`;
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'error stdout is not a JSON object';
  const { cniVersion, code, msg, details, ...rest } = body as Record<string, unknown>;
  if (Object.keys(rest).length > 0) return `error JSON has extra keys ${Object.keys(rest).join(',')}`;
  if (typeof cniVersion !== 'string' || !(SUPPORTED_VERSIONS as readonly string[]).includes(cniVersion))
    return `error cniVersion ${String(cniVersion)}`;
  if (typeof code !== 'number' || !CNI_CODES.has(code)) return `error code ${String(code)} is not a CNI spec code`;
  if (typeof msg !== 'string' || msg === '') return 'error msg is empty';
  if (typeof details !== 'string') return 'error details is not a string';
  const stable = details.split(';')[0] ?? '';
  if (stable === 'CNI_INTERNAL') return `an untyped error reached the runtime: ${msg}`;
  if (!known.has(stable)) return `stable code ${stable} is not documented in docs/errors.md`;
  return { error: { cniVersion, code, msg, details, stable } };
}

/** The codes raised while validating the call, before ipamd may be asked or anything wired. */
export const VALIDATION_CODES: ReadonlySet<string> = new Set([
  'CNI_MISSING_ENV',
  'CNI_INVALID_ENV',
  'CNI_DECODE_FAILED',
  'CNI_INVALID_CONFIG',
  'CNI_INCOMPATIBLE_VERSION',
]);
