/**
 * ipamd's host networking [behaviour §7.5–7.8] in the node's network namespace: a secondary ENI's address, table and
 * rule 32765; SNAT, connmark and rule 1024; rules 1535; a stale pod's rules. Implements the {@link HostNetwork} port.
 *
 * Every method is idempotent and converges from whatever it finds: reads first (`ip -json ...`, `iptables-save`),
 * then one `ip -batch` and/or one `iptables-restore` with only what differs. Process counts (≈ 5 ms each):
 * `setupEni` 2 (addr dump + batch), `teardownEni` 1, `setupSnat` 2–4 (rule dump, then `iptables-save`, plus a batch
 * and a restore only when something changed; and one `iptables --version` per instance, beside the rule dump),
 * `setupExternalServiceRules` 1–2, `deletePodRules` 1–2, `linkByMac`/`linkNames`/`setMtu` 1.
 *
 * The namespace is the node's (`VPC_CNI_HOST_NETNS`), by name or path; undefined means this process's own namespace,
 * which only a non-confined executor allows (a confined one refuses the first `ip` command, and every method that
 * runs iptables runs an `ip` command first, so nothing escapes to the caller's namespace).
 *
 * @example
 * const host = new NetlinkHostNetwork({ executor: new NetlinkExecutor({ confined: true }), netns: 'vcni-42-1-n1' });
 * await host.setupEni({ mac, deviceNumber: 2, primaryIp: '10.0.97.5', subnetCidr: '10.0.96.0/19', routeTableId: 3, mtu: 9001 });
 */
import type { EniNetworkSpec, HostNetwork, SnatSpec } from './port.js';
import { checkMac, linkSetMtu, type IpCommand } from './commands.js';
import { NetlinkError } from './errors.js';
import type { IpOptions, NetlinkExecutor } from './exec.js';
import {
  connmarkRuleCommands,
  eniSetupCommands,
  eniTeardownCommands,
  externalServiceRuleCommands,
  podRuleDeleteCommands,
  type IpRuleJson,
} from './host-routes.js';
import { Iptables, type IptablesBackend } from './iptables.js';
import { snatRules, type RestorePlan } from './iptables-rules.js';

export interface HostNetworkOptions {
  readonly executor: NetlinkExecutor;
  /** The node namespace (name or path); undefined = this process's own namespace (non-confined executor only). */
  readonly netns?: string | undefined;
  /**
   * How long `setupEni` waits for a hot-plugged ENI's link to appear. The reference tries 5 times, 3 s apart; the
   * default here is 5 × 1 s (the embedded VPC plugs the link before EC2 reports the attachment).
   */
  readonly linkWait?: { readonly attempts?: number; readonly delayMs?: number };
  /** iptables programs: `auto` (default: the host's `iptables*`, backend from `iptables --version`), `nft`, `legacy`. */
  readonly iptablesBackend?: 'auto' | IptablesBackend;
}

interface JsonLink {
  readonly ifname?: string;
  readonly address?: string;
  readonly addr_info?: readonly {
    readonly family?: string;
    readonly local?: string;
    readonly prefixlen?: number;
    readonly scope?: string;
  }[];
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** {@link HostNetwork} through iproute2 and iptables, in one namespace. */
export class NetlinkHostNetwork implements HostNetwork {
  readonly #exec: NetlinkExecutor;
  readonly #ns: IpOptions;
  readonly #attempts: number;
  readonly #delayMs: number;
  readonly #iptables: Iptables;
  #lastSnatPlan: RestorePlan | undefined;

