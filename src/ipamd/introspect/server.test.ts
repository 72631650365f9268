import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { request, type IncomingHttpHeaders } from 'node:http';
import { connect, createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isVpcCniError } from '../../errors.js';
import { captureLogger } from '../../obs/logger.js';
import { INTROSPECTION_PATHS } from './introspect.js';
import { requestPath, startIntrospectionServer, type RunningServer } from './server.js';
import { ENIS_GOLDEN, fixtureSource } from './introspect.test-util.js';

interface Reply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

function call(target: { url?: string; socketPath?: string }, path: string, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const where =
      target.url === undefined
        ? { socketPath: target.socketPath }
        : { host: new URL(target.url).hostname, port: new URL(target.url).port };
    const req = request({ ...where, path, method, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

/** A raw request line, for targets node:http's client refuses to send. */
function raw(url: string, text: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.end(text));
    let data = '';
    socket.on('data', (chunk: Buffer) => (data += chunk.toString('latin1')));
    socket.on('end', () => resolve(data));
    socket.on('close', () => resolve(data));
    socket.on('error', reject);
  });
}

describe('requestPath', () => {
  it('drops query and fragment and reduces absolute-form targets', () => {
    assert.equal(requestPath('/v1/enis?pretty=1'), '/v1/enis');
    assert.equal(requestPath('/v1/enis#x'), '/v1/enis');
    assert.equal(requestPath('http://localhost:61679/v1/pods?x'), '/v1/pods');
    assert.equal(requestPath('?x'), '/');
    assert.equal(requestPath('/v1/../v1/enis'), '/v1/../v1/enis');
  });
});

describe('introspection server over TCP', () => {
  let server: RunningServer;
  const capture = captureLogger();
  before(async () => {
    server = await startIntrospectionServer({
      bind: { kind: 'tcp', host: '127.0.0.1', port: 0 },
      source: fixtureSource(),
      log: capture.logger,
    });
  });
  after(() => server.close());

  it('serves /v1/enis as compact JSON', async () => {
    const reply = await call(server, '/v1/enis');
    assert.equal(reply.status, 200);
    assert.equal(reply.headers['content-type'], 'application/json');
    assert.equal(reply.body, ENIS_GOLDEN);
  });

  it('answers every route', async () => {
    const statuses = await Promise.all(
      INTROSPECTION_PATHS.map(async (path) => [path, (await call(server, path)).status] as const),
    );
    assert.deepEqual(Object.fromEntries(statuses), {
      '/v1/enis': 200,
      '/v1/eni-configs': 404,
      '/v1/networkutils-env-settings': 200,
      '/v1/ipamd-env-settings': 200,
      '/v1/pods': 200,
      '/v1/pool': 503,
    });
  });

  it('answers unknown paths, .. paths and query strings with the command list', async () => {
    for (const path of ['/', '/nope', '/v1/enis/', '/v1/../v1/enis', '/%2e%2e/etc/passwd', '/?a=b']) {
      const reply = await call(server, path);
      assert.equal(reply.status, 200, path);
      assert.deepEqual(JSON.parse(reply.body), { AvailableCommands: [...INTROSPECTION_PATHS] }, path);
    }
    assert.equal((await call(server, '/v1/ipamd-env-settings?verbose=1')).body.startsWith('{"AWS_MANAGE_ENIS'), true);
  });

  it('is read-only: 405 for other methods, HEAD without a body', async () => {
    const post = await call(server, '/v1/enis', 'POST');
    assert.equal(post.status, 405);
    assert.equal(post.headers.allow, 'GET, HEAD');
    assert.match(post.body, /read-only/);
    const head = await call(server, '/v1/enis', 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(head.body, '');
    assert.equal(head.headers['content-length'], String(Buffer.byteLength(ENIS_GOLDEN)));
  });

  it('survives very long and malformed request targets', async () => {
    const long = await call(server, `/v1/enis?${'a'.repeat(8_000)}`);
    assert.equal(long.status, 200);
    const huge = await raw(server.url, `GET /${'x'.repeat(70_000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    assert.match(huge, /^HTTP\/1\.1 431 /);
    const garbage = await raw(server.url, 'NOT HTTP AT ALL\r\n\r\n');
    assert.match(garbage, /^HTTP\/1\.1 400 /);
    assert.equal((await call(server, '/v1/pods')).status, 200);
  });

  it('logs every request at debug level', async () => {
    await call(server, '/v1/ipamd-env-settings');
    const logged = capture
      .records()
      .find((r) => r['msg'] === 'introspection request' && r['path'] === '/v1/ipamd-env-settings');
    assert.ok(logged);
    assert.equal(logged['status'], 200);
  });
});

describe('introspection server lifecycle', () => {
  it('listens on a Unix socket and removes it on close', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'introspect-'));
    const socketPath = join(dir, 'ipamd.sock');
    try {
      const server = await startIntrospectionServer({
        bind: { kind: 'unix', path: socketPath },
        source: fixtureSource(),
      });
      assert.equal(server.url, `unix:${socketPath}`);
      assert.equal((await call({ socketPath }, '/v1/enis')).body, ENIS_GOLDEN);
      await server.close();
      assert.equal(existsSync(socketPath), false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('replaces a dead socket file but never a live one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'introspect-'));
    const socketPath = join(dir, 'ipamd.sock');
    try {
      // A socket file nobody listens on, as a crashed ipamd leaves it: bind, move the file away, close.
      const crashed = createNetServer();
      await new Promise<void>((resolve) => crashed.listen(join(dir, 'old.sock'), resolve));
      renameSync(join(dir, 'old.sock'), socketPath);
      await new Promise<void>((resolve) => crashed.close(() => resolve()));
      const server = await startIntrospectionServer({
        bind: { kind: 'unix', path: socketPath },
        source: fixtureSource(),
      });
      try {
        assert.equal((await call({ socketPath }, '/v1/pods')).status, 200);
        await assert.rejects(
          startIntrospectionServer({ bind: { kind: 'unix', path: socketPath }, source: fixtureSource() }),
          (error: unknown) => isVpcCniError(error) && error.message.includes('EADDRINUSE'),
        );
        assert.equal((await call({ socketPath }, '/v1/pods')).status, 200);
      } finally {
        await server.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a busy port with an error naming it', async () => {
    const first = await startIntrospectionServer({
      bind: { kind: 'tcp', host: '127.0.0.1', port: 0 },
      source: fixtureSource(),
    });
    try {
      const port = Number(new URL(first.url).port);
      await assert.rejects(
        startIntrospectionServer({ bind: { kind: 'tcp', host: '127.0.0.1', port }, source: fixtureSource() }),
        (error: unknown) =>
          isVpcCniError(error) &&
          error.code === 'LISTEN_FAILED' &&
          error.message.includes(`127.0.0.1:${port} (EADDRINUSE`),
      );
    } finally {
      await first.close();
    }
  });

  it('closes while a keep-alive connection is open', async () => {
    const server = await startIntrospectionServer({
      bind: { kind: 'tcp', host: '127.0.0.1', port: 0 },
      source: fixtureSource(),
    });
    const { hostname, port } = new URL(server.url);
    const socket = connect(Number(port), hostname);
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write('GET /v1/pods HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n');
    await new Promise<void>((resolve) => socket.once('data', () => resolve()));
    const started = performance.now();
    await server.close(1_000);
    assert.ok(performance.now() - started < 1_000);
    socket.destroy();
  });
});
