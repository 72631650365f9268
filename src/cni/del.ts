/**
 * DEL [behaviour §7.4]: release the pod's address in ipamd, remove the host routes and rules of every address ipamd
 * released, then, when ipamd's reply carries a network-policy mode, tell the network-policy agent (np.ts,
 * [network-policy §4.2]; an agent that cannot be dialled fails this DEL once, its retry finds an unknown pod). Only
 * that path calls the agent: an unknown pod, an unreachable or unready ipamd and a branch-ENI prevResult do not.
 * Idempotent, as the CNI spec and containerd (which calls DEL twice) require:
 * - ipamd does not know the pod (errorCode UNKNOWN_POD, or the reference's "datastore: unknown pod" text) → success
 *   with nothing torn down: the address may already serve another pod, so its rules must not be touched;
 * - ipamd unreachable or not ready → tear down from prevResult (the container interface's `mac` is the route table,
 *   the dummy interface's `sandbox` the device number) and succeed, as the reference does; the address stays
 *   assigned in ipamd until its restart reconciles. Without a usable prevResult the DEL fails (code 11) and the
 *   runtime retries;
 * - a missing netns or link is fine (the PodNetwork port's teardown is idempotent and works on the host side only);
 * - a malformed prevResult is logged and ignored.
 */
import { CniError, codeOf, ipamdCallError, ipamdReplyError } from './errors.js';
import { messageOf } from '../errors.js';
import { dummyInterfaceName, hostVethName } from './names.js';
import { deleteNetworkPolicy } from './np.js';
import { podFromResult, readPrevResult, routeTableOf, type PrevPod } from './result.js';
import type { VerbContext } from './skel.js';
import type { Preparation } from '../netlink/port.js';
import type { DelNetworkReply, DelNetworkRequest } from '../rpc/types.js';

/** The reference ipamd's error text for a pod it does not know (datastore.ErrUnknownPod). */
export const UNKNOWN_POD_TEXT = 'datastore: unknown pod';

function isUnknownPod(reply: Pick<DelNetworkReply, 'errorCode' | 'errorMessage'>): boolean {
  return reply.errorCode === 'UNKNOWN_POD' || reply.errorMessage.includes(UNKNOWN_POD_TEXT);
}

function hasPodName(ctx: VerbContext): boolean {
  return ctx.k8s.podName !== '' && ctx.k8s.podNamespace !== '';
}

/** What prevResult tells DEL: the pod to tear down (absent, malformed: none), and whether it is a branch-ENI pod. */
interface Prev {
  readonly pod?: PrevPod;
  readonly branch: boolean;
}

/** prevResult's pod; a malformed one and a branch-ENI pod (which this plugin cannot tear down) are logged. */
function prevPodOf(ctx: VerbContext): Prev {
  const raw = ctx.conf.prevResult;
  if (raw === undefined) return { branch: false };
  try {
    const dummy = hasPodName(ctx) ? dummyInterfaceName(ctx.k8s.podNamespace, ctx.k8s.podName) : undefined;
    const pod = podFromResult(readPrevResult(raw), dummy);
    if (pod.vlanId !== 0) {
      ctx.log.warn(
        `del: prevResult describes a branch-ENI pod (VLAN ${pod.vlanId}); this plugin cannot tear it down from prevResult`,
      );
      return { branch: true };
    }
    return { pod, branch: false };
  } catch (error) {
    ctx.log.warn(`del: ignoring prevResult: ${messageOf(error)}`);
    return { branch: false };
  }
}

async function teardown(
  ctx: VerbContext,
  podIp: string,
  routeTableId: number,
  hostVeth: string | undefined,
): Promise<void> {
  try {
    await ctx.deps.pods.teardownPod(
      hostVeth === undefined || hostVeth === ''
        ? { podIp, routeTableId }
        : { podIp, routeTableId, hostVethName: hostVeth },
    );
  } catch (error) {
    const cause = codeOf(error);
    throw new CniError(
      'CNI_TEARDOWN_FAILED',
      `del: removing the host routes and rules of ${podIp} failed: ${messageOf(error)}`,
      cause === undefined ? {} : { cause },
      error,
    );
  }
}

async function teardownFromPrev(ctx: VerbContext, pod: PrevPod, why: string): Promise<void> {
  ctx.log.warn(`del: ${why}; tearing down from prevResult (the address stays assigned in ipamd until it restarts)`);
  for (const a of pod.attachments) await teardown(ctx, a.podIp, a.routeTableId, a.hostVethName);
}

