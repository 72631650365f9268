/**
 * The running demo's control socket (`<run dir>/control.sock`, mode 0600: only root may scale the demo), HTTP over a
 * unix socket so that `curl --unix-socket` works too:
 *
 * - `GET /v1/state`: the demo's nodes (as in `demo.json`), the pods per node asked for, and every pod;
 * - `POST /v1/scale?pods=N`: scales to N pods per node, answering with one JSON event per line (NDJSON) as pods
 *   are created or removed, the last one `{"kind":"done",...}`; 400 with `{"error":...}` for an impossible N.
 *
 * @example
 * const control = await startControlServer(controlSocket(runDir), { state: () => ({ ... }), scale: (n, onEvent) => scaler.scaleTo(n, onEvent) });
 * // curl --unix-socket /run/vpc-cni-demo/control.sock -X POST 'http://demo/v1/scale?pods=10'
 * await control.close();
 */
import { chmod } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { isVpcCniError, messageOf } from '../errors.js';
import type { ScaleEvent } from './scale.js';

export interface ControlHandlers {
  state(): unknown;
  scale(perNode: number, onEvent: (event: ScaleEvent) => void): Promise<unknown>;
}

export interface ControlServer {
  readonly path: string;
  close(): Promise<void>;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

async function scaleRoute(url: URL, res: ServerResponse, handlers: ControlHandlers): Promise<void> {
  const text = url.searchParams.get('pods') ?? '';
  const perNode = Number(text);
  if (!/^\d{1,4}$/.test(text)) {
    sendJson(res, 400, { error: `pods must be a whole number of pods per node, not '${text}'` });
    return;
  }
  let started = false;
  const write = (event: ScaleEvent): void => {
    if (!started) {
      started = true;
      res.writeHead(200, { 'Content-Type': 'application/x-ndjson', 'Cache-Control': 'no-store' });
    }
    res.write(`${JSON.stringify(event)}\n`);
  };
  try {
    await handlers.scale(perNode, write);
    res.end();
  } catch (error) {
    const message = messageOf(error);
    const code = isVpcCniError(error) ? error.code : undefined;
    if (started) res.end(`${JSON.stringify({ kind: 'error', message, code })}\n`);
    else sendJson(res, 400, { error: message, code });
  }
}

function handle(req: IncomingMessage, res: ServerResponse, handlers: ControlHandlers): void {
  const url = new URL(req.url ?? '/', 'http://demo');
  if (req.method === 'GET' && url.pathname === '/v1/state') {
    sendJson(res, 200, handlers.state());
  } else if (req.method === 'POST' && url.pathname === '/v1/scale') {
    void scaleRoute(url, res, handlers);
  } else {
    sendJson(res, 404, {
      error: `no route ${req.method ?? ''} ${url.pathname}: use GET /v1/state or POST /v1/scale?pods=N`,
    });
  }
}

/** Listens on the unix socket `path` (owner-only) until `close()`. */
export async function startControlServer(path: string, handlers: ControlHandlers): Promise<ControlServer> {
  const server = createServer((req, res) => handle(req, res, handlers));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      resolve();
    });
  });
  await chmod(path, 0o600);
  return {
    path,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
