/**
 * ipamd's CNI backend [behaviour §1.6]: AddNetwork and DelNetwork mapped onto the {@link AllocationService}. It
 * validates the request (rpc/validate.ts, the gRPC server's validator too), answers IPAMD_NOT_READY until the node
 * is initialised, and turns the service's outcome into the reply: the address, device number, route table and the
 * legacy VPC/SNAT fields, or `errorCode`, `errorCniCode` (from the error's catalogue: 11 means try again) and
 * `errorMessage`. It logs one line per call and updates the metrics after the reply has gone out.
 *
 * An unknown pod on DelNetwork is a success with no address and errorCode UNKNOWN_POD, whose message carries the
 * reference's "datastore: unknown pod" text: the reference's plugin treats that as success, and ours needs no
 * special case.
 *
 * With ANNOTATE_POD_IP (`deps.podIps`) [cninode §3] AddNetwork annotates the pod with its address before replying,
 * and a failed annotation fails the reply (POD_IP_ANNOTATION_FAILED) while the address stays assigned until the
 * pod's DEL, as in the reference. DelNetwork clears the annotation after releasing; a failure there is reported in
 * errorCode/errorMessage of a successful reply. The reference answers Success=false and its plugin then tears the
 * pod down from prevResult and succeeds; our plugin fails a DEL on Success=false, and kubelet's retry would find
 * the address released and leave the host routes behind, so the released address is answered instead.
 *
 * @example
 * const reply = await backend.addNetwork({ ...request, containerId: 'c1', ifName: 'eth0', networkName: 'aws-cni' });
 * reply.success ? reply.ipAllocationMetadata[0]?.ipv4Addr : `${reply.errorCode}: ${reply.errorMessage}`;
 */
import { messageOf } from '../../errors.js';
import type { IpamKey } from '../../ipam/types.js';
import { POD_IPS_ANNOTATION } from '../../k8s/pod-ips.js';
import { withFields, type Logger } from '../../obs/logger.js';
import { RPC_ERRORS } from '../../rpc/errors.js';
import type {
  AddNetworkReply,
  AddNetworkRequest,
  CniBackend,
  DelNetworkReply,
  DelNetworkRequest,
  IpAllocationMetadata,
} from '../../rpc/types.js';
import { requestProblem } from '../../rpc/validate.js';
import type { IpamdContext, IpamdDeps } from '../context.js';
import { IPAMD_ERRORS } from '../errors.js';
import type { AllocationService, Refusal } from './service.js';

type Runtime = { readonly ctx: IpamdContext; readonly allocation: AllocationService };

/** What the backend needs once the node is initialised; `undefined` before (replies IPAMD_NOT_READY). */
export interface BackendRuntime {
  ready(): Runtime | undefined;
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

const invalid = (message: string): Refusal => ({
  code: 'RPC_INVALID_REQUEST',
  cniCode: RPC_ERRORS.RPC_INVALID_REQUEST.cniCode,
  message,
});

const annotationFailed = (message: string): Refusal => ({
  code: 'POD_IP_ANNOTATION_FAILED',
  cniCode: IPAMD_ERRORS.POD_IP_ANNOTATION_FAILED.cniCode,
  message,
});

const notReady = (message: string): Refusal => ({
  code: 'IPAMD_NOT_READY',
  cniCode: IPAMD_ERRORS.IPAMD_NOT_READY.cniCode,
  message,
});

type CallLog = Pick<Logger, 'info' | 'warn' | 'error'>;

function callLog(logger: Logger, request: DelNetworkRequest | AddNetworkRequest): CallLog {
  const pod = `${request.k8sPodNamespace.slice(0, 64)}/${request.k8sPodName.slice(0, 64)}`;
  return withFields(logger, { containerId: request.containerId.slice(0, 64), pod });
}

/** The reply's one address (IPv4 only: ipv6Addr stays empty). */
function addressMetadata(a: {
  readonly address: string;
  readonly deviceNumber: number;
  readonly routeTableId: number;
}): IpAllocationMetadata {
  return { ipv4Addr: a.address, ipv6Addr: '', deviceNumber: a.deviceNumber, routeTableId: a.routeTableId };
}

const keyOf = (request: AddNetworkRequest | DelNetworkRequest): IpamKey => ({
  networkName: request.networkName,
  containerID: request.containerId,
  ifName: request.ifName,
});

/** See the module comment. */
export class IpamdBackend implements CniBackend {
  readonly #deps: IpamdDeps;
  readonly #runtime: BackendRuntime;

