// Tables for bench/cluster-scale.ts (run it with `npx tsx bench/cluster-scale.ts`): one row per run (size × mode),
// and EC2 calls by bucket for one size.
import type { ClusterResult } from '../../test/support/virtual/cluster.js';

/** One run of bench/cluster-scale.ts: the cluster's result, what the benchmark measured around it, and its floor. */
export interface ClusterRun extends ClusterResult {
  readonly mode: string;
  readonly wallMs: number;
  /** Peak heap growth over the run divided by the nodes (the shared VPC state included). */
  readonly heapPerIpamdBytes: number;
  readonly peakHeapBytes: number;
  readonly peakRssBytes: number;
  /** The token-bucket floor of the calls made plus one lone node's time. */
  readonly floorMs: number;
  /** doneMs / floorMs; undefined when not every pod got an address. */
  readonly ratio: number | undefined;
}

type Cell = string | number;

const s = (ms: number | undefined): string => (ms === undefined ? 'not done' : `${(ms / 1000).toFixed(1)} s`);
const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const kb = (bytes: number): string => `${(bytes / 1024).toFixed(0)} KB`;

function table(header: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells: readonly Cell[]): string =>
    cells.map((c, i) => (i < 2 ? String(c).padEnd(widths[i] ?? 0) : String(c).padStart(widths[i] ?? 0))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

const calls = (run: ClusterRun): number => run.buckets.reduce((n, b) => n + b.calls, 0);

/** One row per run. */
export function summaryTable(runs: readonly ClusterRun[]): string {
  return table(
    [
      'nodes',
      'mode',
      'all pods addressed',
      'floor',
      'ratio',
      'RequestLimitExceeded',
      'EC2 calls',
      'subnet full',
      'ENI quota',
      'ipamd restarts',
      'ADD retries',
      'bottleneck',
      'heap/ipamd',
      'peak RSS',
      'wall',
    ],
    runs.map((r) => [
      r.nodes,
      r.mode,
      s(r.doneMs),
      s(r.floorMs),
      r.ratio === undefined ? '-' : r.ratio.toFixed(2),
      r.throttled,
      calls(r),
      r.subnetFull,
      r.eniQuota,
      r.initFailures,
      r.addFailures,
      r.bottleneck ?? '-',
      kb(r.heapPerIpamdBytes),
      mb(r.peakRssBytes),
      s(r.wallMs),
    ]),
  );
}

/** EC2 calls (accepted until every pod had an address) and RequestLimitExceeded answers by bucket, mode by mode. */
export function actionTable(runs: readonly ClusterRun[]): string {
  const keys = [...new Set(runs.flatMap((r) => r.buckets.map((b) => b.key)))].sort();
  const header = ['bucket', 'size/refill', ...runs.flatMap((r) => [`${r.mode} calls`, 'throttled', 'floor'])];
  const rows = keys.map((key) => {
    const spec = runs.flatMap((r) => r.buckets).find((b) => b.key === key);
    return [
      key,
      `${spec?.capacity ?? '?'}/${spec?.refillPerSecond ?? '?'} per s`,
      ...runs.flatMap((r) => {
        const b = r.buckets.find((x) => x.key === key);
        return [b?.calls ?? 0, b?.throttled ?? 0, s(b?.floorMs ?? 0)];
      }),
    ];
  });
  return `${runs[0]?.nodes ?? '?'} nodes: EC2 calls by bucket\n${table(header, rows)}`;
}
