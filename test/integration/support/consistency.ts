/**
 * The agreement checks of the ipamd tests: `settle` waits until EC2's and ipamd's views of the node agree and stay
 * unchanged for a while; `assertConsistent` asserts the invariants every phase ends with (same CIDRs on the same ENIs,
 * no address assigned twice, exactly the live pods held, `/metrics` matching `/v1/enis`).
 *
 * @example
 * const { doc } = await settle(vpc, ipamd);
 * await assertConsistent(vpc, ipamd, new Map([['web-1', '10.11.16.40']]), doc);
 */
import { strict as assert } from 'node:assert';
import { assignments, card0, getEnis, getMetrics, ipamdView, type EnisDocument } from './introspection.js';
import { logTail, type RunningIpamd } from './ipamd-process.js';
import { ec2View, type TestVpc } from './sim.js';
import { sleep } from './wait.js';

/**
 * Waits until EC2 and ipamd agree and neither has changed for `quietMs` (several pool ticks): the node has settled.
 * Returns the agreed view and the last `/v1/enis`.
 */
export async function settle(
  vpc: TestVpc,
  ipamd: RunningIpamd,
  check: (doc: EnisDocument) => boolean = () => true,
  quietMs = 1_200,
  timeoutMs = 30_000,
): Promise<{ view: Map<string, string[]>; doc: EnisDocument }> {
  const deadline = Date.now() + timeoutMs;
  let stableSince = Date.now();
  let last = '';
  let lastDoc: EnisDocument | undefined;
  for (;;) {
    const doc = await getEnis(ipamd.introspection);
    const mine = ipamdView(doc);
    const theirs = ec2View(vpc);
    const key = JSON.stringify([...mine]);
    const agreed = key === JSON.stringify([...theirs]) && check(doc);
    if (!agreed || key !== last) {
      stableSince = Date.now();
      last = agreed ? key : '';
    } else if (Date.now() - stableSince >= quietMs) {
      return { view: mine, doc };
    }
    lastDoc = doc;
    if (Date.now() > deadline) {
      throw new Error(
        `the node did not settle within ${timeoutMs} ms:\nipamd ${JSON.stringify([...mine])}\nEC2   ${JSON.stringify([...theirs])}\n` +
          `check ${String(lastDoc === undefined ? '-' : check(lastDoc))}\n${await logTail(vpc, 20)}`,
      );
    }
    await sleep(100);
  }
}

/**
 * The invariants every phase ends with: EC2 and ipamd hold the same CIDRs on the same ENIs; no address is assigned
 * twice; the pods ipamd holds are exactly `live` (pod → address); `/metrics` reports `/v1/enis`' numbers.
 */
export async function assertConsistent(
  vpc: TestVpc,
  ipamd: RunningIpamd,
  live: ReadonlyMap<string, string>,
  doc?: EnisDocument,
): Promise<EnisDocument> {
  const current = doc ?? (await getEnis(ipamd.introspection));
  const mine = ipamdView(current);
  const theirs = ec2View(vpc);
  assert.deepEqual([...mine], [...theirs], 'EC2 and ipamd hold the same CIDRs');
  const held = assignments(current);
  const addresses = held.map((a) => a.address);
  assert.equal(new Set(addresses).size, addresses.length, 'no address is assigned twice');
  const sorted = (pairs: Iterable<readonly [string, string]>): [string, string][] =>
    [...pairs].map(([k, v]): [string, string] => [k, v]).sort(([a], [b]) => a.localeCompare(b));
  assert.deepEqual(
    sorted(held.map((a) => [a.pod, a.address] as const)),
    sorted(live),
    'ipamd holds exactly the live pods',
  );
  const card = card0(current);
  assert.equal(card.AssignedIPs, live.size);
  const metrics = await getMetrics(ipamd.metrics);
  assert.deepEqual(
    {
      total: metrics.get('awscni_total_ip_addresses'),
      assigned: metrics.get('awscni_assigned_ip_addresses'),
      enis: metrics.get('awscni_eni_allocated'),
    },
    { total: card.TotalIPs, assigned: card.AssignedIPs, enis: Object.keys(card.ENIs).length },
    '/metrics reports what /v1/enis shows',
  );
  return current;
}
