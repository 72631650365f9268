import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Script } from 'node:vm';
import { DASHBOARD_CSP, DASHBOARD_HTML, dashboardRoutes } from './page.js';
import { dashboardDocument, type DashboardDocument, type DashboardSlot } from './data.js';
import { DASHBOARD_CSS, DASHBOARD_JS } from './assets.generated.js';
import { introspectionRoutes } from '../introspect.js';
import { startIntrospectionServer, type RunningServer } from '../server.js';
import { CONTAINER_1, CONTAINER_2, T1, T3, fixtureSource, poolReport } from '../introspect.test-util.js';
import type { Ec2Subnet } from '../../../cloud/ec2/port.js';

const subnet = (id: string, cidr: string, free: number): Ec2Subnet => ({
  id,
  vpcId: 'vpc-1',
  cidr,
  availabilityZone: 'us-west-2a',
  availableIpAddressCount: free,
  tags: {},
});

const identity = {
  instanceId: 'i-0abc',
  instanceType: 'm5.large',
  region: 'us-west-2',
  availabilityZone: 'us-west-2a',
  localIpv4: '10.0.1.10',
  primaryMac: '02:00:00:00:00:01',
};

describe('dashboard document (/v1/dashboard)', () => {
  const doc = dashboardDocument(fixtureSource({ pool: () => poolReport(), identity: () => identity }));

  it('expands each /28 into its 16 slots: assigned with the pod, cooling down, warm', () => {
    const primary = doc.enis[0];
    const prefix = primary?.blocks.find((b) => b.cidr === '10.0.1.16/28');
    assert.equal(prefix?.slots.length, 16);
    const at = (address: string): DashboardSlot | undefined => prefix?.slots.find((s) => s.address === address);
    assert.deepEqual(at('10.0.1.17'), {
      address: '10.0.1.17',
      state: 'assigned',
      pod: 'web-1',
      namespace: 'default',
      since: T1,
    });
    assert.equal(at('10.0.1.18')?.pod, 'web-2');
    assert.deepEqual(at('10.0.1.19'), {
      address: '10.0.1.19',
      state: 'cooldown',
      pod: null,
      namespace: null,
      since: T3,
    });
    assert.deepEqual(at('10.0.1.16'), { address: '10.0.1.16', state: 'warm', pod: null, namespace: null, since: null });
    assert.equal(prefix?.slots[15]?.address, '10.0.1.31');
    assert.deepEqual(primary?.counts, { assigned: 2, warm: 13, cooldown: 1 });
  });

  it('marks CIDRs of the other mode and leaves excluded ENIs out of the counts', () => {
    const leftover = doc.enis[0]?.blocks.find((b) => b.cidr === '10.0.1.5/32');
    assert.deepEqual(leftover?.inMode, false);
    assert.equal(leftover?.slots.length, 1);
    const excluded = doc.enis[1];
    assert.equal(excluded?.excluded, true);
    assert.deepEqual(excluded?.counts, { assigned: 0, warm: 0, cooldown: 0 });
    assert.deepEqual(doc.totals, { enis: 2, assigned: 2, warm: 13, cooldown: 1 });
  });

  it('carries the node, the limits, the plan and the recent EC2 actions', () => {
    assert.equal(doc.ready, true);
    assert.equal(doc.generatedAt, T3);
    assert.deepEqual(doc.node, {
      name: null,
      instanceId: 'i-0abc',
      instanceType: 'm5.large',
      availabilityZone: 'us-west-2a',
      privateIp: '10.0.1.10',
    });
    assert.deepEqual(doc.limits, { maxPods: 110, maxEnis: 3, maxIpsPerEni: 9 });
    assert.equal(doc.prefixDelegation, true);
    assert.equal(doc.cooldownMs, 30_000);
    assert.equal(doc.targets.warmIpTarget, 5);
    assert.match(doc.plan[0] ?? '', /^grow: ask EC2 for 1 more prefix on eni-0a/);
    assert.equal(doc.recentActions[0]?.errorCode, 'InsufficientCidrBlocks');
    assert.equal(doc.recentErrors[0]?.hint, 'add a subnet with free /28 blocks');
    assert.equal(doc.subnets, null, 'no subnets unless the source shares them');
  });

  it('never carries container ids', () => {
    const body = dashboardRoutes(fixtureSource()).get('/v1/dashboard')?.().body ?? '';
    assert.ok(!body.includes(CONTAINER_1.slice(0, 12)) && !body.includes(CONTAINER_2.slice(0, 12)));
  });

  it("shows the subnets EC2 described, the node's own first, with their usable size", () => {
    const seen = {
      at: T3,
      subnets: [subnet('subnet-0z', '10.0.8.0/24', 200), subnet('subnet-0a', '10.0.0.0/20', 4000)],
    };
    const withSubnets = dashboardDocument(fixtureSource({ subnets: () => seen }));
    assert.deepEqual(
      withSubnets.subnets?.map((s) => [s.id, s.inUse, s.free, s.usable]),
      [
        ['subnet-0a', true, 4000, 4091],
        ['subnet-0z', false, 200, 251],
      ],
    );
    assert.equal(withSubnets.subnetsAt, T3);
  });

  it('is not ready before the node is initialised', () => {
    const empty = dashboardDocument(fixtureSource({ snapshots: () => new Map() }));
    assert.equal(empty.ready, false);
    assert.deepEqual(empty.enis, []);
    assert.equal(empty.generatedAt, null);
    assert.deepEqual(empty.limits, { maxPods: null, maxEnis: null, maxIpsPerEni: null });
  });
});