  constructor(options: HostNetworkOptions) {
    this.#exec = options.executor;
    this.#ns = options.netns === undefined ? {} : { netns: options.netns };
    this.#attempts = Math.max(1, options.linkWait?.attempts ?? 5);
    this.#delayMs = Math.max(0, options.linkWait?.delayMs ?? 1000);
    this.#iptables = new Iptables({
      executor: options.executor,
      netns: options.netns,
      backend: options.iptablesBackend ?? 'auto',
    });
  }

  /** The iptables programs of this namespace (for diagnostics and tests). */
  get iptables(): Iptables {
    return this.#iptables;
  }

  /** What the last {@link setupSnat} changed in iptables (`table/chain` list; empty when it found them converged). */
  get lastSnatPlan(): RestorePlan | undefined {
    return this.#lastSnatPlan;
  }

  async linkByMac(mac: string): Promise<string | undefined> {
    const wanted = checkMac(mac);
    const links = await this.#exec.ipJson<JsonLink[]>({ args: ['link', 'show'] }, this.#ns);
    return links.find((l) => l.address?.toLowerCase() === wanted)?.ifname;
  }

  async setMtu(linkName: string, mtu: number): Promise<void> {
    await this.#exec.ip(linkSetMtu(linkName, mtu), this.#ns);
  }

  async setupEni(spec: EniNetworkSpec): Promise<void> {
    const link = await this.#waitForLink(checkMac(spec.mac));
    const name = link.ifname ?? '';
    const inetAddresses = (link.addr_info ?? [])
      .filter((a) => a.family === 'inet' && (a.scope ?? 'global') === 'global' && a.local !== undefined)
      .map((a) => `${a.local}/${a.prefixlen ?? 32}`);
    await this.#exec.batch(eniSetupCommands({ name, inetAddresses }, spec), this.#ns);
  }

  async teardownEni(spec: Pick<EniNetworkSpec, 'primaryIp' | 'routeTableId'>): Promise<void> {
    await this.#exec.batch(eniTeardownCommands(spec), this.#ns);
  }

  async setupSnat(spec: SnatSpec): Promise<void> {
    // The rule dump is awaited before any iptables program runs: a confined executor without a namespace refuses
    // it, so iptables never runs in the caller's namespace by mistake. After that, rule 1024 and iptables are
    // independent and run side by side.
    const rules = await this.#rules();
    const wanted = snatRules(spec, { randomFully: (await this.#iptables.info()).randomFully });
    const keepMark = spec.nodePortSupport || !spec.externalSnat;
    const [batch, plan] = await Promise.allSettled([
      this.#batch(connmarkRuleCommands(rules, keepMark ? spec.connmark : undefined)),
      this.#iptables.converge(wanted),
    ]);
    if (batch.status === 'rejected') throw batch.reason;
    if (plan.status === 'rejected') throw plan.reason;
    this.#lastSnatPlan = plan.value;
  }

  async setupExternalServiceRules(cidrs: readonly string[]): Promise<void> {
    await this.#batch(externalServiceRuleCommands(await this.#rules(), cidrs));
  }

  async linkNames(): Promise<string[]> {
    const links = await this.#exec.ipJson<JsonLink[]>({ args: ['link', 'show'] }, this.#ns);
    return links.flatMap((l) => (l.ifname === undefined ? [] : [l.ifname]));
  }

  async deletePodRules(ip: string): Promise<void> {
    await this.#batch(podRuleDeleteCommands(ip, await this.#rules()));
  }

  async #rules(): Promise<IpRuleJson[]> {
    return this.#exec.ipJson<IpRuleJson[]>({ args: ['-4', 'rule', 'show'] }, this.#ns);
  }

  async #batch(commands: readonly IpCommand[]): Promise<void> {
    if (commands.length > 0) await this.#exec.batch(commands, this.#ns);
  }

  async #waitForLink(mac: string): Promise<JsonLink> {
    for (let attempt = 1; ; attempt += 1) {
      const links = await this.#exec.ipJson<JsonLink[]>({ args: ['addr', 'show'] }, this.#ns);
      const link = links.find((l) => l.address?.toLowerCase() === mac);
      if (link?.ifname !== undefined) return link;
      if (attempt >= this.#attempts) {
        throw new NetlinkError(
          'ENI_LINK_NOT_FOUND',
          `no link with MAC ${mac} after ${attempt} attempts, ${this.#delayMs} ms apart`,
          { mac, netns: this.#ns.netns, attempts: attempt },
        );
      }
      await sleep(this.#delayMs);
    }
  }
}
