// The aws-cni plugin end to end, as a container runtime drives it: the embedded VPC with its data plane, ipamd running
// on two nodes, pods added through the real bin/aws-cni inside the node namespaces, traffic between pods, nodes and
// across the VPC fabric, CHECK, DEL twice, and the node namespaces and ipamd's datastore afterwards.
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { reach, rootFingerprint } from '../../../src/netlink/netns.test-util.js';
import {
  GO_ZERO_TIME,
  addressesOf,
  cniSkipReason,
  describeCall,
  dumpNetns,
  startCniVpc,
  waitForQuietNodes,
  type NetnsDump,
  type CniNode,
  type TestPod,
  type CniVpc,
} from '../support/index.js';

const skip = await cniSkipReason();

interface AddedPod {
  readonly pod: TestPod;
  readonly node: CniNode;
  readonly containerId: string;
  readonly result: Record<string, unknown>;
  readonly ip: string;
  /** The container interface's `mac`: the pod's route table (254 = main, the primary ENI). */
  readonly table: string;
}

function ipOf(result: Record<string, unknown>): string {
  const ips = result['ips'] as { address: string }[];
  return (ips[0]?.address ?? '').replace(/\/32$/, '');
}

describe('aws-cni in real namespaces, driven like a runtime', { skip, timeout: 600_000 }, () => {
  let vpc: CniVpc;
  let nodeA: CniNode;
  let nodeB: CniNode;
  let root: string;
  const before_: Record<string, NetnsDump> = {};
  const podsA: AddedPod[] = [];
  const podsB: AddedPod[] = [];

  before(async () => {
    root = await rootFingerprint();
    vpc = await startCniVpc();
    // Both nodes attach all three ENIs of their m5.large up front, so that the pools cannot change while pods come
    // and go, and the node namespaces before the first ADD and after the last DEL can be compared.
    const warm = { WARM_ENI_TARGET: '3' };
    [nodeA, nodeB] = await Promise.all([vpc.startNode(0, warm), vpc.startNode(1, warm)]);
    await waitForQuietNodes(vpc.exec, [nodeA, nodeB]);
    for (const node of [nodeA, nodeB]) before_[node.netns] = await dumpNetns(vpc.exec, node.netns);
  });

  after(async () => {
    await vpc?.close();
    assert.equal(await rootFingerprint(), root, 'the root namespace is untouched');
  });

  async function addPod(node: CniNode, name: string, into: AddedPod[]): Promise<AddedPod> {
    const pod = await vpc.createPod(name);
    const containerId = `c${'0'.repeat(56)}${String(into.length).padStart(7, '0')}`;
    const out = await node.cni('ADD', { pod, containerId });
    assert.equal(out.exitCode, 0, describeCall(out));
    const result = out.json as Record<string, unknown>;
    const interfaces = result['interfaces'] as { name: string; mac?: string; sandbox?: string }[];
    const added = { pod, node, containerId, result, ip: ipOf(result), table: interfaces[1]?.mac ?? '' };
    into.push(added);
    return added;
  }

  it('ADD gives five pods on node 1 each a VPC address from ipamd, in the reference result shape', async () => {
    for (let i = 1; i <= 5; i++) await addPod(nodeA, `web-${i}`, podsA);
    const records = addressesOf(await nodeA.enis());
    const ips = new Set<string>();
    for (const { pod, result, ip } of podsA) {
      assert.equal(result['cniVersion'], '0.4.0', 'the result speaks the conflist version');
      const interfaces = result['interfaces'] as { name: string; mac?: string; sandbox?: string }[];
      assert.equal(interfaces.length, 3);
      assert.match(interfaces[0]?.name ?? '', /^eni[0-9a-f]{11}$/, 'host veth eni + 11 hex digits');
      assert.match(interfaces[0]?.mac ?? '', /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
      assert.deepEqual(interfaces[1], { name: 'eth0', mac: '254', sandbox: pod.path }, 'primary ENI: route table main');
      assert.equal(interfaces[2]?.name, `dummy${(interfaces[0]?.name ?? '').slice(3)}`);
      assert.deepEqual(interfaces[2], { name: interfaces[2]?.name, mac: '0', sandbox: '0' });
      assert.deepEqual(result['ips'], [{ version: '4', interface: 1, address: `${ip}/32` }]);
      assert.deepEqual(result['dns'], {});
      const record = records.get(ip);
      assert.ok(record, `ipamd knows ${ip}`);
      assert.equal(record.deviceNumber, 0);
      assert.equal(record.IPAMMetadata.k8sPodName, pod.name);
      assert.equal(record.IPAMMetadata.k8sPodNamespace, 'default');
      assert.equal(record.IPAMKey.networkName, 'aws-cni');
      assert.equal(record.UnassignedTime, GO_ZERO_TIME);
      assert.ok(ip.startsWith('10.11.'), `${ip} is in the VPC`);
      ips.add(ip);
    }
    assert.equal(ips.size, 5, 'five different addresses');
  });

  it('a pod on node 2 lands on a secondary ENI once the primary ENI is full (route table, rule 1536)', async () => {
    // The primary ENI of an m5.large has nine secondary addresses: the tenth pod is served by eth1.
    for (let i = 1; i <= 12; i++) {
      const added = await addPod(nodeB, `api-${i}`, podsB);
      if (added.table !== '254') break;
    }
    const last = podsB.at(-1);
    assert.ok(
      last !== undefined && last.table !== '254',
      `a pod got a secondary ENI's table: ${podsB.map((p) => `${p.ip}:${p.table}`).join(' ')}`,
    );
    const record = addressesOf(await nodeB.enis()).get(last.ip);
    assert.ok(record !== undefined && record.deviceNumber > 0);
    assert.equal(last.table, String(record.deviceNumber + 1), 'route table = device number + 1');
    const rules = await vpc.exec.ipJson<{ priority?: number; src?: string; table?: string }[]>(
      { args: ['rule', 'show'] },
      { netns: nodeB.netns },
    );
    assert.ok(
      rules.some((r) => r.priority === 1536 && r.src === last.ip && r.table === last.table),
      'rule 1536 from the pod to its ENI table',
    );
  });

  it('every pod reaches its node and the other pods, and the pods of node 2 through the VPC fabric', async () => {
    const primaryB = podsB[0];
    const secondaryB = podsB.at(-1);
    assert.ok(primaryB !== undefined && secondaryB !== undefined);
    const remote = [primaryB.ip, secondaryB.ip];
    const results = await Promise.all(
      podsA.map(async (self) => {
        const targets = [nodeA.info.privateIp, ...podsA.filter((p) => p !== self).map((p) => p.ip), ...remote];
        return [self.ip, targets, await reach(vpc.exec, self.pod.path, targets)] as const;
      }),
    );
    for (const [ip, targets, seen] of results) {
      assert.deepEqual(seen, Object.fromEntries(targets.map((t) => [t, true])), `from pod ${ip}`);
    }
    const back = [nodeB.info.privateIp, nodeA.info.privateIp, ...podsA.map((p) => p.ip)];
    assert.deepEqual(
      await reach(vpc.exec, secondaryB.pod.path, back),
      Object.fromEntries(back.map((t) => [t, true])),
      'from the secondary-ENI pod',
    );
  });

  it('CHECK passes for every pod with its ADD result as prevResult', async () => {
    for (const { node, pod, containerId, result } of [...podsA, ...podsB]) {
      const out = await node.cni('CHECK', { pod, containerId, conf: node.awsConf({ prevResult: result }) });
      assert.equal(out.exitCode, 0, `${pod.name}: ${describeCall(out)}`);
      assert.equal(out.stdout, '');
    }
  });

  it('DEL twice removes every link, route and rule ADD made; ipamd has the addresses in cooldown', async () => {
    const all = [...podsA, ...podsB];
    for (const { node, pod, containerId, result } of all) {
      // containerd: DEL with the cached result when the pod stops; the sandbox is removed; DEL again without it.
      const first = await node.cni('DEL', { pod, containerId, conf: node.awsConf({ prevResult: result }) });
      assert.equal(first.exitCode, 0, `${pod.name} first DEL: ${describeCall(first)}`);
      assert.equal(first.stdout, '');
      await vpc.deletePod(pod);
      const second = await node.cni('DEL', { pod, containerId });
      assert.equal(second.exitCode, 0, `${pod.name} second DEL: ${describeCall(second)}`);
    }
    for (const node of [nodeA, nodeB]) {
      const now = await dumpNetns(vpc.exec, node.netns);
      const was = before_[node.netns];
      assert.deepEqual(now.links, was?.links, `${node.netns}: links as before the first ADD`);
      assert.deepEqual(now.routes, was?.routes, `${node.netns}: routes as before the first ADD`);
      assert.deepEqual(now.rules, was?.rules, `${node.netns}: rules as before the first ADD`);
    }
    for (const node of [nodeA, nodeB]) {
      const records = addressesOf(await node.enis());
      for (const { ip } of all.filter((p) => p.node === node)) {
        const record = records.get(ip);
        assert.ok(record, `${ip} still listed (cooling down)`);
        assert.notEqual(record.UnassignedTime, GO_ZERO_TIME, `${ip} has an UnassignedTime`);
        assert.deepEqual(record.IPAMKey, { networkName: '', containerID: '', ifName: '' }, `${ip} has no IPAMKey`);
        assert.deepEqual(record.IPAMMetadata, {}, `${ip} has no pod`);
      }
    }
  });
});
