// Fuzz: ipamd's RPC surface. Random and mutated protobuf bytes into every codec of src/rpc/codec.ts (a decoded
// value or RpcError RPC_PROTOCOL, never another throw; what decodes re-encodes to the same value), random gRPC
// bodies into unframeMessage, and malformed requests, frames and raw bytes against a running server
// (src/rpc/server.ts) on a unix socket: every exchange ends, the backend only ever sees requests that passed the
// server's checks, and a valid call after the junk still succeeds.
import { strict as assert } from 'node:assert';
import { connect as http2Connect, type IncomingHttpHeaders } from 'node:http2';
import { connect as netConnect } from 'node:net';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createRpcClient } from '../../src/rpc/client.js';
import {
  addNetworkReplyCodec,
  addNetworkRequestCodec,
  delNetworkReplyCodec,
  delNetworkRequestCodec,
  frameMessage,
  healthCheckRequestCodec,
  healthCheckResponseCodec,
  unframeMessage,
  type Codec,
} from '../../src/rpc/codec.js';
import { RpcError } from '../../src/rpc/errors.js';
import { RPC_METHODS } from '../../src/rpc/proto.js';
import {
  ADD_REQUEST,
  DEL_REQUEST,
  VERSION,
  echoBackend,
  withTempDir,
  withoutVersion,
} from '../../src/rpc/rpc.test-util.js';
import { startRpcServer, MAX_FIELD_BYTES } from '../../src/rpc/server.js';
import type { AddNetworkRequest, CniBackend, DelNetworkRequest } from '../../src/rpc/types.js';
import { mutateBytes, randomString } from './mutate.js';
import { fuzzCases, runCases, within, type Rng } from './prng.js';

const echo = echoBackend();
const CODECS: readonly { name: string; codec: Codec<object>; sample: object }[] = [
  { name: 'AddNetworkRequest', codec: addNetworkRequestCodec, sample: ADD_REQUEST },
  { name: 'DelNetworkRequest', codec: delNetworkRequestCodec, sample: DEL_REQUEST },
  { name: 'AddNetworkReply', codec: addNetworkReplyCodec, sample: await echo.addNetwork(ADD_REQUEST) },
  { name: 'DelNetworkReply', codec: delNetworkReplyCodec, sample: await echo.delNetwork(DEL_REQUEST) },
  { name: 'HealthCheckRequest', codec: healthCheckRequestCodec, sample: { service: 'grpc.health.v1.aws-node' } },
  { name: 'HealthCheckResponse', codec: healthCheckResponseCodec, sample: { status: 'SERVING' } },
];

/** A message to decode: random bytes, a mutated valid encoding, or a valid encoding with a mutated string field. */
function messageBytes(rng: Rng, codec: Codec<object>, sample: object): Uint8Array {
  const roll = rng.float();
  if (roll < 0.2) return rng.bytes(rng.int(64));
  if (roll < 0.35) {
    const fields = Object.keys(sample);
    const key = rng.pick(fields);
    const value = (sample as Record<string, unknown>)[key];
    return codec.encode({ ...sample, [key]: typeof value === 'string' ? randomString(rng) : value });
  }
  return mutateBytes(rng, codec.encode(sample));
}

/** Decoded values have the codec's shape: the sample's keys, each of the sample's type. */
function assertShape(decoded: object, sample: object): void {
  for (const [key, value] of Object.entries(sample)) {
    const got: unknown = (decoded as Record<string, unknown>)[key];
    assert.equal(Array.isArray(got), Array.isArray(value), `${key} kind`);
    if (!Array.isArray(value)) assert.equal(typeof got, typeof value, `${key} type`);
  }
}

