/**
 * The introspection HTTP server [behaviour §5]: the route table of `introspect.ts` on 127.0.0.1:61679 (or a
 * Unix socket), read-only. GET and HEAD are answered; any other method gets 405, where the reference answers
 * every method, because nothing here changes state and a POST that "worked" would mislead. Every request is
 * logged at debug level, as the reference logs them.
 *
 * @example
 * const server = await startIntrospectionServer({
 *   bind: config.servers.introspectionBindAddress,
 *   source: { snapshots, eniConfigName, config, pool },
 *   log,
 * });
 * // curl -s http://127.0.0.1:61679/v1/enis
 * await server.close();
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { BindAddress } from '../../config/index.js';
import type { Logger } from '../../obs/logger.js';
import {
  availableCommands,
  errorResponse,
  introspectionRoutes,
  type IntrospectionSource,
  type Route,
  type RouteResponse,
} from './introspect.js';
import { applyTimeouts, closeGracefully, listen, type RunningServer } from './http.js';

export type { RunningServer } from './http.js';

export interface IntrospectionServerOptions {
  readonly bind: BindAddress;
  readonly source: IntrospectionSource;
  readonly log?: Logger;
}

/** What Node's default `clientError` handler answers, kept since a listener replaces it. */
const CLIENT_ERROR_STATUS: Readonly<Record<string, string>> = {
  HPE_HEADER_OVERFLOW: '431 Request Header Fields Too Large',
  ERR_HTTP_REQUEST_TIMEOUT: '408 Request Timeout',
};

/** Paths in logs and errors are cut to this many characters. */
const SHOWN_PATH = 200;

/**
 * The path of a request target: query and fragment dropped, absolute-form (`http://host/path`) reduced to its
 * path. No decoding and no `..` resolution: a path that is not exactly a route gets the command list.
 *
 * @example
 * requestPath('http://localhost:61679/v1/enis?pretty'); // '/v1/enis'
 */
export function requestPath(target: string): string {
  let path = target;
  const end = path.search(/[?#]/);
  if (end >= 0) path = path.slice(0, end);
  const absolute = /^https?:\/\/[^/]*/i.exec(path);
  if (absolute !== null) path = path.slice(absolute[0].length);
  return path === '' ? '/' : path;
}

/**
 * The response for one request: the route, the command list for unknown paths, or 405.
 *
 * @example
 * answer(introspectionRoutes(source), 'POST', '/v1/enis').status; // 405
 */
export function answer(routes: ReadonlyMap<string, Route>, method: string, target: string): RouteResponse {
  if (method !== 'GET' && method !== 'HEAD') {
    return errorResponse(405, `${method.slice(0, 16)} is not allowed: the introspection API is read-only, use GET`);
  }
  return (routes.get(requestPath(target)) ?? availableCommands)();
}

function send(res: ServerResponse, method: string, response: RouteResponse): void {
  res.writeHead(response.status, {
    ...response.headers,
    'Content-Type': response.contentType ?? 'application/json',
    'Content-Length': Buffer.byteLength(response.body),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    ...(response.status === 405 ? { Allow: 'GET, HEAD' } : {}),
  });
  res.end(method === 'HEAD' ? undefined : response.body);
}

/**
 * Serves the introspection API until `close()`. Rejects with a `LISTEN_FAILED` error when the address cannot be
 * bound; retrying (the reference backs off 1 s → 1 min) is the caller's choice.
 */
export async function startIntrospectionServer(options: IntrospectionServerOptions): Promise<RunningServer> {
  const routes = introspectionRoutes(options.source);
  const log = options.log;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const started = performance.now();
    const method = req.method ?? 'GET';
    const target = req.url ?? '/';
    let response: RouteResponse;
    try {
      response = answer(routes, method, target);
    } catch (error) {
      log?.error({ err: error, path: target.slice(0, SHOWN_PATH) }, 'introspection request failed');
      response = errorResponse(500, 'internal error while building the response; see ipamd log');
    }
    send(res, method, response);
    log?.debug(
      {
        method,
        path: target.slice(0, SHOWN_PATH),
        status: response.status,
        ms: Math.round(performance.now() - started),
      },
      'introspection request',
    );
  });
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    log?.debug({ err: error }, 'introspection: malformed request');
    const status = CLIENT_ERROR_STATUS[error.code ?? ''] ?? '400 Bad Request';
    if (socket.writable) socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    else socket.destroy();
  });
  applyTimeouts(server);
  const url = await listen(server, options.bind);
  log?.info({ url }, 'serving introspection API');
  return { url, close: (graceMs?: number) => closeGracefully(server, graceMs) };
}
