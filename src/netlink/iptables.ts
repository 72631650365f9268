/**
 * iptables inside one network namespace, through {@link NetlinkExecutor.run}: `nsenter --net=PATH -- iptables-save`
 * to read, and one `iptables-restore --noflush` for every table that needs a change (atomic per table: the nf_tables
 * backend commits one transaction, the legacy backend replaces the table blob). A converged namespace costs one
 * `iptables-save` and no write.
 *
 * Backend: `auto` runs the plain `iptables*` programs (whatever the host's alternatives point at) and reads the
 * backend from `iptables --version` as the reference does ("legacy" in the text → legacy, else nf_tables); `nft` and
 * `legacy` pick `iptables-nft-*` / `iptables-legacy-*` explicitly. Both backends get the same rules (the reference's
 * iptables connmark variant, `AWS-CONNMARK-CHAIN-0`); its nftables-table variant (`ip aws-cni`) is not implemented,
 * and a table of that name left by the reference is not removed (Debian 12 has no `nft` program by default).
 *
 * Hazards: never mix backends in one namespace (both rule sets are evaluated, and each `-save` shows only its own);
 * the legacy backend takes the machine-wide `/run/xtables.lock` (shared with the root namespace), hence `--wait`.
 *
 * @example
 * const ipt = new Iptables({ executor, netns: 'vcni-42-1-n1' });
 * const plan = await ipt.converge(snatRules(spec, { randomFully: (await ipt.info()).randomFully }));
 */
import { netnsPath, type ProgramCommand } from './commands.js';
import { NetlinkError, isNetlinkError } from './errors.js';
import type { NetlinkExecutor } from './exec.js';
import { parseIptablesSave, planRestore, type RestorePlan, type SnatRules } from './iptables-rules.js';

export type IptablesBackend = 'nft' | 'legacy';

export interface IptablesOptions {
  readonly executor: NetlinkExecutor;
  /** Namespace name or path; undefined = this process's namespace. */
  readonly netns?: string | undefined;
  /** Default `auto`. */
  readonly backend?: 'auto' | IptablesBackend;
  /** Seconds the legacy backend waits for the xtables lock; default 10. */
  readonly lockWaitSeconds?: number;
}

export interface IptablesInfo {
  readonly backend: IptablesBackend;
  readonly version: readonly [number, number, number];
  /** SNAT `--random-fully` is known to iptables ≥ 1.6.2. */
  readonly randomFully: boolean;
}

/** Reads `iptables --version` ("iptables v1.8.9 (nf_tables)"); older releases print no backend and are legacy. */
export function parseIptablesVersion(text: string): IptablesInfo {
  const match = /v(\d+)\.(\d+)\.(\d+)/.exec(text);
  if (match === null)
    throw new NetlinkError('IPTABLES_FAILED', `cannot read the iptables version from ${JSON.stringify(text.trim())}`, {
      stdout: text,
    });
  const version = [Number(match[1]), Number(match[2]), Number(match[3])] as const;
  const [major, minor, patch] = version;
  const randomFully = major > 1 || (major === 1 && (minor > 6 || (minor === 6 && patch >= 2)));
  return { backend: /nf_tables/.test(text) && !/legacy/.test(text) ? 'nft' : 'legacy', version, randomFully };
}

/** iptables programs run in one namespace. */
export class Iptables {
  readonly #exec: NetlinkExecutor;
  readonly #nsPath: string | undefined;
  readonly #choice: 'auto' | IptablesBackend;
  readonly #lockWait: number;
  #info: Promise<IptablesInfo> | undefined;

  constructor(options: IptablesOptions) {
    this.#exec = options.executor;
    const netns = options.netns;
    this.#nsPath = netns === undefined ? undefined : netns.startsWith('/') ? netns : netnsPath(netns);
    this.#choice = options.backend ?? 'auto';
    this.#lockWait = options.lockWaitSeconds ?? 10;
  }

  /** Backend, version and `--random-fully` support; one `iptables --version` per instance (the binary's, no namespace). */
  info(): Promise<IptablesInfo> {
    this.#info ??= this.#run(this.#program('iptables', ['--version'], false)).then(
      (out) => {
        const info = parseIptablesVersion(out);
        return this.#choice === 'auto' ? info : { ...info, backend: this.#choice };
      },
      (error: unknown) => {
        this.#info = undefined;
        throw error;
      },
    );
    return this.#info;
  }

  /** `iptables-save` of the namespace (all tables, or one). */
  async save(table?: string): Promise<string> {
    return this.#run(this.#program('iptables-save', table === undefined ? [] : ['-t', table], true));
  }

  /** `iptables-restore --noflush` with `input`; the whole input is refused when any line is. */
  async restore(input: string): Promise<void> {
    const wait = (await this.info()).backend === 'legacy' ? [`--wait=${this.#lockWait}`] : [];
    await this.#run(this.#program('iptables-restore', ['--noflush', ...wait], true), input);
  }

  /** Brings our chains and rules to `wanted`: one `iptables-save`, and one `iptables-restore` only if needed. */
  async converge(wanted: SnatRules): Promise<RestorePlan> {
    const plan = planRestore(parseIptablesSave(await this.save()), wanted);
    if (plan.input !== '') await this.restore(plan.input);
    return plan;
  }

  #program(name: string, args: readonly string[], inNamespace: boolean): ProgramCommand {
    const file = this.#choice === 'auto' ? name : name.replace(/^iptables/, `iptables-${this.#choice}`);
    if (!inNamespace || this.#nsPath === undefined) return { file, args };
    return { file: 'nsenter', args: [`--net=${this.#nsPath}`, '--', file, ...args] };
  }

  async #run(program: ProgramCommand, input?: string): Promise<string> {
    try {
      const result = await this.#exec.run(program, input === undefined ? {} : { input });
      return result.stdout;
    } catch (error) {
      // The executor reads iptables' stderr as iproute2's ("No such file or directory" is a missing jump target
      // here, not a missing route), so every failure becomes IPTABLES_FAILED; a missing namespace stays itself.
      if (isNetlinkError(error, 'NETNS_NOT_FOUND', 'NETLINK_TIMEOUT')) throw error;
      const details = isNetlinkError(error) ? error.details : {};
      const stderr = typeof details['stderr'] === 'string' ? details['stderr'] : '';
      const line = /line:? (\d+)/i.exec(stderr)?.[1];
      const failedLine = line === undefined || input === undefined ? undefined : input.split('\n')[Number(line) - 1];
      throw new NetlinkError(
        'IPTABLES_FAILED',
        `${(error as Error).message}${failedLine === undefined ? '' : ` (input line ${line}: ${failedLine})`}`,
        { ...details, netns: this.#nsPath, ...(input === undefined ? {} : { input }) },
        error,
      );
    }
  }
}
