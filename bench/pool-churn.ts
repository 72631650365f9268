// Warm-pool efficiency: the same seeded pod churn replayed against the real ipamd on the embedded VPC, in virtual
// time (control plane only: hours of churn in seconds), under three pool policies:
//   (a) reference — the Amazon VPC CNI's defaults (WARM_ENI_TARGET=1; in PD mode WARM_PREFIX_TARGET=1);
//   (b) reference tuned as AWS recommends — WARM_IP_TARGET=2 and MINIMUM_IP_TARGET "slightly higher" than the pods
//       the node runs (the reference's docs/eni-and-ip-target.md: ~10 pods → MINIMUM_IP_TARGET=12, WARM_IP_TARGET=2),
//       here ceil(1.2 × the trace's mean running pods);
//   (c) ours — VPC_CNI_POOL_POLICY=adaptive (docs/pool-policy.md).
//
//   npx tsx bench/pool-churn.ts [--trace steady|burst|diurnal|cronjob|all] [--seed n] [--hours h] [--pd] [--json]
//       [--help]
//
// Per policy: pods whose ADD could not be answered from the warm pool at once, p50/p99 of their wait (virtual time
// from the first ADD to the address), idle addresses held (on the node, no pod, cooldown included; time-averaged),
// EC2 mutating calls and throttled calls during the trace. Model (test/support/virtual/churn-run.ts, timed-ec2.ts):
// m5.xlarge node (58 max pods), EC2 latency Assign/Unassign 0.3 s, CreateNetworkInterface 1 s + Attach 2 s (±25 %),
// IMDS 1.5 s behind EC2, EC2's per-action token buckets at 1/10 (the node's share of a 10-node account), a failed ADD
// retried after 5 s (kubelet), 60 s warm-up before the trace. Everything is seeded: same seed, same numbers.
import { parseArgs } from 'node:util';
import { runChurn, type ChurnResult } from '../test/support/virtual/churn-run.js';
import { churnTrace, TRACE_NAMES, type ChurnTrace, type TraceName } from '../test/support/virtual/churn-traces.js';

const HELP = `npx tsx bench/pool-churn.ts [options]

Replays seeded pod churn against ipamd on the embedded VPC in virtual time and compares warm-pool policies:
(a) reference defaults, (b) reference tuned per AWS (WARM_IP_TARGET=2, MINIMUM_IP_TARGET=ceil(1.2 × mean pods)),
(c) VPC_CNI_POOL_POLICY=adaptive.

  --trace NAME   ${TRACE_NAMES.join(', ')} or all (default all)
  --seed N       trace and latency seed (default 1)
  --hours H      virtual hours per trace (default 4)
  --pd           prefix delegation mode instead of secondary IPs
  --json         one JSON document instead of the tables
  --help         this text`;

