// Bad input to the real bin/aws-cni, inside a node namespace with ipamd running: each call gets the CNI error JSON with
// the spec's code on stdout and a non-zero exit, and leaves the node exactly as it was (links, routes, rules,
// iptables, and ipamd's datastore as /v1/enis shows it).
import { strict as assert } from 'node:assert';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { rootFingerprint } from '../../../src/netlink/netns.test-util.js';
import {
  cniSkipReason,
  describeCall,
  dumpNetns,
  iptablesSave,
  startCniVpc,
  waitForQuietNodes,
  type CniCall,
  type CniCommand,
  type JsonObject,
  type CniNode,
  type TestPod,
  type CniVpc,
} from '../support/index.js';

const skip = await cniSkipReason();

/** The CNI spec's error codes used here. */
const CODE = { incompatibleVersion: 1, unknownContainer: 3, invalidEnv: 4, decode: 6, invalidConfig: 7 } as const;

interface BadCase {
  readonly title: string;
  readonly command?: CniCommand;
  readonly code: number;
  readonly call: (base: BaseCall) => Omit<CniCall, 'conf'> & { readonly conf?: JsonObject | string };
}

interface BaseCall {
  readonly pod: TestPod;
  readonly containerId: string;
  readonly conf: JsonObject;
}

const podArgs = (fields: Record<string, string>): string =>
  Object.entries({
    IgnoreUnknown: '1',
    K8S_POD_NAMESPACE: 'default',
    K8S_POD_NAME: 'web-0',
    K8S_POD_INFRA_CONTAINER_ID: 'infra',
    ...fields,
  })
    .map(([k, v]) => `${k}=${v}`)
    .join(';');

const CASES: readonly BadCase[] = [
  { title: 'stdin is not JSON', code: CODE.decode, call: (b) => ({ ...b, conf: '{"cniVersion": "0.4.0", "name": ' }) },
  { title: 'stdin is empty', code: CODE.decode, call: (b) => ({ ...b, conf: '' }) },
  { title: 'stdin is a JSON array', code: CODE.decode, call: (b) => ({ ...b, conf: '[1, 2]' }) },
  {
    title: 'an unknown cniVersion',
    code: CODE.incompatibleVersion,
    call: (b) => ({ ...b, conf: { ...b.conf, cniVersion: '9.9.9' } }),
  },
  {
    title: 'cniVersion that is no version',
    code: CODE.incompatibleVersion,
    call: (b) => ({ ...b, conf: { ...b.conf, cniVersion: 'latest' } }),
  },
  {
    title: 'CHECK with a cniVersion older than CHECK',
    command: 'CHECK',
    code: CODE.incompatibleVersion,
    call: (b) => ({ ...b, conf: { ...b.conf, cniVersion: '0.3.1' } }),
  },
  { title: 'CNI_NETNS missing', code: CODE.invalidEnv, call: (b) => ({ ...b, env: { CNI_NETNS: undefined } }) },
  {
    title: 'CNI_CONTAINERID missing',
    code: CODE.invalidEnv,
    call: (b) => ({ ...b, env: { CNI_CONTAINERID: undefined } }),
  },
  { title: 'CNI_IFNAME missing', code: CODE.invalidEnv, call: (b) => ({ ...b, env: { CNI_IFNAME: undefined } }) },
  { title: 'an unknown CNI_COMMAND', code: CODE.invalidEnv, call: (b) => ({ ...b, env: { CNI_COMMAND: 'FROB' } }) },
  { title: 'CNI_IFNAME with a shell command', code: CODE.invalidEnv, call: (b) => ({ ...b, ifName: 'eth0;reboot' }) },
  { title: 'CNI_IFNAME with a path', code: CODE.invalidEnv, call: (b) => ({ ...b, ifName: '../../eth0' }) },
  {
    title: 'CNI_IFNAME longer than IFNAMSIZ',
    code: CODE.invalidEnv,
    call: (b) => ({ ...b, ifName: 'eth0123456789abc' }),
  },
  {
    title: 'CNI_IFNAME with a space (DEL)',
    command: 'DEL',
    code: CODE.invalidEnv,
    call: (b) => ({ ...b, ifName: 'eth 0' }),
  },
  {
    title: 'CNI_CONTAINERID with a path',
    code: CODE.invalidEnv,
    call: (b) => ({ ...b, containerId: '../../etc/passwd' }),
  },
  {
    title: 'a pod name with a path',
    code: CODE.invalidEnv,
    call: (b) => ({ ...b, env: { CNI_ARGS: podArgs({ K8S_POD_NAME: '../../etc/passwd' }) } }),
  },
  {
    title: 'a pod name with a command',
    code: CODE.invalidEnv,
    call: (b) => ({ ...b, env: { CNI_ARGS: podArgs({ K8S_POD_NAME: '$(reboot)' }) } }),
  },
  {
    title: 'a pod namespace with a space',
    code: CODE.invalidEnv,
    call: (b) => ({ ...b, env: { CNI_ARGS: podArgs({ K8S_POD_NAMESPACE: 'kube system' }) } }),
  },
  {
    title: 'a pod name of 300 characters',
    code: CODE.invalidEnv,
    call: (b) => ({ ...b, env: { CNI_ARGS: podArgs({ K8S_POD_NAME: 'a'.repeat(300) }) } }),
  },
  {
    title: 'CNI_ARGS without the pod name',
    code: CODE.invalidEnv,
    call: (b) => ({ ...b, env: { CNI_ARGS: 'IgnoreUnknown=1;K8S_POD_NAMESPACE=default' } }),
  },
  {
    title: 'CNI_ARGS with an unknown key and no IgnoreUnknown',
    code: CODE.invalidEnv,
    call: (b) => ({ ...b, env: { CNI_ARGS: 'K8S_POD_NAMESPACE=default;K8S_POD_NAME=web-0;EVIL=1' } }),
  },
  {
    title: 'a relative CNI_NETNS',
    code: CODE.invalidEnv,
    call: (b) => ({ ...b, env: { CNI_NETNS: 'var/run/netns/x' } }),
  },
  {
    title: 'a CNI_NETNS that does not exist',
    code: CODE.unknownContainer,
    call: (b) => ({ ...b, env: { CNI_NETNS: '/var/run/netns/vcni-no-such-netns' } }),
  },
  {
    title: 'a CNI_NETNS that is a directory, not a namespace',
    code: CODE.unknownContainer,
    call: (b) => ({ ...b, env: { CNI_NETNS: '/var/run/netns' } }),
  },
  { title: 'an invalid mtu', code: CODE.invalidConfig, call: (b) => ({ ...b, conf: { ...b.conf, mtu: 'abc' } }) },
  {
    title: 'a reserved vethPrefix',
    code: CODE.invalidConfig,
    call: (b) => ({ ...b, conf: { ...b.conf, vethPrefix: 'eth' } }),
  },
  {
    title: 'a relative ipamdSocket',
    code: CODE.invalidConfig,
    call: (b) => ({ ...b, conf: { ...b.conf, ipamdSocket: 'ipamd.sock' } }),
  },
  {
    title: 'a network name with a slash',
    code: CODE.invalidConfig,
    call: (b) => ({ ...b, conf: { ...b.conf, name: 'aws/cni' } }),
  },
];