describe('fuzz: RPC codecs', () => {
  it(
    'random and mutated bytes → a decoded value (that re-encodes to itself) or RpcError RPC_PROTOCOL',
    { timeout: 60_000 },
    async () => {
      let decoded = 0;
      await runCases('rpc/codec', fuzzCases(6000), (rng, note) => {
        const { name, codec, sample } = rng.pick(CODECS);
        const bytes = messageBytes(rng, codec, sample);
        note('codec', name);
        note('bytes', bytes);
        let value: object;
        try {
          value = codec.decode(bytes);
        } catch (error) {
          assert.ok(error instanceof RpcError, `untyped ${String(error)}`);
          assert.equal(error.code, 'RPC_PROTOCOL');
          return;
        }
        decoded += 1;
        assertShape(value, sample);
        assert.deepEqual(codec.decode(codec.encode(value)), value, 'decode ∘ encode is the identity on decoded values');
      });
      assert.ok(decoded > 0 && decoded < fuzzCases(6000), `some cases decode, some do not (${decoded})`);
    },
  );

  it('random gRPC bodies → unframeMessage gives the one message or RpcError RPC_PROTOCOL', async () => {
    await runCases('rpc/unframe', fuzzCases(3000), (rng, note) => {
      const body = rng.chance(0.5)
        ? rng.bytes(rng.int(24))
        : mutateBytes(rng, frameMessage(addNetworkRequestCodec.encode(ADD_REQUEST)));
      note('body', body);
      try {
        const message = unframeMessage(body);
        assert.equal(message.length, body.length - 5);
      } catch (error) {
        assert.ok(error instanceof RpcError && error.code === 'RPC_PROTOCOL', `untyped ${String(error)}`);
      }
    });
  });
});

/** A backend that records any request the server's checks should have stopped. */
function checkedBackend(violations: string[]): CniBackend {
  const inner = echoBackend();
  const check = (request: AddNetworkRequest | DelNetworkRequest): void => {
    if (request.clientVersion !== VERSION) violations.push(`clientVersion ${request.clientVersion}`);
    if (request.containerId === '' || request.ifName === '' || request.networkName === '')
      violations.push('an empty key field');
    for (const [key, value] of Object.entries(request))
      if (typeof value === 'string' && Buffer.byteLength(value) > MAX_FIELD_BYTES) violations.push(`${key} too long`);
  };
  return {
    addNetwork: (request) => (check(request), inner.addNetwork(request)),
    delNetwork: (request) => (check(request), inner.delNetwork(request)),
  };
}

const PATHS = [
  RPC_METHODS.addNetwork,
  RPC_METHODS.delNetwork,
  '/grpc.health.v1.Health/Check',
  '/grpc.health.v1.Health/Watch',
  '/rpc.CNIBackend/Nope',
  '/',
  '/../etc',
];

/** A malformed POST: method, headers and body each possibly wrong. Resolves to the grpc-status seen (or the error). */
function junkPost(socketPath: string, rng: Rng, note: (l: string, v: unknown) => void): Promise<string> {
  const path = rng.pick(PATHS);
  const headers: Record<string, string> = {
    ':method': rng.chance(0.9) ? 'POST' : rng.pick(['GET', 'PUT']),
    ':path': path,
    'content-type': 'application/grpc',
    te: 'trailers',
  };
  if (rng.chance(0.15))
    headers['content-type'] = rng.pick(['text/plain', 'application/grpc+json', 'application/grpcx', '']);
  if (rng.chance(0.1))
    headers['grpc-encoding'] = rng.pick(['gzip', 'identity', 'snappy', '😀'.normalize()]).replace(/[^\x20-\x7e]/g, 'x');
  if (rng.chance(0.1)) headers['grpc-timeout'] = rng.pick(['1n', '99999999H', 'abc', '-1S', '0m']);
  if (rng.chance(0.05)) delete headers['te'];
  const sample =
    path === RPC_METHODS.delNetwork
      ? delNetworkRequestCodec.encode(DEL_REQUEST)
      : addNetworkRequestCodec.encode(ADD_REQUEST);
  const roll = rng.float();
  const body =
    roll < 0.5
      ? frameMessage(mutateBytes(rng, sample))
      : roll < 0.8
        ? mutateBytes(rng, frameMessage(sample))
        : roll < 0.9
          ? frameMessage(rng.bytes(rng.int(100)))
          : Buffer.concat([frameMessage(sample), frameMessage(sample)]);
  note('headers', headers);
  note('body', body);
  return new Promise((resolve) => {
    const session = http2Connect('http://localhost', { createConnection: () => netConnect(socketPath) });
    let status = 'none';
    const done = (why: string): void => {
      session.destroy();
      resolve(why);
    };
    session.on('error', (error: Error) => done(`session error ${error.message}`));
    const stream = session.request(headers);
    stream.on('response', (h: IncomingHttpHeaders) => void (status = String(h['grpc-status'] ?? h[':status'])));
    stream.on('trailers', (t: IncomingHttpHeaders) => void (status = String(t['grpc-status'] ?? status)));
    stream.on('error', (error: Error) => done(`stream error ${error.message}`));
    stream.on('close', () => done(status));
    stream.resume();
    // Watch is a server stream that stays open by design: hang up once it answered (or after a pause).
    if (path.endsWith('/Watch')) setTimeout(() => stream.close(), 300);
    if (rng.chance(0.1)) stream.close();
    else stream.end(body);
  });
}

