/**
 * The rtnetlink code against the real kernel, from tests that run under Node: test/support/rtnl/harness.ts runs
 * under Bun (bun:ffi) inside a node namespace the test made, as a container runtime runs the plugin, and answers
 * with one JSON line.
 *
 * @example
 * const skip = await rtnlSkipReason();
 * const answer = await harness(exec, 'vcni-42-1-n1', 'probe', { podNetns: '/var/run/netns/vcni-42-1-p1', bad: [] });
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { netnsPath } from '../commands.js';
import type { NetlinkExecutor } from '../exec.js';
import { netnsSkipReason } from '../netns.test-util.js';

// This file runs from build/spec/src/netlink/rtnl/.
const ROOT = fileURLToPath(new URL('../../../../../', import.meta.url));
export const BUN = `${ROOT}node_modules/.bin/bun`;
const HARNESS = `${ROOT}test/support/rtnl/harness.ts`;

/** False when the real-kernel rtnetlink tests can run (root, ip netns, Bun installed), else why not. */
export async function rtnlSkipReason(): Promise<string | false> {
  const netns = await netnsSkipReason();
  if (netns !== false) return netns;
  return existsSync(BUN) ? false : `${BUN} is missing (npm ci installs Bun)`;
}

/** What the harness answers: a value, or the error it caught (code, message, details). */
export interface HarnessAnswer<T> {
  readonly ok: boolean;
  readonly value?: T;
  readonly error?: { readonly code: string; readonly message: string; readonly details?: Record<string, unknown> };
}

/** Runs one harness operation under Bun inside the namespace `nodeNs` (a name under /var/run/netns). */
export async function harness<T>(
  exec: NetlinkExecutor,
  nodeNs: string,
  op: string,
  args: unknown,
): Promise<HarnessAnswer<T>> {
  const { stdout } = await exec.run(
    {
      file: 'nsenter',
      args: [`--net=${netnsPath(nodeNs)}`, '--', BUN, HARNESS, netnsPath(nodeNs), op, JSON.stringify(args)],
    },
    { timeoutMs: 30_000 },
  );
  return JSON.parse(stdout) as HarnessAnswer<T>;
}
