// Fuzz: the EC2 adapter (src/cloud/ec2/client.ts) against a misbehaving endpoint. A proxy on 127.0.0.1 forwards
// each request to the embedded VPC and damages the answer — truncated or mutated XML, elements retyped, dropped or
// duplicated, entity tricks, HTML, empty 200s, error bodies with odd codes and statuses, 5xx, huge values, the wrong
// content type, a reset connection, no answer at all. Every call must end, within the client's budget, in a valid
// value or a typed CloudError, with no unhandled rejection.
import { after, before, describe, it } from 'node:test';
import { startCloudFixture, type CloudFixture } from '../../src/cloud/ec2/sim-fixture.test-util.js';
import type { Ec2ApiClient } from '../../src/cloud/ec2/client.js';
import { mutateText, randomString } from './mutate.js';
import {
  fuzzEndpoint,
  startMisbehavingProxy,
  type Answer,
  type MisbehavingProxy,
  type RealAnswer,
} from './endpoint.js';
import type { Rng } from './prng.js';

const HTTP_TIMEOUT_MS = 250;
const ATTEMPTS = 2;

const ODD_CODES = [
  '',
  ' ',
  'RequestLimitExceeded',
  'InternalError',
  'Unavailable',
  'InvalidNetworkInterfaceID.NotFound',
  'InsufficientFreeAddressesInSubnet',
  'AuthFailure',
  'Throttling',
  '&lt;script&gt;',
  'a.b.c.d',
  'x'.repeat(3000),
  '404',
  'Error',
  'TypeError',
  '__proto__',
  'constructor',
];
const STATUSES = [200, 302, 400, 401, 403, 404, 409, 413, 429, 500, 502, 503, 504, 599];

/** Damage done to one valid XML answer. */
function damageXml(rng: Rng, xml: string): string {
  const leaves = [...xml.matchAll(/<(\w+)>([^<]*)<\/\1>/g)];
  const leaf = leaves.length > 0 ? rng.pick(leaves) : undefined;
  const at = (leaf?.index ?? 0) + (leaf?.[0].length ?? 0);
  switch (rng.int(8)) {
    case 0:
      return xml.slice(0, rng.int(xml.length));
    case 1:
      return mutateText(rng, xml);
    case 2: {
      // Retype a leaf: text where a number or boolean is expected, nested elements where text is.
      if (leaf === undefined) return xml;
      const value = rng.pick([
        'abc',
        '-1',
        '1e400',
        '2147483648',
        'NaN',
        'true',
        '',
        `<item><x>1</x></item>`,
        randomString(rng).replace(/[<&]/g, ''),
        `&amp;${'9'.repeat(400)}`,
      ]);
      return xml.replace(leaf[0], `<${leaf[1]}>${value}</${leaf[1]}>`);
    }
    case 3:
      return leaf === undefined ? xml : xml.replace(leaf[0], '');
    case 4:
      return leaf === undefined ? xml : xml.slice(0, at) + leaf[0].repeat(rng.range(2, 5)) + xml.slice(at);
    case 5:
      return (
        xml.slice(0, at) +
        rng.pick(['&bogus;', '&#0;', '&#xD800;', '<![CDATA[<x>]]>', '<!-- x -->', '<?pi x?>', '</nope>', '<item>']) +
        xml.slice(at)
      );
    case 6:
      return `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "${'a'.repeat(50)}"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]>${xml.replace(/^<\?xml[^>]*\?>/, '').replace(/<(\w+)>[^<]*<\/\1>/, '<$1>&c;</$1>')}`;
    default:
      return leaf === undefined
        ? xml
        : xml.replace(leaf[0], `<${leaf[1]}>${'9'.repeat(rng.pick([64, 4096, 1_000_000]))}</${leaf[1]}>`);
  }
}

