// 100+ pods on one node over ipamd's real unix socket, in secondary-IP and in prefix mode: the pool grows through
// ENI allocation, released addresses sit out their cooldown, the pool shrinks and empty ENIs are freed — and after
// every phase EC2 (the sim's store) and ipamd (/v1/enis, /metrics) agree, address for address.
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { netnsSkipReason } from '../../../src/netlink/netns.test-util.js';
import {
  addPods,
  assertConsistent,
  card0,
  delPods,
  getEnis,
  ip,
  ipamdEnv,
  metricSum,
  settle,
  startIpamd,
  startVpc,
  type EnisDocument,
  type PodAddress,
  type RunningIpamd,
  type TestVpc,
} from '../support/index.js';

const skip = await netnsSkipReason();

function podNames(prefix: string, n: number, from = 0): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}-${from + i}`);
}

function liveMap(pods: Iterable<PodAddress>): Map<string, string> {
  return new Map([...pods].map((p) => [p.pod, p.ip]));
}

function enisOf(doc: EnisDocument): number {
  return Object.keys(card0(doc).ENIs).length;
}

/** Prefixes of card 0: how many, and how many have no assigned address. */
function prefixStats(doc: EnisDocument): { prefixes: number; free: number } {
  let prefixes = 0;
  let free = 0;
  for (const eni of Object.values(card0(doc).ENIs)) {
    for (const cidr of Object.values(eni.AvailableIPv4Cidrs)) {
      if (!cidr.IsPrefix) continue;
      prefixes += 1;
      if (!Object.values(cidr.IPAddresses).some((a) => a.IPAMKey.networkName !== '')) free += 1;
    }
  }
  return { prefixes, free };
}

/** Deletes one pod, adds another at once: the new pod must not get the address still in its cooldown. */
async function checkCooldown(ipamd: RunningIpamd, live: Map<string, PodAddress>, newPod: string): Promise<void> {
  const [victim] = [...live.values()];
  assert.ok(victim !== undefined);
  const [released] = await delPods(ipamd.client, [victim.pod]);
  assert.equal(released, victim.ip);
  live.delete(victim.pod);
  const doc = await getEnis(ipamd.introspection);
  const entry = Object.values(card0(doc).ENIs)
    .flatMap((eni) => Object.values(eni.AvailableIPv4Cidrs))
    .flatMap((cidr) => Object.values(cidr.IPAddresses))
    .find((a) => a.Address === victim.ip);
  assert.ok(entry !== undefined, 'the released address is still known');
  assert.equal(entry.IPAMKey.networkName, '');
  assert.notEqual(entry.UnassignedTime, '0001-01-01T00:00:00Z', 'its cooldown started');
  const [fresh] = await addPods(ipamd.client, [newPod]);
  assert.ok(fresh !== undefined);
  assert.notEqual(fresh.ip, victim.ip, 'an address in cooldown is not handed out again');
  live.set(fresh.pod, fresh);
}

describe('100+ pods on an m5.4xlarge in secondary-IP mode (WARM_IP_TARGET=10)', { skip }, () => {
  let vpc: TestVpc;
  let ipamd: RunningIpamd;
  const live = new Map<string, PodAddress>();

  before(async () => {
    vpc = await startVpc({ instanceType: 'm5.4xlarge' });
    ipamd = await startIpamd(await ipamdEnv(vpc, { WARM_IP_TARGET: '10', IP_COOLDOWN_PERIOD: '1' }));
  });
  after(async () => {
    await ipamd?.stop();
    await vpc?.close();
  });

  it('starts with exactly WARM_IP_TARGET addresses on the primary ENI', async () => {
    const { doc } = await settle(vpc, ipamd, (d) => card0(d).TotalIPs === 10);
    assert.equal(enisOf(doc), 1);
    await assertConsistent(vpc, ipamd, new Map(), doc);
  });

  it('grows through ENI allocation for 120 pods, every pod with its own address', async () => {
    const pods = await addPods(ipamd.client, podNames('sip', 120), 10);
    for (const pod of pods) live.set(pod.pod, pod);
    assert.equal(new Set(pods.map((p) => p.ip)).size, 120);
    const { doc } = await settle(vpc, ipamd, (d) => card0(d).TotalIPs - card0(d).AssignedIPs === 10);
    // 130 addresses at 29 per ENI: five ENIs.
    assert.equal(card0(doc).TotalIPs, 130);
    assert.equal(enisOf(doc), 5);
    await assertConsistent(vpc, ipamd, liveMap(live.values()), doc);
    // Each reply's device and table are those of the ENI holding the address; each secondary ENI has its rule.
    const byDevice = new Map(Object.values(card0(doc).ENIs).map((eni) => [eni.DeviceNumber, eni]));
    for (const pod of pods) {
      const eni = byDevice.get(pod.deviceNumber);
      assert.ok(
        eni !== undefined && `${pod.ip}/32` in eni.AvailableIPv4Cidrs,
        `${pod.pod} ${pod.ip} is on device ${pod.deviceNumber}`,
      );
      assert.equal(pod.routeTableId, eni.RouteTableID);
    }
    const rules = await ip(vpc.node.netns, ['rule', 'show']);
    for (const eni of byDevice.values()) {
      if (eni.IsPrimary) continue;
      const primaryIp = vpc.sim.store.enis.get(eni.ID)?.privateIpAddress ?? '?';
      assert.ok(rules.includes(`from ${primaryIp} lookup ${eni.RouteTableID}`), `rule for ${eni.ID} in\n${rules}`);
    }
  });

  it('keeps a released address out of use during its cooldown', async () => {
    await checkCooldown(ipamd, live, 'sip-cool');
    await settle(vpc, ipamd, (d) => card0(d).TotalIPs - card0(d).AssignedIPs === 10);
    await assertConsistent(vpc, ipamd, liveMap(live.values()));
  });

  it('shrinks the pool and frees the emptied ENIs when 110 pods leave', async () => {
    const before = await getEnis(ipamd.introspection);
    const keep = [...live.values()].filter((p) => p.deviceNumber === 0).slice(0, 10);
    assert.equal(keep.length, 10);
    const leaving = [...live.values()].filter((p) => !keep.includes(p)).map((p) => p.pod);
    await delPods(ipamd.client, leaving, 10);
    for (const pod of leaving) live.delete(pod);
    const { doc } = await settle(vpc, ipamd, (d) => card0(d).TotalIPs === 20 && enisOf(d) <= 2, 1_500, 40_000);
    assert.equal(card0(doc).AssignedIPs, 10);
    await assertConsistent(vpc, ipamd, liveMap(live.values()), doc);
    const gone = Object.keys(card0(before).ENIs).filter((id) => !(id in card0(doc).ENIs));
    assert.ok(gone.length >= 3, `at least 3 ENIs freed, got ${gone.length}`);
    for (const id of gone) assert.equal(vpc.sim.store.enis.has(id), false, `${id} is deleted in EC2`);
    assert.ok(
      (await metricSum(ipamd.metrics, 'awscni_ec2api_req_count', ['fn="UnassignPrivateIpAddresses"'])) > 0,
      'addresses went back to EC2',
    );
    assert.ok(
      (await metricSum(ipamd.metrics, 'awscni_ec2api_req_count', ['fn="DeleteNetworkInterface"'])) >= gone.length,
    );
    const rules = await ip(vpc.node.netns, ['rule', 'show']);
    assert.equal(
      rules.match(/32765:/g)?.length ?? 0,
      enisOf(doc) - 1,
      `one rule 32765 per secondary ENI left:\n${rules}`,
    );
  });

  it('returns to the starting pool when the last pods leave', async () => {
    await delPods(ipamd.client, [...live.keys()]);
    live.clear();
    const { doc } = await settle(vpc, ipamd, (d) => card0(d).TotalIPs === 10 && enisOf(d) === 1, 1_500, 30_000);
    await assertConsistent(vpc, ipamd, new Map(), doc);
  });
});

describe(
  '150 pods on an m5.large in prefix mode (ENABLE_PREFIX_DELEGATION, WARM_PREFIX_TARGET=1, max pods 250)',
  { skip },
  () => {
    let vpc: TestVpc;
    let ipamd: RunningIpamd;
    const live = new Map<string, PodAddress>();

    before(async () => {
      vpc = await startVpc();
      ipamd = await startIpamd(
        await ipamdEnv(vpc, {
          ENABLE_PREFIX_DELEGATION: 'true',
          WARM_PREFIX_TARGET: '1',
          VPC_CNI_MAX_PODS: '250',
          IP_COOLDOWN_PERIOD: '1',
        }),
      );
    });
    after(async () => {
      await ipamd?.stop();
      await vpc?.close();
    });

    it('starts with one free /28 on the primary ENI', async () => {
      const { doc } = await settle(vpc, ipamd, (d) => card0(d).TotalIPs === 16);
      assert.equal(enisOf(doc), 1);
      const [cidr] = Object.values(Object.values(card0(doc).ENIs)[0]?.AvailableIPv4Cidrs ?? {});
      assert.equal(cidr?.IsPrefix, true);
      assert.equal(cidr?.Cidr.Mask, '////8A==');
      await assertConsistent(vpc, ipamd, new Map(), doc);
    });

    it("fills the primary ENI's 9 prefixes and attaches a second ENI with prefixes for 150 pods", async () => {
      const pods = await addPods(ipamd.client, podNames('pd', 150), 10);
      for (const pod of pods) live.set(pod.pod, pod);
      assert.equal(new Set(pods.map((p) => p.ip)).size, 150);
      const { doc } = await settle(vpc, ipamd, (d) => prefixStats(d).free >= 1 && card0(d).AssignedIPs === 150);
      assert.equal(enisOf(doc), 2);
      const primary = Object.values(card0(doc).ENIs).find((e) => e.IsPrimary);
      assert.equal(Object.keys(primary?.AvailableIPv4Cidrs ?? {}).length, 9, 'the primary ENI holds its 9 prefixes');
      // 150 pods fill ten /28s; one more stays free (WARM_PREFIX_TARGET=1).
      assert.deepEqual(prefixStats(doc), { prefixes: 11, free: 1 });
      assert.ok(
        pods.some((p) => p.deviceNumber === 1),
        'pods landed on the second ENI',
      );
      await assertConsistent(vpc, ipamd, liveMap(live.values()), doc);
      const eniIds = Object.keys(card0(doc).ENIs);
      for (const id of eniIds)
        assert.deepEqual(vpc.sim.store.enis.get(id)?.secondaryIps, [], `${id} has prefixes only`);
    });

    it('keeps a released address out of use during its cooldown', async () => {
      await checkCooldown(ipamd, live, 'pd-cool');
      await settle(vpc, ipamd, (d) => prefixStats(d).free >= 1);
      await assertConsistent(vpc, ipamd, liveMap(live.values()));
    });

    it('releases prefixes and frees the second ENI when 145 pods leave', async () => {
      const before = await getEnis(ipamd.introspection);
      const keep = [...live.values()].filter((p) => p.deviceNumber === 0).slice(0, 5);
      const leaving = [...live.values()].filter((p) => !keep.includes(p)).map((p) => p.pod);
      await delPods(ipamd.client, leaving, 10);
      for (const pod of leaving) live.delete(pod);
      const { doc } = await settle(vpc, ipamd, (d) => enisOf(d) === 1 && prefixStats(d).free === 1, 1_500, 40_000);
      const kept = new Set(
        keep.map((p) => `${p.ip.split('.').slice(0, 3).join('.')}.${Number(p.ip.split('.')[3]) & 0xf0}/28`),
      );
      assert.equal(prefixStats(doc).prefixes, kept.size + 1, 'the prefixes of the 5 pods left, and one free');
      await assertConsistent(vpc, ipamd, liveMap(live.values()), doc);
      const gone = Object.keys(card0(before).ENIs).filter((id) => !(id in card0(doc).ENIs));
      assert.equal(gone.length, 1);
      for (const id of gone) assert.equal(vpc.sim.store.enis.has(id), false, `${id} is deleted in EC2`);
      assert.doesNotMatch(await ip(vpc.node.netns, ['rule', 'show']), /32765:/);
    });

    it('returns to one free prefix when the last pods leave', async () => {
      await delPods(ipamd.client, [...live.keys()]);
      live.clear();
      const { doc } = await settle(vpc, ipamd, (d) => card0(d).TotalIPs === 16 && enisOf(d) === 1, 1_500, 30_000);
      await assertConsistent(vpc, ipamd, new Map(), doc);
    });
  },
);
