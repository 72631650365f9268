// Fuzz: the real bin/aws-cni, exec'd a few hundred times with hostile CNI_* environments and configs, with ipamd
// absent (the config's ipamdSocket points into an empty temp dir). Each exec runs inside a throwaway node namespace
// of this test (nsenter), in a private mount namespace whose /var/log is a tmpfs (an undecodable config logs to the
// reference's default /var/log/aws-routed-eni/plugin.log), against a throwaway pod namespace. Every answer must be
// one CNI error JSON with a documented code on stdout (or a well-formed success), exit non-zero on error, print
// nothing else but log records, and leave both namespaces, the list of namespaces and the root namespace as they were.
import { strict as assert } from 'node:assert';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { NetlinkExecutor } from '../../src/netlink/exec.js';
import {
  createNamespaces,
  deleteNamespaces,
  listNamespaces,
  newRunPrefix,
  removeLeftoverNamespaces,
} from '../../src/netlink/netns.js';
import { netnsSkipReason, rootFingerprint } from '../../src/netlink/netns.test-util.js';
import {
  cniOutputProblem,
  documentedCodes,
  generateEnv,
  generateStdin,
  ROOT,
  seedConfigs,
  type CniAnswer,
} from './cni-gen.js';
import type { Json } from './mutate.js';
import { fuzzCases, runCases, within } from './prng.js';

const PLUGIN = join(ROOT, 'bin', 'aws-cni');
const TAG = 'vcnifz';
/** False when a private mount namespace with a tmpfs on /var/log can be made here (root with CAP_SYS_ADMIN). */
function privateLogSkipReason(): string | false {
  try {
    execFileSync(
      '/usr/bin/unshare',
      ['--mount', '--propagation', 'private', '--', '/bin/sh', '-c', 'mount -t tmpfs vcnifz-log /var/log'],
      { stdio: 'pipe' },
    );
    return false;
  } catch (error) {
    return `cannot mount a private tmpfs on /var/log: ${(error as Error).message}`;
  }
}

const skip =
  (await netnsSkipReason()) ||
  (existsSync(PLUGIN) ? false : `${PLUGIN} is missing: run npm run build`) ||
  privateLogSkipReason();

/** One exec of the plugin the way a runtime does it, in the node namespace and a private mount namespace. */
function execPlugin(nodeNetns: string, env: Record<string, string>, stdin: string): Promise<CniAnswer> {
  const script = 'mount -t tmpfs vcnifz-log /var/log && exec "$0"';
  const args = [
    `--net=/var/run/netns/${nodeNetns}`,
    '--',
    '/usr/bin/unshare',
    '--mount',
    '--propagation',
    'private',
    '--',
    '/bin/sh',
    '-c',
    script,
    PLUGIN,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/nsenter', args, {
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: 20_000,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.stdin.on('error', () => undefined); // VERSION and an unset CNI_COMMAND do not read stdin
    child.on('close', (code, signal) => {
      if (signal !== null) reject(new Error(`the plugin was killed by ${signal}`));
      else
        resolve({
          exitCode: code ?? -1,
          stdout: Buffer.concat(out).toString('utf8'),
          stderr: Buffer.concat(err).toString('utf8'),
        });
    });
    child.stdin.end(stdin);
  });
}

/** Links, addresses, routes of every table and rules of a namespace, in one `ip -batch`. */
function dump(netns: string): string {
  return execFileSync('ip', ['-n', netns, '-d', '-batch', '-'], {
    input: 'link show\naddr show\nroute show table all\nrule show\nneigh show\n',
    encoding: 'utf8',
  }).replace(/\s+(valid_lft|preferred_lft) \S+/g, '');
}

/** Log records the plugin writes to stderr when its log file cannot be opened: JSON lines with level, time, msg. */
function withoutLogRecords(stderr: string): string {
  return stderr
    .split('\n')
    .filter((line) => {
      try {
        const record = JSON.parse(line) as Record<string, unknown>;
        return !(typeof record['level'] === 'string' && typeof record['msg'] === 'string');
      } catch {
        return line !== '';
      }
    })
    .join('\n');
}

