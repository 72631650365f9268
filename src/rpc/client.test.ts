// The plugin's lean client against what can go wrong: nothing listening, a stale socket, a server that hangs or is
// slow, and a fake HTTP/2 server that breaks the gRPC protocol in each way the client must notice.
import { strict as assert } from 'node:assert';
import { link } from 'node:fs/promises';
import {
  createServer as createHttp2Server,
  type Http2Server,
  type IncomingHttpHeaders,
  type ServerHttp2Session,
  type ServerHttp2Stream,
} from 'node:http2';
import { createServer as netCreateServer } from 'node:net';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createRpcClient } from './client.js';
import { addNetworkReplyCodec, addNetworkRequestCodec, frameMessage, unframeMessage } from './codec.js';
import { isRpcError, type RpcErrorCode } from './errors.js';
import { H2Connection } from './h2.js';
import { nodeConnector } from './socket.js';
import { startRpcServer } from './server.js';
import { ADD_REQUEST, VERSION, echoBackend, withTempDir, withoutVersion } from './rpc.test-util.js';

const REQUEST = withoutVersion(ADD_REQUEST);
const GRPC = { ':status': 200, 'content-type': 'application/grpc' };

/** A raw HTTP/2 server on a unix socket; `respond` plays ipamd. */
async function withFake<T>(
  respond: (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, body: Buffer) => void,
  run: (socketPath: string) => Promise<T>,
): Promise<T> {
  return withTempDir(async (dir) => {
    const socketPath = join(dir, 'fake.sock');
    const server: Http2Server = createHttp2Server();
    // http2.Server keeps no public list of sessions; track them so close() does not wait for a hung client.
    const sessions = new Set<ServerHttp2Session>();
    server.on('session', (session) => {
      sessions.add(session);
      session.on('close', () => sessions.delete(session));
    });
    server.on('stream', (stream, headers) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => respond(stream, headers, Buffer.concat(chunks)));
      stream.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    try {
      return await run(socketPath);
    } finally {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const session of sessions) session.destroy();
      });
    }
  });
}

function replyBody(): Buffer {
  return Buffer.from(
    frameMessage(addNetworkReplyCodec.encode(addNetworkReplyCodec.create({ success: true, podEniMac: 'ok' }))),
  );
}

