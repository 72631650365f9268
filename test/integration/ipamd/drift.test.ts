// EC2 changed behind ipamd's back (someone with the EC2 API, the console, another controller): addresses taken or
// added, an ENI ipamd must leave alone attached, a managed ENI detached. The reconciler [behaviour §3.10] brings
// ipamd back to EC2's view — IMDS as the hint, EC2 as the truth — and the pool then heals itself.
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { netnsSkipReason } from '../../../src/netlink/netns.test-util.js';
import { assignPrivateIps, unassignPrivateIps, attachEni, detachEni, createEni } from '../../../src/sim/index.js';
import {
  addPods,
  addRequest,
  assertConsistent,
  card0,
  delRequest,
  getEnis,
  getMetrics,
  ip,
  ipamdEnv,
  metricSum,
  settle,
  sleep,
  startIpamd,
  startVpc,
  type EnisDocument,
  type PodAddress,
  type RunningIpamd,
  type TestVpc,
} from '../support/index.js';

function enis(doc: EnisDocument): string[] {
  return Object.keys(card0(doc).ENIs).sort();
}

describe(
  'ipamd reconciles EC2 changes made behind its back (m5.large, defaults, IMDSv2 required)',
  { skip: await netnsSkipReason() },
  () => {
    let vpc: TestVpc;
    let ipamd: RunningIpamd;
    let pod: PodAddress;
    let secondEni = '';
    const live = new Map<string, string>();

    before(async () => {
      vpc = await startVpc({ imdsTokens: 'required' });
      ipamd = await startIpamd(await ipamdEnv(vpc, { IP_COOLDOWN_PERIOD: '1' }));
      await settle(vpc, ipamd, (d) => card0(d).TotalIPs === 9);
      const [added] = await addPods(ipamd.client, ['web-0']);
      assert.ok(added !== undefined);
      pod = added;
      live.set(pod.pod, pod.ip);
      const { doc } = await settle(vpc, ipamd, (d) => enis(d).length === 2);
      secondEni = Object.values(card0(doc).ENIs).find((e) => !e.IsPrimary)?.ID ?? '';
    });
    after(async () => {
      await ipamd?.stop();
      await vpc?.close();
    });

    it('drops a free address EC2 took away, and adopts addresses EC2 added', async () => {
      const eni = vpc.sim.store.eni(secondEni);
      const [taken, ...rest] = eni.secondaryIps;
      assert.ok(taken !== undefined && rest.length === 8);
      unassignPrivateIps(vpc.sim.store, secondEni, { ips: [taken] });
      let { doc } = await settle(vpc, ipamd, (d) => card0(d).TotalIPs === 17);
      assert.equal(`${taken}/32` in (card0(doc).ENIs[secondEni]?.AvailableIPv4Cidrs ?? {}), false);
      await assertConsistent(vpc, ipamd, live, doc);

      const added = assignPrivateIps(vpc.sim.store, secondEni, { count: 1 });
      ({ doc } = await settle(vpc, ipamd, (d) => card0(d).TotalIPs === 18));
      assert.ok(`${added.ips[0] ?? '?'}/32` in (card0(doc).ENIs[secondEni]?.AvailableIPv4Cidrs ?? {}));
      await assertConsistent(vpc, ipamd, live, doc);
      assert.ok((await metricSum(ipamd.metrics, 'awscni_reconcile_count', ['fn="eniDataStorePoolReconcileAdd"'])) >= 1);
      assert.ok((await metricSum(ipamd.metrics, 'awscni_reconcile_count', ['fn="eniIPPoolReconcileDel"'])) >= 1);
    });

    it("force-removes a pod's address EC2 took away, counts it, and the pod's DEL finds nothing", async () => {
      const owner = [...vpc.sim.store.enis.values()].find((e) => e.secondaryIps.includes(pod.ip));
      assert.ok(owner !== undefined);
      unassignPrivateIps(vpc.sim.store, owner.id, { ips: [pod.ip] });
      live.delete(pod.pod);
      const { doc } = await settle(vpc, ipamd, (d) => card0(d).AssignedIPs === 0);
      await assertConsistent(vpc, ipamd, live, doc);
      assert.equal((await getMetrics(ipamd.metrics)).get('awscni_force_removed_ips'), 1);
      const reply = await ipamd.client.delNetwork(delRequest(pod.pod));
      assert.deepEqual([reply.success, reply.errorCode], [true, 'UNKNOWN_POD']);
    });

    it('leaves alone an ENI tagged no_manage that someone attaches, and keeps its slot out of the pool', async () => {
      const instance = vpc.sim.store.instance(vpc.node.instanceId);
      const foreign = createEni(vpc.sim.store, {
        subnetId: instance.subnetId,
        groups: instance.groups,
        description: 'attached by someone else',
        secondaryIpCount: 3,
        tags: [{ key: 'node.k8s.amazonaws.com/no_manage', value: 'true' }],
      });
      attachEni(vpc.sim.store, { eniId: foreign.id, instanceId: vpc.node.instanceId, deviceIndex: 2 });
      await vpc.sim.settled();
      // Reconcile runs 2 s after the last pool action; give it two rounds, then check nothing of the ENI was taken.
      await sleep(4_500);
      const current = await getEnis(ipamd.introspection);
      assert.equal(foreign.id in card0(current).ENIs, false, 'the foreign ENI is not in the datastore');
      assert.deepEqual(vpc.sim.store.eni(foreign.id).secondaryIps.length, 3, 'its addresses are untouched');
      assert.equal(
        vpc.sim.store.eni(foreign.id).tags.get('node.k8s.amazonaws.com/instance_id'),
        undefined,
        'not tagged as ours',
      );
      const rules = await ip(vpc.node.netns, ['rule', 'show']);
      assert.doesNotMatch(
        rules,
        new RegExp(`from ${vpc.sim.store.eni(foreign.id).privateIpAddress.replaceAll('.', '\\.')} `),
        'no host routing for it',
      );
      // Its slot counts: with three ENIs on an m5.large ipamd cannot attach another, whatever the pods need.
      const many = await Promise.all(
        Array.from({ length: 19 }, (_, i) => ipamd.client.addNetwork(addRequest(`fill-${i}`))),
      );
      const refused = many.filter((r) => !r.success);
      assert.ok(refused.length >= 1, 'the pool cannot grow past two managed ENIs');
      assert.match(refused[0]?.errorMessage ?? '', /ENI limit reached: 2 of 2 ENIs attached/);
      for (const [i, reply] of many.entries())
        if (reply.success) live.set(`fill-${i}`, reply.ipAllocationMetadata[0]?.ipv4Addr ?? '');
      detachEni(vpc.sim.store, vpc.sim.store.eni(foreign.id).attachment?.id ?? '');
    });

    it('removes a managed ENI someone detached (once EC2 confirms), and the pool attaches a replacement', async () => {
      // Free ENI 2 of pods first, so that its removal takes no pod with it.
      const onSecond = [...live].filter(([, address]) => vpc.sim.store.eni(secondEni).secondaryIps.includes(address));
      for (const [name] of onSecond) {
        const reply = await ipamd.client.delNetwork(delRequest(name));
        assert.ok(reply.success);
        live.delete(name);
      }
      const attachment = vpc.sim.store.eni(secondEni).attachment;
      assert.ok(attachment !== undefined, 'ENI 2 is still attached');
      detachEni(vpc.sim.store, attachment.id);
      const { doc } = await settle(
        vpc,
        ipamd,
        (d) => !(secondEni in card0(d).ENIs) && enis(d).length >= 2,
        1_500,
        30_000,
      );
      await assertConsistent(vpc, ipamd, live, doc);
      assert.equal(
        (await getMetrics(ipamd.metrics)).get('awscni_force_removed_ips'),
        1,
        'no pod lost its address this time',
      );
    });
  },
);
