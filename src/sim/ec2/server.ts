/**
 * The EC2 Query API over HTTP: `POST /` with a form body (`Action=...&Version=2016-11-15`), a SigV4
 * `Authorization` header (shape checked, signature not verified), XML out with `x-amzn-RequestId`.
 * Binds 127.0.0.1 only.
 *
 * @example
 * const server = await startEc2Server({ store, handlers, port: 0 });
 * new EC2Client({ endpoint: server.url, region: store.region, credentials });
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { VpcStore } from '../state/store.js';
import { AUTH_FAILURE, Ec2Error } from './errors.js';
import type { HandlerTable, RequestGate } from './handler.js';
import { Params } from './params.js';
import { errorXml, successXml } from './xml.js';
import { messageOf } from '../../errors.js';

export const EC2_API_VERSION = '2016-11-15';
const MAX_BODY_BYTES = 1 << 20;

export interface Ec2ServerOptions {
  readonly store: VpcStore;
  readonly handlers: HandlerTable;
  readonly gate?: RequestGate;
  readonly host?: string;
  readonly port?: number;
  /** Called once per request after it was answered, for logs and metrics. */
  readonly onRequest?: (record: { action: string; status: number; code?: string; ms: number }) => void;
}

export interface RunningServer {
  readonly url: string;
  readonly port: number;
  readonly server: Server;
  close(): Promise<void>;
}

const SIGV4 =
  /^AWS4-HMAC-SHA256 Credential=[^/\s]+\/\d{8}\/[^/\s]+\/ec2\/aws4_request, ?SignedHeaders=[^,\s]+, ?Signature=[0-9a-f]{64}$/;

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) throw new Ec2Error('InvalidParameterValue', 'The request body is too large.', 413);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function ec2RequestHandler(
  options: Ec2ServerOptions,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return async (req, res) => {
    const started = performance.now();
    const requestId = randomUUID();
    let action = '(none)';
    const send = (status: number, body: string, code?: string): void => {
      res.writeHead(status, { 'content-type': 'text/xml;charset=UTF-8', 'x-amzn-RequestId': requestId });
      res.end(body);
      options.onRequest?.({ action, status, ...(code === undefined ? {} : { code }), ms: performance.now() - started });
    };
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const body = req.method === 'POST' ? await readBody(req) : '';
      const params = Params.fromBody(req.method === 'GET' ? url.search : body);
      action = params.optString('Action') ?? '(none)';
      if (req.method !== 'POST' && req.method !== 'GET')
        throw new Ec2Error('InvalidAction', `The method ${req.method ?? ''} is not supported.`, 405);
      if (!SIGV4.test(req.headers.authorization ?? '')) throw AUTH_FAILURE();
      const handler = Object.hasOwn(options.handlers, action) ? options.handlers[action] : undefined;
      if (handler === undefined) {
        throw new Ec2Error('InvalidAction', `The action ${action} is not valid for this web service.`);
      }
      const version = params.optString('Version');
      if (version !== EC2_API_VERSION) {
        throw new Ec2Error(
          'InvalidParameterValue',
          `Value (${version ?? ''}) for parameter Version is invalid. Expected ${EC2_API_VERSION}.`,
        );
      }
      await options.gate?.admit(action, params);
      if (params.optBool('DryRun') === true) {
        throw new Ec2Error('DryRunOperation', 'Request would have succeeded, but DryRun flag is set.', 412);
      }
      const result = handler(params, { store: options.store, action, requestId });
      send(200, successXml(action, requestId, result));
    } catch (error) {
      if (error instanceof Ec2Error) {
        send(error.status, errorXml(error.code, error.message, requestId), error.code);
      } else {
        const message = messageOf(error);
        send(500, errorXml('InternalError', `An internal error has occurred: ${message}`, requestId), 'InternalError');
      }
    }
  };
}

export async function startEc2Server(options: Ec2ServerOptions): Promise<RunningServer> {
  const handle = ec2RequestHandler(options);
  return serve((req, res) => void handle(req, res), { host: options.host ?? '127.0.0.1', port: options.port ?? 0 });
}

/** Listens with `handler` on host:port (port 0 picks one) and returns the URL and a close that drops keep-alives. */
export async function serve(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  where: { readonly host: string; readonly port: number },
): Promise<RunningServer> {
  const server = createServer(handler);
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(where.port, where.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = where.host.includes(':') ? `[${where.host}]` : where.host;
  return {
    url: `http://${host}:${port}`,
    port,
    server,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error === undefined ? resolve() : reject(error)));
      }),
  };
}
