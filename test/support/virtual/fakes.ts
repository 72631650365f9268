/**
 * ipamd in virtual time, part 1 (used by the unit tests and by the control-plane benchmarks in bench/, which is why
 * it is built into dist/). In-memory stand-ins for ipamd's other ports: a host network that records calls, a checkpoint
 * store that can be told to fail writes, metrics that count, a logger that keeps its lines, and timers driven by a
 * manual clock.
 *
 * {@link FakeTimers} has two ways to pass time: `sleep()` in auto mode moves the clock at once (firing timers that
 * fall due), so code that sleeps — back-offs, the 2 s detach wait — runs without real waiting; `advance()` moves the
 * clock step by step, firing timers in order and letting the promises they start settle.
 *
 * @example
 * const timers = new FakeTimers(clock);
 * await timers.advance(2_500); // fires the pool tick scheduled at 2.5 s
 */
import type { ManualClock } from '../../../src/ipam/clock.js';
import type { DatastoreSnapshot } from '../../../src/ipam/types.js';
import type { AwsCallRecord } from '../../../src/cloud/calls.js';
import type { CheckpointStore } from '../../../src/ipamd/checkpoint/port.js';
import type { Ec2Subnet } from '../../../src/cloud/ec2/port.js';
import type { EniNetworkSpec, HostNetwork, SnatSpec } from '../../../src/netlink/port.js';
import type { IpamdMetrics } from '../../../src/ipamd/metrics/port.js';
import type { Logger } from '../../../src/obs/logger.js';
import type { Timers } from '../../../src/obs/timers.js';

/** Lets every promise chain started so far run to completion (as far as it does not wait on timers). */
export async function flush(rounds = 30): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

export class FakeTimers implements Timers {
  readonly clock: ManualClock;
  autoSleep: boolean;
  #timers: { id: number; at: number; run: () => void }[] = [];
  #seq = 0;

  constructor(clock: ManualClock, options: { autoSleep?: boolean } = {}) {
    this.clock = clock;
    this.autoSleep = options.autoSleep ?? true;
  }

  setTimeout(callback: () => void, ms: number): unknown {
    this.#seq += 1;
    this.#timers.push({ id: this.#seq, at: this.clock.now() + Math.max(0, ms), run: callback });
    return this.#seq;
  }

  clearTimeout(handle: unknown): void {
    this.#timers = this.#timers.filter((t) => t.id !== handle);
  }

  sleep(ms: number): Promise<void> {
    if (!this.autoSleep) return new Promise((resolve) => this.setTimeout(resolve, ms));
    this.#fireUntil(this.clock.now() + Math.max(0, ms));
    return Promise.resolve();
  }

  /** Timers not yet fired. */
  pending(): number {
    return this.#timers.length;
  }

  #next(until: number): { id: number; at: number; run: () => void } | undefined {
    const due = this.#timers.filter((t) => t.at <= until).sort((a, b) => a.at - b.at || a.id - b.id)[0];
    if (due !== undefined) this.#timers = this.#timers.filter((t) => t !== due);
    return due;
  }

  #fireUntil(target: number): void {
    for (let due = this.#next(target); due !== undefined; due = this.#next(target)) {
      if (due.at > this.clock.now()) this.clock.set(due.at);
      due.run();
    }
    if (target > this.clock.now()) this.clock.set(target);
  }

  /** Moves time forward by `ms`, firing due timers in order and settling what they start. */
  async advance(ms: number): Promise<void> {
    const target = this.clock.now() + ms;
    for (let due = this.#next(target); due !== undefined; due = this.#next(target)) {
      if (due.at > this.clock.now()) this.clock.set(due.at);
      due.run();
      await flush();
    }
    if (target > this.clock.now()) this.clock.set(target);
    await flush();
  }
}

export class FakeHostNetwork implements HostNetwork {
  readonly calls: { op: string; args: unknown[] }[] = [];
  /** Host links, for the checkpoint's stale-pod check. */
  readonly links = new Set<string>(['lo', 'eth0']);
  /** MACs whose ENI set-up fails. */
  readonly failSetupFor = new Set<string>();

  ops(op: string): unknown[][] {
    return this.calls.filter((c) => c.op === op).map((c) => c.args);
  }

