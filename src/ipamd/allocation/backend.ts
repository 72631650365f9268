/**
 * ipamd's CNI backend (reference §1.6 AddNetwork/DelNetwork, §3.8): the gRPC server adapts it, tests call it.
 *
 * AddNetwork validates the request, assigns an address with the pod's metadata, writes the checkpoint (a failed
 * write rolls the assignment back and fails the ADD), and replies with the address, device number, route table and
 * the legacy VPC/SNAT fields. Ours: when the pool is empty it asks the pool manager for a tick at once and waits
 * for it (up to `timings.addWaitMs`, default 10 s; 0 = fail at once, as the reference) instead of failing and
 * leaving the pod to the next 5 s tick and a kubelet retry (user-pain-points §4); when it still fails, the reply
 * says why (max pods, subnet full, ENI limit, throttling, cooldown — §5).
 *
 * DelNetwork releases the address (falling back to the CRI-migrated key), writes the checkpoint (rolled back on
 * failure), and replies with what it released. An unknown pod is a success with no address and `errorCode`
 * UNKNOWN_POD, and the message carries the reference's "datastore: unknown pod" text: the reference's plugin treats
 * that as success, and ours needs no special case. A released address of the other mode (a /32 in PD mode, a /28
 * address in SIP mode) makes the pool manager give that ENI's free CIDRs of that kind back (§1.6 DEL step 3).
 *
 * @example
 * const reply = await backend.addNetwork({ ...request, containerId: 'c1', ifName: 'eth0', networkName: 'aws-cni' });
 * reply.success ? reply.ipAllocationMetadata[0]?.ipv4Addr : `${reply.errorCode}: ${reply.errorMessage}`;
 */
import { isVpcCniError } from '../../errors.js';
import { msToNs } from '../../ipam/checkpoint.js';
import type { Allocation, AssignResult } from '../../ipam/datastore.js';
import type { IpamKey, IpamMetadata } from '../../ipam/types.js';
import type {
  AddNetworkReply,
  AddNetworkRequest,
  CniBackend,
  DelNetworkReply,
  DelNetworkRequest,
} from '../../rpc/types.js';
import type { IpamdContext } from '../context.js';
import type { PoolManager } from '../pool/manager.js';
import { errorFacts } from '../../errors.js';
import { withFields } from '../../obs/logger.js';
import { type IpamdDeps } from '../context.js';
import { type Timers } from '../../obs/timers.js';

/** What the backend needs once the node is initialised; `undefined` before (replies IPAMD_NOT_READY). */
export interface BackendRuntime {
  ready(): { readonly ctx: IpamdContext; readonly pool: PoolManager } | undefined;
  /** Why the backend is not ready: initialising, or how initialisation failed. */
  notReadyReason(): string;
}

/**
 * The DelNetwork reasons the plugin sends (the reference's two, and none from an old plugin). Any other value is
 * counted as `other`: the reason becomes a label of `awscni_del_ip_req_count`, and a client must not be able to mint
 * a new time series with every call.
 */
const DEL_REASONS: ReadonlySet<string> = new Set(['PodDeleted', 'SetupNSFailed', '']);

/**
 * The `reason` label for a DelNetwork.
 *
 * @example
 * delReasonLabel('PodDeleted'); // 'PodDeleted'
 * delReasonLabel('x'.repeat(4000)); // 'other'
 */
export function delReasonLabel(reason: string): string {
  return DEL_REASONS.has(reason) ? reason : 'other';
}

/** Field limits: a CNI interface name is a kernel link name (15 characters); others are generous but bounded. */
const LIMITS = { containerId: 256, ifName: 15, networkName: 256, k8sPodName: 253, k8sPodNamespace: 253 } as const;
// eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * Why a request is refused, or undefined when it is valid.
 *
 * @example
 * validateRequest({ containerId: '', ifName: 'eth0', networkName: 'aws-cni', k8sPodName: '', k8sPodNamespace: '' });
 * // 'containerId is empty'
 */
