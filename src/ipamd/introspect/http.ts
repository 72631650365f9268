/**
 * The HTTP plumbing ipamd's two read-only servers share (introspection and metrics): listening on TCP or a Unix
 * socket, the reference's 5 s request/response timeouts, and a graceful close that waits for in-flight requests
 * but never longer than a grace period. The reference's servers have no shutdown path at all.
 *
 * @example
 * const server = createServer(handler);
 * applyTimeouts(server);
 * const url = await listen(server, { kind: 'tcp', host: '127.0.0.1', port: 0 }); // 'http://127.0.0.1:40123'
 * await closeGracefully(server);
 */
import { lstat, unlink } from 'node:fs/promises';
import type { Server } from 'node:http';
import { connect } from 'node:net';
import type { BindAddress } from '../../config/index.js';
import { IpamdError } from '../errors.js';

/** The reference's read and write timeouts. */
export const HTTP_TIMEOUT_MS = 5_000;

export interface RunningServer {
  /** Where a client on this host reaches the server: `http://127.0.0.1:61679` or `unix:/run/aws-node/x.sock`. */
  readonly url: string;
  /** Stops accepting, lets in-flight requests finish (at most `graceMs`, default 5 s), then resolves. */
  close(graceMs?: number): Promise<void>;
}

/** Slow or stalled clients are cut off after {@link HTTP_TIMEOUT_MS}, reading and writing alike. */
export function applyTimeouts(server: Server, ms = HTTP_TIMEOUT_MS): void {
  server.requestTimeout = ms;
  server.headersTimeout = ms;
  server.keepAliveTimeout = ms;
  server.setTimeout(ms, (socket) => socket.destroy());
}

/** True when something answers on the Unix socket at `path`. */
function socketAlive(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = connect(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
}

/** A socket file left by a crashed process blocks `listen` with EADDRINUSE; remove it, but never a live one. */
async function removeStaleSocket(path: string): Promise<void> {
  const stat = await lstat(path).catch(() => undefined);
  if (stat?.isSocket() === true && !(await socketAlive(path))) await unlink(path).catch(() => undefined);
}

function clientUrl(bind: BindAddress, port: number): string {
  if (bind.kind === 'unix') return `unix:${bind.path}`;
  // A wildcard bind is reached through loopback.
  const host = bind.host === '' || bind.host === '0.0.0.0' ? '127.0.0.1' : bind.host === '::' ? '::1' : bind.host;
  return host.includes(':') ? `http://[${host}]:${port}` : `http://${host}:${port}`;
}

/**
 * Listens on `bind` (TCP port 0 picks a free port) and resolves with the client URL. Fails with a
 * `LISTEN_FAILED` {@link IpamdError} whose message names the address and the system error.
 */
export async function listen(server: Server, bind: BindAddress): Promise<string> {
  if (bind.kind === 'unix') await removeStaleSocket(bind.path);
  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error): void => {
      const where = bind.kind === 'unix' ? `unix:${bind.path}` : `${bind.host === '' ? '*' : bind.host}:${bind.port}`;
      const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
      const hint =
        code === 'EADDRINUSE'
          ? ': another process (an old ipamd?) holds it'
          : code === 'EACCES'
            ? ': permission denied'
            : '';
      reject(new IpamdError('LISTEN_FAILED', `cannot listen on ${where} (${code}${hint})`, { where, code }, error));
    };
    server.once('error', onError);
    const done = (): void => {
      server.off('error', onError);
      resolve();
    };
    if (bind.kind === 'unix') server.listen(bind.path, done);
    else if (bind.host === '') server.listen(bind.port, done);
    else server.listen(bind.port, bind.host, done);
  });
  const address = server.address();
  return clientUrl(bind, typeof address === 'object' && address !== null ? address.port : 0);
}

/**
 * Stops accepting connections, closes idle keep-alive connections at once and in-flight ones after `graceMs`.
 * Resolves when the server is closed (a Unix socket's file is removed by Node on close).
 */
export function closeGracefully(server: Server, graceMs = HTTP_TIMEOUT_MS): Promise<void> {
  if (!server.listening) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => server.closeAllConnections(), graceMs);
    timer.unref();
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    server.closeIdleConnections();
  });
}
