/**
 * 802.1Q VLAN links (`ip link add link PARENT name NAME type vlan id N`), with a stand-in for kernels built without
 * the 802.1Q driver (CONFIG_VLAN_8021Q unset, as on the project's test machines: `ip link add ... type vlan` answers
 * "Unknown device type"). The stand-in behaves like the VLAN link on the wire and to the routing stack:
 *
 * - NAME is one end of a veth pair (its peer `vt<hash>`), with the requested MAC and MTU;
 * - a tc BPF program on the peer's ingress (what the stack sends out of NAME) pushes the VLAN tag and redirects the
 *   frame out of PARENT;
 * - a tc BPF program on PARENT's ingress (filter preference = the VLAN id) pops the tag of frames of that VLAN and
 *   redirects them into NAME, as if NAME had received them; other frames go on to the next filter, untouched.
 *
 * The programs are LLVM IR compiled by `llc -march=bpf` with the VLAN id and both interface indexes as constants (the
 * kernel keeps the tag of a received frame as metadata and the BPF helpers push and pop it; neither needs 802.1Q).
 * The mode is decided once per instance, by the first add: the kernel's driver when it has one.
 *
 * @example
 * const vlans = new VlanLinks(new NetlinkExecutor({ confined: true }));
 * await vlans.add('vcni-9-1-n1', { name: 'vlan.eth.5', parent: 'eth1', vlanId: 5, mac: '02:00:00:00:00:05', up: true });
 * await vlans.remove('vcni-9-1-n1', { name: 'vlan.eth.5', parent: 'eth1', vlanId: 5 });
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  checkLinkName,
  linkAddVeth,
  linkAddVlan,
  linkDelete,
  linkSetMtu,
  linkSetUp,
  type IpCommand,
} from './commands.js';
import { isNetlinkError, NetlinkError } from './errors.js';
import { parseBatchErrors, type NetlinkExecutor } from './exec.js';
import { vlanProgramIr } from './vlan-program.js';

/** The kernel's 802.1Q driver, or the veth + tc BPF stand-in. */
export type VlanLinkMode = 'kernel' | 'tc-bpf';

export interface VlanLinkSpec {
  readonly name: string;
  /** The link whose frames carry the tag. */
  readonly parent: string;
  /** 1–4094. */
  readonly vlanId: number;
  readonly mac?: string;
  readonly mtu?: number;
  readonly up?: boolean;
}

export interface VlanLinksOptions {
  /** Default: decided by the first {@link VlanLinks.add} (the kernel's driver when it has one). */
  readonly mode?: VlanLinkMode;
  readonly llcPath?: string;
  readonly tcPath?: string;
}

/** The stand-in's hidden veth end: `vt` and 11 hex digits of the link's name (fits IFNAMSIZ, stable per name). */
export function standInPeerName(name: string): string {
  return `vt${createHash('sha1').update(checkLinkName(name)).digest('hex').slice(0, 11)}`;
}

/** `ip link add ... type vlan` on a kernel without the driver. */
function unsupported(error: unknown): boolean {
  return isNetlinkError(error) && /Unknown device type|Operation not supported/i.test(error.message);
}

export class VlanLinks {
  readonly #exec: NetlinkExecutor;
  readonly #llc: string;
  readonly #tc: string;
  #mode: VlanLinkMode | undefined;

  constructor(exec: NetlinkExecutor, options: VlanLinksOptions = {}) {
    this.#exec = exec;
    this.#mode = options.mode;
    this.#llc = options.llcPath ?? 'llc';
    this.#tc = options.tcPath ?? 'tc';
  }

  /** The mode in use; undefined until the first add decided it. */
  get mode(): VlanLinkMode | undefined {
    return this.#mode;
  }

