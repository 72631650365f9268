/**
 * Reading namespaces the way the tests check them: `ip -n NS ...` (text or `-json`), a sorted dump of a namespace's
 * links, routes (every table) and rules, `iptables-save` inside one, and the names of all namespaces on the machine.
 * Nothing here changes a namespace.
 *
 * @example
 * const before = await dumpNetns(exec, node.netns);
 * const routes = await ipJson<{ dst: string }[]>(node.netns, ['route', 'show', 'table', 'all']);
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { NetlinkExecutor } from '../../../src/netlink/exec.js';

const run = promisify(execFile);

export async function ip(netns: string, args: readonly string[]): Promise<string> {
  const { stdout } = await run('ip', ['-n', netns, ...args]);
  return stdout;
}

export async function ipJson<T>(netns: string, args: readonly string[]): Promise<T> {
  const text = await ip(netns, ['-j', ...args]);
  return (text.trim() === '' ? [] : JSON.parse(text)) as T;
}

/** Pretty-prints JSON with `python3 -m json.tool`, as the seed reads `/v1/enis`; throws if Python cannot parse it. */
export async function pythonJsonTool(body: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile('python3', ['-m', 'json.tool'], (error, stdout, stderr) =>
      error === null ? resolve(stdout) : reject(new Error(`python3 -m json.tool: ${stderr}`)),
    );
    child.stdin?.end(body);
  });
}

/** Names of the network namespaces on the machine (`ip netns list`). */
export async function netnsNames(): Promise<string[]> {
  const { stdout } = await run('ip', ['netns', 'list']);
  return stdout
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter((name) => name !== '');
}

/** Links, routes of every table and rules of a namespace, as `ip -json` prints them (sorted, so order is moot). */
export interface NetnsDump {
  readonly links: readonly string[];
  readonly routes: readonly string[];
  readonly rules: readonly string[];
}

export async function dumpNetns(exec: NetlinkExecutor, netns: string): Promise<NetnsDump> {
  const read = async (args: string[]): Promise<string[]> =>
    (await exec.ipJson<unknown[]>({ args }, { netns })).map((entry) => JSON.stringify(entry)).sort();
  const [links, routes, rules] = await Promise.all([
    read(['link', 'show']),
    read(['route', 'show', 'table', 'all']),
    read(['rule', 'show']),
  ]);
  return { links, routes, rules };
}

/** `iptables-save` inside a namespace. */
export async function iptablesSave(exec: NetlinkExecutor, netns: string): Promise<string> {
  return (await exec.run({ file: 'nsenter', args: [`--net=/var/run/netns/${netns}`, '--', 'iptables-save'] })).stdout;
}
