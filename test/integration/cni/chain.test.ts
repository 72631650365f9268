// aws-cni chained with Debian's portmap, run as libcni runs a conflist: portmap gets our result as prevResult and the
// port mappings in runtimeConfig with containerd's capitalised keys; its DNAT rules appear in the node namespace and
// carry traffic from another node to the pod; DEL in reverse order removes them and our wiring.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { rootFingerprint } from '../../../src/netlink/netns.test-util.js';
import {
  GO_PLUGINS,
  cniSkipReason,
  describeCall,
  dumpNetns,
  iptablesSave,
  pluginConfig,
  runCni,
  startCniVpc,
  waitForQuietNodes,
  type JsonObject,
  type NetnsDump,
  type CniNode,
  type TestPod,
  type CniVpc,
} from '../support/index.js';

const PORTMAP = join(GO_PLUGINS, 'portmap');
const skip = await cniSkipReason([PORTMAP]);

/** iptables-save without its timestamped comments and packet counters. */
/** The host veth of a CNI result: its first interface, the one without a sandbox. */
function hostVethOf(result: JsonObject): string {
  const interfaces = result['interfaces'] as { name: string; sandbox?: string }[];
  return interfaces.find((i) => i.sandbox === undefined)?.name ?? '';
}

function rulesOf(save: string): string[] {
  return save
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => line.replace(/\[\d+:\d+\]/g, '[0:0]'));
}

