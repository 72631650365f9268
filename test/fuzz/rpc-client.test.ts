// Fuzz: the plugin's lean gRPC client (src/rpc/client.ts over the hand-written HTTP/2 of h2.ts and HPACK of
// hpack.ts) against a misbehaving ipamd. HPACK header blocks — random and mutated — decode to headers or
// RpcError RPC_PROTOCOL; and a relay between the client and a real server damages what the server sends back (bytes
// flipped, frames cut, random frames injected, the connection dropped mid-frame): every call must end within its
// deadline in a valid reply or an RpcError, without an uncaught exception.
import { strict as assert } from 'node:assert';
import { createServer, connect as netConnect, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createRpcClient } from '../../src/rpc/client.js';
import { RpcError } from '../../src/rpc/errors.js';
import { nodeConnector } from '../../src/rpc/socket.js';
import { encodeHeaders, HpackDecoder } from '../../src/rpc/hpack.js';
import {
  ADD_REQUEST,
  DEL_REQUEST,
  VERSION,
  echoBackend,
  withTempDir,
  withoutVersion,
} from '../../src/rpc/rpc.test-util.js';
import { startRpcServer } from '../../src/rpc/server.js';
import { mutateBytes } from './mutate.js';
import { fuzzCases, runCases, within, type Rng } from './prng.js';

const TIMEOUT_MS = 100;

const HEADERS: [string, string][] = [
  [':status', '200'],
  ['content-type', 'application/grpc'],
  ['grpc-status', '0'],
  ['grpc-message', 'wrong%20client%20version'],
  ['x-long', 'v'.repeat(300)],
];

describe('fuzz: the lean RPC client', () => {
  it('HPACK: random and mutated header blocks → a header list or RpcError RPC_PROTOCOL', async () => {
    const valid = encodeHeaders(HEADERS);
    await runCases('rpc-client/hpack', fuzzCases(4000), (rng, note) => {
      const decoder = new HpackDecoder();
      const blocks = Array.from({ length: rng.range(1, 3) }, () =>
        rng.chance(0.3) ? rng.bytes(rng.int(48)) : mutateBytes(rng, valid),
      );
      note(
        'blocks',
        blocks.map((b) => Buffer.from(b).toString('hex')),
      );
      for (const block of blocks) {
        try {
          const headers = decoder.decode(block);
          for (const [name, value] of headers) assert.ok(typeof name === 'string' && typeof value === 'string');
        } catch (error) {
          assert.ok(error instanceof RpcError && error.code === 'RPC_PROTOCOL', `untyped ${String(error)}`);
        }
      }
    });
  });

  it(
    'a relay that damages the server’s answers → every call ends in a reply or an RpcError before its deadline',
    { timeout: 120_000 },
    async () => {
      await withTempDir(async (dir) => {
        const server = await startRpcServer({
          socketPath: join(dir, 'ipamd.sock'),
          backend: echoBackend(),
          version: VERSION,
        });
        /** How the relay treats the server → client bytes of the current case. */
        let damage: (chunk: Buffer, client: Socket) => void = (chunk, client) => void client.write(chunk);
        const relay: Server = createServer((client) => {
          const upstream = netConnect(server.socketPath);
          client.on('data', (c: Buffer) => upstream.write(c));
          upstream.on('data', (c: Buffer) => {
            if (!client.destroyed) damage(c, client);
          });
          const end = (): void => {
            client.destroy();
            upstream.destroy();
          };
          client.on('error', end).on('close', end);
          upstream.on('error', end).on('close', end);
        });
        const relayPath = join(dir, 'relay.sock');
        await new Promise<void>((resolve) => relay.listen(relayPath, resolve));
        const uncaught: unknown[] = [];
        const onUncaught = (error: unknown): void => void uncaught.push(error);
        process.on('uncaughtException', onUncaught);
        const outcomes = new Map<string, number>();
        try {
          await runCases('rpc-client/relay', fuzzCases(120, true), async (rng: Rng, note) => {
            let chunks = 0;
            const mode = rng.pick(['flip', 'flip', 'inject', 'cut', 'drop', 'clean']);
            note('mode', mode);
            damage = (chunk, client) => {
              chunks += 1;
              if (mode === 'clean' || (mode !== 'drop' && rng.chance(0.5))) client.write(chunk);
              else if (mode === 'flip') client.write(mutateBytes(rng, chunk));
              else if (mode === 'inject')
                client.write(
                  Buffer.concat([
                    chunk,
                    Buffer.from([0, 0, rng.int(20), rng.int(12), rng.int(256), 0, 0, 0, rng.pick([0, 1, 3])]),
                    rng.bytes(rng.int(20)),
                  ]),
                );
              else if (mode === 'cut') client.end(chunk.subarray(0, rng.int(chunk.length)));
              else if (chunks > 1 || rng.chance(0.5)) client.destroy();
              else client.write(chunk);
            };
            const client = createRpcClient({
              socketPath: relayPath,
              timeoutMs: TIMEOUT_MS,
              clientVersion: VERSION,
              connector: nodeConnector(),
            });
            try {
              const call = rng.pick([
                () => client.addNetwork(withoutVersion(ADD_REQUEST)),
                () => client.delNetwork(withoutVersion(DEL_REQUEST)),
                () => client.health(),
              ]);
              const outcome = await within(
                (call() as Promise<unknown>).then(
                  (value) => ({ value }),
                  (error: unknown) => ({ error }),
                ),
                TIMEOUT_MS + 10_000,
                'an RPC call',
              );
              if ('error' in outcome) {
                note('error', String(outcome.error));
                assert.ok(outcome.error instanceof RpcError, `untyped ${String(outcome.error)}`);
                outcomes.set(outcome.error.code, (outcomes.get(outcome.error.code) ?? 0) + 1);
              } else {
                assert.ok(outcome.value !== undefined);
                outcomes.set('ok', (outcomes.get('ok') ?? 0) + 1);
              }
            } finally {
              client.close();
            }
            assert.deepEqual(uncaught, [], 'no uncaught exception');
          });
        } finally {
          process.off('uncaughtException', onUncaught);
          await new Promise<void>((resolve) => relay.close(() => resolve()));
          await server.close();
        }
        // A broken frame fails the connection (RPC_UNAVAILABLE), a missing one runs into the deadline (RPC_TIMEOUT).
        if (fuzzCases(120, true) >= 100)
          for (const code of ['ok', 'RPC_UNAVAILABLE', 'RPC_TIMEOUT'])
            assert.ok(outcomes.has(code), JSON.stringify([...outcomes]));
      });
    },
  );
});
