// ipamd's gRPC server over a real unix socket: our lean client, a @grpc/grpc-js client with protobufjs reflection
// (what the reference's Go plugin amounts to: an independent gRPC stack and protobuf codec), health, the checks
// before the backend, the socket file's life cycle, malformed HTTP/2 input, and 100 calls at once.
import { strict as assert } from 'node:assert';
import { link, mkdir, stat, writeFile, readFile } from 'node:fs/promises';
import { connect as http2Connect, type IncomingHttpHeaders } from 'node:http2';
import { connect as netConnect, createServer as netCreateServer } from 'node:net';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { createRpcClient } from './client.js';
import { addNetworkReplyCodec } from './codec.js';
import { isRpcError } from './errors.js';
import { ADD_NETWORK_REPLY_FIELDS, ADD_NETWORK_REQUEST_FIELDS, HEALTH_SERVICE_NAME, RPC_METHODS } from './proto.js';
import { startRpcServer, type RpcRequestEvent } from './server.js';
import {
  ADD_REQUEST,
  DEL_REQUEST,
  VERSION,
  echoBackend,
  fromProtoObject,
  reflect,
  toProtoObject,
  withTempDir,
  withoutVersion,
} from './rpc.test-util.js';
import type { AddNetworkRequest, CniBackend } from './types.js';

const root = reflect();

/** A unary call through @grpc/grpc-js with protobufjs-reflected types; resolves to the status code and the reply. */
function grpcJsCall(socketPath: string, path: string, requestType: string, replyType: string, request: object) {
  const req = root.lookupType(requestType);
  const rep = root.lookupType(replyType);
  const client = new grpc.Client(`unix:${socketPath}`, grpc.credentials.createInsecure());
  return new Promise<{ code: number; details: string; reply?: Record<string, unknown> }>((resolve) => {
    client.makeUnaryRequest(
      path,
      (value: object) => Buffer.from(req.encode(req.fromObject(value)).finish()),
      (bytes: Buffer) => rep.toObject(rep.decode(bytes), { defaults: true, arrays: true }),
      request,
      (error, reply) => {
        client.close();
        if (error) resolve({ code: error.code, details: error.details });
        else resolve({ code: 0, details: '', ...(reply === undefined ? {} : { reply }) });
      },
    );
  });
}

async function withServer<T>(
  backend: CniBackend,
  run: (socketPath: string, events: RpcRequestEvent[]) => Promise<T>,
): Promise<T> {
  return withTempDir(async (dir) => {
    const events: RpcRequestEvent[] = [];
    const server = await startRpcServer({
      socketPath: join(dir, 'ipamd.sock'),
      backend,
      version: VERSION,
      onRequest: (e) => events.push(e),
    });
    try {
      return await run(server.socketPath, events);
    } finally {
      await server.close();
    }
  });
}

/** One raw HTTP/2 POST to the server: for input no well-behaved client would send. */
function rawPost(socketPath: string, headers: Record<string, string>, body: Uint8Array) {
  return new Promise<{ httpStatus: number; grpcStatus: string | undefined }>((resolve, reject) => {
    const session = http2Connect('http://localhost', { createConnection: () => netConnect(socketPath) });
    session.on('error', reject);
    const stream = session.request({
      ':method': 'POST',
      ':path': RPC_METHODS.addNetwork,
      'content-type': 'application/grpc',
      te: 'trailers',
      ...headers,
    });
    let httpStatus = 0;
    let grpcStatus: string | undefined;
    stream.on('response', (h: IncomingHttpHeaders) => {
      httpStatus = Number(h[':status']);
      grpcStatus ??= h['grpc-status'] as string | undefined;
    });
    stream.on('trailers', (t: IncomingHttpHeaders) => {
      grpcStatus ??= t['grpc-status'] as string | undefined;
    });
    stream.on('error', reject);
    stream.resume();
    stream.on('close', () => {
      session.close();
      resolve({ httpStatus, grpcStatus });
    });
    stream.end(body);
  });
}

