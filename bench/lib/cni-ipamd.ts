// ipamd for bench/cni-latency.ts (run it with `npx tsx bench/cni-latency.ts`): the shipped program (bin/vpc-cni
// ipamd, which runs the built dist/) started as a child, and waited for until its warm pool is grown.
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import type { PoolDocument } from '../../src/ipamd/introspect/pool.js';
import { getJson } from '../../test/integration/support/introspection.js';

export type IpamdProcess = ChildProcessByStdio<null, Readable, Readable>;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts `vpcCni ipamd` with exactly `env`; resolves once it logs that it is ready (90 s at most). */
export async function startIpamd(vpcCni: string, env: Readonly<Record<string, string>>): Promise<IpamdProcess> {
  const child = spawn(process.execPath, [vpcCni, 'ipamd'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`ipamd not ready in 90 s:\n${lines.slice(-10).join('\n')}`)),
      90_000,
    );
    let partial = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop() ?? '';
      for (const line of parts) {
        if (lines.length < 2000) lines.push(line);
        if (line.includes('"msg":"ipamd is ready"')) {
          clearTimeout(timer);
          resolve();
        }
      }
    });
    child.stderr.resume();
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`ipamd exited (${code}):\n${lines.slice(-10).join('\n')}`));
    });
  });
  return child;
}

/**
 * Waits until ipamd's last pool tick on every card decided nothing and at least `minimum` addresses are assigned
 * to the node (180 s at most); resolves to the node's addresses.
 */
export async function waitForWarmPool(introspection: string, minimum: number): Promise<number> {
  const deadline = Date.now() + 180_000;
  for (let last = 'no pool report yet'; ; await sleep(500)) {
    if (Date.now() > deadline) throw new Error(`ipamd's pool did not reach ${minimum} addresses: ${last}`);
    let pool: PoolDocument;
    let enis: Record<string, { TotalIPs: number }>;
    try {
      pool = await getJson<PoolDocument>(introspection, '/v1/pool');
      enis = await getJson<Record<string, { TotalIPs: number }>>(introspection, '/v1/enis');
    } catch (error) {
      // Until its first pool tick ipamd answers /v1/pool with 503.
      last = error instanceof Error ? error.message : String(error);
      continue;
    }
    const total = Object.values(enis).reduce((sum, card) => sum + card.TotalIPs, 0);
    if (pool.cards.every((card) => card.resize.kind === 'steady') && total >= minimum) return total;
    last = pool.cards.map((c) => c.summary).join('; ');
  }
}
