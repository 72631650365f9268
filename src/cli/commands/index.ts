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
  ipamd: {
    summary: 'Run ipamd, the per-node IP address manager (configured by environment variables)',
    load: async () => (await import('./ipamd.js')).ipamdCommand,
  },
  limits: {
    summary: "Show an instance type's network limits and its max pods in each mode",
    load: async () => (await import('./limits.js')).limitsCommand,
  },
};