  #record(op: string, ...args: unknown[]): Promise<void> {
    this.calls.push({ op, args });
    return Promise.resolve();
  }

  linkByMac(mac: string): Promise<string | undefined> {
    this.calls.push({ op: 'linkByMac', args: [mac] });
    return Promise.resolve('eth0');
  }

  setMtu(linkName: string, mtu: number): Promise<void> {
    return this.#record('setMtu', linkName, mtu);
  }

  setupEni(spec: EniNetworkSpec): Promise<void> {
    if (this.failSetupFor.has(spec.mac)) return Promise.reject(new Error(`no link with MAC ${spec.mac}`));
    return this.#record('setupEni', spec);
  }

  teardownEni(spec: Pick<EniNetworkSpec, 'primaryIp' | 'routeTableId'>): Promise<void> {
    return this.#record('teardownEni', spec);
  }

  setupSnat(spec: SnatSpec): Promise<void> {
    return this.#record('setupSnat', spec);
  }

  setupExternalServiceRules(cidrs: readonly string[]): Promise<void> {
    return this.#record('setupExternalServiceRules', cidrs);
  }

  linkNames(): Promise<string[]> {
    this.calls.push({ op: 'linkNames', args: [] });
    return Promise.resolve([...this.links]);
  }

  deletePodRules(ip: string): Promise<void> {
    return this.#record('deletePodRules', ip);
  }
}

export class MemoryCheckpointStore implements CheckpointStore {
  text: string | undefined;
  writes = 0;
  failWrites = false;

  read(): Promise<string | undefined> {
    return Promise.resolve(this.text);
  }

  write(text: string): Promise<void> {
    if (this.failWrites) return Promise.reject(new Error('ENOSPC: no space left on device'));
    this.writes += 1;
    this.text = text;
    return Promise.resolve();
  }

  /** The addresses in the stored checkpoint. */
  addresses(): string[] {
    if (this.text === undefined) return [];
    const data = JSON.parse(this.text) as { allocations: { ipv4?: string }[] };
    return data.allocations.map((a) => a.ipv4 ?? '').sort();
  }
}

export class RecordingMetrics implements IpamdMetrics {
  readonly errors: string[] = [];
  readonly reconciles: string[] = [];
  readonly counts = new Map<string, number>();
  forcedEnis = 0;
  forcedIps = 0;
  startups: { seconds: number; success: boolean; reason: string }[] = [];
  lastSnapshot: DatastoreSnapshot | undefined;

  #inc(name: string): void {
    this.counts.set(name, (this.counts.get(name) ?? 0) + 1);
  }

  count(name: string): number {
    return this.counts.get(name) ?? 0;
  }

  awsCall(_record: AwsCallRecord): void {
    this.#inc('awsCall');
  }
  ipamdError(fn: string): void {
    this.errors.push(fn);
  }
  actionInProgress(_fn: string, _delta: 1 | -1): void {
    this.#inc('actionInProgress');
  }
  reconcile(fn: string): void {
    this.reconciles.push(fn);
  }
  addRequest(): void {
    this.#inc('addRequest');
  }
  delRequest(reason: string): void {
    this.#inc('delRequest');
    this.#inc(`delRequest:${reason}`);
  }
  noAvailableAddress(): void {
    this.#inc('noAvailableAddress');
  }
  forceRemoved(counts: { readonly enis: number; readonly ips: number }): void {
    this.forcedEnis += counts.enis;
    this.forcedIps += counts.ips;
  }
  poolLimits(_limits: { readonly maxEnis: number; readonly maxIps: number }): void {
    this.#inc('poolLimits');
  }
  datastore(snapshot: DatastoreSnapshot): void {
    this.lastSnapshot = snapshot;
  }
  subnets(_subnets: readonly Ec2Subnet[]): void {
    this.#inc('subnets');
  }
  startup(seconds: number, success: boolean, reason: string): void {
    this.startups.push({ seconds, success, reason });
  }
}

export interface LogLine {
  readonly level: string;
  readonly msg: string;
  readonly obj: Record<string, unknown>;
}

/** A logger keeping every line (children share the list). */
export function recordingLogger(
  lines: LogLine[] = [],
  bindings: Record<string, unknown> = {},
): Logger & { lines: LogLine[] } {
  const at =
    (level: string) =>
    (obj: Record<string, unknown>, msg: string): void => {
      lines.push({ level, msg, obj: { ...bindings, ...obj } });
    };
  return {
    lines,
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (more) => recordingLogger(lines, { ...bindings, ...more }),
  };
}
