/**
 * The plugin's calls to the network-policy agent [network-policy §4]: made exactly when ipamd's AddNetwork or
 * DelNetwork reply carries a mode (NETWORK_POLICY_ENFORCING_MODE on aws-node; `none` included), after ADD's wiring
 * and after DEL's teardown. With no mode nothing here runs and no client is created.
 *
 * ADD: dial the agent's socket (2 s), then EnforceNpToPod{pod, namespace, the reply's mode verbatim, InterfaceCount =
 * the addresses ipamd gave}. Any failure fails the ADD with the reference's `add cmd: failed to setup network policy`
 * and why; the wiring and the address are not undone (the reference leaves them to the DEL the runtime sends next,
 * and undoing here would race it). An agent that is not there is CNI_NP_AGENT_UNREACHABLE, code 11: the agent
 * container may be starting, and the runtime retries; the message says what to unset on a node that has no agent.
 *
 * DEL: dial (2 s); a dial failure fails the DEL with the reference's `del cmd: failed to connect to network policy
 * agent`, once: the address is already released, so the retry learns the pod is unknown and succeeds. DeletePodNp's
 * failures (gRPC error or Success=false) are only logged.
 */
import { isVpcCniError, messageOf } from '../errors.js';
import { CniError } from './errors.js';
import type { VerbContext } from './skel.js';

/** The reference's error texts, kept verbatim at the start of ours. */
export const NP_ADD_FAILED = 'add cmd: failed to setup network policy';
export const NP_DEL_CONNECT_FAILED = 'del cmd: failed to connect to network policy agent';

/** The RPC codes that mean "the agent is not there (yet)": nothing listening, or no answer in time. */
function isUnreachable(error: unknown): boolean {
  return isVpcCniError(error) && (error.code === 'RPC_UNAVAILABLE' || error.code === 'RPC_TIMEOUT');
}

function rpcFacts(error: unknown): Record<string, unknown> {
  if (!isVpcCniError(error)) return {};
  const { grpcStatus, grpcMessage } = error.details;
  return {
    rpcCode: error.code,
    ...(grpcStatus === undefined ? {} : { grpcStatus }),
    ...(grpcMessage === undefined ? {} : { grpcMessage }),
  };
}

/** Where the mode comes from, for messages: a node without the agent must not set it. */
function modeHint(mode: string): string {
  return `network policy mode "${mode}" from NETWORK_POLICY_ENFORCING_MODE on aws-node; a node without the network-policy agent must leave it unset`;
}

/**
 * ADD's call: resolves when the agent enforces `mode` on the pod, else throws CNI_NP_AGENT_UNREACHABLE or
 * CNI_NP_ENFORCE_FAILED.
 */
export async function enforceNetworkPolicy(ctx: VerbContext, mode: string, interfaceCount: number): Promise<void> {
  const { k8s, log } = ctx;
  const pod = `${k8s.podNamespace}/${k8s.podName}`;
  const agent = ctx.deps.npAgent();
  const facts = { npAgentSocket: agent.socketPath, mode, interfaceCount };
  log.info(`add: asking the network-policy agent to enforce mode "${mode}" on pod ${pod}`, facts);
  try {
    await agent.connect();
    const reply = await agent.enforceNpToPod({
      k8sPodName: k8s.podName,
      k8sPodNamespace: k8s.podNamespace,
      networkPolicyMode: mode,
      interfaceCount,
    });
    if (!reply.success) {
      throw new CniError(
        'CNI_NP_ENFORCE_FAILED',
        `${NP_ADD_FAILED} for pod ${pod}: the network-policy agent answered EnforceNpToPod with Success=false`,
        facts,
      );
    }
  } catch (error) {
    if (error instanceof CniError) throw error;
    const unreachable = isUnreachable(error);
    const why = unreachable ? `${messageOf(error)} (${modeHint(mode)})` : messageOf(error);
    throw new CniError(
      unreachable ? 'CNI_NP_AGENT_UNREACHABLE' : 'CNI_NP_ENFORCE_FAILED',
      `${NP_ADD_FAILED} for pod ${pod}: ${why}`,
      { ...facts, ...rpcFacts(error) },
      error,
    );
  }
  log.info(`add: the network-policy agent enforces mode "${mode}" on pod ${pod}`);
}

/**
 * DEL's call: throws CNI_NP_AGENT_UNREACHABLE when the agent's socket cannot be dialled; a failed DeletePodNp is
 * logged and DEL succeeds.
 */
export async function deleteNetworkPolicy(ctx: VerbContext, mode: string): Promise<void> {
  const { k8s, log } = ctx;
  const pod = `${k8s.podNamespace}/${k8s.podName}`;
  if (k8s.podName === '' || k8s.podNamespace === '') {
    log.warn(`del: network policy mode "${mode}" but no pod name in CNI_ARGS: the network-policy agent is not told`);
    return;
  }
  const agent = ctx.deps.npAgent();
  const facts = { npAgentSocket: agent.socketPath, mode };
  try {
    await agent.connect();
  } catch (error) {
    throw new CniError(
      'CNI_NP_AGENT_UNREACHABLE',
      `${NP_DEL_CONNECT_FAILED}: ${messageOf(error)} (${modeHint(mode)})`,
      { ...facts, ...rpcFacts(error) },
      error,
    );
  }
  try {
    const reply = await agent.deletePodNp({ k8sPodName: k8s.podName, k8sPodNamespace: k8s.podNamespace });
    if (reply.success) log.info(`del: the network-policy agent dropped pod ${pod}`, facts);
    else log.warn(`del: the network-policy agent answered DeletePodNp for pod ${pod} with Success=false`, facts);
  } catch (error) {
    log.warn(`del: DeletePodNp for pod ${pod} failed (ignored, as the reference does): ${messageOf(error)}`, {
      ...facts,
      ...rpcFacts(error),
    });
  }
}
