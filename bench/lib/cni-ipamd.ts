// ipamd for bench/cni-latency.ts (run it with `npx tsx bench/cni-latency.ts`): the shipped program (bin/vpc-cni
// ipamd, which runs the built dist/) started as a child, and waited for until its warm pool is grown.
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { request } from 'node:http';
import type { Readable } from 'node:stream';
import type { PoolDocument } from '../../src/ipamd/introspect/pool.js';

export type IpamdProcess = ChildProcessByStdio<null, Readable, Readable>;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** GET `path` over a unix socket, the body parsed as JSON. */
function getJson<T>(socketPath: string, path: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        try {
          resolve(JSON.parse(body) as T);
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path}: timeout`)));
    req.on('error', reject);
    req.end();
  });
}

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
  for (;;) {
    const pool = await getJson<PoolDocument>(introspection, '/v1/pool');
    const enis = await getJson<Record<string, { TotalIPs: number }>>(introspection, '/v1/enis');
    const total = Object.values(enis).reduce((sum, card) => sum + card.TotalIPs, 0);
    const steady = pool.cards.every((card) => card.resize.kind === 'steady');
    if (steady && total >= minimum) return total;
    if (Date.now() > deadline)
      throw new Error(
        `ipamd's pool did not reach ${minimum} addresses: ${pool.cards.map((c) => c.summary).join('; ')}`,
      );
    await sleep(500);
  }
}
