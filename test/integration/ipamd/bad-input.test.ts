// Bad input to a running ipamd — on the RPC socket (empty ids, fields over 4 KiB, a wrong client version, garbage
// frames, not even HTTP/2) and on the introspection and metrics ports (unknown paths, writes, huge URLs, broken
// HTTP) — gets a clear error, and changes nothing: /v1/enis and the checkpoint are byte for byte what they were,
// the pod that was there keeps its address, and ipamd goes on serving.
import { strict as assert } from 'node:assert';
import { readFile } from 'node:fs/promises';
import { connect as http2Connect, type ClientHttp2Session, type IncomingHttpHeaders } from 'node:http2';
import { connect as netConnect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { netnsSkipReason } from '../../../src/netlink/netns.test-util.js';
import { createRpcClient } from '../../../src/rpc/client.js';
import { addNetworkRequestCodec, frameMessage } from '../../../src/rpc/codec.js';
import { isRpcError } from '../../../src/rpc/errors.js';
import { RPC_METHODS } from '../../../src/rpc/proto.js';
import { RPC_CLIENT_VERSION } from '../../../src/version.js';
import {
  addPods,
  addRequest,
  delRequest,
  getMetrics,
  getText,
  ipamdEnv,
  settle,
  spawnIpamd,
  startIpamd,
  startVpc,
  card0,
  type PodAddress,
  type RunningIpamd,
  type TestVpc,
} from '../support/index.js';

interface Snapshot {
  readonly enis: string;
  readonly pods: string;
  readonly checkpoint: string;
  readonly assigned: number | undefined;
}

/** One raw gRPC call on the socket: what came back (HTTP status, grpc-status, grpc-message), or how it broke. */
async function rawCall(
  socketPath: string,
  path: string,
  body: Buffer,
  headers: Record<string, string> = {},
): Promise<{ http?: number; status?: number; message?: string; error?: string }> {
  const session: ClientHttp2Session = http2Connect('http://localhost', {
    createConnection: () => netConnect(socketPath),
  });
  try {
    return await new Promise((resolve) => {
      session.on('error', (error: Error) => resolve({ error: error.message }));
      const stream = session.request({
        ':method': 'POST',
        ':path': path,
        'content-type': 'application/grpc',
        te: 'trailers',
        ...headers,
      });
      let head: IncomingHttpHeaders = {};
      stream.on('response', (h: IncomingHttpHeaders) => {
        head = h;
      });
      stream.on('trailers', (trailers: IncomingHttpHeaders) => {
        head = { ...head, ...trailers };
      });
      stream.on('data', () => undefined);
      stream.on('error', (error: Error) => resolve({ error: error.message }));
      stream.on('close', () => {
        const status = head['grpc-status'];
        resolve({
          ...(typeof head[':status'] === 'number' ? { http: head[':status'] } : {}),
          ...(status === undefined ? {} : { status: Number(status) }),
          ...(typeof head['grpc-message'] === 'string' ? { message: decodeURIComponent(head['grpc-message']) } : {}),
        });
      });
      stream.end(body);
    });
  } finally {
    session.destroy();
  }
}

/** Bytes straight onto a socket (unix path or host:port); resolves with whatever came back before the close. */
async function rawBytes(
  target: { path: string } | { host: string; port: number },
  bytes: Buffer | string,
): Promise<string> {
  return new Promise((resolve) => {
    const socket = netConnect(target as { path: string });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(), 1_000);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('latin1'));
    });
    socket.write(bytes);
  });
}