export function validateRequest(
  request: Pick<AddNetworkRequest, 'containerId' | 'ifName' | 'networkName' | 'k8sPodName' | 'k8sPodNamespace'>,
): string | undefined {
  for (const field of ['containerId', 'ifName', 'networkName'] as const)
    if (request[field] === '') return `${field} is empty`;
  for (const [field, max] of Object.entries(LIMITS) as [keyof typeof LIMITS, number][]) {
    const value = request[field];
    if (value.length > max) return `${field} is ${value.length} characters long (at most ${max})`;
    if (CONTROL.test(value)) return `${field} contains control characters`;
  }
  return undefined;
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
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

function isNoAddress(error: unknown): boolean {
  return isVpcCniError(error) && error.code === 'NO_AVAILABLE_ADDRESS';
}

function reuseAtOf(error: unknown): number | undefined {
  const value = isVpcCniError(error) ? error.details['reuseAt'] : undefined;
  return typeof value === 'number' ? value : undefined;
}

/**
 * See the module comment.
 *
 * @example
 * const backend = new IpamdBackend(deps, { ready: () => ({ ctx, pool }), notReadyReason: () => 'initialising' });
 * await backend.delNetwork(request); // { success: true, ipAllocationMetadata: [{ ipv4Addr: '10.0.0.6', ... }], ... }
 */
export class IpamdBackend implements CniBackend {
  readonly #deps: IpamdDeps;
  readonly #runtime: BackendRuntime;

  constructor(deps: IpamdDeps, runtime: BackendRuntime) {
    this.#deps = deps;
    this.#runtime = runtime;
  }

  /** Work the reply need not wait for: its log line and the metrics (see Timers.defer). */
  #afterReply(work: () => void): void {
    const timers = this.#deps.timers;
    if (timers.defer === undefined) work();
    else timers.defer(work);
  }

  #addReply(fields: Partial<AddNetworkReply>): AddNetworkReply {
    const reply: AddNetworkReply = {
      success: false,
      ipAllocationMetadata: [],
      useExternalSnat: false,
      vpcV4Cidrs: [],
      vpcV6Cidrs: [],
      podVlanId: 0,
      podEniMac: '',
      podEniSubnetGw: '',
      parentIfIndex: 0,
      networkPolicyMode: this.#deps.config.features.networkPolicyEnforcingMode ?? '',
      errorCode: '',
      errorMessage: '',
    };
    return { ...reply, ...fields };
  }

  #delReply(fields: Partial<DelNetworkReply>): DelNetworkReply {
    const mode = this.#deps.config.features.networkPolicyEnforcingMode ?? '';
    return {
      success: false,
      ipAllocationMetadata: [],
      podVlanId: 0,
      networkPolicyMode: mode,
      errorCode: '',
      errorMessage: '',
      ...fields,
    };
  }

  async addNetwork(request: AddNetworkRequest): Promise<AddNetworkReply> {
    const deps = this.#deps;
    deps.metrics.addRequest();
    const log = withFields(deps.logger, {
      containerId: request.containerId.slice(0, 64),
      pod: `${request.k8sPodNamespace.slice(0, 64)}/${request.k8sPodName.slice(0, 64)}`,
    });
    const invalid =
      validateRequest(request) ??
      (request.requiresMultiNicAttachment
        ? 'multi-NIC attachment was asked for; this ipamd serves network card 0 only'
        : undefined);
    if (invalid !== undefined) {
      log.warn({ reason: invalid }, `AddNetwork refused: ${invalid}`);
      return this.#addReply({ errorCode: 'INVALID_REQUEST', errorMessage: invalid });
    }
    const runtime = this.#runtime.ready();
    if (runtime === undefined)
      return this.#addReply({ errorCode: 'IPAMD_NOT_READY', errorMessage: this.#runtime.notReadyReason() });
    const { ctx, pool } = runtime;
    pool.noteArrival();
    const key: IpamKey = { networkName: request.networkName, containerID: request.containerId, ifName: request.ifName };
    const metadata: IpamMetadata = {
      k8sPodNamespace: request.k8sPodNamespace,
      k8sPodName: request.k8sPodName,
      interfacesCount: 1,
    };
    let result: AssignResult;
    try {
      result = await this.#assignWaiting(ctx, pool, key, metadata);
    } catch (error) {
      const facts = errorFacts(error);
      const message = isNoAddress(error) ? pool.explainShortage(error) : facts.message;
      if (isNoAddress(error)) deps.metrics.noAvailableAddress();
      log.warn({ code: facts.code }, `AddNetwork failed: ${message}`);
      return this.#addReply({ errorCode: facts.code, errorMessage: message });
    }
    if (!result.alreadyAssigned) {
      try {
        await ctx.persist();
      } catch (error) {
        ctx.node.datastore.unassign(key);
        const facts = errorFacts(error);
        const code = isVpcCniError(error) ? facts.code : 'CHECKPOINT_WRITE_FAILED';
        log.error(
          { code, address: result.address },
          `AddNetwork rolled back ${result.address}: checkpoint write failed: ${facts.message}`,
        );
        return this.#addReply({
          errorCode: code,
          errorMessage: `checkpoint write failed, assignment rolled back: ${facts.message}`,
        });
      }
    }
    this.#afterReply(() => {
      if (!result.alreadyAssigned) deps.metrics.datastore(ctx.node.datastore.snapshot());
      log.info(
        { address: result.address, eniId: result.eniId, device: result.deviceNumber, repeated: result.alreadyAssigned },
        `AddNetwork: ${result.address} on ${result.eniId}`,
      );
    });
    const net = deps.config.networking;
    return this.#addReply({
      success: true,
      ipAllocationMetadata: [
        {
          ipv4Addr: result.address,
          ipv6Addr: '',
          deviceNumber: result.deviceNumber,
          routeTableId: result.routeTableId,
        },
      ],
      useExternalSnat: net.externalSnat,
      vpcV4Cidrs: [...ctx.node.vpcCidrs, ...(net.externalSnat ? [] : net.excludeSnatCidrs)],
    });
  }

  /** Assigns, and while the pool is empty asks for growth and waits for it, up to the ADD wait bound. */
  async #assignWaiting(
    ctx: IpamdContext,
    pool: PoolManager,
    key: IpamKey,
    metadata: IpamMetadata,
  ): Promise<AssignResult> {
    const { clock, timers } = this.#deps;
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
        pool.requestGrowth().catch(() => undefined);
        throw shortage;
      }
      const outcome = await withTimeout(timers, pool.requestGrowth(), remaining);
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

  async delNetwork(request: DelNetworkRequest): Promise<DelNetworkReply> {
    const deps = this.#deps;
    deps.metrics.delRequest(delReasonLabel(request.reason));
    const log = withFields(deps.logger, {
      containerId: request.containerId.slice(0, 64),
      pod: `${request.k8sPodNamespace.slice(0, 64)}/${request.k8sPodName.slice(0, 64)}`,
    });
    const invalid = validateRequest(request);
    if (invalid !== undefined) {
      log.warn({ reason: invalid }, `DelNetwork refused: ${invalid}`);
      return this.#delReply({ errorCode: 'INVALID_REQUEST', errorMessage: invalid });
    }
    const runtime = this.#runtime.ready();
    if (runtime === undefined)
      return this.#delReply({ errorCode: 'IPAMD_NOT_READY', errorMessage: this.#runtime.notReadyReason() });
    const { ctx, pool } = runtime;
    const datastore = ctx.node.datastore;
    const key: IpamKey = { networkName: request.networkName, containerID: request.containerId, ifName: request.ifName };
    const migrated: IpamKey = {
      networkName: '_migrated-from-cri',
      containerID: request.containerId,
      ifName: 'unknown',
    };
    const held: Allocation | undefined = datastore.findByKey(key) ?? datastore.findByKey(migrated);
    const released = datastore.unassign(key);
    if (released === undefined || held === undefined) {
      log.info({}, 'DelNetwork: unknown pod, nothing to release');
      return this.#delReply({
        success: true,
        errorCode: 'UNKNOWN_POD',
        errorMessage: `datastore: unknown pod (no address for ${request.networkName}/${request.containerId}/${request.ifName})`,
      });
    }
    try {
      await ctx.persist();
    } catch (error) {
      try {
        datastore.restore([
          { ...held.key, ipv4: held.address, allocationTimestamp: msToNs(held.assignedTime), metadata: held.metadata },
        ]);
      } catch (rollback) {
        log.error({ error: errorFacts(rollback) }, `rolling back the release of ${held.address} failed`);
      }
      const facts = errorFacts(error);
      const code = isVpcCniError(error) ? facts.code : 'CHECKPOINT_WRITE_FAILED';
      log.error(
        { code, address: held.address },
        `DelNetwork kept ${held.address}: checkpoint write failed: ${facts.message}`,
      );
      return this.#delReply({
        errorCode: code,
        errorMessage: `checkpoint write failed, release rolled back: ${facts.message}`,
      });
    }
    this.#afterReply(() => {
      deps.metrics.datastore(datastore.snapshot());
      log.info(
        { address: released.address, eniId: released.eniId },
        `DelNetwork: released ${released.address} from ${released.eniId}`,
      );
    });
    const isPrefix = held.cidr.endsWith('/28');
    if (isPrefix !== ctx.node.prefixDelegation && deps.config.features.networkResourceProvisioning) {
      const why = `a ${isPrefix ? 'prefix' : 'secondary IP'} address was released in ${ctx.node.prefixDelegation ? 'prefix-delegation' : 'secondary-IP'} mode`;
      pool.releaseUnused({ prefixes: isPrefix, eniId: released.eniId }, why).catch(() => undefined);
    }
    return this.#delReply({
      success: true,
      ipAllocationMetadata: [
        {
          ipv4Addr: released.address,
          ipv6Addr: '',
          deviceNumber: released.deviceNumber,
          routeTableId: released.routeTableId,
        },
      ],
    });
  }
}
