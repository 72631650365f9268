/**
 * The node settings of the reference's init container (aws-vpc-cni-init) [behaviour §1.1], written in the node's
 * network namespace before ipamd starts: loose reverse-path filtering on the primary interface, TCP early demux, and
 * the IPv6 switches. `vpc-cni init` is the program; this is its networking side.
 *
 * `/proc/sys/net` shows the network namespace of the process that opens it, so the sysctls of a namespace are written
 * by one `nsenter --net=PATH -- sysctl -w ...` (or a plain `sysctl -w` in the process's own namespace, which is the
 * node's when the init container runs with the host network). Keys with a device name use `/` separators, since a
 * device name may contain dots (`net/ipv4/conf/eth0.5/rp_filter`).
 *
 * @example
 * const sysctls = nodeInitSysctls({ primaryInterface: 'eth0', disableTcpEarlyDemux: true, ipv6: false, v6Egress: false });
 * // { required: { 'net/ipv4/conf/eth0/rp_filter': '2' }, optional: { 'net.ipv4.tcp_early_demux': '0' } }
 * const node = new NodeSysctls({ executor: new NetlinkExecutor({ confined: true }), netns: 'vcni-42-1-n1' });
 * await node.write(sysctls.required);                        // ['net.ipv4.conf.eth0.rp_filter = 2']
 * await node.write(sysctls.optional, { ignoreMissing: true }); // [] on a kernel without tcp_early_demux
 */
import { checkLinkName, checkMac, netnsPath, sysctlWords, type ProgramCommand } from './commands.js';
import { NetlinkError } from './errors.js';
import type { IpOptions, NetlinkExecutor } from './exec.js';

export interface NodeInitPlan {
  /** The link whose MAC is IMDS's `meta-data/mac`. */
  readonly primaryInterface: string;
  /** DISABLE_TCP_EARLY_DEMUX. */
  readonly disableTcpEarlyDemux: boolean;
  /** ENABLE_IPv6. */
  readonly ipv6: boolean;
  /** ENABLE_V6_EGRESS. */
  readonly v6Egress: boolean;
}

export interface NodeInitSysctls {
  /** Written unconditionally: a missing key is an error. */
  readonly required: Readonly<Record<string, string>>;
  /** Written only where the kernel has the key (the reference skips tcp_early_demux when it does not exist). */
  readonly optional: Readonly<Record<string, string>>;
}

/**
 * The reference's init sysctls [behaviour §1.1]. rp_filter=2 (loose) because a pod's reply leaves through the ENI
 * that owns the pod's address, not always the primary one; tcp_early_demux=0 makes kubelet's TCP probes reach pods
 * with security groups (branch ENIs), whose packets arrive on a VLAN but answer through the host; the IPv6 trio lets
 * an IPv6 node forward pods' traffic and still learn its default route from router advertisements.
 */
export function nodeInitSysctls(plan: NodeInitPlan): NodeInitSysctls {
  const primary = checkLinkName(plan.primaryInterface);
  const required: Record<string, string> = { [`net/ipv4/conf/${primary}/rp_filter`]: '2' };
  if (plan.ipv6) required['net/ipv6/conf/all/disable_ipv6'] = '0';
  if (plan.ipv6 || plan.v6Egress) {
    required['net/ipv6/conf/all/forwarding'] = '1';
    required[`net/ipv6/conf/${primary}/accept_ra`] = '2';
  }
  return { required, optional: { 'net.ipv4.tcp_early_demux': plan.disableTcpEarlyDemux ? '0' : '1' } };
}

/**
 * `sysctl [-e] -w k=v ...`, inside the namespace file when one is given. Without `-q` sysctl prints each key it
 * wrote (`net.ipv4.tcp_early_demux = 0`); with `-e` it skips keys the kernel does not have, silently.
 */
export function sysctlWriteCommand(
  netnsFile: string | undefined,
  settings: Readonly<Record<string, string | number>>,
  options: { readonly ignoreMissing?: boolean } = {},
): ProgramCommand {
  const sysctl = [...(options.ignoreMissing === true ? ['-e'] : []), '-w', ...sysctlWords(settings)];
  if (netnsFile === undefined) return { file: 'sysctl', args: sysctl };
  return { file: 'nsenter', args: [`--net=${netnsFile}`, '--', 'sysctl', ...sysctl] };
}

interface JsonLink {
  readonly ifname?: string;
  readonly address?: string;
}

/** Reads links and writes sysctls in one network namespace (the node's). */
export class NodeSysctls {
  readonly #exec: NetlinkExecutor;
  readonly #ns: IpOptions;
  readonly #netnsFile: string | undefined;

  /** `netns`: a name (under /var/run/netns) or a path; undefined = this process's own namespace. */
  constructor(options: { readonly executor: NetlinkExecutor; readonly netns?: string | undefined }) {
    this.#exec = options.executor;
    this.#ns = options.netns === undefined ? {} : { netns: options.netns };
    this.#netnsFile =
      options.netns === undefined
        ? undefined
        : options.netns.startsWith('/')
          ? options.netns
          : netnsPath(options.netns);
  }

  /** The name of the link with this MAC, or undefined. */
  async linkByMac(mac: string): Promise<string | undefined> {
    const wanted = checkMac(mac);
    const links = await this.#exec.ipJson<JsonLink[]>({ args: ['link', 'show'] }, this.#ns);
    return links.find((link) => link.address?.toLowerCase() === wanted)?.ifname;
  }

  /**
   * Writes the settings in one process and returns what sysctl reported writing (`key = value`, dotted). A missing
   * key fails the whole write (NETLINK_NOT_FOUND) unless `ignoreMissing`, which leaves it out of the report. With
   * a confined executor and no namespace this refuses, as every command of that executor does outside a namespace.
   */
  async write(
    settings: Readonly<Record<string, string>>,
    options: { readonly ignoreMissing?: boolean } = {},
  ): Promise<string[]> {
    if (Object.keys(settings).length === 0) return [];
    if (this.#netnsFile === undefined && this.#exec.confined) {
      throw new NetlinkError(
        'NETLINK_INVALID_ARGUMENT',
        'confined executor: refusing to write sysctls outside a network namespace',
        { keys: Object.keys(settings) },
      );
    }
    const result = await this.#exec.run(sysctlWriteCommand(this.#netnsFile, settings, options));
    return result.stdout
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '');
  }
}