describe('fuzz: the aws-cni binary', { skip, timeout: 600_000 }, () => {
  const exec = new NetlinkExecutor({ timeoutMs: 10_000 });
  const prefix = newRunPrefix(TAG);
  const node = `${prefix}-node`;
  const pod = `${prefix}-pod`;
  let dir = '';
  let rootBefore = '';

  before(async () => {
    rootBefore = await rootFingerprint();
    await removeLeftoverNamespaces(exec, { tag: TAG });
    dir = await mkdtemp(join(tmpdir(), 'vcni-fuzz-'));
    await createNamespaces(exec, [node, pod]);
  });

  after(async () => {
    await deleteNamespaces(exec, [node, pod]).catch(() => undefined);
    if (dir !== '') await rm(dir, { recursive: true, force: true });
    assert.equal(await rootFingerprint(), rootBefore, 'the root namespace is untouched');
  });

  it('hostile calls with ipamd absent → one CNI error JSON (documented code) or a valid result; nothing created or changed', async () => {
    const known = documentedCodes();
    const socket = join(dir, 'no-ipamd', 'ipamd.sock');
    let logs = 0;
    /** Keeps the plugin's files inside the temp dir: any usable ipamdSocket and pluginLogFile is redirected there. */
    const contain = (conf: Json): Json => {
      if (conf === null || typeof conf !== 'object' || Array.isArray(conf)) return conf;
      const out = { ...conf };
      const s = out['ipamdSocket'];
      if (s === undefined || (typeof s === 'string' && s.startsWith('/') && !s.includes('\0') && s.length <= 107))
        out['ipamdSocket'] = socket;
      if (typeof out['pluginLogFile'] === 'string' && out['pluginLogFile'] !== '')
        out['pluginLogFile'] = (logs += 1) % 10 === 0 ? dir : join(dir, 'logs', `plugin-${logs % 7}.log`);
      return out;
    };
    const seeds = seedConfigs();
    const namespaces = (await listNamespaces(exec)).filter((n) => n.startsWith(`${TAG}-`)).sort();
    const initial = { node: dump(node), pod: dump(pod) };
    const codes = new Map<string, number>();
    await runCases('cni-binary', fuzzCases(200, true), async (rng, note) => {
      // Linux refuses an exec whose single variable exceeds 128 KiB (E2BIG): no runtime can send more.
      const env = Object.fromEntries(
        Object.entries(generateEnv(rng, `/var/run/netns/${pod}`)).map(([k, v]) => [k, v.slice(0, 20_000)]),
      );
      let stdin = generateStdin(rng, seeds, contain);
      // Text damage may leave valid JSON whose paths escaped the temp dir: contain those too.
      try {
        stdin = JSON.stringify(contain(JSON.parse(stdin) as Json));
      } catch {
        // not JSON: the plugin logs to the default path, which is the private tmpfs
      }
      note('env', env);
      note('stdin', stdin);
      const out = await within(execPlugin(node, env, stdin), 30_000, 'aws-cni');
      note('output', out);
      const verdict = cniOutputProblem(env, { ...out, stderr: withoutLogRecords(out.stderr) }, known);
      assert.ok(typeof verdict !== 'string', verdict as string);
      const stable = verdict === undefined ? 'ok' : verdict.error.stable;
      codes.set(stable, (codes.get(stable) ?? 0) + 1);
      if (env['CNI_COMMAND'] === 'ADD') assert.notEqual(stable, 'ok', 'ADD cannot succeed without ipamd');
      assert.equal(dump(node), initial.node, 'the node namespace is unchanged');
      assert.equal(dump(pod), initial.pod, 'the pod namespace is unchanged');
    });
    assert.deepEqual(
      (await listNamespaces(exec)).filter((n) => n.startsWith(`${TAG}-`)).sort(),
      namespaces,
      'no namespace created',
    );
    if (fuzzCases(200, true) >= 100) {
      for (const code of ['CNI_INVALID_ENV', 'CNI_DECODE_FAILED', 'CNI_INVALID_CONFIG', 'CNI_IPAMD_UNREACHABLE'])
        assert.ok(codes.has(code), `no exec ended in ${code}: ${JSON.stringify([...codes])}`);
    }
  });
});