/**
 * DEL. Resolves on success (DEL prints nothing); throws a VpcCniError otherwise. The teardown's process is started
 * while ipamd answers (WiringPrestart.prepareTeardown) and cancelled if no teardown follows.
 */
export async function del(ctx: VerbContext): Promise<void> {
  const marks: Marks = { start: performance.now() };
  const prepared = ctx.deps.prestart?.prepareTeardown();
  try {
    await release(ctx, prepared, marks);
  } finally {
    prepared?.cancel();
  }
  if (marks.replied !== undefined)
    ctx.log.debug(`del: pod ${ctx.k8s.podNamespace}/${ctx.k8s.podName} done`, timings(marks));
}

/** When DEL started and got ipamd's reply (performance.now(): ms since the process started). */
interface Marks {
  readonly start: number;
  replied?: number;
}

/** The phases of a DEL that ipamd answered, for the debug log (bench/cni-latency reads them). */
function timings(marks: Marks): Record<string, number> {
  const end = performance.now();
  const round = (ms: number): number => Math.round(ms * 100) / 100;
  const replied = marks.replied ?? end;
  return {
    startupMs: round(marks.start),
    ipamdMs: round(replied - marks.start),
    teardownMs: round(end - replied),
    totalMs: round(end),
  };
}

/** The DelNetwork request of this call's pod: DEL sends it with PodDeleted, a failed ADD's undo with SetupNSFailed. */
export function delNetworkRequest(ctx: VerbContext, reason: string): DelNetworkRequest {
  const { cmd, conf, k8s, deps } = ctx;
  return {
    clientVersion: deps.clientVersion,
    k8sPodName: k8s.podName,
    k8sPodNamespace: k8s.podNamespace,
    k8sPodInfraContainerId: k8s.infraContainerId,
    reason,
    containerId: cmd.containerId,
    ifName: cmd.ifName,
    networkName: conf.name,
    k8sPodUid: k8s.podUid,
  };
}

/**
 * DelNetwork, then the teardown of every address ipamd released (or of prevResult's when ipamd cannot answer), then
 * the network-policy agent when the reply carries a mode.
 */
async function release(ctx: VerbContext, prepared: Preparation | undefined, marks: Marks): Promise<void> {
  const { conf, k8s, deps, log } = ctx;
  const pod = `${k8s.podNamespace}/${k8s.podName}`;
  const { pod: prev, branch } = prevPodOf(ctx);
  let reply: DelNetworkReply;
  try {
    // While ipamd works: start the teardown's process, write the log lines kept so far (see add.ts).
    reply = await deps.ipam().delNetwork(delNetworkRequest(ctx, 'PodDeleted'), () => {
      prepared?.start();
      void log.flush?.();
    });
  } catch (error) {
    if (messageOf(error).includes(UNKNOWN_POD_TEXT)) {
      log.info(`del: ipamd does not know pod ${pod} (already released or never added): nothing to do`);
      return;
    }
    if (prev !== undefined) return teardownFromPrev(ctx, prev, `DelNetwork failed: ${messageOf(error)}`);
    throw ipamdCallError('del', error);
  }
  marks.replied = performance.now();
  if (isUnknownPod(reply)) {
    log.info(`del: ipamd does not know pod ${pod} (already released or never added): nothing to do`);
    return;
  }
  if (!reply.success) {
    if (reply.errorCode === 'IPAMD_NOT_READY' && prev !== undefined)
      return teardownFromPrev(ctx, prev, `ipamd is not ready: ${reply.errorMessage}`);
    throw ipamdReplyError('del', pod, reply);
  }
  for (const [index, meta] of reply.ipAllocationMetadata.entries()) {
    const ip = meta.ipv4Addr !== '' ? meta.ipv4Addr : meta.ipv6Addr;
    if (ip === '') continue;
    const named = hasPodName(ctx) ? hostVethName(conf.vethPrefix, k8s.podNamespace, k8s.podName, index) : undefined;
    const veth = named ?? prev?.attachments.find((a) => a.podIp === ip)?.hostVethName;
    log.info(`del: ipamd released ${ip} of pod ${pod}; removing its host routes and rules`);
    await teardown(ctx, ip, routeTableOf(meta.routeTableId, meta.deviceNumber), veth);
  }
  // The reference answers a branch-ENI pod from prevResult before ipamd and the agent [network-policy §4.2].
  if (reply.networkPolicyMode !== '' && !branch) await deleteNetworkPolicy(ctx, reply.networkPolicyMode);
}