describe('bad input to ipamd changes nothing', { skip: await netnsSkipReason() }, () => {
  let vpc: TestVpc;
  let ipamd: RunningIpamd;
  let kept: PodAddress;
  let before0: Snapshot;
  let env: Record<string, string>;

  async function snapshot(): Promise<Snapshot> {
    return {
      enis: (await getText(`${ipamd.introspection}/v1/enis`)).body,
      pods: (await getText(`${ipamd.introspection}/v1/pods`)).body,
      checkpoint: await readFile(`${vpc.dir}/ipam.json`, 'utf8'),
      assigned: (await getMetrics(ipamd.metrics)).get('awscni_assigned_ip_addresses'),
    };
  }

  async function assertUnchanged(): Promise<void> {
    assert.deepEqual(await snapshot(), before0, 'the datastore, the checkpoint and the metrics are unchanged');
    assert.equal(await ipamd.client.health(), 'SERVING');
  }

  before(async () => {
    vpc = await startVpc();
    env = await ipamdEnv(vpc);
    ipamd = await startIpamd(env);
    await settle(vpc, ipamd, (d) => card0(d).TotalIPs === 9);
    const [pod] = await addPods(ipamd.client, ['keeper']);
    assert.ok(pod !== undefined);
    kept = pod;
    await settle(vpc, ipamd, (d) => Object.keys(card0(d).ENIs).length === 2);
    before0 = await snapshot();
    assert.match(before0.checkpoint, /"k8sPodName":"keeper"/);
  });
  after(async () => {
    const code = await ipamd?.stop();
    await vpc?.close();
    assert.equal(code, 0);
  });

  it('answers requests with empty ids with Success=false and the field that is missing', async () => {
    const cases: [string, Parameters<typeof addRequest>[1], RegExp][] = [
      ['ContainerID', { containerId: '' }, /empty ContainerID/],
      ['IfName', { ifName: '' }, /empty IfName/],
      ['NetworkName', { networkName: '' }, /empty NetworkName/],
      ['all three', { containerId: '', ifName: '', networkName: '' }, /empty ContainerID, IfName, NetworkName/],
    ];
    for (const [what, overrides, why] of cases) {
      const reply = await ipamd.client.addNetwork(addRequest('intruder', overrides));
      assert.deepEqual([reply.success, reply.errorCode], [false, 'RPC_INVALID_REQUEST'], what);
      assert.match(reply.errorMessage, why);
      assert.deepEqual(reply.ipAllocationMetadata, []);
    }
    const del = await ipamd.client.delNetwork(delRequest('keeper', { containerId: '' }));
    assert.deepEqual([del.success, del.errorCode], [false, 'RPC_INVALID_REQUEST']);
    await assertUnchanged();
  });

  it('refuses fields over 4 KiB, messages over 64 KiB, and values no runtime sends', async () => {
    for (const field of ['netns', 'containerId', 'k8sPodName'] as const) {
      await assert.rejects(
        ipamd.client.addNetwork(addRequest('intruder', { [field]: 'x'.repeat(5_000) })),
        (error: unknown) => {
          assert.ok(isRpcError(error, 'RPC_INVALID_REQUEST'), String(error));
          assert.match(error.message, /is 5000 bytes; at most 4096 are accepted/);
          return true;
        },
      );
    }
    await assert.rejects(
      ipamd.client.delNetwork(delRequest('keeper', { containerId: `${kept.pod}${'y'.repeat(4_100)}` })),
      (error: unknown) => isRpcError(error, 'RPC_INVALID_REQUEST'),
    );
    // A whole message over 64 KiB never reaches the decoder.
    await assert.rejects(
      ipamd.client.addNetwork(addRequest('intruder', { netns: 'z'.repeat(70_000) })),
      (error: unknown) => {
        assert.ok(isRpcError(error), String(error));
        assert.match(error.message, /larger than max|RESOURCE_EXHAUSTED|gRPC status 8/i);
        return true;
      },
    );
    const backendChecks: [Parameters<typeof addRequest>[1], RegExp][] = [
      [{ k8sPodName: 'p'.repeat(300) }, /k8sPodName is 300 characters long \(at most 253\)/],
      [{ ifName: 'eth0-much-too-long' }, /ifName is 18 characters long \(at most 15\)/],
      [{ containerId: 'abc\ndef' }, /containerId contains control characters/],
      [{ k8sPodNamespace: 'default\u0000' }, /k8sPodNamespace contains control characters/],
      [{ requiresMultiNicAttachment: true }, /multi-NIC attachment was asked for/],
    ];
    for (const [overrides, why] of backendChecks) {
      const reply = await ipamd.client.addNetwork(addRequest('intruder', overrides));
      assert.deepEqual([reply.success, reply.errorCode, reply.errorCniCode], [false, 'RPC_INVALID_REQUEST', 4]);
      assert.match(reply.errorMessage, why);
    }
    await assertUnchanged();
  });

  it("refuses a client of another version, and a DEL for someone else's key releases nothing", async () => {
    const stranger = createRpcClient({
      socketPath: ipamd.socket,
      timeoutMs: 5_000,
      clientVersion: 'vpc-cni/0.0.0-old',
    });
    try {
      await assert.rejects(stranger.addNetwork(addRequest('intruder')), (error: unknown) => {
        assert.ok(isRpcError(error, 'RPC_VERSION_MISMATCH'), String(error));
        assert.match(
          error.message,
          new RegExp(`wrong client version: plugin "vpc-cni/0.0.0-old", ipamd "${RPC_CLIENT_VERSION}"`),
        );
        return true;
      });
      await assert.rejects(stranger.delNetwork(delRequest('keeper')), (error: unknown) =>
        isRpcError(error, 'RPC_VERSION_MISMATCH'),
      );
    } finally {
      stranger.close();
    }
    for (const overrides of [{ ifName: 'eth1' }, { networkName: 'other-net' }, { containerId: 'f'.repeat(64) }]) {
      const reply = await ipamd.client.delNetwork(delRequest('keeper', overrides));
      assert.deepEqual([reply.success, reply.errorCode], [true, 'UNKNOWN_POD'], JSON.stringify(overrides));
      assert.match(reply.errorMessage, /datastore: unknown pod/);
      assert.deepEqual(reply.ipAllocationMetadata, []);
    }
    // Made-up DEL reasons do not mint metric series (the reason is a label of awscni_del_ip_req_count).
    const series = async (): Promise<number> =>
      (await getText(`${ipamd.metrics}/metrics`)).body
        .split('\n')
        .filter((l) => l.startsWith('awscni_del_ip_req_count{')).length;
    const seriesBefore = await series();
    for (let i = 0; i < 50; i++)
      await ipamd.client.delNetwork(delRequest(`nobody-${i}`, { reason: `reason-${i}-${'r'.repeat(i * 40)}` }));
    assert.ok((await series()) <= seriesBefore + 1, 'at most one more series ("other")');
    await assertUnchanged();
  });

  it('survives garbage frames and non-HTTP/2 bytes on the socket, answering each with an error', async () => {
    const socket = ipamd.socket;
    const valid = Buffer.from(
      addNetworkRequestCodec.encode({ clientVersion: RPC_CLIENT_VERSION, ...addRequest('intruder') }),
    );
    const header = (compressed: number, length: number): Buffer =>
      Buffer.from([compressed, (length >>> 24) & 0xff, (length >>> 16) & 0xff, (length >>> 8) & 0xff, length & 0xff]);
    const frames: [string, string, Buffer, Record<string, string>?][] = [
      [
        'random bytes in a frame',
        RPC_METHODS.addNetwork,
        Buffer.concat([header(0, 64), Buffer.from(Array.from({ length: 64 }, (_, i) => (i * 97 + 13) & 0xff))]),
      ],
      ['a wrong wire type', RPC_METHODS.addNetwork, Buffer.from(frameMessage(Uint8Array.from([0x38, 0x01])))], // field 7 (ContainerID) as a varint
      ['a truncated frame', RPC_METHODS.addNetwork, Buffer.concat([header(0, 100), valid.subarray(0, 10)])],
      [
        'gzip that is not gzip',
        RPC_METHODS.addNetwork,
        Buffer.concat([header(1, valid.length), valid]),
        { 'grpc-encoding': 'gzip' },
      ],
      [
        'an encoding nobody knows',
        RPC_METHODS.addNetwork,
        Buffer.concat([header(1, valid.length), valid]),
        { 'grpc-encoding': 'br' },
      ],
      ['no frame at all', RPC_METHODS.delNetwork, Buffer.from('hello')],
      ['an unknown method', '/rpc.CNIBackend/Nope', Buffer.from(frameMessage(valid))],
      ['an unknown service', '/rpc.NPBackend/EnforceNpToPod', Buffer.from(frameMessage(valid))],
    ];
    for (const [what, path, body, headers] of frames) {
      const answer = await rawCall(socket, path, body, headers);
      assert.ok(
        answer.error !== undefined || (answer.status !== undefined && answer.status !== 0),
        `${what}: ${JSON.stringify(answer)}`,
      );
    }
    for (const bytes of [
      'GET / HTTP/1.1\r\nHost: x\r\n\r\n',
      Buffer.alloc(4096, 0xff),
      'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\u0000\u0000\u0004\u0001',
    ]) {
      await rawBytes({ path: socket }, bytes);
    }
    const again = await ipamd.client.delNetwork(delRequest('nobody'));
    assert.equal(again.errorCode, 'UNKNOWN_POD', 'the socket still serves');
    await assertUnchanged();
  });

  it('answers unknown paths, writes, huge URLs and broken HTTP on the introspection and metrics ports', async () => {
    const base = ipamd.introspection;
    for (const path of ['/v1/nope', '/', '/v1/enis/../../etc/passwd', '/%00', '/v1/ENIS']) {
      const { status, body } = await getText(`${base}${path}`);
      assert.equal(status, 200, path);
      const doc = JSON.parse(body) as { AvailableCommands?: string[] };
      assert.ok(doc.AvailableCommands?.includes('/v1/enis'), `${path}: the reference's command list`);
    }
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      const { status, body, headers } = await getText(`${base}/v1/enis`, {
        method,
        body: method === 'DELETE' ? null : '{"ENIs":{}}',
      });
      assert.equal(status, 405, method);
      assert.equal(headers.get('allow'), 'GET, HEAD');
      assert.match(body, /read-only/);
    }
    const head = await getText(`${base}/v1/enis`, { method: 'HEAD' });
    assert.deepEqual([head.status, head.body], [200, '']);
    const url = new URL(base);
    const hostPort = { host: url.hostname, port: Number(url.port) };
    const huge = await rawBytes(hostPort, `GET /v1/enis?${'a'.repeat(100_000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    assert.match(huge, /^HTTP\/1\.1 (431|414)/);
    assert.match(await rawBytes(hostPort, 'NOT HTTP AT ALL\r\n\r\n'), /^HTTP\/1\.1 400/);

    const metrics = ipamd.metrics;
    assert.equal((await getText(`${metrics}/nope`)).status, 404);
    assert.equal((await getText(`${metrics}/metrics`, { method: 'POST', body: 'x' })).status, 405);
    const murl = new URL(metrics);
    assert.match(
      await rawBytes(
        { host: murl.hostname, port: Number(murl.port) },
        `GET /metrics?${'b'.repeat(100_000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
      ),
      /^HTTP\/1\.1 (431|414)/,
    );
    await assertUnchanged();
  });

  it('a second ipamd started for the same node refuses to start and leaves the running one serving', async () => {
    await assert.rejects(spawnIpamd(env), (error: unknown) => {
      assert.match(String(error), /exited \(1\) before it was ready/);
      assert.match(String(error), new RegExp(`another ipamd is serving ${ipamd.socket.replaceAll('.', '\\.')}`));
      return true;
    });
    await assertUnchanged();
    // A fresh connection, as the plugin makes one per call: the socket file still leads to the running ipamd.
    const plugin = createRpcClient({ socketPath: ipamd.socket, timeoutMs: 5_000, clientVersion: RPC_CLIENT_VERSION });
    try {
      const reply = await plugin.delNetwork(delRequest('nobody'));
      assert.equal(reply.errorCode, 'UNKNOWN_POD');
    } finally {
      plugin.close();
    }
  });

  it('still serves a good request afterwards, and the kept pod still holds its address', async () => {
    const again = await ipamd.client.addNetwork(addRequest('keeper'));
    assert.ok(again.success);
    assert.equal(again.ipAllocationMetadata[0]?.ipv4Addr, kept.ip, 'a repeated ADD returns the address the pod holds');
    await assertUnchanged();
    const [fresh] = await addPods(ipamd.client, ['newcomer']);
    assert.ok(fresh !== undefined && fresh.ip !== kept.ip);
  });
});
