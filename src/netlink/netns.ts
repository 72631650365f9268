/**
 * Named network namespaces (`ip netns`): create, delete, list, and the naming scheme that lets a run find and remove
 * what a crashed run left behind.
 *
 * Names are `<tag>-<pid>-<n>[-<suffix>]` (e.g. `vcni-4242-1-vpc`, `vcni-4242-1-n3`): the pid of the process that
 * made them and a per-process counter. A namespace is a leftover when the process in its name is gone, so a cleanup
 * never touches namespaces of a run that is still going (node:test runs test files in parallel processes).
 *
 * @example
 * const prefix = newRunPrefix();                       // 'vcni-4242-1'
 * await removeLeftoverNamespaces(exec);                // namespaces of dead vcni-<pid> runs
 * await createNamespaces(exec, [`${prefix}-a`, `${prefix}-b`]);
 * try { ... } finally { await deleteNamespacesWithPrefix(exec, prefix); }
 */
import { linkSetUp, netnsAdd, netnsDelete, netnsList } from './commands.js';
import type { NetlinkExecutor } from './exec.js';

/** The tag of every namespace vpc-cni's simulator and tests create. */
export const DEFAULT_NETNS_TAG = 'vcni';

let runCounter = 0;

/** A fresh prefix for this process: `<tag>-<pid>-<n>`. Keep tags short: a prefix plus a suffix names a namespace. */
export function newRunPrefix(tag: string = DEFAULT_NETNS_TAG): string {
  runCounter += 1;
  return `${tag}-${process.pid}-${runCounter}`;
}

/** The pid encoded in a `<tag>-<pid>-...` name, or undefined when the name is not of that scheme. */
export function ownerPid(name: string, tag: string = DEFAULT_NETNS_TAG): number | undefined {
  if (!name.startsWith(`${tag}-`)) return undefined;
  const match = /^(\d+)-/.exec(name.slice(tag.length + 1));
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

/** True when a process with this pid exists (EPERM means it exists but belongs to someone else). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Names of all named namespaces (`ip -json netns list`). */
export async function listNamespaces(exec: NetlinkExecutor): Promise<string[]> {
  const entries = await exec.ipJson<{ name?: unknown }[]>(netnsList());
  return entries.flatMap((entry) => (typeof entry.name === 'string' ? [entry.name] : []));
}

/** Creates namespaces in one `ip -batch`; a name that exists already is an error (`NETLINK_EXISTS`). */
export async function createNamespaces(exec: NetlinkExecutor, names: readonly string[]): Promise<void> {
  await exec.batch(names.map(netnsAdd));
}

/**
 * Deletes namespaces in one `ip -batch`; missing ones are fine. The kernel tears a namespace down asynchronously
 * (its links, and the veth peers they take with them, disappear a moment after `ip netns del` returns) unless a
 * process still holds it, in which case it lives on, unnamed, until that process exits.
 */
export async function deleteNamespaces(exec: NetlinkExecutor, names: readonly string[]): Promise<void> {
  await exec.batch(names.map(netnsDelete));
}

/** Deletes every namespace named `<prefix>` or `<prefix>-*`; returns their names. */
export async function deleteNamespacesWithPrefix(exec: NetlinkExecutor, prefix: string): Promise<string[]> {
  const doomed = (await listNamespaces(exec)).filter((name) => name === prefix || name.startsWith(`${prefix}-`));
  await deleteNamespaces(exec, doomed);
  return doomed;
}

export interface LeftoverOptions {
  readonly tag?: string;
  /** Injected for tests; default {@link processAlive}. */
  readonly isAlive?: (pid: number) => boolean;
}

/** Deletes namespaces of the `<tag>-<pid>-...` scheme whose process is gone; returns their names. */
export async function removeLeftoverNamespaces(
  exec: NetlinkExecutor,
  options: LeftoverOptions = {},
): Promise<string[]> {
  const tag = options.tag ?? DEFAULT_NETNS_TAG;
  const isAlive = options.isAlive ?? processAlive;
  const doomed = (await listNamespaces(exec)).filter((name) => {
    const pid = ownerPid(name, tag);
    return pid !== undefined && pid !== process.pid && !isAlive(pid);
  });
  await deleteNamespaces(exec, doomed);
  return doomed;
}

/**
 * Creates one namespace, writes its sysctls and brings its `lo` up (a new namespace's loopback is down, and with it
 * every local route through it: addresses on `lo` would not even answer ARP). Three processes; on failure the
 * namespace is deleted again.
 */
export async function createNamespace(
  exec: NetlinkExecutor,
  name: string,
  sysctls: Readonly<Record<string, string | number>>,
): Promise<void> {
  await createNamespaces(exec, [name]);
  try {
    await exec.sysctl(name, sysctls);
    await exec.batch([linkSetUp('lo')], { netns: name });
  } catch (error) {
    await deleteNamespaces(exec, [name]).catch(() => undefined);
    throw error;
  }
}