describe('bad input to the real aws-cni binary', { skip, timeout: 300_000 }, () => {
  let vpc: CniVpc;
  let node: CniNode;
  let pod: TestPod;
  let root: string;
  let snapshot: () => Promise<string>;
  let initial: string;

  before(async () => {
    root = await rootFingerprint();
    vpc = await startCniVpc();
    node = await vpc.startNode(0);
    await waitForQuietNodes(vpc.exec, [node]);
    pod = await vpc.createPod('web-0');
    snapshot = async () => {
      const [dump, podDump, iptables, enis] = await Promise.all([
        dumpNetns(vpc.exec, node.netns),
        dumpNetns(vpc.exec, pod.netns),
        iptablesSave(vpc.exec, node.netns),
        node.enis(),
      ]);
      const rules = iptables
        .split('\n')
        .filter((l) => !l.startsWith('#'))
        .map((l) => l.replace(/\[\d+:\d+\]/g, ''));
      return JSON.stringify({ dump, podDump, rules, enis }, null, 1);
    };
    initial = await snapshot();
  });

  after(async () => {
    await vpc?.close();
    assert.equal(await rootFingerprint(), root, 'the root namespace is untouched');
  });

  for (const bad of CASES) {
    it(`${bad.command ?? 'ADD'}: ${bad.title} → code ${bad.code}, nothing changed`, async () => {
      const base: BaseCall = {
        pod,
        containerId: 'c0ffee0000000000000000000000000000000000000000000000000000000001',
        conf: node.awsConf(),
      };
      const { conf, ...call } = bad.call(base);
      const before = await snapshot();
      const out = await node.cni(bad.command ?? 'ADD', conf === undefined ? call : { ...call, conf });
      assert.notEqual(out.exitCode, 0, describeCall(out));
      const error = out.json as { cniVersion?: unknown; code?: unknown; msg?: unknown } | undefined;
      assert.ok(error !== undefined, `an error JSON on stdout: ${describeCall(out)}`);
      assert.equal(error.code, bad.code, describeCall(out));
      assert.equal(typeof error.msg, 'string');
      assert.notEqual(error.msg, '');
      assert.equal(typeof error.cniVersion, 'string');
      assert.equal(await snapshot(), before, 'node namespace, pod namespace, iptables and ipamd datastore unchanged');
    });
  }

  it('a CNI_NETNS that is a regular file is refused before ipamd is asked', async () => {
    const file = join(vpc.dir, 'not-a-netns');
    await writeFile(file, 'x');
    const before = await snapshot();
    const out = await node.cni('ADD', { pod, containerId: 'c0ffee02', env: { CNI_NETNS: file } });
    assert.notEqual(out.exitCode, 0, describeCall(out));
    assert.equal((out.json as { code?: unknown }).code, CODE.unknownContainer, describeCall(out));
    assert.equal(await snapshot(), before, 'nothing changed, no address in cooldown');
  });

  it('after all of them the node is as it was before the first', async () => {
    assert.equal(await snapshot(), initial);
  });
});
