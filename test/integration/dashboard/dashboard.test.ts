// The dashboard (`/ui/` on ipamd's introspection listener) in headless Chromium, against ipamd in-process for the
// seed's first node of `sim --scenario eksworkshop --data-plane`: the page draws the node's ENIs as slots, a pod
// added through ipamd's RPC appears by name within seconds (live, no reload), a deleted pod's address shows as
// cooling down, data that looks like markup stays text, and the strict Content-Security-Policy holds (no
// violation, no console error). With UPDATE_SCREENSHOT=1 it also saves docs/dashboard.png for the README.
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import type { DashboardDocument } from '../../../src/ipamd/introspect/dashboard/page.js';
import { REPO, dashboardSkipReason, startWorld, type World } from './harness.js';

const LIVE_MS = 5_000;

/** Polls from the test (the page's policy forbids evaluating strings, so no waitForFunction with text). */
async function eventually(what: string, check: () => Promise<boolean>, timeoutMs = LIVE_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('ipamd dashboard (/ui/) in headless Chromium', { skip: await dashboardSkipReason() }, () => {
  let world: World;
  let page: Page;
  const problems: string[] = [];

  before(async () => {
    world = await startWorld();
    page = await world.browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning')
        problems.push(`console ${message.type()}: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  });

  after(async () => {
    if (world === undefined) return;
    const { code, leftNamespaces } = await world.close();
    assert.equal(code, 0, 'ipamd stops cleanly');
    assert.deepEqual(leftNamespaces, [], 'no namespace of this run is left');
  });

  it('serves the page with a strict policy, and its data as JSON', async () => {
    const reply = await fetch(`${world.introspection}/ui/`);
    assert.equal(reply.status, 200);
    assert.equal(reply.headers.get('content-type'), 'text/html; charset=utf-8');
    const csp = reply.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /connect-src 'self'/);
    assert.match(csp, /script-src 'sha256-[A-Za-z0-9+/]+=*'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|https?:/);
    assert.match(await reply.text(), /^<!doctype html>/);
    const redirect = await fetch(`${world.introspection}/ui`, { redirect: 'manual' });
    assert.equal(redirect.status, 308);
    assert.equal(redirect.headers.get('location'), '/ui/');
    // The limits come with the first pool report, which may follow readiness by a tick.
    let doc: DashboardDocument | undefined;
    await eventually(
      'a pool report',
      async () => {
        doc = (await (await fetch(`${world.introspection}/v1/dashboard`)).json()) as DashboardDocument;
        return doc.limits.maxPods !== null;
      },
      10_000,
    );
    assert.ok(doc !== undefined);
    assert.equal(doc.ready, true);
    assert.equal(doc.node.name, world.nodeName);
    assert.equal(doc.limits.maxPods, 29, 'an m5.large holds 29 pods');
    assert.equal(doc.enis[0]?.isPrimary, true);
    assert.equal(doc.enis[0]?.deviceNumber, 0);
    assert.ok(doc.totals.warm >= 1, 'the warm pool has addresses');
  });

  it('draws the node, its ENIs as address slots and the legend', async () => {
    await page.goto(`${world.introspection}/ui/`);
    await page.locator('.eni').first().waitFor({ timeout: LIVE_MS });
    assert.equal(await page.locator('#node-name').textContent(), world.nodeName);
    assert.equal(await page.locator('#live-text').textContent(), 'Live');
    const first = page.locator('.eni').first();
    assert.match(
      (await first.locator('.eni-meta').textContent()) ?? '',
      /eth0.*device 0.*primary.*eni-[0-9a-f]+.*subnet-/s,
    );
    assert.ok((await first.locator('.slot.warm').count()) >= 1, 'warm slots are drawn');
    const legend = await page.locator('.legend').textContent();
    assert.match(legend ?? '', /assigned.*warm.*cooling down/s);
    assert.match((await page.locator('#tiles').textContent()) ?? '', /max pods 29/);
  });

  it('shows a pod added through ipamd within seconds, without a reload', async () => {
    const reply = await world.add('nginx-7c5ddbdf54-2xkqm', 'default');
    assert.equal(reply.success, true, reply.errorMessage);
    const ip = reply.ipAllocationMetadata[0]?.ipv4Addr ?? '';
    const slot = page.locator(`.slot.assigned[data-address="${ip}"]`);
    await slot.waitFor({ timeout: LIVE_MS });
    assert.equal(await slot.locator('.what').textContent(), 'nginx-7c5ddbdf54-2xkqm');
    assert.match((await slot.getAttribute('title')) ?? '', /^default\/nginx-7c5ddbdf54-2xkqm · 10\.11\./);
  });

  it("shows a deleted pod's address cooling down", async () => {
    const added = await world.add('busybox', 'default');
    assert.equal(added.success, true, added.errorMessage);
    const ip = added.ipAllocationMetadata[0]?.ipv4Addr ?? '';
    await page.locator(`.slot.assigned[data-address="${ip}"]`).waitFor({ timeout: LIVE_MS });
    const deleted = await world.del('busybox', 'default');
    assert.equal(deleted.success, true, deleted.errorMessage);
    const slot = page.locator(`.slot.cooldown[data-address="${ip}"]`);
    await slot.waitFor({ timeout: LIVE_MS });
    assert.match((await slot.textContent()) ?? '', /cooling \d+ s/);
  });

  it('puts data in the page as text, never as markup', async () => {
    const name = '<img src=x onerror="window.pwned=1">';
    const reply = await world.add(name, 'evil');
    assert.equal(reply.success, true, reply.errorMessage);
    const ip = reply.ipAllocationMetadata[0]?.ipv4Addr ?? '';
    const slot = page.locator(`.slot.assigned[data-address="${ip}"]`);
    await slot.waitFor({ timeout: LIVE_MS });
    assert.equal(await slot.locator('.what').textContent(), name);
    assert.equal(await page.locator('main img').count(), 0);
    assert.equal(await page.evaluate(() => (globalThis as { pwned?: unknown }).pwned), undefined);
    assert.equal((await world.del(name, 'evil')).success, true);
  });

  it('keeps up as ipamd grows the pool, and leaves no console error or policy violation', async () => {
    for (const [pod, namespace] of [
      ['nginx-7c5ddbdf54-8vq4d', 'default'],
      ['nginx-7c5ddbdf54-tn6bh', 'default'],
      ['coredns-6d97dc4b59-5qjxw', 'kube-system'],
      ['coredns-6d97dc4b59-k9pzn', 'kube-system'],
      ['frontend-5f8b7c8d4-vx2lm', 'shop'],
      ['catalog-6b9c4d7f8-rw7kq', 'shop'],
    ] as const) {
      const reply = await world.add(pod, namespace);
      assert.equal(reply.success, true, reply.errorMessage);
    }
    // WARM_ENI_TARGET=1: with pods on eth0, ipamd attaches eth1 on a pool tick (every 5 s).
    await page.locator('.eni').nth(1).waitFor({ timeout: 20_000 });
    await page.locator('#actions td', { hasText: 'AttachNetworkInterface' }).first().waitFor({ timeout: LIVE_MS });
    await eventually('7 assigned slots', async () => (await page.locator('.slot.assigned').count()) === 7);
    assert.deepEqual(problems, []);
    if (process.env['UPDATE_SCREENSHOT'] === '1') {
      await page.screenshot({ path: join(REPO, 'docs', 'dashboard.png'), fullPage: true });
    }
  });
});
