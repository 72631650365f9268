// Statistics and the report of bench/cni-latency.ts (run it with `npx tsx bench/cni-latency.ts`): medians and p90s
// per plugin, the ratios of ours (and of an --also build) to the Go pair, as JSON or as a table.

export interface Stats {
  readonly median: number;
  readonly p90: number;
  readonly n: number;
}

/** Wall time of one burst: all its ADDs at once, then all its DELs at once. */
export interface Burst {
  readonly add: number;
  readonly del: number;
}

export interface Samples {
  readonly ADD: number[];
  readonly DEL: number[];
}

export interface PluginSummary {
  readonly ADD: Stats;
  readonly DEL: Stats;
  readonly burst: Burst | null;
}

/** The whole run, as --json prints it. */
export interface Summary {
  readonly n: number;
  readonly burst: number;
  readonly checkpoint: 'disk' | 'tmpfs';
  readonly plugins: Record<string, PluginSummary>;
  /** Ours / the Go pair. */
  readonly ratio: Record<string, number>;
  /** Medians of our ADD's phases, from the plugin's debug log. */
  readonly addPhases: Record<string, number>;
  /** Medians of our DEL's phases, from the plugin's debug log (empty for a build that does not log them). */
  readonly delPhases: Record<string, number>;
  /** The --also build's phase medians, by verb (ADD, DEL), from its own debug log. */
  readonly alsoPhases?: Readonly<Record<string, Record<string, number>>>;
  /** The --also build / the Go pair (and / ours). */
  readonly ratioAlso?: { readonly addMedian: number; readonly addMedianVsOurs: number; readonly delMedian: number };
}

/** The q-quantile with linear interpolation between the closest ranks; NaN for no values. */
export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const position = (sorted.length - 1) * q;
  const low = sorted[Math.floor(position)] ?? Number.NaN;
  const high = sorted[Math.ceil(position)] ?? Number.NaN;
  return low + (high - low) * (position - Math.floor(position));
}

const stats = (values: readonly number[]): Stats => ({
  median: quantile(values, 0.5),
  p90: quantile(values, 0.9),
  n: values.length,
});
const ms = (value: number): string => `${value.toFixed(1)} ms`;
const times = (value: number | undefined): string => `${(value ?? Number.NaN).toFixed(2)}×`;

/** Medians of each phase over the log rows of ADDs (wiringMs) or DELs (teardownMs); none for no rows. */
export function phaseMedians(rows: readonly Record<string, number>[]): Record<string, number> {
  const keys = Object.keys(rows[0] ?? {}).filter((key) => key.endsWith('Ms'));
  return Object.fromEntries(
    keys.map((key) => [
      key,
      quantile(
        rows.map((row) => row[key] ?? Number.NaN),
        0.5,
      ),
    ]),
  );
}

/** The summary of a run: `samples` has a key per plugin, in the order the report lists them. */
export function summarize(run: {
  readonly n: number;
  readonly burst: number;
  readonly checkpoint: 'disk' | 'tmpfs';
  readonly names: { readonly ours: string; readonly go: string; readonly also?: string | undefined };
  readonly samples: Readonly<Record<string, Samples>>;
  readonly bursts: Readonly<Record<string, Burst>>;
  readonly phases: Record<string, number>;
  readonly delPhases: Record<string, number>;
  readonly alsoPhases?: Readonly<Record<string, Record<string, number>>> | undefined;
}): Summary {
  const plugins: Record<string, PluginSummary> = {};
  for (const [name, samples] of Object.entries(run.samples)) {
    plugins[name] = { ADD: stats(samples.ADD), DEL: stats(samples.DEL), burst: run.bursts[name] ?? null };
  }
  const missing = (name: string): never => {
    throw new Error(`cni-latency: no samples for ${name}`);
  };
  const a = plugins[run.names.ours] ?? missing(run.names.ours);
  const b = plugins[run.names.go] ?? missing(run.names.go);
  const ratio: Record<string, number> = {
    addMedian: a.ADD.median / b.ADD.median,
    addP90: a.ADD.p90 / b.ADD.p90,
    delMedian: a.DEL.median / b.DEL.median,
    delP90: a.DEL.p90 / b.DEL.p90,
  };
  if (run.burst > 0 && a.burst !== null && b.burst !== null) {
    ratio['burstAdd'] = a.burst.add / b.burst.add;
    ratio['burstDel'] = a.burst.del / b.burst.del;
  }
  const summary = {
    n: run.n,
    burst: run.burst,
    checkpoint: run.checkpoint,
    plugins,
    ratio,
    addPhases: run.phases,
    delPhases: run.delPhases,
    ...(run.alsoPhases === undefined ? {} : { alsoPhases: run.alsoPhases }),
  };
  if (run.names.also === undefined) return summary;
  const c = plugins[run.names.also] ?? missing(run.names.also);
  return {
    ...summary,
    ratioAlso: {
      addMedian: c.ADD.median / b.ADD.median,
      addMedianVsOurs: c.ADD.median / a.ADD.median,
      delMedian: c.DEL.median / b.DEL.median,
    },
  };
}

