// Issue 6's done-when, end to end: against `sim --scenario eksworkshop --data-plane`, `custom-networking apply`
// reaches the seed's end state and writes the static source; ipamd on two nodes (in-process, custom networking on,
// the static source) then gives pods added through the real bin/aws-cni addresses from 100.64.x.x on secondary ENIs
// only, with max pods 20, and a pod on one node reaches a pod on the other across the VPC fabric.
import { strict as assert } from 'node:assert';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { main } from '../../../src/cli/main.js';
import { conflistSettings, renderConflist } from '../../../src/cni/conflist.js';
import { loadConfig } from '../../../src/config/index.js';
import { cidrContains, parseCidr, parseIpv4 } from '../../../src/ipam/cidr.js';
import { execCniPlugin, type CniExecResult } from '../../../src/netlink/cni-exec.js';
import { NetlinkExecutor } from '../../../src/netlink/exec.js';
import { createNamespaces, deleteNamespaces, listNamespaces, newRunPrefix } from '../../../src/netlink/netns.js';
import { netnsSkipReason, reach } from '../../../src/netlink/netns.test-util.js';
import { systemClock } from '../../../src/obs/clock.js';
import { startSim, type RunningSim } from '../../../src/sim/index.js';
import {
  FAST_TIMINGS,
  REPO,
  assignments,
  card0,
  eventually,
  freePort,
  getEnis,
  getText,
  startIpamd,
  type RunningIpamd,
} from '../support/index.js';

const PLUGIN = join(REPO, 'bin', 'aws-cni');
const skip = (await netnsSkipReason()) || (existsSync(PLUGIN) ? false : `${PLUGIN} is missing: run npm run build`);

interface NodeCase {
  readonly ip: string;
  readonly zone: string;
  readonly podSubnet: string;
}

const NODES: readonly NodeCase[] = [
  { ip: '10.11.16.31', zone: 'ap-northeast-2a', podSubnet: '100.64.0.0/19' },
  { ip: '10.11.55.30', zone: 'ap-northeast-2b', podSubnet: '100.64.32.0/19' },
];

interface Node {
  readonly spec: NodeCase;
  readonly name: string;
  readonly netns: string;
  readonly dir: string;
  readonly ipamd: RunningIpamd;
  readonly conf: Record<string, unknown>;
}

interface Pod {
  readonly node: Node;
  readonly netns: string;
  readonly path: string;
  readonly containerId: string;
  readonly name: string;
  ip: string;
  table: string;
  added: boolean;
}

const inCidr = (ip: string, cidr: string): boolean => cidrContains(parseCidr(cidr), parseIpv4(ip));

function describeCall(out: CniExecResult): string {
  return `exit ${out.exitCode}, stdout ${out.stdout.trim().slice(0, 800)}, stderr ${out.stderr.trim().slice(0, 800)}`;
}

/** The reference's aws-cni entry as libcni hands it to the plugin, pointed at this node's ipamd. */
function awsConf(ipamdSocket: string, pluginLogFile: string): Record<string, unknown> {
  const { settings } = conflistSettings(loadConfig({}).config, undefined);
  const list = JSON.parse(renderConflist({ ...settings, pluginLogFile })) as {
    cniVersion: string;
    name: string;
    plugins: Record<string, unknown>[];
  };
  const aws = list.plugins.find((p) => p['type'] === 'aws-cni');
  assert.ok(aws, 'the reference conflist has an aws-cni entry');
  return { ...aws, name: list.name, cniVersion: list.cniVersion, ipamdSocket };
}

function cni(node: Node, command: 'ADD' | 'DEL', pod: Pod): Promise<CniExecResult> {
  return execCniPlugin({
    plugin: PLUGIN,
    nodeNetns: `/var/run/netns/${node.netns}`,
    env: {
      PATH: process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin',
      CNI_COMMAND: command,
      CNI_CONTAINERID: pod.containerId,
      CNI_NETNS: pod.path,
      CNI_IFNAME: 'eth0',
      CNI_PATH: join(REPO, 'bin'),
      CNI_ARGS: `IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=${pod.name};K8S_POD_INFRA_CONTAINER_ID=${pod.containerId}`,
    },
    stdin: JSON.stringify(node.conf),
    timeoutMs: 60_000,
  });
}

async function getJson<T>(url: string): Promise<T> {
  const { status, body } = await getText(url);
  assert.equal(status, 200, `GET ${url}: ${body}`);
  return JSON.parse(body) as T;
}