/** Raw bytes that are not (quite) HTTP/2: a damaged connection preface, or garbage. Resolves when the server hangs up or after a pause. */
function junkBytes(socketPath: string, rng: Rng, note: (l: string, v: unknown) => void): Promise<string> {
  const preface = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
  const bytes = rng.chance(0.5)
    ? mutateBytes(rng, Buffer.concat([preface, Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]), rng.bytes(rng.int(40))]))
    : rng.bytes(rng.int(300));
  note('raw', bytes);
  return new Promise((resolve) => {
    const socket = netConnect(socketPath);
    const timer = setTimeout(() => socket.destroy(), 200);
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve('closed');
    });
    socket.on('data', () => undefined);
    socket.end(bytes);
  });
}

describe('fuzz: the RPC server under junk', () => {
  it(
    'malformed requests, frames and bytes → every exchange ends, the backend sees only checked requests, valid calls still work',
    { timeout: 120_000 },
    async () => {
      await withTempDir(async (dir) => {
        const violations: string[] = [];
        const server = await startRpcServer({
          socketPath: join(dir, 'ipamd.sock'),
          backend: checkedBackend(violations),
          version: VERSION,
        });
        const client = createRpcClient({ socketPath: server.socketPath, timeoutMs: 5000, clientVersion: VERSION });
        const statuses = new Map<string, number>();
        try {
          await runCases('rpc/server', fuzzCases(300, true), async (rng, outerNote, index) => {
            const notes: Record<string, unknown> = {};
            const note = (label: string, value: unknown): void => {
              notes[label] = value;
              outerNote(label, value);
            };
            const outcome = await within(
              rng.chance(0.8) ? junkPost(server.socketPath, rng, note) : junkBytes(server.socketPath, rng, note),
              10_000,
              'a junk exchange',
            );
            statuses.set(outcome, (statuses.get(outcome) ?? 0) + 1);
            // INTERNAL is what gRPC (grpc-go too) answers a malformed grpc-timeout; for anything else it is a server
            // fault.
            if (!/grpc-timeout":"(abc|-1S|99999999H)/.test(JSON.stringify(notes['headers'])))
              assert.notEqual(outcome, '13', 'INTERNAL for client junk');
            assert.deepEqual(violations, [], 'the backend got a request the server should have refused');
            if (index % 25 === 0) {
              const reply = await within(client.addNetwork(withoutVersion(ADD_REQUEST)), 10_000, 'a valid AddNetwork');
              assert.equal(reply.success, true);
            }
          });
          assert.equal(
            (await client.addNetwork(withoutVersion(ADD_REQUEST))).success,
            true,
            'a valid call after all the junk',
          );
          assert.equal((await client.delNetwork(withoutVersion(DEL_REQUEST))).success, true);
          assert.equal(await client.health(), 'SERVING');
          assert.ok(
            statuses.has('3') && statuses.has('12') && statuses.has('closed'),
            `the junk reached the checks: ${JSON.stringify([...statuses])}`,
          );
        } finally {
          client.close();
          await server.close();
        }
      });
    },
  );
});