describe('rpc client', () => {
  it('says ipamd is not running when the socket does not exist (ENOENT)', async () => {
    await withTempDir(async (dir) => {
      const socketPath = join(dir, 'ipamd.sock');
      const client = createRpcClient({ socketPath, timeoutMs: 5000, clientVersion: VERSION });
      await assert.rejects(client.addNetwork(REQUEST), (e) => {
        assert.ok(isRpcError(e, 'RPC_UNAVAILABLE'));
        assert.equal(e.cniCode, 11);
        assert.ok(
          e.message.startsWith(`ipamd is not running or not ready: cannot connect to ${socketPath}`),
          e.message,
        );
        assert.equal(e.details['errno'], 'ENOENT');
        return true;
      });
      client.close();
    });
  });

  it('says ipamd is not running when a stale socket refuses connections (ECONNREFUSED)', async () => {
    await withTempDir(async (dir) => {
      const listener = netCreateServer();
      await new Promise<void>((resolve) => listener.listen(join(dir, 'live.sock'), resolve));
      await link(join(dir, 'live.sock'), join(dir, 'ipamd.sock'));
      await new Promise<void>((resolve) => listener.close(() => resolve()));
      const client = createRpcClient({ socketPath: join(dir, 'ipamd.sock'), timeoutMs: 5000, clientVersion: VERSION });
      await assert.rejects(
        client.health(),
        (e) => isRpcError(e, 'RPC_UNAVAILABLE') && e.details['errno'] === 'ECONNREFUSED',
      );
      client.close();
    });
  });

  it('sends a well-formed gRPC request: path, headers, one uncompressed frame, its clientVersion', async () => {
    let seen: { headers: IncomingHttpHeaders; body: Buffer } | undefined;
    await withFake(
      (stream, headers, body) => {
        seen = { headers, body };
        stream.respond(GRPC, { waitForTrailers: true });
        stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
        stream.end(replyBody());
      },
      async (socketPath) => {
        const client = createRpcClient({ socketPath, timeoutMs: 5000, clientVersion: VERSION });
        assert.equal((await client.addNetwork(REQUEST)).podEniMac, 'ok');
        client.close();
      },
    );
    assert.ok(seen);
    assert.equal(seen.headers[':method'], 'POST');
    assert.equal(seen.headers[':path'], '/rpc.CNIBackend/AddNetwork');
    assert.equal(seen.headers['content-type'], 'application/grpc');
    assert.equal(seen.headers['te'], 'trailers');
    assert.equal(seen.headers['grpc-timeout'], '5000m');
    assert.deepEqual(addNetworkRequestCodec.decode(unframeMessage(seen.body)), ADD_REQUEST);
  });

  const faults: [string, RpcErrorCode, (stream: ServerHttp2Stream) => void][] = [
    [
      'no grpc-status at all',
      'RPC_PROTOCOL',
      (s) => {
        s.respond(GRPC);
        s.end(replyBody());
      },
    ],
    [
      'HTTP 500',
      'RPC_PROTOCOL',
      (s) => {
        s.respond({ ':status': 500 });
        s.end();
      },
    ],
    ['a compressed frame', 'RPC_PROTOCOL', (s) => trailered(s, Buffer.from([1, 0, 0, 0, 1, 8]), '0')],
    ['a frame longer than the body', 'RPC_PROTOCOL', (s) => trailered(s, Buffer.from([0, 0, 0, 0, 9, 8, 1]), '0')],
    ['an undecodable message', 'RPC_PROTOCOL', (s) => trailered(s, Buffer.from([0, 0, 0, 0, 2, 0x42, 0x05]), '0')],
    ['a non-numeric grpc-status', 'RPC_PROTOCOL', (s) => trailered(s, replyBody(), 'ok')],
    [
      'status UNAVAILABLE (trailers-only)',
      'RPC_UNAVAILABLE',
      (s) => {
        s.respond({ ...GRPC, 'grpc-status': '14', 'grpc-message': 'not%20ready' }, { endStream: true });
      },
    ],
    ['status DEADLINE_EXCEEDED', 'RPC_TIMEOUT', (s) => trailered(s, Buffer.alloc(0), '4')],
    ['status INVALID_ARGUMENT', 'RPC_INVALID_REQUEST', (s) => trailered(s, Buffer.alloc(0), '3')],
    ['status UNKNOWN', 'RPC_INTERNAL', (s) => trailered(s, Buffer.alloc(0), '2')],
    ['a reset stream', 'RPC_UNAVAILABLE', (s) => s.close(2)],
  ];
  for (const [name, code, respond] of faults) {
    it(`maps ${name} to ${code}`, async () => {
      await withFake(respond, async (socketPath) => {
        const client = createRpcClient({ socketPath, timeoutMs: 5000, clientVersion: VERSION });
        await assert.rejects(client.addNetwork(REQUEST), (e) => isRpcError(e, code));
        client.close();
      });
    });
  }

  it('percent-decodes grpc-message', async () => {
    await withFake(
      (s) =>
        s.respond({ ...GRPC, 'grpc-status': '14', 'grpc-message': 'not%20ready%3A%20warming' }, { endStream: true }),
      async (socketPath) => {
        const client = createRpcClient({ socketPath, timeoutMs: 5000, clientVersion: VERSION });
        await assert.rejects(
          client.addNetwork(REQUEST),
          (e) => isRpcError(e) && e.details.grpcMessage === 'not ready: warming',
        );
        client.close();
      },
    );
  });

  it('gives up after timeoutMs on a server that never answers (RPC_TIMEOUT), and recovers', async () => {
    let hang = true;
    await withFake(
      (s) => {
        if (!hang) trailered(s, replyBody(), '0');
      },
      async (socketPath) => {
        const client = createRpcClient({ socketPath, timeoutMs: 150, clientVersion: VERSION });
        await assert.rejects(client.addNetwork(REQUEST), (e) => isRpcError(e, 'RPC_TIMEOUT') && e.cniCode === 11);
        hang = false;
        assert.equal((await client.addNetwork(REQUEST)).podEniMac, 'ok');
        client.close();
      },
    );
  });

  it('times out on a slow backend of the real server', async () => {
    await withTempDir(async (dir) => {
      const slow = echoBackend({
        addNetwork: () => new Promise((resolve) => setTimeout(() => resolve(addNetworkReplyCodec.create()), 1000)),
      });
      const server = await startRpcServer({ socketPath: join(dir, 'ipamd.sock'), backend: slow, version: VERSION });
      const client = createRpcClient({ socketPath: server.socketPath, timeoutMs: 100, clientVersion: VERSION });
      await assert.rejects(client.addNetwork(REQUEST), (e) => isRpcError(e, 'RPC_TIMEOUT'));
      client.close();
      await server.close();
    });
  });

  it('reconnects after ipamd restarts', async () => {
    await withTempDir(async (dir) => {
      const socketPath = join(dir, 'ipamd.sock');
      const client = createRpcClient({ socketPath, timeoutMs: 5000, clientVersion: VERSION });
      for (let round = 0; round < 2; round++) {
        const server = await startRpcServer({ socketPath, backend: echoBackend(), version: VERSION });
        assert.equal((await client.addNetwork(REQUEST)).success, true);
        await server.close();
      }
      await assert.rejects(client.addNetwork(REQUEST), (e) => isRpcError(e, 'RPC_UNAVAILABLE'));
      client.close();
    });
  });

  it('sends the connection preface first even when the server speaks first (its SETTINGS acknowledged early)', async () => {
    // A raw server that sends SETTINGS on accept, as nghttp2 may, and records the client's first bytes.
    await withTempDir(async (dir) => {
      const socketPath = join(dir, 'first.sock');
      let first: Buffer | undefined;
      const server = netCreateServer((socket) => {
        socket.write(Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]));
        const chunks: Buffer[] = [];
        socket.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          if (first === undefined && Buffer.concat(chunks).length >= 24) first = Buffer.concat(chunks).subarray(0, 24);
        });
        socket.on('error', () => undefined);
      });
      await new Promise<void>((resolve) => server.listen(socketPath, resolve));
      // The connection is opened, the server's SETTINGS arrive and are acknowledged, and only then a request is sent.
      const connection = await H2Connection.open(socketPath, nodeConnector());
      try {
        await new Promise((resolve) => setTimeout(resolve, 100));
        connection.request(
          [
            [':method', 'POST'],
            [':path', '/x'],
          ],
          new Uint8Array(0),
        );
        await new Promise((resolve) => setTimeout(resolve, 100));
        assert.equal(first?.toString('latin1'), 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
      } finally {
        connection.close();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    });
  });
});

function trailered(stream: ServerHttp2Stream, body: Buffer, status: string): void {
  stream.respond(GRPC, { waitForTrailers: true });
  stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': status }));
  stream.end(body);
}
