/**
 * One instance's IMDS over HTTP on 127.0.0.1 [ec2-imds §5]: the IMDSv2 token flow, GET/HEAD of the metadata tree and
 * the status codes clients act on.
 *
 * - `PUT /latest/api/token` with `X-aws-ec2-metadata-token-ttl-seconds: 1..21600` → the token, and the TTL echoed
 *   in `X-Aws-Ec2-Metadata-Token-Ttl-Seconds` (the Go SDK's IMDS client, i.e. the real CNI, fails without it).
 *   Bad or missing TTL → 400; a PUT carrying `X-Forwarded-For` or to a versioned path → 403.
 * - GET with an unknown or expired token → 401; without a token → 401 when tokens are `required` (IMDSv1 off).
 * - Repeated slashes collapse: `MetadataService({ endpoint })` requests `//latest/meta-data/...`.
 * - Unknown paths → 404 (an HTML body, as IMDS sends); methods other than GET/HEAD/PUT → 405.
 *
 * Token expiry follows the store clock, so tests can expire tokens with a manual clock.
 *
 * @example
 * const imds = await startImdsServer({ store, instanceId, tokens: 'required' });
 * await new MetadataService({ endpoint: imds.url }).request('/latest/meta-data/instance-id', {});
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../../ipam/clock.js';
import { serve, type RunningServer } from '../ec2/server.js';
import type { VpcStore } from '../state/store.js';
import { lookupMetadata } from './metadata.js';
import { imdsPropagationOf, type ImdsView } from './view.js';

export const MAX_TOKEN_TTL_SECONDS = 21_600;
const TTL_HEADER = 'x-aws-ec2-metadata-token-ttl-seconds';
const TOKEN_HEADER = 'x-aws-ec2-metadata-token';
/** Bounds the token table: an instance that asks for a token per request (the JS MetadataService does) stays small. */
const MAX_LIVE_TOKENS = 10_000;

export type ImdsTokenMode = 'optional' | 'required';

export interface ImdsServerOptions {
  readonly store: VpcStore;
  readonly instanceId: string;
  /** The instance's lagging view; the store's shared propagation when absent. */
  readonly view?: ImdsView;
  /** `required` = IMDSv2 only (HttpTokens=required); `optional` also answers token-less (IMDSv1) GETs. */
  readonly tokens?: ImdsTokenMode;
  readonly host?: string;
  readonly port?: number;
  /** For token expiry; the store's clock by default. */
  readonly clock?: Clock;
}

/** A running IMDS: the EC2 server's shape (URL, port, close that drops keep-alives). */
export type RunningImds = RunningServer;

const NOT_FOUND_HTML =
  '<?xml version="1.0" encoding="iso-8859-1"?>\n<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN"\n' +
  '\t"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">\n<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en" lang="en">\n' +
  ' <head>\n  <title>404 - Not Found</title>\n </head>\n <body>\n  <h1>404 - Not Found</h1>\n </body>\n</html>\n';

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The request handler; exported so tests and the lead's composition can mount it without a listener. */
export function imdsRequestHandler(options: ImdsServerOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const { store, instanceId } = options;
  const view = options.view ?? imdsPropagationOf(store).view(instanceId);
  if (view.instanceId !== instanceId) throw new RangeError(`IMDS view is for ${view.instanceId}, not ${instanceId}`);
  const clock = options.clock ?? store.clock;
  const mode = options.tokens ?? 'optional';
  const tokens = new Map<string, number>();

  const issue = (ttlSeconds: number): string => {
    const now = clock.now();
    if (tokens.size >= MAX_LIVE_TOKENS) {
      for (const [token, expires] of tokens) if (expires <= now) tokens.delete(token);
      // Still full of live tokens: drop the oldest (Map order is issue order).
      for (const token of tokens.keys()) {
        if (tokens.size < MAX_LIVE_TOKENS) break;
        tokens.delete(token);
      }
    }
    const token = randomBytes(42).toString('base64');
    tokens.set(token, now + ttlSeconds * 1000);
    return token;
  };

  return (req, res) => {
    const send = (status: number, body: string, extra: Record<string, string> = {}): void => {
      const html = status === 404;
      res.writeHead(status, {
        'content-type': html ? 'text/html' : 'text/plain',
        'content-length': String(Buffer.byteLength(body)),
        server: 'EC2ws',
        ...extra,
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    // Collapse `//latest//meta-data` to `/latest/meta-data`; the query string plays no part in IMDS paths.
    const path = (req.url ?? '/').split('?')[0]?.replace(/\/{2,}/g, '/') ?? '/';
    const method = req.method ?? 'GET';
    // The request body is never used; drain it so keep-alive connections stay usable.
    req.resume();

    const tokenPath = /^\/([^/]+)\/api\/token\/?$/.exec(path);
    if (method === 'PUT') {
      if (tokenPath === null) return send(405, 'Method Not Allowed', { allow: 'GET, HEAD' });
      if (tokenPath[1] !== 'latest') return send(403, 'Forbidden');
      if (header(req, 'x-forwarded-for') !== undefined) return send(403, 'Forbidden');
      const ttlText = header(req, TTL_HEADER);
      const ttl = ttlText !== undefined && /^\d+$/.test(ttlText.trim()) ? Number(ttlText.trim()) : NaN;
      if (!(ttl >= 1 && ttl <= MAX_TOKEN_TTL_SECONDS)) return send(400, 'Bad Request');
      return send(200, issue(ttl), { [TTL_HEADER]: String(ttl) });
    }
    if (method !== 'GET' && method !== 'HEAD') return send(405, 'Method Not Allowed', { allow: 'GET, HEAD, PUT' });
    if (tokenPath !== null) return send(405, 'Method Not Allowed', { allow: 'PUT' });

    const token = header(req, TOKEN_HEADER);
    if (token !== undefined) {
      const expires = tokens.get(token);
      if (expires === undefined || expires <= clock.now()) {
        if (expires !== undefined) tokens.delete(token);
        return send(401, 'Unauthorized');
      }
    } else if (mode === 'required') {
      return send(401, 'Unauthorized');
    }

    // `/latest/...` and dated versions (`/2021-03-23/...`) serve the same tree.
    const match = /^\/(latest|\d{4}-\d{2}-\d{2})(\/.*)?$/.exec(path);
    if (path === '/') return send(200, 'latest');
    if (match === null) return send(404, NOT_FOUND_HTML);
    const rest = match[2] ?? '';
    if (rest === '' || rest === '/') return send(200, 'dynamic\nmeta-data');
    const body = lookupMetadata(view, rest);
    return body === undefined ? send(404, NOT_FOUND_HTML) : send(200, body);
  };
}

/** Starts an instance's IMDS on 127.0.0.1 (port 0 = any free port). */
export function startImdsServer(options: ImdsServerOptions): Promise<RunningImds> {
  return serve(imdsRequestHandler(options), { host: options.host ?? '127.0.0.1', port: options.port ?? 0 });
}
