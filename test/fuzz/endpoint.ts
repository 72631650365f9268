/**
 * What the misbehaving-endpoint fuzz targets share (ec2-responses, imds-responses): a proxy on 127.0.0.1 that
 * forwards each request to the embedded VPC and answers with whatever the current case's plan makes of the real
 * answer, and the case loop that checks every call ends, within its budget, in a valid value or a CloudError with
 * no unhandled rejection.
 *
 * @example
 * const proxy = await startMisbehavingProxy((req, body) => fetch(upstream, { method: 'POST', body }));
 * proxy.plan = (real) => ({ ...real, body: real.body.slice(0, 10) });
 */
import { strict as assert } from 'node:assert';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CloudError } from '../../src/cloud/errors.js';
import { fuzzCases, runCases, within, type Note, type Rng } from './prng.js';

/** A real answer from upstream. */
export interface RealAnswer {
  readonly status: number;
  readonly body: string;
}

/** What the proxy sends back: an answer (`type` '' = no content-type header), a reset connection, or nothing. */
export type Answer = { readonly status: number; readonly type?: string; readonly body: string } | 'reset' | 'hang';

export interface MisbehavingProxy {
  readonly url: string;
  /** The current case's plan, consulted per request; the real answer unchanged by default. */
  plan: (real: RealAnswer) => Answer;
  /** Where the proxy notes each answer (the current case's note). */
  note: Note;
  close(): Promise<void>;
}

/** Starts the proxy; `forward` sends the incoming request upstream. */
export async function startMisbehavingProxy(
  forward: (req: IncomingMessage, body: Buffer) => Promise<Response>,
): Promise<MisbehavingProxy> {
  const proxy: Omit<MisbehavingProxy, 'url' | 'close'> = { plan: (real) => real, note: () => undefined };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      void (async () => {
        const real = await forward(req, Buffer.concat(chunks));
        const answer = proxy.plan({ status: real.status, body: await real.text() });
        proxy.note(
          `${req.method ?? ''} ${req.url ?? ''}`,
          typeof answer === 'string' ? answer : { ...answer, body: answer.body.slice(0, 400) },
        );
        if (answer === 'reset') req.socket.destroy();
        else if (answer !== 'hang') {
          const type = answer.type ?? 'text/plain';
          res.writeHead(answer.status, type === '' ? {} : { 'content-type': type }).end(answer.body);
        }
      })().catch(() => req.socket.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(proxy, {
    url,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}

/** A valid value has no NaN or non-finite number anywhere, and only strings and booleans as other leaves. */
export function assertSane(value: unknown, path = 'result'): void {
  if (typeof value === 'number') assert.ok(Number.isFinite(value), `${path} is ${value}`);
  else if (Array.isArray(value)) value.forEach((item, i) => assertSane(item, `${path}[${i}]`));
  else if (value !== null && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) assertSane(v, `${path}.${k}`);
  else assert.ok(value === undefined || ['string', 'boolean'].includes(typeof value), `${path} is ${typeof value}`);
}

export interface EndpointFuzz {
  readonly target: string;
  readonly proxy: MisbehavingProxy;
  /** How the endpoint misbehaves for a case. */
  readonly misbehave: (rng: Rng, real: RealAnswer) => Answer;
  /** Operation name → the call; one is picked per case. */
  readonly operations: Readonly<Record<string, () => Promise<unknown>>>;
  /** How long one call may take before it counts as a hang. */
  readonly budgetMs: number;
  /** Outcomes (`ok` or an error code) a run of 100+ cases must have seen, so the damage really reaches both paths. */
  readonly mustSee: readonly string[];
}

/** The case loop: every call ends in a valid value or a CloudError within the budget; no unhandled rejection. */
export async function fuzzEndpoint(fuzz: EndpointFuzz): Promise<void> {
  const { proxy } = fuzz;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  const outcomes = new Map<string, number>();
  const count = fuzzCases(250, true);
  try {
    await runCases(fuzz.target, count, async (rng, caseNote) => {
      proxy.note = caseNote;
      proxy.plan = (real) => fuzz.misbehave(rng, real);
      const name = rng.pick(Object.keys(fuzz.operations));
      caseNote('operation', name);
      const operation = fuzz.operations[name] as () => Promise<unknown>;
      const outcome = await within(
        operation().then(
          (value) => ({ value }),
          (error: unknown) => ({ error }),
        ),
        fuzz.budgetMs,
        name,
      );
      if ('error' in outcome) {
        caseNote(
          'error',
          outcome.error instanceof Error ? `${outcome.error.name}: ${outcome.error.message}` : outcome.error,
        );
        assert.ok(outcome.error instanceof CloudError, `an untyped ${String(outcome.error)}`);
        assert.ok(outcome.error.message.length > 0);
        outcomes.set(outcome.error.code, (outcomes.get(outcome.error.code) ?? 0) + 1);
      } else {
        assertSane(outcome.value);
        outcomes.set('ok', (outcomes.get('ok') ?? 0) + 1);
      }
      assert.deepEqual(unhandled, [], 'no unhandled rejection');
    });
  } finally {
    process.off('unhandledRejection', onUnhandled);
    proxy.note = () => undefined;
    proxy.plan = (real) => real;
  }
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.deepEqual(unhandled, [], 'no unhandled rejection after the last call');
  if (count >= 100)
    for (const code of fuzz.mustSee)
      assert.ok(outcomes.has(code), `no call ended ${code}: ${JSON.stringify([...outcomes])}`);
}
