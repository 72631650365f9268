/**
 * The ipamd context: `deps` plus the node facts and the shared mutable state, built once node initialisation has
 * found the instance. The pool manager, the reconciler, the backend and the leaked-ENI cleaner all take it, so no
 * module keeps a singleton.
 *
 * @example
 * const ctx = createContext(deps, node);
 * await ctx.persist(); // writes the checkpoint of the datastore as it is now
 */
import { serializeCheckpoint } from '../ipam/checkpoint.js';
import { ActionHistory, type TrackingContext } from './pool-history.js';
import {
  IPAMD_TIMINGS, ReconcileCooldown, Serial, type IpamdDeps, type IpamdTimings, type Logger, type NodeState, type PoolStatus,
} from './runtime.js';

export interface IpamdContext extends TrackingContext {
  readonly deps: IpamdDeps;
  readonly node: NodeState;
  readonly timings: IpamdTimings;
  readonly serial: Serial;
  readonly cooldown: ReconcileCooldown;
  readonly status: PoolStatus;
  readonly history: ActionHistory;
  readonly log: Logger;
  /** Writes the checkpoint (every allocation) through the checkpoint store; rejects when the write fails. */
  persist(): Promise<void>;
}

/**
 * The reference's timings with `deps.timings` laid over them.
 *
 * @example
 * resolveTimings({ addWaitMs: 0 }).poolIntervalMs; // 5000
 */
export function resolveTimings(overrides: Partial<IpamdTimings> = {}): IpamdTimings {
  const timings: IpamdTimings = { ...IPAMD_TIMINGS };
  for (const [key, value] of Object.entries(overrides) as [keyof IpamdTimings, number | undefined][]) {
    if (value === undefined) continue;
    if (!Number.isFinite(value) || value < 0) throw new RangeError(`timings.${key} must be a number ≥ 0, got ${value}`);
    timings[key] = value;
  }
  return timings;
}

/**
 * The context of a node, with fresh shared state unless the caller passes the lock and history it already has.
 *
 * @example
 * const ctx = createContext(deps, node, { serial, history });
 * ctx.timings.poolIntervalMs; // 5000 unless deps.timings says otherwise
 */
export function createContext(deps: IpamdDeps, node: NodeState, shared: { serial?: Serial; history?: ActionHistory } = {}): IpamdContext {
  const timings = resolveTimings(deps.timings);
  const status: PoolStatus = { lastActionAt: deps.clock.now(), terminating: false };
  return {
    deps,
    node,
    timings,
    clock: deps.clock,
    serial: shared.serial ?? new Serial(),
    cooldown: new ReconcileCooldown(deps.clock, timings.reconcileCooldownMs),
    status,
    history: shared.history ?? new ActionHistory(),
    log: deps.logger,
    persist: () => deps.checkpoint.write(serializeCheckpoint(node.datastore.toCheckpoint())),
  };
}