const { values } = parseArgs({
  options: {
    trace: { type: 'string', default: 'all' },
    seed: { type: 'string', default: '1' },
    hours: { type: 'string', default: '4' },
    pd: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
const print = (text: string): void => {
  process.stdout.write(`${text}\n`);
};
if (values.help) {
  print(HELP);
  process.exit(0);
}
const isTrace = (name: string): name is TraceName => (TRACE_NAMES as readonly string[]).includes(name);
const traces: TraceName[] = [];
for (const name of values.trace === 'all' ? TRACE_NAMES : [values.trace]) {
  if (!isTrace(name)) {
    process.stderr.write(`unknown trace ${name}: expected ${TRACE_NAMES.join(', ')} or all\n`);
    process.exit(2);
  }
  traces.push(name);
}
const seed = Number(values.seed);
const hours = Number(values.hours);
if (!Number.isInteger(seed) || !(hours > 0)) {
  process.stderr.write('--seed wants an integer and --hours a positive number\n');
  process.exit(2);
}

interface Policy {
  readonly key: 'a' | 'b' | 'c';
  readonly label: string;
  readonly env: Readonly<Record<string, string>>;
}

interface Row {
  readonly policy: Policy;
  readonly result: ChurnResult;
  readonly wallMs: number;
}

function policies(trace: ChurnTrace): Policy[] {
  const mode = values.pd ? { ENABLE_PREFIX_DELEGATION: 'true' } : {};
  const minimum = String(Math.ceil(1.2 * trace.meanPods));
  return [
    { key: 'a', label: '(a) reference defaults', env: { ...mode, ...(values.pd ? { WARM_PREFIX_TARGET: '1' } : {}) } },
    {
      key: 'b',
      label: `(b) WARM_IP_TARGET=2 MINIMUM_IP_TARGET=${minimum}`,
      env: { ...mode, WARM_IP_TARGET: '2', MINIMUM_IP_TARGET: minimum },
    },
    { key: 'c', label: '(c) adaptive', env: { ...mode, VPC_CNI_POOL_POLICY: 'adaptive' } },
  ];
}

const seconds = (ms: number): string => (ms / 1000).toFixed(1);
const pad = (text: string | number, width: number): string => String(text).padStart(width);
const padEnd = (text: string | number, width: number): string => String(text).padEnd(width);

function table(trace: ChurnTrace, rows: readonly Row[]): string {
  const lines = [];
  lines.push(
    `${trace.name} (seed ${trace.seed}, ${hours} h, ${values.pd ? 'PD' : 'SIP'}): ${trace.description}; ${trace.pods.length} pods, mean ${trace.meanPods.toFixed(1)} running, peak ${trace.peakPods}`,
  );
  const head = `  ${padEnd('policy', 44)}${pad('waited', 8)}${pad('p50 s', 8)}${pad('p99 s', 8)}${pad('Σ wait s', 10)}${pad('idle avg', 10)}${pad('idle peak', 11)}${pad('EC2 mut.', 10)}${pad('throttled', 11)}${pad('wall s', 8)}`;
  lines.push(head);
  for (const { policy, result, wallMs } of rows) {
    lines.push(
      `  ${padEnd(policy.label, 44)}${pad(result.waited, 8)}${pad(seconds(result.waitP50Ms), 8)}${pad(seconds(result.waitP99Ms), 8)}${pad(seconds(result.waitTotalMs), 10)}` +
        `${pad(result.idleAvg.toFixed(1), 10)}${pad(result.idlePeak, 11)}${pad(result.ec2.mutating, 10)}${pad(result.ec2.throttled, 11)}${pad(seconds(wallMs), 8)}`,
    );
  }
  const a = rows.find((r) => r.policy.key === 'a')?.result;
  const c = rows.find((r) => r.policy.key === 'c')?.result;
  if (a !== undefined && c !== undefined) {
    const idleRatio = a.idleAvg > 0 ? c.idleAvg / a.idleAvg : 1;
    const callRatio = a.ec2.mutating > 0 ? c.ec2.mutating / a.ec2.mutating : 1;
    const mark = (ok: boolean): string => (ok ? 'yes' : 'NO');
    lines.push(
      `  (c) vs (a): waited ${c.waited} vs ${a.waited} (fewer or equal: ${mark(c.waited <= a.waited)}), idle ×${idleRatio.toFixed(2)} ` +
        `(≤ 0.50: ${mark(idleRatio <= 0.5)}), EC2 mutating calls ×${callRatio.toFixed(2)} (< 1: ${mark(callRatio < 1)})`,
    );
  }
  return lines.join('\n');
}

const report: { trace: ChurnTrace; rows: Row[] }[] = [];
for (const name of traces) {
  const trace = churnTrace(name, { seed, hours });
  const rows: Row[] = [];
  for (const policy of policies(trace)) {
    const started = performance.now();
    const result = await runChurn({ trace, env: policy.env, seed });
    rows.push({ policy, result, wallMs: performance.now() - started });
  }
  report.push({ trace, rows });
  if (!values.json) print(`${table(trace, rows)}\n`);
}

if (values.json) {
  const doc = report.map(({ trace, rows }) => ({
    trace: {
      name: trace.name,
      seed: trace.seed,
      hours,
      mode: values.pd ? 'pd' : 'sip',
      pods: trace.pods.length,
      meanPods: trace.meanPods,
      peakPods: trace.peakPods,
    },
    policies: rows.map(({ policy, result, wallMs }) => ({
      policy: policy.key,
      label: policy.label,
      env: policy.env,
      ...result,
      wallMs: Math.round(wallMs),
    })),
  }));
  print(JSON.stringify(doc, null, 2));
} else {
  print(
    'waited: pods whose ADD was not answered from the warm pool at once; p50/p99 over those pods; Σ wait: their waits\n' +
      'added up. idle: addresses on the node without a pod (cooldown included), time-averaged. EC2 mut.: every\n' +
      'non-Describe call, throttled ones included.\n' +
      '(b) follows the reference docs (docs/eni-and-ip-target.md): MINIMUM_IP_TARGET slightly above the pods the node runs\n' +
      '(here ceil(1.2 × mean running pods)), WARM_IP_TARGET=2.',
  );
}
