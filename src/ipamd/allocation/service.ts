/**
 * Giving pods addresses and taking them back, with the checkpoint kept in step [behaviour §3.8; behaviour §8]: the
 * one owner of assign → persist → roll back (ADD) and release → persist → roll back (DEL). The gRPC backend maps
 * the protocol onto it; the datastore and the pool manager are reached only from here.
 *
 * Assigning waits for the pool when it is empty: it asks the pool manager for a tick at once and waits for it (up to
 * `timings.addWaitMs`, default 10 s; 0 = fail at once, as the reference) instead of failing and leaving the pod to
 * the next 5 s tick and a kubelet retry [pain-points §4]; when it still fails, the refusal says why (max pods,
 * subnet full, ENI limit, throttling, cooldown [pain-points §5]).
 *
 * @example
 * const allocation = new AllocationService(ctx, pool);
 * const outcome = await allocation.assign(key, { k8sPodNamespace: 'default', k8sPodName: 'web-0', interfacesCount: 1 });
 * outcome.ok ? outcome.assigned.address : `${outcome.refusal.code}: ${outcome.refusal.message}`;
 */
import { asError, errorFacts, isVpcCniError, type CniCode } from '../../errors.js';
import { msToNs } from '../../ipam/checkpoint.js';
import { isIpamError } from '../../ipam/errors.js';
import type { Allocation, AssignResult, UnassignResult } from '../../ipam/datastore.js';
import type { IpamKey, IpamMetadata } from '../../ipam/types.js';
import type { Timers } from '../../obs/timers.js';
import { CHECKPOINT_FILE_ERRORS } from '../checkpoint/file.js';
import type { IpamdContext } from '../context.js';
import type { PoolManager } from '../pool/manager.js';

/** Why an address was not given or not taken back: a catalogue code, its CNI code, and words for the pod's owner. */
export interface Refusal {
  readonly code: string;
  readonly cniCode: CniCode;
  readonly message: string;
}

export type AssignOutcome =
  | { readonly ok: true; readonly assigned: AssignResult }
  | { readonly ok: false; readonly refusal: Refusal; readonly noAddress: boolean };

export type ReleaseOutcome =
  | { readonly ok: true; readonly released: UnassignResult | undefined }
  | { readonly ok: false; readonly refusal: Refusal };

/** The key a pod had before a CRI migration; DEL falls back to it (the reference's `_migrated-from-cri`). */
function migratedKey(key: IpamKey): IpamKey {
  return { networkName: '_migrated-from-cri', containerID: key.containerID, ifName: 'unknown' };
}

function refusalOf(error: unknown): Refusal {
  const facts = errorFacts(error);
  return { code: facts.code, cniCode: isVpcCniError(error) ? error.cniCode : 999, message: facts.message };
}

/** A failed checkpoint write, as the pod learns it (the write's own code when it has one). */
function checkpointRefusal(error: unknown, undone: string): Refusal {
  const facts = errorFacts(error);
  const known = isVpcCniError(error);
  return {
    code: known ? facts.code : 'CHECKPOINT_WRITE_FAILED',
    cniCode: known ? error.cniCode : CHECKPOINT_FILE_ERRORS.CHECKPOINT_WRITE_FAILED.cniCode,
    message: `checkpoint write failed, ${undone} rolled back: ${facts.message}`,
  };
}

const isNoAddress = (error: unknown): boolean => isIpamError(error, 'NO_AVAILABLE_ADDRESS');

function reuseAtOf(error: unknown): number | undefined {
  const value = isVpcCniError(error) ? error.details['reuseAt'] : undefined;
  return typeof value === 'number' ? value : undefined;
}

const TIMEOUT = Symbol('timeout');

function withTimeout<T>(timers: Timers, work: Promise<T>, ms: number): Promise<T | typeof TIMEOUT> {
  return new Promise((resolve, reject) => {
    const handle = timers.setTimeout(() => resolve(TIMEOUT), ms);
    work.then(
      (value) => {
        timers.clearTimeout(handle);
        resolve(value);
      },
      (error: unknown) => {
        timers.clearTimeout(handle);
        reject(asError(error));
      },
    );
  });
}

/** See the module comment. */
export class AllocationService {
  readonly #ctx: IpamdContext;
  readonly #pool: PoolManager;

