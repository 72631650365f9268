// The real bin/aws-cni and a real ipamd with NETWORK_POLICY_ENFORCING_MODE=strict on a node of the embedded VPC, and
// the stand-in network-policy agent on the node's npa.sock (the conflist's npAgentSocket): every pod's ADD calls
// EnforceNpToPod once its host veth exists, every DEL calls DeletePodNp; the agent refusing fails the ADD and the
// runtime's DEL cleans up; the agent gone fails ADD with code 11 naming the socket and fails one DEL after the address
// was released [network-policy §4; network-policy §6].
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { hostVethName } from '../../../src/cni/names.js';
import { rootFingerprint } from '../../../src/netlink/netns.test-util.js';
import { startNpAgentStandin, type NpAgentStandin } from '../../support/np-agent/np-agent.js';
import {
  assignments,
  cniSkipReason,
  describeCall,
  dumpNetns,
  ipJson,
  startCniVpc,
  waitForQuietNodes,
  type CniNode,
  type CniVpc,
  type JsonObject,
  type NetnsDump,
  type TestPod,
} from '../support/index.js';

const skip = await cniSkipReason();

interface Added {
  readonly pod: TestPod;
  readonly containerId: string;
  readonly result: unknown;
}

function errorOf(stdout: string): { code: number; msg: string; details: string } {
  return JSON.parse(stdout) as { code: number; msg: string; details: string };
}