  /** Adds the VLAN link in `netns` (a namespace name), replacing a link of that name; returns how it was made. */
  async add(netns: string, spec: VlanLinkSpec): Promise<VlanLinkMode> {
    const kernel = kernelCommands(spec); // validates every argument, whichever mode runs
    if (this.#mode !== 'tc-bpf') {
      try {
        await this.#exec.batch(kernel, { netns });
        this.#mode = 'kernel';
        return 'kernel';
      } catch (error) {
        if (this.#mode === 'kernel' || !unsupported(error)) throw error;
        this.#mode = 'tc-bpf';
      }
    }
    await this.#addStandIn(netns, spec);
    return 'tc-bpf';
  }

  /**
   * Removes the link and, unless the kernel's driver made it, the stand-in's filter on the parent (the veth peer goes
   * with the link); what is already gone is fine.
   */
  async remove(netns: string, spec: Pick<VlanLinkSpec, 'name' | 'parent' | 'vlanId'>): Promise<void> {
    await this.#exec.batch([linkDelete(spec.name)], { netns });
    if (this.#mode !== 'kernel') {
      await this.#tcBatch(netns, [`filter del dev ${checkLinkName(spec.parent)} ingress pref ${spec.vlanId}`]);
    }
  }

  async #addStandIn(netns: string, spec: VlanLinkSpec): Promise<void> {
    const peer = standInPeerName(spec.name);
    const mtu = spec.mtu === undefined ? {} : { mtu: spec.mtu };
    await this.#exec.batch(
      [
        linkDelete(spec.name),
        linkAddVeth({
          name: spec.name,
          ...(spec.mac === undefined ? {} : { mac: spec.mac }),
          ...mtu,
          up: spec.up === true,
          peer: { name: peer, ...mtu },
        }),
        // The hidden end must stay silent: no IPv6 link-local address, so no neighbour discovery of its own.
        { args: ['link', 'set', 'dev', peer, 'addrgenmode', 'none'] },
        linkSetUp(peer),
      ],
      { netns },
    );
    const dir = await mkdtemp(join(tmpdir(), 'vcni-vlan-'));
    try {
      const links = await this.#exec.ipJson<{ ifname?: string; ifindex?: number }[]>(
        { args: ['link', 'show'] },
        { netns },
      );
      const index = (name: string): number => {
        const found = links.find((l) => l.ifname === name)?.ifindex;
        if (found !== undefined) return found;
        throw new NetlinkError('LINK_NOT_FOUND', `no link ${name} in ${netns}`, { netns, link: name });
      };
      const object = join(dir, 'vlan.o');
      const ir = vlanProgramIr({ vlanId: spec.vlanId, linkIndex: index(spec.name), parentIndex: index(spec.parent) });
      await this.#exec.run(
        { file: this.#llc, args: ['-march=bpf', '-filetype=obj', '-o', object, '-'] },
        { input: ir },
      );
      await this.#tcBatch(netns, [
        `qdisc add dev ${spec.parent} clsact`,
        `filter replace dev ${spec.parent} ingress pref ${spec.vlanId} handle 1 bpf da obj ${object} sec classifier/untag`,
        `qdisc add dev ${peer} clsact`,
        `filter replace dev ${peer} ingress pref 1 handle 1 bpf da obj ${object} sec classifier/tag`,
      ]);
    } catch (error) {
      await this.#exec.batch([linkDelete(spec.name)], { netns }).catch(() => undefined);
      throw error;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /**
   * `tc -n NETNS -force -batch -`. Tolerated: a clsact qdisc that exists ("Exclusivity flag on"), a filter, chain or device
   * that is already gone (removals).
   */
  async #tcBatch(netns: string, lines: readonly string[]): Promise<void> {
    try {
      await this.#exec.run(
        { file: this.#tc, args: ['-n', netns, '-force', '-batch', '-'] },
        { input: `${lines.join('\n')}\n` },
      );
    } catch (error) {
      const raw = isNetlinkError(error) ? error.details['stderr'] : undefined;
      const stderr = typeof raw === 'string' ? raw : '';
      const failures = [...parseBatchErrors(stderr)].filter(
        ([, message]) => !/Exclusivity flag on|not found|Cannot find (device|specified filter chain)/i.test(message),
      );
      if (failures.length === 0 && stderr !== '') return;
      const [line = 0, message = ''] = failures[0] ?? [];
      throw new NetlinkError(
        'NETLINK_COMMAND_FAILED',
        `tc -batch line ${line} (${lines[line - 1] ?? '?'}) in ${netns}: ${message}`,
        { netns, line, stderr },
        error,
      );
    }
  }
}

/** The kernel's own VLAN link: add, then up when asked (one batch). */
function kernelCommands(spec: VlanLinkSpec): IpCommand[] {
  const add = linkAddVlan({
    name: spec.name,
    parent: spec.parent,
    vlanId: spec.vlanId,
    ...(spec.mac === undefined ? {} : { mac: spec.mac }),
    up: spec.up === true,
  });
  return [linkDelete(spec.name), add, ...(spec.mtu === undefined ? [] : [linkSetMtu(spec.name, spec.mtu)])];
}