/** One line of phase medians: ADD's (wiringMs) or DEL's (teardownMs). */
function phaseLine(label: string, phases: Record<string, number>): string {
  const at = (key: string): string => ms(phases[key] ?? Number.NaN);
  const work = phases['wiringMs'] !== undefined ? `wiring ${at('wiringMs')}` : `teardown ${at('teardownMs')}`;
  const rest = phases['wiringMs'] !== undefined ? ' (the rest of the ADD median is exec, exit and nsenter)' : '';
  return `${label}: runtime start-up ${at('startupMs')}, ipamd RPC ${at('ipamdMs')}, ${work}; in-process total ${at('totalMs')}${rest}`;
}

/**
 * The report as text: the table of plugins (in the summary's order) and ratios, the --also line, and where our ADD's
 * time goes.
 */
export function renderSummary(summary: Summary): string {
  const { burst: BURST, ratio, addPhases: phases, delPhases } = summary;
  const burstCell = (burst: Burst | null, key: keyof Burst): string => ms(burst?.[key] ?? Number.NaN);
  const rows: string[][] = [
    [
      '',
      'ADD median',
      'ADD p90',
      'DEL median',
      'DEL p90',
      ...(BURST > 0 ? [`burst ${BURST} ADD`, `burst ${BURST} DEL`] : []),
    ],
    ...Object.entries(summary.plugins).map(([name, p]) => [
      name,
      ms(p.ADD.median),
      ms(p.ADD.p90),
      ms(p.DEL.median),
      ms(p.DEL.p90),
      ...(BURST > 0 ? [burstCell(p.burst, 'add'), burstCell(p.burst, 'del')] : []),
    ]),
    [
      'ratio',
      times(ratio['addMedian']),
      times(ratio['addP90']),
      times(ratio['delMedian']),
      times(ratio['delP90']),
      ...(BURST > 0 ? [times(ratio['burstAdd']), times(ratio['burstDel'])] : []),
    ],
  ];
  const header = rows[0] ?? [];
  const widths = header.map((_, c) => Math.max(...rows.map((r) => r[c]?.length ?? 0)));
  const out = [
    `CNI latency, ${summary.n} sequential ADD+DEL each (alternating), exec'd in node namespaces like a runtime; ipamd's checkpoint on ${summary.checkpoint}`,
    ...rows.map((row) => row.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join('  ')),
  ];
  if (summary.ratioAlso !== undefined) {
    const r = summary.ratioAlso;
    out.push(
      `--also: ADD median ${r.addMedian.toFixed(2)}× the Go pair, ${r.addMedianVsOurs.toFixed(2)}× this build's; DEL median ${r.delMedian.toFixed(2)}× the Go pair`,
    );
  }
  out.push(phaseLine('aws-cni ADD phases (medians, from its debug log)', phases));
  if (delPhases['totalMs'] !== undefined) out.push(phaseLine('aws-cni DEL phases (medians)', delPhases));
  for (const [verb, rows] of Object.entries(summary.alsoPhases ?? {}))
    if (rows['totalMs'] !== undefined) out.push(phaseLine(`--also ${verb} phases (medians)`, rows));
  return `${out.join('\n')}\n`;
}
