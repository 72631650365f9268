// The dashboard page in headless Chromium over a hand-written source (no VPC, no root): prefix-delegation mode with
// its /28 boxes, an excluded ENI, a CIDR of the other mode, the pool's errors with their hints, the not-ready
// state, live redraws when the source changes, and the "Disconnected" state when ipamd goes away.
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { loadConfig } from '../../../src/config/index.js';
import type { DatastoreSnapshot } from '../../../src/ipam/types.js';
import type { IntrospectionSource } from '../../../src/ipamd/introspect/introspect.js';
import { startIntrospectionServer, type RunningServer } from '../../../src/ipamd/introspect/server.js';
import {
  PRIMARY_ENI,
  SECONDARY_ENI,
  SNAPSHOT,
  T3,
  poolReport,
  snapshotOf,
} from '../../../src/ipamd/introspect/introspect.test-util.js';
import { chromiumSkipReason, launchChromium } from './harness.js';

const NODE = 'ip-10-0-1-10.us-west-2.compute.internal';

/** The fixture snapshot with one more pod on the primary ENI's prefix. */
function withPod(name: string, address: string): DatastoreSnapshot {
  const [prefix, ...rest] = PRIMARY_ENI.cidrs.filter((c) => c.isPrefix);
  assert.ok(prefix !== undefined);
  const added = {
    address,
    ipamKey: { networkName: 'aws-cni', containerID: 'c'.repeat(64), ifName: 'eth0' },
    ipamMetadata: { k8sPodNamespace: 'shop', k8sPodName: name },
    assignedTime: T3,
  };
  const grown = {
    ...prefix,
    assignedCount: prefix.assignedCount + 1,
    addresses: [...prefix.addresses, added].sort((a, b) => a.address.localeCompare(b.address)),
  };
  const others = PRIMARY_ENI.cidrs.filter((c) => !c.isPrefix);
  return snapshotOf([{ ...PRIMARY_ENI, cidrs: [...others, grown, ...rest] }, SECONDARY_ENI]);
}

describe('dashboard page over a fixture source', { skip: chromiumSkipReason() }, () => {
  let browser: Browser;
  let server: RunningServer;
  let page: Page;
  let snapshots = new Map<number, DatastoreSnapshot>();
  const problems: string[] = [];
  const source: IntrospectionSource = {
    snapshots: () => snapshots,
    eniConfigName: () => undefined,
    config: loadConfig({ MY_NODE_NAME: NODE, ENABLE_PREFIX_DELEGATION: 'true', WARM_IP_TARGET: '5' }).config,
    pool: () => (snapshots.size === 0 ? undefined : poolReport()),
    identity: () => ({
      instanceId: 'i-0abc',
      instanceType: 'm5.large',
      region: 'us-west-2',
      availabilityZone: 'us-west-2a',
      localIpv4: '10.0.1.10',
      primaryMac: '02:00:00:00:00:01',
    }),
  };

  before(async () => {
    server = await startIntrospectionServer({ bind: { kind: 'tcp', host: '127.0.0.1', port: 0 }, source });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      // Failed polls after the server closes are expected (the last test); everything else is a problem.
      if (message.type() === 'error' && !/Failed to load resource|ERR_CONNECTION_REFUSED/.test(message.text()))
        problems.push(message.text());
    });
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('says ipamd is initialising until the node has ENIs', async () => {
    await page.goto(`${server.url}/ui/`);
    await page.locator('#enis', { hasText: 'ipamd is initialising the node' }).waitFor({ timeout: 5_000 });
    assert.equal(await page.locator('#node-name').textContent(), NODE);
  });

  it("draws /28 prefixes of 16 slots, an excluded ENI and the pool's errors, live", async () => {
    snapshots = new Map([[0, SNAPSHOT]]);
    const primary = page.locator('.eni').first();
    const prefix = primary.locator('.prefix', { hasText: '10.0.1.16/28' });
    await prefix.waitFor({ timeout: 5_000 });
    assert.equal(await prefix.locator('.slot').count(), 16);
    assert.match((await prefix.locator('.prefix-head').textContent()) ?? '', /2\/16 used/);
    assert.equal(await prefix.locator('.slot[data-address="10.0.1.17"] .what').textContent(), 'web-1');
    assert.match((await prefix.locator('.slot[data-address="10.0.1.19"]').getAttribute('class')) ?? '', /\bcooldown\b/);
    assert.match(
      (await primary.locator('.prefix.unused').textContent()) ?? '',
      /10\.0\.1\.5\/32.*not used in prefix mode/s,
    );
    assert.match((await page.locator('.eni').nth(1).locator('.eni-meta').textContent()) ?? '', /eth1.*excluded/s);
    assert.equal(await page.locator('#legend-prefix').isVisible(), true);
    assert.equal(await page.locator('#legend-capacity').isVisible(), false);
    assert.match((await page.locator('#mode').textContent()) ?? '', /prefix delegation/);
    assert.match((await page.locator('#plan').textContent()) ?? '', /grow: ask EC2 for 1 more prefix/);
    const errors = (await page.locator('.errors').textContent()) ?? '';
    assert.match(
      errors,
      /InsufficientCidrBlocks: The specified subnet.*What to do: add a subnet with free \/28 blocks/s,
    );
    assert.match(
      (await page.locator('#actions').textContent()) ?? '',
      /AssignPrivateIpAddresses.*✗ InsufficientCidrBlocks/s,
    );
    assert.match(
      (await page.locator('#tiles').textContent()) ?? '',
      /Pods with an IP2 \/ 110.*Warm addresses13.*Cooling down1.*ENIs2 \/ 3/s,
    );

    snapshots = new Map([[0, withPod('cart-0', '10.0.1.25')]]);
    await prefix.locator('.slot.assigned[data-address="10.0.1.25"]', { hasText: 'cart-0' }).waitFor({ timeout: 5_000 });
    assert.equal(await page.locator('#live-text').textContent(), 'Live');
    assert.deepEqual(problems, []);
  });

  it('says it is disconnected when ipamd goes away', async () => {
    await server.close();
    await page.locator('#live-text', { hasText: /^Disconnected \(.+\), retrying$/ }).waitFor({ timeout: 5_000 });
    assert.match((await page.locator('#live').getAttribute('class')) ?? '', /\bdown\b/);
    assert.deepEqual(problems, []);
  });
});
