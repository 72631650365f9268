/**
 * The other end of the running demo's control socket: `vpc-cni demo scale N` and the demo's state for
 * `vpc-cni get pods`. A missing socket or a refused connection means no demo is running, and the error says how to
 * start one.
 *
 * @example
 * const state = await demoState('/run/vpc-cni-demo');
 * await requestScale('/run/vpc-cni-demo', 20, (event) => console.log(event.kind));
 */
import { request } from 'node:http';
import { DEMO_ERRORS, DemoError, type DemoErrorCode } from './errors.js';
import { controlSocket } from './run-dir.js';
import type { ScaleEvent } from './scale.js';

/** A pod as `GET /v1/state` lists it. */
export interface DemoPodState {
  readonly namespace: string;
  readonly name: string;
  readonly status: string;
  readonly ip: string | null;
  readonly node: string;
  readonly createdAt: number;
}

/** `GET /v1/state`. */
export interface DemoLiveState {
  readonly perNode: number;
  readonly nodes: readonly { readonly name: string; readonly introspection: string }[];
  readonly pods: readonly DemoPodState[];
}

function unreachable(dir: string, error: NodeJS.ErrnoException): DemoError {
  const code = error.code ?? 'error';
  const missing = code === 'ENOENT' || code === 'ECONNREFUSED';
  return new DemoError(
    missing ? 'DEMO_NOT_RUNNING' : 'DEMO_CONTROL_FAILED',
    missing
      ? `no demo is running (nothing answers at ${controlSocket(dir)}, ${code}): start one with 'vpc-cni demo' (or 'npm run demo')`
      : `cannot talk to the demo at ${controlSocket(dir)} (${code}): ${error.message}`,
    {},
    error,
  );
}

/** One request; `onLine` gets each line of the body as it arrives. Resolves with the status and the whole body. */
function call(
  dir: string,
  method: string,
  path: string,
  onLine?: (line: string) => void,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: controlSocket(dir), method, path, headers: { Host: 'demo' } }, (res) => {
      let body = '';
      let pending = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
        pending += chunk;
        for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n')) {
          const line = pending.slice(0, nl).trim();
          pending = pending.slice(nl + 1);
          if (line !== '') onLine?.(line);
        }
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', (error) =>
        reject(new DemoError('DEMO_CONTROL_FAILED', `the demo broke off: ${error.message}`, {}, error)),
      );
    });
    req.on('error', (error: NodeJS.ErrnoException) => reject(unreachable(dir, error)));
    req.end();
  });
}

/** The demo's own error (its code when it is one of ours), else DEMO_CONTROL_FAILED with the text. */
function demoError(message: string, code: unknown): DemoError {
  return new DemoError(
    typeof code === 'string' && code in DEMO_ERRORS ? (code as DemoErrorCode) : 'DEMO_CONTROL_FAILED',
    message,
  );
}

function errorOf(status: number, body: string): DemoError {
  try {
    const parsed = JSON.parse(body) as { error?: unknown; code?: unknown };
    if (typeof parsed.error === 'string') return demoError(parsed.error, parsed.code);
  } catch {
    // not JSON
  }
  return new DemoError('DEMO_CONTROL_FAILED', `the demo answered HTTP ${status}: ${body.trim().slice(0, 300)}`);
}

/** The running demo's nodes and pods. */
export async function demoState(dir: string): Promise<DemoLiveState> {
  const { status, body } = await call(dir, 'GET', '/v1/state');
  if (status !== 200) throw errorOf(status, body);
  return JSON.parse(body) as DemoLiveState;
}

/** Asks the running demo to scale to `perNode` pods per node; `onEvent` sees each pod as it is created or removed. */
export async function requestScale(
  dir: string,
  perNode: number,
  onEvent: (event: ScaleEvent) => void,
): Promise<Extract<ScaleEvent, { kind: 'done' }>> {
  let done: Extract<ScaleEvent, { kind: 'done' }> | undefined;
  let failure: DemoError | undefined;
  const { status, body } = await call(dir, 'POST', `/v1/scale?pods=${perNode}`, (line) => {
    const event = JSON.parse(line) as ScaleEvent | { kind: 'error'; message: string; code?: string };
    if (event.kind === 'error') failure = demoError(event.message, event.code);
    else {
      if (event.kind === 'done') done = event;
      onEvent(event);
    }
  });
  if (status !== 200) throw errorOf(status, body);
  if (failure !== undefined) throw failure;
  if (done === undefined)
    throw new DemoError(
      'DEMO_CONTROL_FAILED',
      'the demo stopped answering before the scaling finished (was it stopped?)',
    );
  return done;
}
