// Cluster scale, control plane only, in virtual time: N nodes join at once and each schedules M pods; all N ipamds
// (real Ipamd instances, one per node) run against one embedded VPC and one account's EC2 token buckets (EC2's
// documented per-action buckets, shared by every node), on one virtual clock. EC2 calls go through the production
// adapter's call path (client-side budget, full-jitter retry on RequestLimitExceeded), with 100–300 ms latency per
// call; IMDS shows an attached ENI 1.5 s after the attach. See test/support/virtual/cluster.ts for the kubelet model
// (CrashLoopBackOff restarts of a failed ipamd, pod retries after 10–15 s).
//
// Two modes per size, in the same run:
//   reference: every node with the production defaults (its own budget of 80 % of each bucket, as if alone);
//   paced:     every node paced to share/N of each bucket, its buckets starting at a random fill (one phase per
//              node), so that the nodes' calls spread over the refill period instead of colliding.
//
// Reported per run: virtual time until every pod has an address; the floor = the least time EC2's buckets allow for
// the calls made until then (max over buckets of (calls − capacity) / refill) plus one lone node's time (the serial
// chain: start-up, ENI attach, IMDS propagation, pool ticks; measured here with N = 1); RequestLimitExceeded
// answers; EC2 calls; subnet-full answers; ipamd restarts; peak heap growth / N ("per ipamd", the shared VPC state
// included); wall time.
//
//   npx tsx bench/cluster-scale.ts [--nodes 100,1000] [--pods 20] [--json]
//     [--modes reference,paced] [--share 0.9] [--seed 1] [--limit 3600] [--subnet-prefix 16] [--eni-quota N]
//     [--leaked-min-age S] [--actions]
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { runCluster } from '../test/support/virtual/cluster.js';
import { actionTable, summaryTable, type ClusterRun } from './lib/cluster-table.js';

const USAGE = `usage: npx tsx bench/cluster-scale.ts [--nodes 100,1000] [--pods 20] [--modes reference,paced] [--share 0.9]
                                      [--seed 1] [--limit 3600] [--subnet-prefix 16] [--eni-quota N] [--leaked-min-age S] [--actions] [--json]
  --nodes    cluster sizes, comma-separated (default 100,1000)
  --pods     pods per node (default 20; an m5.large takes 29)
  --modes    reference (production defaults) and/or paced (share/N of each bucket per node, random phase)
  --share    the account share all paced nodes take together (default 0.9)
  --limit    virtual seconds before a run gives up (default 3600)
  --subnet-prefix  length of the cluster's subnets (default 16; e.g. 24 to run them out of addresses)
  --eni-quota  the region's network-interface quota (default: 4 per node, at least EC2's default 5000)
  --leaked-min-age  seconds a detached CNI ENI is spared by the leaked-ENI clean-up (ipamd's default 300)
  --actions  also print EC2 calls by action for each size
  --json     one JSON document instead of tables`;

const { values: flags } = parseArgs({
  options: {
    nodes: { type: 'string', default: '100,1000' },
    pods: { type: 'string', default: '20' },
    modes: { type: 'string', default: 'reference,paced' },
    share: { type: 'string', default: '0.9' },
    seed: { type: 'string', default: '1' },
    limit: { type: 'string', default: '3600' },
    'subnet-prefix': { type: 'string', default: '16' },
    'eni-quota': { type: 'string' },
    'leaked-min-age': { type: 'string' },
    actions: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (flags.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}

const sizes = flags.nodes.split(',').map(Number);
const modes = flags.modes.split(',');
const pods = Number(flags.pods);
const share = Number(flags.share);
const seed = Number(flags.seed);
const limitMs = Number(flags.limit) * 1000;
const subnetPrefix = Number(flags['subnet-prefix']);
if (
  sizes.some((n) => !(Number.isInteger(n) && n >= 1)) ||
  !(pods >= 1) ||
  !(share > 0 && share <= 1) ||
  modes.some((m) => !['reference', 'paced'].includes(m))
) {
  process.stderr.write(`${USAGE}\n`);
  process.exit(2);
}

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const log = (line: string): void => {
  if (!flags.json) process.stderr.write(`${line}\n`);
};
const print = (text: string): void => {
  process.stdout.write(`${text}\n`);
};

type Measured = Omit<ClusterRun, 'floorMs' | 'ratio'>;

async function measure(nodes: number, mode: string): Promise<Measured> {
  gc();
  const before = process.memoryUsage();
  let peakHeap = before.heapUsed;
  let peakRss = before.rss;
  const sample = (): void => {
    const now = process.memoryUsage();
    peakHeap = Math.max(peakHeap, now.heapUsed);
    peakRss = Math.max(peakRss, now.rss);
  };
  const started = performance.now();
  const leakedMinAge = flags['leaked-min-age'];
  const eniQuota = flags['eni-quota'];
  const result = await runCluster({
    nodes,
    podsPerNode: pods,
    seed,
    limitMs,
    subnetPrefix,
    ...(leakedMinAge === undefined ? {} : { timings: { leakedEniMinAgeMs: Number(leakedMinAge) * 1000 } }),
    eniQuota: eniQuota === undefined ? Math.max(5000, 4 * nodes) : Number(eniQuota),
    ...(mode === 'paced' ? { pacing: { share: share / nodes } } : {}),
    onProgress: ({ nowMs, podsWithAddress }) => {
      sample();
      if (nodes >= 500)
        log(
          `  ${mode} ${nodes}: t=${(nowMs / 1000).toFixed(0)} s, ${podsWithAddress}/${nodes * pods} pods, wall ${((performance.now() - started) / 1000).toFixed(0)} s`,
        );
    },
  });
  sample();
  const wallMs = performance.now() - started;
  return {
    mode,
    ...result,
    wallMs,
    heapPerIpamdBytes: (peakHeap - before.heapUsed) / nodes,
    peakHeapBytes: peakHeap,
    peakRssBytes: peakRss,
  };
}

log(`lone node (N = 1, ${pods} pods) ...`);
const lone = await measure(1, 'reference');
const loneMs = lone.doneMs ?? 0;
const runs: ClusterRun[] = [];
for (const nodes of sizes) {
  for (const mode of modes) {
    log(`${mode}, ${nodes} nodes × ${pods} pods ...`);
    const run = await measure(nodes, mode);
    const floorMs = run.bucketFloorMs + loneMs;
    runs.push({ ...run, floorMs, ratio: run.doneMs === undefined ? undefined : run.doneMs / floorMs });
  }
}

if (flags.json) {
  process.stdout.write(`${JSON.stringify({ pods, share, seed, loneNodeMs: loneMs, runs }, null, 2)}\n`);
} else {
  print(
    `cluster-scale: N nodes join at once, ${pods} pods each; one account's EC2 buckets; virtual time (wall time last)`,
  );
  print(
    `floor = token-bucket floor of the calls made + one lone node's time (${(loneMs / 1000).toFixed(1)} s); paced share = ${share}/N\n`,
  );
  print(summaryTable(runs));
  for (const run of runs.filter((r) => r.stuck.length > 0)) {
    print(
      `\n${run.mode}, ${run.nodes} nodes: ${run.pods - run.podsWithAddress} pods without an address at the end; their nodes:`,
    );
    for (const { nodes, why } of run.stuck) print(`  ${String(nodes).padStart(5)} × ${why}`);
  }
  if (flags.actions) for (const nodes of sizes) print(`\n${actionTable(runs.filter((r) => r.nodes === nodes))}`);
}