  constructor(ctx: IpamdContext, pool: PoolManager) {
    this.#ctx = ctx;
    this.#pool = pool;
  }

  /** An address for the pod (the same one again for a repeated ADD), written to the checkpoint before it is given. */
  async assign(key: IpamKey, metadata: IpamMetadata): Promise<AssignOutcome> {
    const ctx = this.#ctx;
    this.#pool.noteArrival();
    let assigned: AssignResult;
    try {
      assigned = await this.#assignWaiting(key, metadata);
    } catch (error) {
      if (!isNoAddress(error)) return { ok: false, refusal: refusalOf(error), noAddress: false };
      const refusal = { ...refusalOf(error), message: this.#pool.explainShortage(error) };
      return { ok: false, refusal, noAddress: true };
    }
    if (assigned.alreadyAssigned) return { ok: true, assigned };
    try {
      await ctx.persist();
    } catch (error) {
      ctx.node.datastore.unassign(key);
      return { ok: false, refusal: checkpointRefusal(error, 'assignment'), noAddress: false };
    }
    return { ok: true, assigned };
  }

  /**
   * Takes the pod's address back (also under its CRI-migrated key); `released: undefined` when the datastore does
   * not know the pod. The checkpoint is written before the address is free for another pod.
   */
  async release(key: IpamKey): Promise<ReleaseOutcome> {
    const ctx = this.#ctx;
    const datastore = ctx.node.datastore;
    const held: Allocation | undefined = datastore.findByKey(key) ?? datastore.findByKey(migratedKey(key));
    const released = datastore.unassign(key);
    if (released === undefined || held === undefined) return { ok: true, released: undefined };
    try {
      await ctx.persist();
    } catch (error) {
      try {
        datastore.restore([
          { ...held.key, ipv4: held.address, allocationTimestamp: msToNs(held.assignedTime), metadata: held.metadata },
        ]);
      } catch (rollback) {
        ctx.log.error({ error: errorFacts(rollback) }, `rolling back the release of ${held.address} failed`);
      }
      return { ok: false, refusal: checkpointRefusal(error, 'release') };
    }
    this.#returnOtherMode(held, released);
    return { ok: true, released };
  }

  /**
   * A released address of the other mode (a /32 in PD mode, a /28 address in SIP mode) makes the pool manager give
   * that ENI's free CIDRs of that kind back [behaviour §1.6].
   */
  #returnOtherMode(held: Allocation, released: UnassignResult): void {
    const { node, deps } = this.#ctx;
    const isPrefix = held.cidr.endsWith('/28');
    if (isPrefix === node.prefixDelegation || !deps.config.features.networkResourceProvisioning) return;
    const kind = isPrefix ? 'prefix' : 'secondary IP';
    const mode = node.prefixDelegation ? 'prefix-delegation' : 'secondary-IP';
    const why = `a ${kind} address was released in ${mode} mode`;
    this.#pool.releaseUnused({ prefixes: isPrefix, eniId: released.eniId }, why).catch(() => undefined);
  }

  /** Assigns, and while the pool is empty asks for growth and waits for it, up to the ADD wait bound. */
  async #assignWaiting(key: IpamKey, metadata: IpamMetadata): Promise<AssignResult> {
    const ctx = this.#ctx;
    const { clock, timers } = ctx.deps;
    const deadline = clock.now() + ctx.timings.addWaitMs;
    const assign = (): AssignResult => ctx.node.datastore.assign(key, metadata);
    for (;;) {
      let shortage: unknown;
      try {
        return assign();
      } catch (error) {
        if (!isNoAddress(error)) throw error;
        shortage = error;
      }
      const remaining = deadline - clock.now();
      if (remaining <= 0) {
        // Even without waiting, start growing now rather than at the next 5 s tick.
        this.#pool.requestGrowth().catch(() => undefined);
        throw shortage;
      }
      const outcome = await withTimeout(timers, this.#pool.requestGrowth(), remaining);
      if (outcome === TIMEOUT || outcome.added > 0) continue;
      // The tick could not grow the pool; addresses in cooldown may still free up within the bound.
      const reuseAt = reuseAtOf(shortage);
      if (reuseAt !== undefined && reuseAt <= deadline) {
        await timers.sleep(reuseAt - clock.now());
        continue;
      }
      return assign();
    }
  }
}