/** How the endpoint answers one request, given the real answer. */
function misbehave(rng: Rng, real: RealAnswer): Answer {
  const xmlType = 'text/xml;charset=UTF-8';
  const roll = rng.float();
  if (roll < 0.15) return { status: real.status, type: xmlType, body: real.body };
  if (roll < 0.55)
    return {
      status: rng.chance(0.9) ? 200 : real.status,
      type: rng.chance(0.85) ? xmlType : rng.pick(['text/html', 'application/json', '', 'application/octet-stream']),
      body: damageXml(rng, real.body),
    };
  if (roll < 0.6)
    return {
      status: 200,
      type: 'text/html',
      body: '<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>',
    };
  if (roll < 0.65) return { status: 200, type: rng.pick([xmlType, '']), body: '' };
  if (roll < 0.8) {
    const code = rng.pick(ODD_CODES);
    const body = rng.chance(0.8)
      ? `<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>${code}</Code><Message>${rng.chance(0.5) ? randomString(rng).replace(/[<&]/g, '') : "The networkInterface ID 'eni-0123' does not exist"}</Message></Error></Errors><RequestID>r-1</RequestID></Response>`
      : rng.pick([
          `{"__type":"${code}","message":"x"}`,
          `<Error><Code>${code}</Code></Error>`,
          `<Response><Errors></Errors></Response>`,
          '<Response><Errors><Error></Error></Errors></Response>',
        ]);
    return { status: rng.pick(STATUSES), type: xmlType, body };
  }
  if (roll < 0.9)
    return {
      status: rng.pick([500, 502, 503, 504]),
      type: rng.pick([xmlType, 'text/plain']),
      body: rng.pick(['', 'upstream connect error', damageXml(rng, real.body)]),
    };
  if (roll < 0.93)
    return {
      status: 200,
      type: 'application/json',
      body: JSON.stringify({ NetworkInterfaces: [{ NetworkInterfaceId: 'eni-1' }] }),
    };
  if (roll < 0.98) return 'reset';
  return rng.chance(0.5) ? 'hang' : { status: 200, type: xmlType, body: real.body.slice(0, 40) };
}

/** One call of the adapter, with the checks of a successful result. */
type Operation = (ec2: Ec2ApiClient, fx: CloudFixture) => Promise<unknown>;

const OPERATIONS: Record<string, Operation> = {
  describeInstance: (ec2, fx) => ec2.describeInstance(fx.node.instanceId),
  createNetworkInterface: (ec2, fx) =>
    ec2.createNetworkInterface({
      subnetId: fx.node.subnetId,
      groups: fx.node.groups,
      description: 'fuzz',
      tags: { k: 'v' },
      secondaryIpCount: 2,
    }),
  assignPrivateIps: (ec2, fx) => ec2.assignPrivateIps(fx.node.primaryEniId, { count: 1 }),
  unassignPrivateIps: (ec2, fx) => ec2.unassignPrivateIps(fx.node.primaryEniId, { ips: ['10.11.16.250'] }),
  describeNetworkInterfaces: (ec2, fx) => ec2.describeNetworkInterfaces([fx.node.primaryEniId, 'eni-0123']),
  findNetworkInterfaces: (ec2, fx) =>
    ec2.findNetworkInterfaces([{ name: 'attachment.instance-id', values: [fx.node.instanceId] }]),
  describeSubnets: (ec2, fx) => ec2.describeSubnets([{ name: 'subnet-id', values: [fx.node.subnetId] }]),
  describeSecurityGroups: (ec2, fx) => ec2.describeSecurityGroups([{ name: 'group-id', values: [...fx.node.groups] }]),
  attachNetworkInterface: (ec2, fx) =>
    ec2.attachNetworkInterface({
      eniId: 'eni-0123',
      instanceId: fx.node.instanceId,
      deviceIndex: 5,
      networkCardIndex: 0,
    }),
  deleteNetworkInterface: (ec2) => ec2.deleteNetworkInterface('eni-0123'),
  createTags: (ec2, fx) => ec2.createTags([fx.node.primaryEniId], { fuzz: 'yes' }),
  modifyNetworkInterfaceGroups: (ec2, fx) => ec2.modifyNetworkInterfaceGroups(fx.node.primaryEniId, fx.node.groups),
};

describe('fuzz: EC2 responses from a misbehaving endpoint', () => {
  let fx: CloudFixture;
  let proxy: MisbehavingProxy;

  before(async () => {
    fx = await startCloudFixture();
    proxy = await startMisbehavingProxy((req, body) =>
      fetch(fx.sim.ec2Url, {
        method: 'POST',
        headers: {
          'content-type': req.headers['content-type'] ?? '',
          authorization: req.headers['authorization'] ?? '',
        },
        body,
      }),
    );
  });

  after(async () => {
    await proxy?.close();
    await fx?.close();
  });

  it(
    'every call ends in a valid value or a CloudError, within the budget, with no unhandled rejection',
    { timeout: 240_000 },
    async () => {
      const ec2 = fx.ec2({
        endpoint: proxy.url,
        httpTimeoutMs: HTTP_TIMEOUT_MS,
        retry: { maxAttempts: ATTEMPTS, capMs: 2, baseMs: { transient: 1, throttling: 1 } },
        sleep: () => Promise.resolve(),
      });
      await fuzzEndpoint({
        target: 'ec2-responses',
        proxy,
        misbehave,
        operations: Object.fromEntries(
          Object.entries(OPERATIONS).map(([name, operation]) => [name, () => operation(ec2, fx)]),
        ),
        // Every attempt may time out, plus slack for the proxy's own round trip to the embedded VPC.
        budgetMs: ATTEMPTS * 2 * HTTP_TIMEOUT_MS + 15_000,
        mustSee: ['ok', 'CLOUD_UNAVAILABLE', 'CLOUD_EC2_ERROR'],
      });
    },
  );
});
