// Fuzz: the IMDS adapter (src/cloud/imds/) against a misbehaving metadata service. A proxy on 127.0.0.1 forwards
// each request (the v2 token PUT and the GETs) to the embedded VPC's IMDS for the node and damages the answer —
// truncated or mutated text, lines dropped or duplicated, numbers and MACs retyped, HTML, empty 200s, 401/404/5xx,
// huge bodies, a reset connection, no answer at all. Every call ipamd makes must end, within the adapter's budget,
// in a valid value or a typed CloudError, with no unhandled rejection.
import { after, before, describe, it } from 'node:test';
import { startCloudFixture, type CloudFixture } from '../../src/cloud/ec2/sim-fixture.test-util.js';
import type { ImdsClient } from '../../src/cloud/imds/client.js';
import { mutateText, randomString } from './mutate.js';
import {
  fuzzEndpoint,
  startMisbehavingProxy,
  type Answer,
  type MisbehavingProxy,
  type RealAnswer,
} from './endpoint.js';
import type { Rng } from './prng.js';

const TIMEOUT_MS = 250;
const ATTEMPTS = 2;

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
      return rng.pick([
        'abc',
        '-1',
        '1e400',
        '18446744073709551616',
        'NaN',
        'zz:zz:zz:zz:zz:zz',
        '0a:1b:2c:3d:4e',
        '10.0.0.1/33',
        '300.1.1.1',
        '{}',
        '[]',
        'null',
        '',
      ]);
    case 5:
      return `${text}\n${randomString(rng)}`;
    case 6:
      return lines
        .map((line) => (rng.chance(0.3) ? line.toUpperCase() + rng.pick(['/', ' ', '\t', '/../']) : line))
        .join('\n');
    default:
      return 'x'.repeat(rng.pick([64, 4096, 1_000_000]));
  }
}

/** How the service answers one request, given the real answer. */
function misbehave(rng: Rng, real: RealAnswer): Answer {
  const roll = rng.float();
  if (roll < 0.25) return real;
  if (roll < 0.65) return { status: rng.chance(0.9) ? 200 : real.status, body: damageText(rng, real.body) };
  if (roll < 0.7) return { status: 200, body: '<html><body><h1>502 Bad Gateway</h1></body></html>' };
  if (roll < 0.75) return { status: 200, body: '' };
  if (roll < 0.9)
    return {
      status: rng.pick([400, 401, 403, 404, 405, 429, 500, 502, 503, 504]),
      body: rng.pick(['', 'Unauthorized', real.body]),
    };
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

describe('fuzz: IMDS responses from a misbehaving metadata service', () => {
  let fx: CloudFixture;
  let proxy: MisbehavingProxy;

  before(async () => {
    fx = await startCloudFixture();
    const upstream = new URL(fx.node.imdsUrl);
    proxy = await startMisbehavingProxy((req) => {
      const headers: Record<string, string> = {};
      for (const name of ['x-aws-ec2-metadata-token', 'x-aws-ec2-metadata-token-ttl-seconds']) {
        const value = req.headers[name];
        if (typeof value === 'string') headers[name] = value;
      }
      return fetch(new URL(req.url ?? '/', upstream), { method: req.method ?? 'GET', headers });
    });
  });

  after(async () => {
    await proxy?.close();
    await fx?.close();
  });

  it(
    'every read ends in a valid value or a CloudError, within the budget, with no unhandled rejection',
    { timeout: 240_000 },
    async () => {
      // A fresh adapter per call: the v2 token is asked for again, so the PUT is damaged too.
      const imds = (): ImdsClient =>
        fx.imds({
          endpoint: proxy.url,
          timeoutMs: TIMEOUT_MS,
          retry: { maxAttempts: ATTEMPTS, capMs: 2, baseMs: 1 },
          sleep: () => Promise.resolve(),
        });
      await fuzzEndpoint({
        target: 'imds-responses',
        proxy,
        misbehave,
        operations: Object.fromEntries(
          Object.entries(OPERATIONS).map(([name, operation]) => [name, () => operation(imds(), fx)]),
        ),
        // attachedEnis reads a few paths per ENI: allow each of them its attempts.
        budgetMs: 40 * ATTEMPTS * 2 * TIMEOUT_MS + 15_000,
        mustSee: ['ok', 'IMDS_ERROR'],
      });
    },
  );
});
