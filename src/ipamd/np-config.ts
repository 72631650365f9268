/**
 * What ipamd tells the network-policy agent at its start (`rpc.ConfigServerBackend.GetNetworkPolicyConfigs`,
 * [network-policy §2; network-policy §5.1]): the enforcing mode as configured (verbatim, '' when unset), whether
 * multi-NIC is on, and the node's address, instance id and region (which the reference added so that the agent need
 * not ask IMDS). The node facts exist once node initialisation has finished; before, there is no answer and the
 * gRPC server replies UNAVAILABLE, which the agent retries.
 *
 * @example
 * startRpcServer({ ..., configServer: networkPolicyConfigServer(config, () => ipamd.context()?.node) });
 */
import type { Config } from '../config/types.js';
import type { ConfigServerBackend, NetworkPolicyAgentConfigReply } from '../rpc/types.js';
import type { NodeState } from './context.js';

/** The agent's configuration from ipamd's config and the initialised node; undefined before the node is. */
export function networkPolicyConfigs(
  config: Config,
  node: Pick<NodeState, 'identity'> | undefined,
): NetworkPolicyAgentConfigReply | undefined {
  if (node === undefined) return undefined;
  const { identity } = node;
  return {
    networkPolicyMode: config.features.networkPolicyEnforcingMode ?? '',
    multiNicEnabled: config.features.multiNic,
    // The reference fills NodeIPv6 in IPv6 mode; ipamd refuses IPv6 mode at initialisation, so it stays empty here.
    nodeIpv4: config.ipFamily === 'ipv4' ? identity.localIpv4 : '',
    nodeIpv6: '',
    instanceId: identity.instanceId,
    region: identity.region,
  };
}

/** The ConfigServerBackend port of the gRPC server, reading the node as it is at each call. */
export function networkPolicyConfigServer(
  config: Config,
  node: () => Pick<NodeState, 'identity'> | undefined,
): ConfigServerBackend {
  return { networkPolicyConfigs: () => networkPolicyConfigs(config, node()) };
}
