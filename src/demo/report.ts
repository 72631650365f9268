/**
 * What the demo prints once it runs: the nodes, the pod table as `kubectl get pods --all-namespaces -o wide` shows
 * it, the pod → pod probes across nodes, and where to look next (the seed's curl commands with the real ports,
 * `vpc-cni status`, the dashboard when ipamd serves one, the AWS CLI against the embedded VPC).
 *
 * @example
 * out.write(podTableFor(runtime.list(), Date.now()));
 * out.write(nextSteps({ nodes, ec2Url, region, cli: './bin/vpc-cni', runDir, dashboard: undefined, exit: false }));
 */
import { get } from 'node:http';
import { netnsPath } from '../netlink/commands.js';
import type { NetlinkExecutor } from '../netlink/exec.js';
import { probeFrom, type ProbeResult } from '../netlink/probe.js';
import type { DemoNode } from './cluster.js';
import type { DemoPod } from './pods.js';
import { DEFAULT_RUN_DIR } from './run-dir.js';
import { formatTable, podTable } from '../cli/table.js';

/** The pod table for the demo's pods. */
export function podTableFor(pods: readonly DemoPod[], now: number): string {
  return podTable(
    pods.map((pod) => ({
      namespace: pod.namespace,
      name: pod.name,
      status: pod.status,
      node: pod.node.name,
      createdAt: pod.createdAt,
      ...(pod.ip === undefined ? {} : { ip: pod.ip }),
    })),
    now,
  );
}

/** One line per node: where its ipamd answers. */
export function nodesTable(nodes: readonly DemoNode[]): string {
  return formatTable(
    ['NODE', 'INSTANCE', 'TYPE', 'PRIVATE IP', 'INTROSPECTION', 'METRICS', 'NETNS'],
    nodes.map((n) => [n.name, n.instanceId, n.instanceType, n.privateIp, n.introspection, n.metrics, n.netns]),
  );
}

export interface ProbeLine {
  readonly from: DemoPod;
  readonly to: DemoPod;
  readonly result: ProbeResult;
}

/** From the first pod of each node to the first pod of the next node (a ring), each from inside the pod. */
export async function probeAcrossNodes(
  exec: NetlinkExecutor,
  nodes: readonly DemoNode[],
  pods: readonly DemoPod[],
): Promise<ProbeLine[]> {
  const first = nodes.map((node) =>
    pods.find((pod) => pod.node.name === node.name && pod.status === 'Running' && pod.ip !== undefined),
  );
  const pairs: { from: DemoPod; to: DemoPod }[] = [];
  if (nodes.length < 2) return [];
  first.forEach((from, i) => {
    const to = first[(i + 1) % first.length];
    if (from !== undefined && to !== undefined && from !== to) pairs.push({ from, to });
  });
  return Promise.all(
    pairs.map(async ({ from, to }) => {
      const [result] = await probeFrom(exec, netnsPath(from.netns), [to.ip ?? '']);
      return { from, to, result: result ?? { target: to.ip ?? '', ok: false, method: 'tcp', detail: 'no result' } };
    }),
  );
}

/** `✓ ping 10.11.32.4: 2048-game/… 10.11.0.4 (ip-10-11-16-31) → default/web-0 10.11.32.4 (ip-10-11-55-30): time=0.071 ms` */
export function probeLine({ from, to, result }: ProbeLine): string {
  const what = result.method === 'icmp' ? 'ping' : 'ping (TCP)';
  const outcome = result.ok
    ? result.rttMs === undefined
      ? 'reply'
      : `reply in ${result.rttMs < 1 ? result.rttMs.toFixed(3) : result.rttMs.toFixed(1)} ms`
    : `FAILED: ${result.detail}`;
  return `${result.ok ? '✓' : '✗'} ${what} ${from.namespace}/${from.name} ${from.ip ?? ''} (${from.node.shortName}) → ${to.namespace}/${to.name} ${to.ip ?? ''} (${to.node.shortName}): ${outcome}`;
}

export interface NextStepsInput {
  readonly nodes: readonly DemoNode[];
  readonly ec2Url: string;
  readonly region: string;
  /** How the user runs vpc-cni from where they are (`./bin/vpc-cni`). */
  readonly cli: string;
  readonly runDir: string;
  /** The dashboard's URL when ipamd serves one. */
  readonly dashboard: string | undefined;
  readonly exit: boolean;
}

/** The "where to look next" block. */
export function nextSteps(input: NextStepsInput): string {
  const [node] = input.nodes;
  if (node === undefined) return '';
  const api = node.introspection;
  const extraRunDir = input.runDir === DEFAULT_RUN_DIR ? '' : ` --run-dir ${input.runDir}`;
  const lines = [
    input.exit
      ? `Where to look next, while a demo runs (without --exit; node 1 is ${node.name}, the others on the ports above):`
      : `Where to look next (node 1 is ${node.name}; the others answer on the ports in the table above):`,
    `  curl -s ${api}/v1/networkutils-env-settings | jq .   # VPC CNI settings`,
    `  curl -s ${api}/v1/pods | jq .                        # pod → IP mapping`,
    `  curl -s ${api}/v1/enis | jq .                        # ENIs, their addresses and pods`,
    `  curl -s ${node.metrics}/metrics | grep '^awscni_'`,
    `  ${input.cli} status enis --node ${node.shortName}${extraRunDir}      # the same, as tables (also: pods, env, pool)`,
    `  ${input.cli} get pods -o wide${extraRunDir}`,
    ...(input.exit
      ? []
      : [
          `  ${input.cli} demo scale 20${extraRunDir}     # 20 pods per node: watch ENIs attach; scale back and IPs cool down, then return`,
        ]),
    ...(input.dashboard === undefined ? [] : [`  dashboard: ${input.dashboard}`]),
    `  AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x AWS_REGION=${input.region} AWS_EC2_METADATA_DISABLED=true \\`,
    `    aws ec2 describe-network-interfaces --endpoint-url ${input.ec2Url} --output table`,
    `  logs: ${input.runDir}/<node>/ipamd.log and plugin.log`,
  ];
  return `${lines.join('\n')}\n`;
}

/**
 * The dashboard URL when node 1's introspection server serves `/ui/` (another part of vpc-cni adds it). Asked
 * without keep-alive: an open keep-alive connection would hold up ipamd's graceful close for seconds at the end.
 */
export function findDashboard(introspection: string): Promise<string | undefined> {
  const url = `${introspection}/ui/`;
  return new Promise((resolve) => {
    const req = get(url, { agent: false, timeout: 2000 }, (res) => {
      res.resume();
      const html = (res.headers['content-type'] ?? '').includes('text/html');
      res.on('end', () => resolve(res.statusCode === 200 && html ? url : undefined));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
  });
}
