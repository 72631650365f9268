// Fuzz: the IMDS adapter (src/cloud/imds/) against a misbehaving metadata service. A proxy on 127.0.0.1 forwards
// each request (the v2 token PUT and the GETs) to the embedded VPC's IMDS for the node and damages the answer —
// truncated or mutated text, lines dropped or duplicated, numbers and MACs retyped, HTML, empty 200s, 401/404/5xx,
// huge bodies, a reset connection, no answer at all. Every call ipamd makes must end, within the adapter's budget,
// in a valid value or a typed CloudError, with no unhandled rejection.
import { strict as assert } from 'node:assert';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { CloudError } from '../../src/cloud/errors.js';
import { startCloudFixture, type CloudFixture } from '../../src/cloud/ec2/sim-fixture.test-util.js';
import type { ImdsClient } from '../../src/cloud/imds/client.js';
import { mutateText, randomString } from './mutate.js';
import { fuzzCases, runCases, within, type Note, type Rng } from './prng.js';

const TIMEOUT_MS = 250;
const ATTEMPTS = 2;

type Answer = { status: number; body: string } | 'reset' | 'hang';

/** Damage done to one valid IMDS text answer (a value, a list of lines, or the identity document's JSON). */
function damageText(rng: Rng, text: string): string {
  const lines = text.split('\n');
  switch (rng.int(8)) {
    case 0:
      return text.slice(0, rng.int(text.length + 1));
    case 1:
      return mutateText(rng, text);
    case 2:
      return lines.filter(() => rng.chance(0.5)).join('\n');
    case 3:
      return [...lines, ...lines.slice(0, rng.range(1, 3))].join('\n');
    case 4:
      return rng.pick(['abc', '-1', '1e400', '18446744073709551616', 'NaN', 'zz:zz:zz:zz:zz:zz', '0a:1b:2c:3d:4e', '10.0.0.1/33', '300.1.1.1', '{}', '[]', 'null', '']);
    case 5:
      return `${text}\n${randomString(rng)}`;
    case 6:
      return lines.map((line) => (rng.chance(0.3) ? line.toUpperCase() + rng.pick(['/', ' ', '\t', '/../']) : line)).join('\n');
    default:
      return 'x'.repeat(rng.pick([64, 4096, 1_000_000]));
  }
}

/** How the service answers one request, given the real answer. */
function misbehave(rng: Rng, real: { status: number; body: string }): Answer {
  const roll = rng.float();
  if (roll < 0.25) return real;
  if (roll < 0.65) return { status: rng.chance(0.9) ? 200 : real.status, body: damageText(rng, real.body) };
  if (roll < 0.7) return { status: 200, body: '<html><body><h1>502 Bad Gateway</h1></body></html>' };
  if (roll < 0.75) return { status: 200, body: '' };
  if (roll < 0.9) return { status: rng.pick([400, 401, 403, 404, 405, 429, 500, 502, 503, 504]), body: rng.pick(['', 'Unauthorized', real.body]) };
  if (roll < 0.97) return 'reset';
  return 'hang';
}

/** One IMDS read of the kind ipamd makes. */
type Operation = (imds: ImdsClient, fx: CloudFixture) => Promise<unknown>;

const OPERATIONS: Record<string, Operation> = {
  identity: (imds) => imds.identity(),
  macs: (imds) => imds.macs(),
  primaryEni: (imds, fx) => imds.eni(fx.node.primaryMac, { prefixes: true }),
  attachedEnis: (imds, fx) => imds.attachedEnis(fx.node.primaryMac),
  securityGroupIds: (imds, fx) => imds.securityGroupIds(fx.node.primaryMac),
  vpcIpv4Cidrs: (imds, fx) => imds.vpcIpv4Cidrs(fx.node.primaryMac),
};

/** A valid value has no NaN or non-finite number anywhere. */
function assertSane(value: unknown, path = 'result'): void {
  if (typeof value === 'number') assert.ok(Number.isFinite(value), `${path} is ${value}`);
  else if (Array.isArray(value)) value.forEach((item, i) => assertSane(item, `${path}[${i}]`));
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) assertSane(v, `${path}.${k}`);
  else assert.ok(value === undefined || ['string', 'boolean'].includes(typeof value), `${path} is ${typeof value}`);
}

describe('fuzz: IMDS responses from a misbehaving metadata service', () => {
  let fx: CloudFixture;
  let proxyUrl = '';
  let close: () => Promise<void> = () => Promise.resolve();
  let plan: (real: { status: number; body: string }) => Answer = (real) => real;
  let note: Note = () => undefined;

  before(async () => {
    fx = await startCloudFixture();
    const upstream = new URL(fx.node.imdsUrl);
    const server = createServer((req: IncomingMessage, res: ServerResponse) => {
      req.resume();
      req.on('end', () => {
        void (async () => {
          const headers: Record<string, string> = {};
          for (const name of ['x-aws-ec2-metadata-token', 'x-aws-ec2-metadata-token-ttl-seconds']) {
            const value = req.headers[name];
            if (typeof value === 'string') headers[name] = value;
          }
          const real = await fetch(new URL(req.url ?? '/', upstream), { method: req.method ?? 'GET', headers });
          const answer = plan({ status: real.status, body: await real.text() });
          note(`${req.method ?? ''} ${req.url ?? ''}`, typeof answer === 'string' ? answer : { ...answer, body: answer.body.slice(0, 300) });
          if (answer === 'reset') req.socket.destroy();
          else if (answer !== 'hang') res.writeHead(answer.status, { 'content-type': 'text/plain' }).end(answer.body);
        })().catch(() => req.socket.destroy());
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    proxyUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    };
  });

  after(async () => {
    await close();
    await fx?.close();
  });

  it('every read ends in a valid value or a CloudError, within the budget, with no unhandled rejection', { timeout: 240_000 }, async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    const outcomes = new Map<string, number>();
    try {
      await runCases('imds-responses', fuzzCases(250, true), async (rng, caseNote) => {
        note = caseNote;
        plan = (real) => misbehave(rng, real);
        // A fresh adapter per case: the v2 token is asked for again, so the PUT is damaged too.
        const imds = fx.imds({ endpoint: proxyUrl, timeoutMs: TIMEOUT_MS, retry: { maxAttempts: ATTEMPTS, capMs: 2, baseMs: 1 }, sleep: () => Promise.resolve() });
        const name = rng.pick(Object.keys(OPERATIONS));
        caseNote('operation', name);
        const operation = OPERATIONS[name] as Operation;
        // attachedEnis reads a few paths per ENI: allow each of them its attempts.
        const outcome = await within(
          operation(imds, fx).then(
            (value) => ({ value }),
            (error: unknown) => ({ error }),
          ),
          40 * ATTEMPTS * 2 * TIMEOUT_MS + 15_000,
          name,
        );
        if ('error' in outcome) {
          caseNote('error', outcome.error instanceof Error ? `${outcome.error.name}: ${outcome.error.message}` : outcome.error);
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
      note = () => undefined;
      plan = (real) => real;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(unhandled, [], 'no unhandled rejection after the last call');
    if (fuzzCases(250, true) >= 100) for (const code of ['ok', 'IMDS_ERROR']) assert.ok(outcomes.has(code), `no read ended ${code}: ${JSON.stringify([...outcomes])}`);
  });
});