describe(
  'aws-cni and the network-policy agent (strict mode), real plugin and ipamd',
  { skip, timeout: 600_000 },
  () => {
    let vpc: CniVpc;
    let node: CniNode;
    let agent: NpAgentStandin;
    let conf: JsonObject;
    let root: string;
    let before_: NetnsDump;
    let counter = 0;
    const pods: Added[] = [];

    before(async () => {
      root = await rootFingerprint();
      vpc = await startCniVpc();
      node = await vpc.startNode(0, { NETWORK_POLICY_ENFORCING_MODE: 'strict', WARM_ENI_TARGET: '2' });
      await waitForQuietNodes(vpc.exec, [node]);
      before_ = await dumpNetns(vpc.exec, node.netns);
      const socketPath = join(vpc.dir, 'node0', 'npa.sock');
      // Like the agent, whose probe attach fails when the pod's host veth does not exist (yet).
      agent = await startNpAgentStandin({
        socketPath,
        attach: async (request) => {
          const veth = hostVethName('eni', String(request['K8S_POD_NAMESPACE']), String(request['K8S_POD_NAME']));
          const links = await ipJson<{ ifname: string }[]>(node.netns, ['link', 'show']);
          return links.some((l) => l.ifname === veth) ? undefined : `no host veth ${veth} to attach to`;
        },
      });
      conf = { ...node.awsConf(), npAgentSocket: socketPath };
    });

    after(async () => {
      await agent?.close();
      await vpc?.close();
      assert.equal(await rootFingerprint(), root, 'the root namespace is untouched');
    });

    async function add(name: string): Promise<{ added: Added; out: Awaited<ReturnType<CniNode['cni']>> }> {
      const pod = await vpc.createPod(name);
      counter += 1;
      const containerId = `c${'0'.repeat(56)}${String(counter).padStart(7, '0')}`;
      const out = await node.cni('ADD', { pod, containerId, conf });
      return { added: { pod, containerId, result: out.exitCode === 0 ? out.json : undefined }, out };
    }

    /** containerd's two DELs: with the cached result, then (sandbox gone) without. */
    async function del({ pod, containerId, result }: Added): Promise<void> {
      const first = await node.cni('DEL', { pod, containerId, conf: { ...conf, prevResult: result } });
      assert.equal(first.exitCode, 0, `${pod.name} first DEL: ${describeCall(first)}`);
      await vpc.deletePod(pod);
      const second = await node.cni('DEL', { pod, containerId, conf });
      assert.equal(second.exitCode, 0, `${pod.name} second DEL: ${describeCall(second)}`);
    }

    it('every ADD calls EnforceNpToPod after the wiring, with the pod, mode strict and 1 interface', async () => {
      for (const name of ['web-5d8f7c9b6-x2kq9', 'web-5d8f7c9b6-hp4zt', 'db-0']) {
        const { added, out } = await add(name);
        assert.equal(out.exitCode, 0, describeCall(out));
        pods.push(added);
      }
      assert.deepEqual(
        agent.calls.map((c) => [c.method, c.request, c.grpcStatus]),
        pods.map(({ pod }) => [
          'EnforceNpToPod',
          { K8S_POD_NAME: pod.name, K8S_POD_NAMESPACE: 'default', NETWORK_POLICY_MODE: 'strict', InterfaceCount: 1 },
          0,
        ]),
      );
    });

    it('every DEL calls DeletePodNp once (the second DEL finds an unknown pod and calls nothing)', async () => {
      agent.calls.length = 0;
      for (const added of pods.splice(0)) await del(added);
      assert.deepEqual(
        agent.calls.map((c) => [c.method, c.request]),
        ['web-5d8f7c9b6-x2kq9', 'web-5d8f7c9b6-hp4zt', 'db-0'].map((name) => [
          'DeletePodNp',
          { K8S_POD_NAME: name, K8S_POD_NAMESPACE: 'default' },
        ]),
      );
    });

    it('the agent refusing fails the ADD with the reference text; the runtime DEL cleans up', async () => {
      agent.answer('EnforceNpToPod', { kind: 'error', code: 2, message: 'Invalid Network Policy Mode' });
      const { added, out } = await add('refused');
      agent.answer('EnforceNpToPod', { kind: 'success' });
      assert.equal(out.exitCode, 1, describeCall(out));
      const error = errorOf(out.stdout);
      assert.equal(error.code, 999);
      assert.match(error.msg, /^add cmd: failed to setup network policy for pod default\/refused: .*Invalid Network/);
      assert.match(error.details, /^CNI_NP_ENFORCE_FAILED/);
      assert.ok(
        assignments(await node.enis()).some((a) => a.pod === 'refused'),
        'the address stays assigned until the DEL',
      );
      await del(added);
      assert.ok(!assignments(await node.enis()).some((a) => a.pod === 'refused'));
    });

    it('the agent gone: ADD fails with code 11 naming the socket; DEL fails once after the release, then succeeds', async () => {
      await agent.close();
      const { added, out } = await add('orphan');
      assert.equal(out.exitCode, 1, describeCall(out));
      const addError = errorOf(out.stdout);
      assert.equal(addError.code, 11);
      assert.match(addError.msg, /^add cmd: failed to setup network policy for pod default\/orphan: /);
      assert.ok(addError.msg.includes(`cannot connect to ${agent.socketPath} (ENOENT)`), addError.msg);
      assert.match(addError.msg, /NETWORK_POLICY_ENFORCING_MODE/);

      const first = await node.cni('DEL', { pod: added.pod, containerId: added.containerId, conf });
      assert.equal(first.exitCode, 1, describeCall(first));
      const delError = errorOf(first.stdout);
      assert.equal(delError.code, 11);
      assert.match(delError.msg, /^del cmd: failed to connect to network policy agent: /);
      assert.ok(!assignments(await node.enis()).some((a) => a.pod === 'orphan'), 'the address was released');
      const retry = await node.cni('DEL', { pod: added.pod, containerId: added.containerId, conf });
      assert.equal(retry.exitCode, 0, describeCall(retry));
      await vpc.deletePod(added.pod);
    });

    it('the node namespace has no link, route or rule of the pods left', async () => {
      const now = await dumpNetns(vpc.exec, node.netns);
      assert.deepEqual(now.links, before_.links);
      assert.deepEqual(now.routes, before_.routes);
      assert.deepEqual(now.rules, before_.rules);
    });
  },
);
