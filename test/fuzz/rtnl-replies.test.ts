// Fuzz: the rtnetlink reply decoder (src/netlink/rtnl/replies.ts) and the socket logic that reads it
// (src/netlink/rtnl/socket.ts), on what the kernel really answered iproute2: whole datagrams, truncated ones, byte
// damage, hostile message and attribute lengths, misaligned messages, attributes read as nested ones. Every input
// decodes or throws a NetlinkError NETLINK_BAD_OUTPUT, never another exception; every exchange over a socket answering
// with such datagrams ends with a value or a NetlinkError. The targets (rtnl-cases.ts) run in a worker that is
// stopped after a minute: the decoder is synchronous, and a loop that never ends would otherwise hang the run.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import { fuzzCases } from './prng.js';

/** Runs a target of rtnl-cases.ts in a worker; rejects with its failure, or when it has not ended within `ms`. */
async function inWorker(target: 'decode' | 'socket', ms: number): Promise<number> {
  const worker = new Worker(new URL('./rtnl-cases.js', import.meta.url), { workerData: target });
  let timer: NodeJS.Timeout | undefined;
  try {
    const outcome = await new Promise<{ count?: number; failure?: string }>((resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`hang: the ${target} target did not end within ${ms} ms`)), ms);
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    if (outcome.failure !== undefined) throw new Error(outcome.failure);
    return outcome.count ?? 0;
  } finally {
    clearTimeout(timer);
    await worker.terminate();
  }
}

describe('fuzz: rtnetlink replies', () => {
  it('kernel replies, truncated, damaged and misaligned → decoded values or NETLINK_BAD_OUTPUT', async () => {
    const decoded = await inWorker('decode', 60_000);
    assert.ok(decoded > 0 && decoded < fuzzCases(5000), `some cases decode, some do not (${decoded})`);
  });

  it('a socket answering with such datagrams: every change, get and dump ends with a value or a NetlinkError', async () => {
    assert.equal(await inWorker('socket', 60_000), fuzzCases(2000));
  });
});