/** Connects from inside a namespace to host:port and returns what the server says (or the error code). */
async function fetchBanner(nsPath: string, host: string, port: number): Promise<string> {
  const script = `const s = require('node:net').connect({ host: ${JSON.stringify(host)}, port: ${port}, timeout: 3000 });
let b = ''; s.on('data', (d) => (b += d)); s.on('end', () => process.stdout.write(b));
s.on('error', (e) => process.stdout.write('error:' + e.code)); s.on('timeout', () => { process.stdout.write('error:timeout'); s.destroy(); });`;
  return new Promise((resolve, reject) => {
    const child = spawn('nsenter', [`--net=${nsPath}`, '--', process.execPath, '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => (out += chunk));
    child.on('error', reject);
    child.on('close', () => resolve(out));
  });
}

describe('aws-cni then portmap, chained as libcni runs the reference conflist', { skip, timeout: 300_000 }, () => {
  let vpc: CniVpc;
  let node: CniNode;
  let pod: TestPod;
  let root: string;
  let dumpBefore: NetnsDump;
  let iptablesBefore: string[];
  let awsResult: JsonObject;
  let podIp = '';
  const containerId = 'd3adb33f0000000000000000000000000000000000000000000000000000c0de';
  // containerd's CRI plugin sends the CNI port mappings with Go field names (capitalised keys).
  const portMappings = [{ HostPort: 8080, ContainerPort: 80, Protocol: 'tcp', HostIP: '' }];
  let server: ReturnType<typeof spawn> | undefined;

  before(async () => {
    root = await rootFingerprint();
    vpc = await startCniVpc();
    // A pool of nine addresses on the primary ENI that one pod does not make grow.
    node = await vpc.startNode(0, { WARM_IP_TARGET: '1', MINIMUM_IP_TARGET: '9' });
    await waitForQuietNodes(vpc.exec, [node]);
    dumpBefore = await dumpNetns(vpc.exec, node.netns);
    iptablesBefore = rulesOf(await iptablesSave(vpc.exec, node.netns));
    pod = await vpc.createPod('web-0');
  });

  after(async () => {
    server?.kill('SIGKILL');
    await vpc?.close();
    assert.equal(await rootFingerprint(), root, 'the root namespace is untouched');
  });

  const portmapEntry = (): JsonObject => node.conflist.plugins.find((p) => p['type'] === 'portmap') as JsonObject;

  it('ADD: aws-cni, then portmap with our result as prevResult and capitalised portMappings', async () => {
    assert.deepEqual(
      portmapEntry(),
      { type: 'portmap', capabilities: { portMappings: true }, snat: true },
      "the reference conflist's portmap entry",
    );
    const ours = await node.cni('ADD', { pod, containerId, conf: node.awsConf() });
    assert.equal(ours.exitCode, 0, describeCall(ours));
    awsResult = ours.json as JsonObject;
    podIp = ((awsResult['ips'] as { address: string }[])[0]?.address ?? '').replace(/\/32$/, '');
    const conf = pluginConfig(node.conflist, portmapEntry(), {
      prevResult: awsResult,
      runtimeConfig: { portMappings },
    });
    const out = await runCni(node.netns, 'ADD', { pod, containerId, conf, plugin: PORTMAP });
    assert.equal(out.exitCode, 0, `portmap: ${describeCall(out)}`);
    assert.deepEqual(out.json, awsResult, 'portmap accepted our result and passed it on unchanged');
  });

  it("portmap's DNAT to the pod is in the node namespace and carries traffic from another node", async () => {
    const rules = rulesOf(await iptablesSave(vpc.exec, node.netns));
    assert.ok(
      rules.some((r) => r.startsWith(':CNI-HOSTPORT-DNAT')),
      'CNI-HOSTPORT-DNAT chain',
    );
    assert.ok(
      rules.some((r) => r.includes('-j DNAT') && r.includes(`--to-destination ${podIp}:80`)),
      `DNAT to ${podIp}:80:\n${rules.join('\n')}`,
    );
    assert.ok(
      rules.some((r) => r.includes('--dport 8080')),
      'the host port',
    );

    // A server on the pod's port 80; a client in another node's namespace connects to this node's port 8080.
    const script = `require('node:net').createServer((s) => s.end('hello from ${podIp}')).listen(80, () => process.stdout.write('up'))`;
    server = spawn('nsenter', [`--net=${pod.path}`, '--', process.execPath, '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      server?.stdout?.once('data', () => resolve());
      server?.once('exit', (code) => reject(new Error(`the pod's server exited (${String(code)})`)));
    });
    const other = vpc.instances[1]?.[1];
    assert.ok(other?.netns !== undefined && other.netns !== null);
    assert.equal(await fetchBanner(`/var/run/netns/${other.netns}`, node.info.privateIp, 8080), `hello from ${podIp}`);
    server.kill('SIGKILL');
    server = undefined;
  });

  it('DEL in reverse order (portmap, then aws-cni; each twice) removes the DNAT rules and our wiring', async () => {
    const portmapConf = pluginConfig(node.conflist, portmapEntry(), {
      prevResult: awsResult,
      runtimeConfig: { portMappings },
    });
    for (let round = 1; round <= 2; round++) {
      const pm = await runCni(node.netns, 'DEL', { pod, containerId, conf: portmapConf, plugin: PORTMAP });
      assert.equal(pm.exitCode, 0, `portmap DEL ${round}: ${describeCall(pm)}`);
      const ours = await node.cni('DEL', { pod, containerId, conf: node.awsConf({ prevResult: awsResult }) });
      assert.equal(ours.exitCode, 0, `aws-cni DEL ${round}: ${describeCall(ours)}`);
    }
    const rules = rulesOf(await iptablesSave(vpc.exec, node.netns));
    assert.deepEqual(
      rules.filter((r) => r.includes(podIp) || r.includes('8080')),
      [],
      'no rule names the pod or the host port',
    );
    assert.deepEqual(
      rules.filter((r) => /CNI-(DN|SN)-/.test(r)),
      [],
      "the pod's own chains are gone",
    );
    for (const line of iptablesBefore) assert.ok(rules.includes(line), `ipamd's rule kept: ${line}`);
    // What may stay: portmap's shared chains and the jumps to them, which it creates once and never removes.
    const extra = rules.filter((r) => !iptablesBefore.includes(r));
    for (const line of extra) assert.match(line, /CNI-HOSTPORT-|^\*|^COMMIT$/, `left behind: ${line}`);

    const now = await dumpNetns(vpc.exec, node.netns);
    // DEL leaves the host veth to the runtime's removal of the pod namespace, as the reference does [behaviour §7.4].
    const added = now.links
      .filter((l) => !dumpBefore.links.includes(l))
      .map((l) => (JSON.parse(l) as { ifname: string }).ifname);
    assert.deepEqual(
      now.links.filter((l) => dumpBefore.links.includes(l)),
      dumpBefore.links,
      'links as before the ADD',
    );
    const veth = hostVethOf(awsResult);
    assert.deepEqual(added, [veth], 'only the host veth stays, for the namespace removal');
    const onVeth = (r: string): boolean => (JSON.parse(r) as { dev?: string }).dev === veth;
    assert.deepEqual(
      now.routes.filter((r) => !onVeth(r)),
      dumpBefore.routes,
      'routes as before the ADD (but the kernel’s own on the veth)',
    );
    for (const r of now.routes.filter(onVeth)) assert.match(r, /"protocol":"kernel"/, `ours on the veth: ${r}`);
    assert.deepEqual(now.rules, dumpBefore.rules, 'rules as before the ADD');
  });
});