  constructor(deps: IpamdDeps, runtime: BackendRuntime) {
    this.#deps = deps;
    this.#runtime = runtime;
  }

  async addNetwork(request: AddNetworkRequest): Promise<AddNetworkReply> {
    const deps = this.#deps;
    deps.metrics.addRequest();
    const log = callLog(deps.logger, request);
    const problem =
      requestProblem(request) ??
      (request.requiresMultiNicAttachment
        ? 'multi-NIC attachment was asked for; this ipamd serves network card 0 only'
        : undefined);
    const admitted = this.#admit('AddNetwork', problem, log);
    if ('refusal' in admitted) return this.#addReply(admitted.refusal);
    const { ctx, allocation } = admitted;
    const metadata = { k8sPodNamespace: request.k8sPodNamespace, k8sPodName: request.k8sPodName, interfacesCount: 1 };
    const outcome = await allocation.assign(keyOf(request), metadata);
    if (!outcome.ok) {
      const { refusal } = outcome;
      if (outcome.noAddress) deps.metrics.noAvailableAddress();
      log.warn({ code: refusal.code }, `AddNetwork failed: ${refusal.message}`);
      return this.#addReply(refusal);
    }
    const { assigned } = outcome;
    const annotation = await this.#annotate(request, assigned.address);
    if (annotation !== undefined) {
      log.warn({ code: annotation.code, address: assigned.address }, `AddNetwork failed: ${annotation.message}`);
      return this.#addReply(annotation);
    }
    this.#afterReply(() => {
      if (!assigned.alreadyAssigned) deps.metrics.datastore(ctx.node.datastore.snapshot());
      const facts = { eniId: assigned.eniId, device: assigned.deviceNumber, repeated: assigned.alreadyAssigned };
      log.info({ address: assigned.address, ...facts }, `AddNetwork: ${assigned.address} on ${assigned.eniId}`);
    });
    const net = deps.config.networking;
    return {
      ...this.#addReply(undefined),
      success: true,
      ipAllocationMetadata: [addressMetadata(assigned)],
      useExternalSnat: net.externalSnat,
      vpcV4Cidrs: [...ctx.node.vpcCidrs, ...(net.externalSnat ? [] : net.excludeSnatCidrs)],
    };
  }

  async delNetwork(request: DelNetworkRequest): Promise<DelNetworkReply> {
    const deps = this.#deps;
    deps.metrics.delRequest(delReasonLabel(request.reason));
    const log = callLog(deps.logger, request);
    const admitted = this.#admit('DelNetwork', requestProblem(request), log);
    if ('refusal' in admitted) return this.#delReply(admitted.refusal);
    const { ctx, allocation } = admitted;
    const outcome = await allocation.release(keyOf(request));
    if (!outcome.ok) {
      log.error({ code: outcome.refusal.code }, `DelNetwork failed: ${outcome.refusal.message}`);
      return this.#delReply(outcome.refusal);
    }
    const { released } = outcome;
    if (released === undefined) {
      log.info({}, 'DelNetwork: unknown pod, nothing to release');
      const key = `${request.networkName}/${request.containerId}/${request.ifName}`;
      return {
        ...this.#delReply(undefined),
        success: true,
        errorCode: 'UNKNOWN_POD',
        errorCniCode: IPAMD_ERRORS.UNKNOWN_POD.cniCode,
        errorMessage: `datastore: unknown pod (no address for ${key})`,
      };
    }
    const annotation = await this.#clearAnnotation(request, released.address);
    if (annotation !== undefined) log.warn({ code: annotation.code }, `DelNetwork: ${annotation.message}`);
    this.#afterReply(() => {
      deps.metrics.datastore(ctx.node.datastore.snapshot());
      const what = `DelNetwork: released ${released.address} from ${released.eniId}`;
      log.info({ address: released.address, eniId: released.eniId }, what);
    });
    return { ...this.#delReply(annotation), success: true, ipAllocationMetadata: [addressMetadata(released)] };
  }

  /** ANNOTATE_POD_IP on ADD: undefined when done (or off), else why the reply fails. */
  async #annotate(request: AddNetworkRequest, address: string): Promise<Refusal | undefined> {
    const podIps = this.#deps.podIps;
    if (podIps === undefined) return undefined;
    const pod = `${request.k8sPodNamespace}/${request.k8sPodName}`;
    const why =
      request.k8sPodName === '' || request.k8sPodNamespace === ''
        ? 'the request names no pod (K8S_POD_NAMESPACE and K8S_POD_NAME are required)'
        : await podIps
            .annotate({ namespace: request.k8sPodNamespace, name: request.k8sPodName }, address)
            .then(() => undefined, messageOf);
    if (why === undefined) return undefined;
    return annotationFailed(
      `${address} is assigned to pod ${pod} but ANNOTATE_POD_IP=true and writing its ${POD_IPS_ANNOTATION} annotation ` +
        `failed; the address stays assigned until the pod's DEL: ${why}`,
    );
  }

  /** ANNOTATE_POD_IP on DEL: undefined when done, unneeded or off, else what went wrong (the DEL still succeeds). */
  async #clearAnnotation(request: DelNetworkRequest, released: string): Promise<Refusal | undefined> {
    const podIps = this.#deps.podIps;
    if (podIps === undefined || request.k8sPodName === '' || request.k8sPodNamespace === '') return undefined;
    const pod = `${request.k8sPodNamespace}/${request.k8sPodName}`;
    try {
      const outcome = await podIps.clear({ namespace: request.k8sPodNamespace, name: request.k8sPodName }, released);
      if (outcome.kind !== 'mismatch') return undefined;
      return annotationFailed(
        `released IP ${released} does not match the ${POD_IPS_ANNOTATION} annotation of pod ${pod} ` +
          `('${outcome.current}'): not patching the pod`,
      );
    } catch (error) {
      return annotationFailed(
        `released ${released}, but clearing the ${POD_IPS_ANNOTATION} annotation of pod ${pod} failed: ${messageOf(error)}`,
      );
    }
  }

  /**
   * What serves a request, or why it is refused: an invalid request (logged) before anything else, then a node that
   * is not initialised yet.
   */
  #admit(call: 'AddNetwork' | 'DelNetwork', problem: string | undefined, log: CallLog): Runtime | { refusal: Refusal } {
    if (problem !== undefined) {
      log.warn({ reason: problem }, `${call} refused: ${problem}`);
      return { refusal: invalid(problem) };
    }
    return this.#runtime.ready() ?? { refusal: notReady(this.#runtime.notReadyReason()) };
  }

  /** Work the reply need not wait for: its log line and the metrics (see Timers.defer). */
  #afterReply(work: () => void): void {
    const timers = this.#deps.timers;
    if (timers.defer === undefined) work();
    else timers.defer(work);
  }

  /** A failed reply for the refusal (or the empty reply a success fills in). */
  #addReply(refusal: Refusal | undefined): AddNetworkReply {
    return {
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
      errorCode: refusal?.code ?? '',
      errorCniCode: refusal?.cniCode ?? 0,
      errorMessage: refusal?.message ?? '',
    };
  }

  #delReply(refusal: Refusal | undefined): DelNetworkReply {
    return {
      success: false,
      ipAllocationMetadata: [],
      podVlanId: 0,
      networkPolicyMode: this.#deps.config.features.networkPolicyEnforcingMode ?? '',
      errorCode: refusal?.code ?? '',
      errorCniCode: refusal?.cniCode ?? 0,
      errorMessage: refusal?.message ?? '',
    };
  }
}