describe(
  'custom networking end to end: apply, then ipamd and the plugin on two nodes',
  { skip, timeout: 300_000 },
  () => {
    const exec = new NetlinkExecutor({ confined: true });
    const prefix = newRunPrefix('vcni');
    let sim: RunningSim;
    let dir: string;
    let staticDir: string;
    const nodes: Node[] = [];
    const pods: Pod[] = [];
    let simPrefix = '';

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'vcni-cn-e2e-'));
      staticDir = join(dir, 'static');
      sim = await startSim({
        scenario: 'eksworkshop',
        host: '127.0.0.1',
        port: 0,
        clock: systemClock,
        dataPlane: true,
        cidrAssociationDelayMs: 100,
        throttle: { enabled: false },
      });
      await sim.settled();
      const first = Object.values(sim.describe().instances).find((i) => i.netns !== null);
      simPrefix = (first?.netns ?? '').replace(/-n\d+$/, '-');
    });

    after(async () => {
      const problems: unknown[] = [];
      const attempt = async (what: () => Promise<unknown>): Promise<void> => {
        try {
          await what();
        } catch (error) {
          problems.push(error);
        }
      };
      for (const pod of pods) {
        if (pod.added) await attempt(async () => assert.equal((await cni(pod.node, 'DEL', pod)).exitCode, 0));
      }
      await attempt(() =>
        deleteNamespaces(
          exec,
          pods.map((p) => p.netns),
        ),
      );
      for (const node of Object.values(nodes)) {
        await attempt(async () => assert.equal(await node.ipamd.stop(), 0, `ipamd on ${node.name} exits cleanly`));
      }
      await attempt(() => sim?.close());
      await attempt(() => rm(dir, { recursive: true, force: true }));
      const left = (await listNamespaces(exec)).filter(
        (n) => n.startsWith(`${prefix}-`) || (simPrefix !== '' && n.startsWith(simPrefix)),
      );
      if (left.length > 0) problems.push(new Error(`namespaces left behind: ${left.join(', ')}`));
      if (problems.length > 0) throw new AggregateError(problems, 'cleaning up failed');
    });

    it("apply reaches the seed's end state and writes the static source", async () => {
      let stdout = '';
      let stderr = '';
      const io = { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) } };
      const code = await main(
        [
          'custom-networking',
          'apply',
          '--cluster',
          'eksworkshop',
          '--endpoint-url',
          sim.ec2Url,
          '--region',
          sim.store.region,
          '--static-dir',
          staticDir,
        ],
        io,
      );
      assert.equal(code, 0, stderr);
      assert.match(stdout, /Applied 14 change\(s\); verified/);
      const subnets = [...sim.store.subnets.values()].filter((s) => s.cidr.startsWith('100.64.'));
      assert.deepEqual(subnets.map((s) => s.cidr).sort(), ['100.64.0.0/19', '100.64.32.0/19', '100.64.64.0/19']);
      assert.equal(
        await readFile(join(staticDir, 'aws-node.env'), 'utf8'),
        'AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG=true\n',
      );
      for (const { zone } of NODES) assert.ok(existsSync(join(staticDir, 'eniconfigs', `${zone}.yaml`)));
      await sim.settled();
    });

    it('ipamd starts on both nodes with custom networking from the static source', async () => {
      const written = parse(await readFile(join(staticDir, 'nodes.yaml'), 'utf8')) as {
        nodes: { name: string; annotations: Record<string, string> }[];
      };
      const instances = Object.values(sim.describe().instances);
      const started = await Promise.all(
        NODES.map(async (spec, i): Promise<Node> => {
          const info = instances.find((x) => x.privateIp === spec.ip);
          assert.ok(info?.netns, `node ${spec.ip} has a namespace`);
          const name = written.nodes.find((n) => n.name.startsWith(`ip-${spec.ip.replaceAll('.', '-')}.`))?.name;
          assert.ok(name, `nodes.yaml names ${spec.ip}`);
          assert.equal(
            written.nodes.find((n) => n.name === name)?.annotations['k8s.amazonaws.com/eniConfig'],
            spec.zone,
          );
          const nodeDir = join(dir, `node${i}`);
          await mkdir(nodeDir, { recursive: true });
          const env: Record<string, string> = {
            AWS_ENDPOINT_URL_EC2: sim.ec2Url,
            AWS_EC2_METADATA_SERVICE_ENDPOINT: info.imds,
            AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
            AWS_SECRET_ACCESS_KEY: 'secret',
            AWS_VPC_K8S_CNI_LOG_FILE: join(nodeDir, 'ipamd.log'),
            AWS_VPC_K8S_CNI_LOGLEVEL: 'DEBUG',
            VPC_CNI_HOST_NETNS: `/var/run/netns/${info.netns}`,
            VPC_CNI_IPAMD_SOCKET: join(nodeDir, 'ipamd.sock'),
            AWS_VPC_K8S_CNI_BACKING_STORE: join(nodeDir, 'ipam.json'),
            INTROSPECTION_BIND_ADDRESS: `127.0.0.1:${await freePort()}`,
            VPC_CNI_METRICS_BIND_ADDRESS: `127.0.0.1:${await freePort()}`,
            DISABLE_LEAKED_ENI_CLEANUP: 'true',
            AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG: 'true',
            VPC_CNI_NODE_INFO_FILE: join(staticDir, 'nodes.yaml'),
            VPC_CNI_ENICONFIG_DIR: join(staticDir, 'eniconfigs'),
            MY_NODE_NAME: name,
          };
          const ipamd = await startIpamd(env, { timings: FAST_TIMINGS });
          const node: Node = {
            spec,
            name,
            netns: info.netns,
            dir: nodeDir,
            ipamd,
            conf: awsConf(join(nodeDir, 'ipamd.sock'), join(nodeDir, 'plugin.log')),
          };
          nodes[i] = node;
          return node;
        }),
      );
      for (const node of started) {
        const { status, body } = await getText(`${node.ipamd.introspection}/v1/eni-configs`);
        assert.equal(status, 200, body);
        assert.equal(JSON.parse(body), node.spec.zone, "/v1/eni-configs names the zone's ENIConfig");
        const dashboard = await getJson<{ limits: { maxPods: number | null } }>(
          `${node.ipamd.introspection}/v1/dashboard`,
        );
        assert.equal(dashboard.limits.maxPods, 20, 'max pods (3 − 1) × (10 − 1) + 2');
        // The warm pool: a secondary ENI in the zone's pod subnet, with addresses from it.
        await eventually(
          `a secondary ENI with addresses on ${node.name}`,
          async () => {
            const enis = Object.values(card0(await getEnis(node.ipamd.introspection)).ENIs);
            return enis.some((e) => !e.IsPrimary && Object.keys(e.AvailableIPv4Cidrs).length > 0) ? true : undefined;
          },
          30_000,
        );
      }
    });

    it("the plugin gives one pod per node an address from the zone's 100.64 subnet on a secondary ENI", async (t) => {
      for (const [i, node] of nodes.entries()) {
        const netns = `${prefix}-p${i + 1}`;
        await createNamespaces(exec, [netns]);
        const pod: Pod = {
          node,
          netns,
          path: `/var/run/netns/${netns}`,
          name: `web-${i + 1}`,
          containerId: `c${String(i + 1).padStart(63, '0')}`,
          ip: '',
          table: '',
          added: false,
        };
        pods.push(pod);
        const out = await cni(node, 'ADD', pod);
        pod.added = true;
        assert.equal(out.exitCode, 0, describeCall(out));
        const result = out.json as {
          ips: { address: string }[];
          interfaces: { name: string; mac?: string; sandbox?: string }[];
        };
        pod.ip = (result.ips[0]?.address ?? '').replace(/\/32$/, '');
        pod.table = result.interfaces[1]?.mac ?? '';
        assert.ok(inCidr(pod.ip, '100.64.0.0/16'), `${pod.ip} is in 100.64.0.0/16`);
        assert.ok(inCidr(pod.ip, node.spec.podSubnet), `${pod.ip} is in ${node.spec.podSubnet} (${node.spec.zone})`);
        assert.notEqual(pod.table, '254', "the pod routes through a secondary ENI's table, not main");
        assert.notEqual(pod.table, '', "the result names the pod's route table");
        t.diagnostic(`${pod.name} on ${node.name}: ${pod.ip}, route table ${pod.table}`);

        const doc = await getEnis(node.ipamd.introspection);
        const enis = Object.values(card0(doc).ENIs);
        const primary = enis.find((e) => e.IsPrimary);
        assert.ok(primary);
        const held = assignments(doc);
        assert.deepEqual(
          held.map((a) => a.address),
          [pod.ip],
          'ipamd holds exactly this pod',
        );
        assert.notEqual(held[0]?.eniId, primary.ID, 'no pod on the primary ENI');
        for (const eni of enis) {
          for (const cidr of Object.keys(eni.AvailableIPv4Cidrs)) {
            if (eni.IsPrimary) assert.fail(`the primary ENI ${eni.ID} holds pod addresses (${cidr})`);
            assert.ok(
              inCidr(cidr.replace(/\/\d+$/, ''), node.spec.podSubnet),
              `${eni.ID}'s ${cidr} is in ${node.spec.podSubnet}`,
            );
          }
        }
        const pool = await getJson<{ cards: { limits: { maxPods?: number } }[] }>(
          `${node.ipamd.introspection}/v1/pool`,
        );
        assert.equal(pool.cards[0]?.limits.maxPods, 20);
      }
    });

    it('a pod on node 1 reaches the pod on node 2 across the VPC fabric, and back', async () => {
      const [a, b] = pods;
      assert.ok(a && b);
      assert.deepEqual(await reach(exec, a.path, [b.ip]), { [b.ip]: true });
      assert.deepEqual(await reach(exec, b.path, [a.ip]), { [a.ip]: true });
    });

    it('DEL releases both pods; ipamd holds no pod afterwards', async () => {
      for (const pod of pods) {
        const out = await cni(pod.node, 'DEL', pod);
        assert.equal(out.exitCode, 0, describeCall(out));
        pod.added = false;
        assert.deepEqual(assignments(await getEnis(pod.node.ipamd.introspection)), []);
      }
    });
  },
);
