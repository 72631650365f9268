// ipamd for the seed's first node (an m5.large of `sim --scenario eksworkshop --data-plane`) with the reference's
// defaults: the warm pool it reaches, /v1/enis and /metrics agreeing with EC2, the host side of each ENI in the node
// namespace, and the whole life cycle back to the start (ENIs attached as pods arrive, freed when they leave).
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { netnsSkipReason } from '../../../src/netlink/netns.test-util.js';
import {
  addPods,
  assignments,
  card0,
  delPods,
  ec2View,
  getEnis,
  getMetrics,
  getText,
  ip,
  ipamdEnv,
  ipamdView,
  ipJson,
  pythonJsonTool,
  settle,
  startIpamd,
  startVpc,
  type RunningIpamd,
  type TestVpc,
} from '../support/index.js';

interface JsonRule {
  priority?: number;
  src?: string;
  srclen?: number;
  table?: string;
}
interface JsonRoute {
  dst?: string;
  gateway?: string;
  dev?: string;
}
interface JsonLink {
  ifname?: string;
  address?: string;
  operstate?: string;
  flags?: string[];
}

const MASK_32 = '/////w==';

describe('ipamd on the seed node (m5.large, defaults, data plane)', { skip: await netnsSkipReason() }, () => {
  let vpc: TestVpc;
  let ipamd: RunningIpamd;

  before(async () => {
    vpc = await startVpc();
    // IP_COOLDOWN_PERIOD=1: released addresses may be reused (and their ENI freed) after 1 s instead of 30 s.
    ipamd = await startIpamd(await ipamdEnv(vpc, { IP_COOLDOWN_PERIOD: '1' }));
  });

  after(async () => {
    const code = await ipamd?.stop();
    await vpc?.close(); // also fails when a namespace of this run is left
    assert.equal(code, 0, 'ipamd stops cleanly');
  });

  it('comes up with 9 warm secondary IPs on the primary ENI, as the reference would', async () => {
    const { doc, view } = await settle(vpc, ipamd, (d) => card0(d).TotalIPs === 9);
    const card = card0(doc);
    assert.equal(card.AssignedIPs, 0);
    const enis = Object.values(card.ENIs);
    assert.equal(enis.length, 1);
    const primary = enis[0];
    assert.ok(primary !== undefined);
    const ec2Primary = vpc.sim.store.enis.get(primary.ID);
    assert.equal(ec2Primary?.privateIpAddress, vpc.node.privateIp, 'the ENI is the instance primary ENI');
    assert.deepEqual(
      {
        IsPrimary: primary.IsPrimary,
        IsTrunk: primary.IsTrunk,
        IsEFA: primary.IsEFA,
        DeviceNumber: primary.DeviceNumber,
        RouteTableID: primary.RouteTableID,
        SubnetID: primary.SubnetID,
        IsExcludedForPodIPs: primary.IsExcludedForPodIPs,
      },
      {
        IsPrimary: true,
        IsTrunk: false,
        IsEFA: false,
        DeviceNumber: 0,
        RouteTableID: 254,
        SubnetID: ec2Primary?.subnetId,
        IsExcludedForPodIPs: false,
      },
    );
    assert.deepEqual(primary.IPv6Cidrs, {});
    const cidrs = Object.entries(primary.AvailableIPv4Cidrs);
    assert.equal(cidrs.length, 9);
    for (const [key, cidr] of cidrs) {
      assert.match(key, /^10\.11\.\d+\.\d+\/32$/);
      assert.deepEqual(cidr, {
        Cidr: { IP: key.replace('/32', ''), Mask: MASK_32 },
        IPAddresses: {},
        IsPrefix: false,
        AddressFamily: '',
      });
    }
    // EC2 holds exactly these 9 secondary addresses on the primary ENI.
    assert.deepEqual(view, new Map([[primary.ID, cidrs.map(([key]) => key).sort()]]));

    const metrics = await getMetrics(ipamd.metrics);
    assert.equal(metrics.get('awscni_total_ip_addresses'), 9);
    assert.equal(metrics.get('awscni_assigned_ip_addresses'), 0);
    assert.equal(metrics.get('awscni_eni_allocated'), 1);
    assert.equal(metrics.get('awscni_eni_max'), 3);
    assert.equal(metrics.get('awscni_ip_max'), 27);
  });

  it("serves /v1/enis as the seed reads it (curl … | python3 -m json.tool), with today's field names", async () => {
    const { status, body, headers } = await getText(`${ipamd.introspection}/v1/enis`);
    assert.equal(status, 200);
    assert.match(headers.get('content-type') ?? '', /json/);
    const pretty = await pythonJsonTool(body);
    // The seed's v1.6 output had "AssignedIPs" and "ENIIPPools"; today's has the per-card ENIInfos.
    assert.match(pretty, /^\{\n {4}"0": \{\n {8}"TotalIPs": 9,\n {8}"AssignedIPs": 0,\n {8}"ENIs": \{/);
    for (const field of [
      '"ID"',
      '"IsPrimary"',
      '"DeviceNumber"',
      '"AvailableIPv4Cidrs"',
      '"IPAddresses"',
      '"IsPrefix"',
      '"RouteTableID"',
      '"SubnetID"',
    ]) {
      assert.ok(pretty.includes(field), `${field} in /v1/enis`);
    }
    const settings = JSON.parse(
      await pythonJsonTool((await getText(`${ipamd.introspection}/v1/networkutils-env-settings`)).body),
    ) as Record<string, unknown>;
    assert.equal(settings['AWS_VPC_K8S_CNI_CONNMARK'], 128);
    assert.equal(settings['AWS_VPC_ENI_MTU'], 9001);
  });

  it('attaches a second ENI once a pod uses the warm pool, programs it in the node namespace, and reports it', async () => {
    const [pod] = await addPods(ipamd.client, ['web-0']);
    assert.ok(pod !== undefined);
    const { doc } = await settle(
      vpc,
      ipamd,
      (d) => Object.keys(card0(d).ENIs).length === 2 && card0(d).TotalIPs === 18,
    );
    const card = card0(doc);
    assert.equal(card.AssignedIPs, 1);
    assert.deepEqual(
      assignments(doc).map((a) => [a.address, a.pod]),
      [[pod.ip, 'web-0']],
    );
    const second = Object.values(card.ENIs).find((eni) => !eni.IsPrimary);
    assert.ok(second !== undefined);
    assert.equal(second.DeviceNumber, 1);
    assert.equal(second.RouteTableID, 2, 'table device + 1');
    assert.equal(Object.keys(second.AvailableIPv4Cidrs).length, 9);

    const ec2Eni = vpc.sim.store.enis.get(second.ID);
    assert.ok(ec2Eni !== undefined);
    assert.equal(ec2Eni.attachment?.deviceIndex, 1);
    assert.equal(ec2Eni.attachment?.deleteOnTermination, true);
    assert.equal(ec2Eni.tags.get('node.k8s.amazonaws.com/instance_id'), vpc.node.instanceId);
    assert.match(ec2Eni.description, /^aws-K8S-i-/);

    // The host side [behaviour §7.5]: eth1 up with the ENI's MAC, table 2 with the gateway and a default route, rule
    // 32765.
    const links = await ipJson<JsonLink[]>(vpc.node.netns, ['link', 'show']);
    const eth1 = links.find((l) => l.address === ec2Eni.macAddress);
    assert.equal(eth1?.ifname, 'eth1');
    assert.ok(eth1?.flags?.includes('UP'), 'eth1 is up');
    const rules = await ipJson<JsonRule[]>(vpc.node.netns, ['rule', 'show']);
    assert.ok(
      rules.some((r) => r.priority === 32765 && r.src === ec2Eni.privateIpAddress && r.table === '2'),
      `rule 32765 from ${ec2Eni.privateIpAddress} lookup 2 in ${JSON.stringify(rules)}`,
    );
    const table = await ipJson<JsonRoute[]>(vpc.node.netns, ['route', 'show', 'table', '2']);
    assert.ok(
      table.some((r) => r.dst === 'default' && r.gateway === '10.11.0.1' && r.dev === 'eth1'),
      `default via 10.11.0.1 dev eth1 in ${JSON.stringify(table)}`,
    );

    const metrics = await getMetrics(ipamd.metrics);
    assert.equal(metrics.get('awscni_total_ip_addresses'), 18);
    assert.equal(metrics.get('awscni_assigned_ip_addresses'), 1);
    assert.equal(metrics.get('awscni_eni_allocated'), 2);

    const pods = JSON.parse((await getText(`${ipamd.introspection}/v1/pods`)).body) as Record<
      string,
      { IP: string; DeviceNumber: number }
    >;
    assert.deepEqual(Object.values(pods), [{ DeviceNumber: pod.deviceNumber, IP: pod.ip }]);
  });

  it('fills the node to its third ENI (table 3), then frees the extra ENIs when the pods leave', async () => {
    const pods = await addPods(
      ipamd.client,
      Array.from({ length: 11 }, (_, i) => `web-${i + 1}`),
    );
    const all = [...new Set(pods.map((p) => p.ip))];
    assert.equal(all.length, 11, 'every pod has its own address');
    const { doc } = await settle(vpc, ipamd, (d) => Object.keys(card0(d).ENIs).length === 3);
    assert.equal(card0(doc).AssignedIPs, 12);
    assert.equal(card0(doc).TotalIPs, 27);
    const third = Object.values(card0(doc).ENIs).find((eni) => eni.DeviceNumber === 2);
    assert.ok(third !== undefined);
    assert.equal(third.RouteTableID, 3);
    assert.match(await ip(vpc.node.netns, ['route', 'show', 'table', '3']), /default via 10\.11\.0\.1 dev eth2/);
    const thirdIp = vpc.sim.store.enis.get(third.ID)?.privateIpAddress ?? '?';
    assert.match(
      await ip(vpc.node.netns, ['rule', 'show']),
      new RegExp(`32765:\\s+from ${thirdIp.replaceAll('.', '\\.')} lookup 3`),
    );
    let metrics = await getMetrics(ipamd.metrics);
    assert.deepEqual(
      [
        metrics.get('awscni_total_ip_addresses'),
        metrics.get('awscni_assigned_ip_addresses'),
        metrics.get('awscni_eni_allocated'),
      ],
      [27, 12, 3],
    );

    const released = await delPods(ipamd.client, ['web-0', ...pods.map((p) => p.pod)]);
    assert.equal(released.length, 12);
    // Available 27 ≥ (WARM_ENI_TARGET + 1) × 9: ENIs are freed (one per tick, once their addresses left the cooldown)
    // until the warm ENI's worth is left on the primary.
    const secondaries = Object.values(card0(doc).ENIs)
      .filter((eni) => !eni.IsPrimary)
      .map((eni) => eni.ID);
    const settled = await settle(vpc, ipamd, (d) => Object.keys(card0(d).ENIs).length === 1, 1_200, 30_000);
    assert.equal(card0(settled.doc).TotalIPs, 9);
    assert.equal(card0(settled.doc).AssignedIPs, 0);
    for (const id of secondaries) assert.equal(vpc.sim.store.enis.has(id), false, `${id} is deleted in EC2`);
    const rules = await ip(vpc.node.netns, ['rule', 'show']);
    assert.doesNotMatch(rules, /32765:/, "the freed ENIs' rules are gone");
    metrics = await getMetrics(ipamd.metrics);
    assert.deepEqual(
      [
        metrics.get('awscni_total_ip_addresses'),
        metrics.get('awscni_assigned_ip_addresses'),
        metrics.get('awscni_eni_allocated'),
      ],
      [9, 0, 1],
    );
    assert.deepEqual(ipamdView(settled.doc), ec2View(vpc));
    // The released addresses show their use: an empty key and a non-zero UnassignedTime.
    const used = Object.values(card0(await getEnis(ipamd.introspection)).ENIs).flatMap((eni) =>
      Object.values(eni.AvailableIPv4Cidrs).flatMap((c) => Object.values(c.IPAddresses)),
    );
    for (const address of used) {
      assert.equal(address.IPAMKey.networkName, '');
      assert.notEqual(address.UnassignedTime, '0001-01-01T00:00:00Z');
    }
  });
});