describe('rpc server', () => {
  it('serves AddNetwork and DelNetwork to the lean client', async () => {
    const backend = echoBackend();
    await withServer(backend, async (socketPath, events) => {
      const client = createRpcClient({ socketPath, timeoutMs: 5000, clientVersion: VERSION });
      const added = await client.addNetwork(withoutVersion(ADD_REQUEST));
      assert.equal(added.success, true);
      assert.deepEqual(added.ipAllocationMetadata, [
        { ipv4Addr: '10.0.1.17', ipv6Addr: '', deviceNumber: 1, routeTableId: 2 },
      ]);
      assert.equal(added.podEniMac, ADD_REQUEST.containerId);
      const deleted = await client.delNetwork(withoutVersion(DEL_REQUEST));
      assert.equal(deleted.networkPolicyMode, 'PodDeleted');
      client.close();
      assert.deepEqual(backend.calls, [`add ${ADD_REQUEST.containerId}`, `del ${DEL_REQUEST.containerId}`]);
      assert.deepEqual(
        events.map((e) => [e.method, e.grpcStatus, e.request?.containerId]),
        [
          ['AddNetwork', 0, ADD_REQUEST.containerId],
          ['DelNetwork', 0, DEL_REQUEST.containerId],
        ],
      );
    });
  });

  it('answers a @grpc/grpc-js client with protobufjs reflection (the reference plugin’s kind of client)', async () => {
    await withServer(echoBackend(), async (socketPath) => {
      const result = await grpcJsCall(
        socketPath,
        RPC_METHODS.addNetwork,
        'rpc.AddNetworkRequest',
        'rpc.AddNetworkReply',
        toProtoObject(ADD_NETWORK_REQUEST_FIELDS, ADD_REQUEST),
      );
      assert.equal(result.code, 0);
      const reply = fromProtoObject(ADD_NETWORK_REPLY_FIELDS, result.reply ?? {});
      assert.equal(reply['success'], true);
      assert.deepEqual(reply['vpcV4Cidrs'], ['10.0.0.0/16']);
    });
  });

  it('refuses another ClientVersion with FAILED_PRECONDITION "wrong client version" before the backend', async () => {
    const backend = echoBackend();
    await withServer(backend, async (socketPath) => {
      const result = await grpcJsCall(
        socketPath,
        RPC_METHODS.addNetwork,
        'rpc.AddNetworkRequest',
        'rpc.AddNetworkReply',
        toProtoObject(ADD_NETWORK_REQUEST_FIELDS, { ...ADD_REQUEST, clientVersion: 'v0.0.1' }),
      );
      assert.equal(result.code, grpc.status.FAILED_PRECONDITION);
      assert.match(result.details, /^wrong client version/);
      const client = createRpcClient({ socketPath, timeoutMs: 5000, clientVersion: 'v0.0.1' });
      await assert.rejects(client.delNetwork(withoutVersion(DEL_REQUEST)), (e) =>
        isRpcError(e, 'RPC_VERSION_MISMATCH'),
      );
      client.close();
      assert.deepEqual(backend.calls, []);
    });
  });

  for (const field of ['containerId', 'ifName', 'networkName'] as const) {
    it(`answers Success=false with RPC_INVALID_REQUEST for an empty ${field}`, async () => {
      const backend = echoBackend();
      await withServer(backend, async (socketPath) => {
        const client = createRpcClient({ socketPath, timeoutMs: 5000, clientVersion: VERSION });
        const add = await client.addNetwork({ ...withoutVersion(ADD_REQUEST), [field]: '' });
        const del = await client.delNetwork({ ...withoutVersion(DEL_REQUEST), [field]: '' });
        client.close();
        for (const reply of [add, del]) {
          assert.equal(reply.success, false);
          assert.equal(reply.errorCode, 'RPC_INVALID_REQUEST');
        }
        assert.deepEqual(backend.calls, []);
      });
    });
  }

  it('refuses a field over 4 KiB with INVALID_ARGUMENT', async () => {
    await withServer(echoBackend(), async (socketPath) => {
      const client = createRpcClient({ socketPath, timeoutMs: 5000, clientVersion: VERSION });
      const request: Omit<AddNetworkRequest, 'clientVersion'> = {
        ...withoutVersion(ADD_REQUEST),
        netns: 'n'.repeat(4097),
      };
      await assert.rejects(
        client.addNetwork(request),
        (e) => isRpcError(e, 'RPC_INVALID_REQUEST') && /Netns is 4097 bytes/.test(e.message),
      );
      client.close();
    });
  });

  it('turns a backend exception into INTERNAL with its message and keeps serving', async () => {
    let fail = true;
    const backend = echoBackend({
      addNetwork: async () => {
        if (fail) throw new Error('datastore exploded');
        return echoBackend().addNetwork(ADD_REQUEST);
      },
    });
    await withServer(backend, async (socketPath, events) => {
      const client = createRpcClient({ socketPath, timeoutMs: 5000, clientVersion: VERSION });
      await assert.rejects(
        client.addNetwork(withoutVersion(ADD_REQUEST)),
        (e) =>
          isRpcError(e, 'RPC_INTERNAL') &&
          e.details.grpcStatus === 13 &&
          e.details.grpcMessage === 'datastore exploded',
      );
      fail = false;
      assert.equal((await client.addNetwork(withoutVersion(ADD_REQUEST))).success, true);
      client.close();
      assert.deepEqual(
        events.map((e) => [e.grpcStatus, e.error]),
        [
          [13, 'datastore exploded'],
          [0, undefined],
        ],
      );
    });
  });

  it('reports SERVING for the whole server and grpc.health.v1.aws-node; Watch follows changes', async () => {
    await withTempDir(async (dir) => {
      const server = await startRpcServer({
        socketPath: join(dir, 'ipamd.sock'),
        backend: echoBackend(),
        version: VERSION,
      });
      const client = createRpcClient({ socketPath: server.socketPath, timeoutMs: 5000, clientVersion: VERSION });
      try {
        assert.equal(await client.health(), 'SERVING');
        assert.equal(await client.health(HEALTH_SERVICE_NAME), 'SERVING');
        assert.equal(await client.health('no.such.Service'), 'SERVICE_UNKNOWN');
        const check = await grpcJsCall(
          server.socketPath,
          RPC_METHODS.healthCheck,
          'grpc.health.v1.HealthCheckRequest',
          'grpc.health.v1.HealthCheckResponse',
          { service: '' },
        );
        assert.deepEqual([check.code, check.reply], [0, { status: 1 }]);

        const type = root.lookupType('grpc.health.v1.HealthCheckResponse');
        const req = root.lookupType('grpc.health.v1.HealthCheckRequest');
        const grpcClient = new grpc.Client(`unix:${server.socketPath}`, grpc.credentials.createInsecure());
        const watch = grpcClient.makeServerStreamRequest(
          RPC_METHODS.healthWatch,
          (value: object) => Buffer.from(req.encode(req.fromObject(value)).finish()),
          (bytes: Buffer) => type.toObject(type.decode(bytes), { defaults: true }),
          { service: HEALTH_SERVICE_NAME },
        );
        watch.on('error', () => undefined); // the cancel below ends the stream with CANCELLED
        const seen: unknown[] = [];
        await new Promise<void>((resolve) => {
          watch.on('data', (message: { status: number }) => {
            seen.push(message.status);
            if (seen.length === 1) server.setServingStatus(HEALTH_SERVICE_NAME, 'NOT_SERVING');
            else resolve();
          });
        });
        watch.cancel();
        grpcClient.close();
        assert.deepEqual(seen, [1, 2]);
        assert.equal(await client.health(HEALTH_SERVICE_NAME), 'NOT_SERVING');
      } finally {
        client.close();
        await server.close();
      }
    });
  });

  it('creates the directory 0755 and the socket 0660, replaces a stale socket, removes it on close', async () => {
    await withTempDir(async (dir) => {
      const socketPath = join(dir, 'run', 'aws-node', 'ipamd.sock');
      await mkdir(join(dir, 'run'));
      // A stale socket: a hard link to a socket whose listener is gone (closing a listener unlinks its own name).
      const listener = netCreateServer();
      await new Promise<void>((resolve) => listener.listen(join(dir, 'run', 'old.sock'), resolve));
      await mkdir(join(dir, 'run', 'aws-node'));
      await link(join(dir, 'run', 'old.sock'), socketPath);
      await new Promise<void>((resolve) => listener.close(() => resolve()));
      const server = await startRpcServer({ socketPath, backend: echoBackend(), version: VERSION });
      assert.equal((await stat(socketPath)).mode & 0o777, 0o660);
      assert.equal((await stat(socketPath)).isSocket(), true);
      const client = createRpcClient({ socketPath, timeoutMs: 5000, clientVersion: VERSION });
      assert.equal(await client.health(), 'SERVING');
      client.close();
      await server.close();
      await assert.rejects(stat(socketPath), { code: 'ENOENT' });

      const fresh = join(dir, 'new', 'ipamd.sock');
      const second = await startRpcServer({ socketPath: fresh, backend: echoBackend(), version: VERSION });
      // mkdir's mode passes through the umask, as the reference's MkdirAll(0755) does: no bit beyond 0755.
      assert.equal((await stat(join(dir, 'new'))).mode & 0o777 & ~0o755, 0);
      await second.close();
    });
  });

  it('refuses to remove a non-socket file at the socket path', async () => {
    await withTempDir(async (dir) => {
      const socketPath = join(dir, 'ipamd.sock');
      await writeFile(socketPath, 'precious');
      await assert.rejects(startRpcServer({ socketPath, backend: echoBackend(), version: VERSION }), (e) =>
        isRpcError(e, 'RPC_SOCKET_PATH'),
      );
      assert.equal(await readFile(socketPath, 'utf8'), 'precious');
    });
  });

  it('answers malformed gRPC input with an error status and keeps serving', async () => {
    await withServer(echoBackend(), async (socketPath) => {
      const garbage = await rawPost(socketPath, {}, Uint8Array.from([0, 0, 0, 0, 3, 0x42, 0x05, 0x61]));
      assert.deepEqual(garbage, { httpStatus: 200, grpcStatus: String(grpc.status.INVALID_ARGUMENT) });
      const truncated = await rawPost(socketPath, {}, Uint8Array.from([0, 0, 0, 0, 50, 1, 2]));
      assert.notEqual(truncated.grpcStatus ?? String(truncated.httpStatus), '0');
      const compressed = await rawPost(socketPath, {}, Uint8Array.from([1, 0, 0, 0, 1, 8]));
      assert.notEqual(compressed.grpcStatus ?? String(compressed.httpStatus), '0');
      const wrongType = await rawPost(socketPath, { 'content-type': 'text/plain' }, Uint8Array.from([1, 2, 3]));
      assert.notEqual(wrongType.grpcStatus ?? String(wrongType.httpStatus), '0');
      // Not HTTP/2 at all: the server drops the connection.
      await new Promise<void>((resolve) => {
        const socket = netConnect(socketPath, () => socket.end('GET / HTTP/1.1\r\n\r\nhello'));
        socket.on('error', () => resolve());
        socket.on('close', () => resolve());
        socket.resume();
      });
      const client = createRpcClient({ socketPath, timeoutMs: 5000, clientVersion: VERSION });
      assert.equal((await client.addNetwork(withoutVersion(ADD_REQUEST))).success, true);
      client.close();
    });
  });

  it('serves 100 parallel AddNetwork calls, each with its own reply', async () => {
    await withServer(echoBackend(), async (socketPath) => {
      const client = createRpcClient({ socketPath, timeoutMs: 10_000, clientVersion: VERSION });
      const ids = Array.from({ length: 100 }, (_, i) => `c${i.toString().padStart(3, '0')}`);
      const replies = await Promise.all(
        ids.map((containerId) => client.addNetwork({ ...withoutVersion(ADD_REQUEST), containerId })),
      );
      client.close();
      assert.deepEqual(
        replies.map((r) => r.podEniMac),
        ids,
      );
    });
  });

  it('keeps answering one lean-client connection past the 64 KiB default flow-control window', async () => {
    // 300 replies of ~1 KiB each: 300 KiB on one connection. Without the client's window updates the server stops
    // sending after 64 KiB and the 65th call times out.
    const backend = echoBackend({
      addNetwork: (request) =>
        Promise.resolve(
          addNetworkReplyCodec.create({
            success: true,
            podEniMac: request.containerId,
            errorMessage: 'x'.repeat(1000),
          }),
        ),
    });
    await withServer(backend, async (socketPath) => {
      const client = createRpcClient({ socketPath, timeoutMs: 5_000, clientVersion: VERSION });
      try {
        for (let i = 0; i < 300; i++) {
          const reply = await client.addNetwork({ ...withoutVersion(ADD_REQUEST), containerId: `c${i}` });
          assert.equal(reply.podEniMac, `c${i}`);
        }
      } finally {
        client.close();
      }
    });
  });
});