describe('dashboard page (/ui/)', () => {
  const hash = (text: string): string => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

  it('allows exactly its own inline script and style, and fetches only from its origin', () => {
    assert.ok(DASHBOARD_CSP.includes(`script-src ${hash(DASHBOARD_JS)}`));
    assert.ok(DASHBOARD_CSP.includes(`style-src ${hash(DASHBOARD_CSS)}`));
    assert.match(DASHBOARD_CSP, /default-src 'none'.*connect-src 'self'.*frame-ancestors 'none'/);
    assert.ok(DASHBOARD_HTML.includes(`<script>${DASHBOARD_JS}</script>`));
    assert.ok(DASHBOARD_HTML.includes(`<style>${DASHBOARD_CSS}</style>`));
    assert.doesNotMatch(DASHBOARD_HTML, /\b(src|href)="(https?:)?\/\//, 'no external asset');
  });

  it('has a script that parses and never turns data into markup', () => {
    assert.doesNotThrow(() => new Script(DASHBOARD_JS, { filename: 'dashboard.js' }), 'compiles (not run)');
    assert.doesNotMatch(DASHBOARD_JS, /innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function/);
  });

  it('is in the introspection route table: the page, a redirect and the data', () => {
    const routes = introspectionRoutes(fixtureSource());
    const page = routes.get('/ui/')?.();
    assert.equal(page?.status, 200);
    assert.equal(page?.contentType, 'text/html; charset=utf-8');
    assert.equal(page?.headers?.['Content-Security-Policy'], DASHBOARD_CSP);
    assert.deepEqual(routes.get('/ui')?.().headers, { Location: '/ui/' });
    assert.equal(routes.get('/v1/dashboard')?.().status, 200);
  });

  it('answers a throwing source with a JSON 500, as the other routes do', () => {
    const route = introspectionRoutes(
      fixtureSource({
        snapshots: () => {
          throw new Error('boom');
        },
      }),
    ).get('/v1/dashboard');
    const reply = route?.();
    assert.equal(reply?.status, 500);
    assert.match(reply?.body ?? '', /\/v1\/dashboard failed: boom/);
  });
});

describe('dashboard over HTTP', () => {
  let server: RunningServer;
  before(async () => {
    server = await startIntrospectionServer({
      bind: { kind: 'tcp', host: '127.0.0.1', port: 0 },
      source: fixtureSource(),
    });
  });
  after(() => server.close());

  it('sends the page as HTML with its policy, and the data as JSON', async () => {
    const page = await fetch(`${server.url}/ui/`);
    assert.equal(page.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.equal(page.headers.get('content-security-policy'), DASHBOARD_CSP);
    assert.equal(page.headers.get('x-frame-options'), 'DENY');
    assert.equal(await page.text(), DASHBOARD_HTML);
    const data = await fetch(`${server.url}/v1/dashboard?t=1`);
    assert.equal(data.headers.get('content-type'), 'application/json');
    assert.equal(((await data.json()) as { ready: boolean }).ready, true);
    const redirect = await fetch(`${server.url}/ui`, { redirect: 'manual' });
    assert.equal(redirect.status, 308);
    assert.equal((await fetch(`${server.url}/ui/`, { method: 'POST' })).status, 405);
  });
});

describe('dashboard subnets from the source', () => {
  it("shows ipamd's last DescribeSubnets answer and its time, read per request", () => {
    let described: { at: number; subnets: readonly Ec2Subnet[] } | undefined;
    const route = dashboardRoutes(fixtureSource({ subnets: () => described })).get('/v1/dashboard');
    const shown = (): DashboardDocument => JSON.parse(route?.().body ?? '{}') as DashboardDocument;
    assert.deepEqual([shown().subnetsAt, shown().subnets], [null, null], 'before EC2 is asked');
    described = { at: 1_000, subnets: [subnet('subnet-0a', '10.0.0.0/24', 17)] };
    assert.deepEqual([shown().subnetsAt, shown().subnets?.map((s) => s.free)], [1_000, [17]]);
    described = { at: 2_000, subnets: [subnet('subnet-0a', '10.0.0.0/24', 12)] };
    assert.deepEqual([shown().subnetsAt, shown().subnets?.map((s) => s.free)], [2_000, [12]]);
  });
});
