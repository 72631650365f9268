/**
 * The command table. Each command lives in its own file and is loaded only when run, so that `vpc-cni max-pods`
 * does not pay for the daemon's dependencies.
 */
import type { CliCommand } from '../io.js';

export interface CommandEntry {
  readonly summary: string;
  load(): Promise<CliCommand>;
}

export const COMMANDS: Readonly<Record<string, CommandEntry>> = {
  'max-pods': {
    summary: 'Compute max pods per instance type (flag-compatible with EKS max-pods-calculator.sh)',
    load: async () => (await import('./max-pods.js')).maxPodsCommand,
  },
  sim: {
    summary: 'Run the embedded VPC (EC2 API + IMDS on 127.0.0.1, optional namespace data plane)',
    load: async () => (await import('./sim.js')).simCommand,
  },
  init: {
    summary:
      "The aws-node init container: install the CNI plugins, set the node's sysctls (rp_filter, tcp_early_demux)",
    load: async () => (await import('./init.js')).initCommand,
  },
  'aws-node': {
    summary: 'The aws-node container: run ipamd, install aws-cni and 10-aws.conflist once it is ready',
    load: async () => (await import('./aws-node.js')).awsNodeCommand,
  },
  'install-cni': {
    summary: 'Install the aws-cni plugin and 10-aws.conflist once ipamd is healthy (atomically)',
    load: async () => (await import('./install-cni.js')).installCniCommand,
  },
  health: {
    summary: "Probe ipamd's gRPC health service: --live (answers at all) or --ready (node initialised, SERVING)",
    load: async () => (await import('./health.js')).healthCommand,
  },
  ipamd: {
    summary: 'Run ipamd, the per-node IP address manager (configured by environment variables)',
    load: async () => (await import('./ipamd.js')).ipamdCommand,
  },
  demo: {
    summary: 'Run a three-node cluster in the embedded VPC with pods, ping across nodes, then clean up (as root)',
    load: async () => (await import('./demo.js')).demoCommand,
  },
  status: {
    summary: "Show a node's ENIs, pods, settings and warm pool from ipamd's introspection API (tables or JSON)",
    load: async () => (await import('./status.js')).statusCommand,
  },
  get: {
    summary: "List the demo's pods as kubectl get pods does, from each node's ipamd (-o wide for IP and node)",
    load: async () => (await import('./get.js')).getCommand,
  },
  limits: {
    summary: "Show an instance type's network limits and its max pods in each mode",
    load: async () => (await import('./limits.js')).limitsCommand,
  },
  'custom-networking': {
    summary:
      "Secondary CIDR + an ENIConfig per zone as one safe plan/apply (the seed's six steps); validate ENIConfigs",
    load: async () => (await import('./custom-networking.js')).customNetworkingCommand,
  },
};
