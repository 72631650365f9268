/**
 * The embedded VPC's data plane: one "fabric" namespace that plays the VPC router, one namespace per simulated
 * instance ("node"), and a veth pair per attached ENI. The recipe (verified on the project's machines) is:
 *
 * - fabric: `ip_forward=1`; each subnet's gateway (`.1`) is a /32 on its `lo`, so it answers ARP for the gateway on
 *   every ENI link; ENI links have `proxy_arp=1` (a node ARPs for same-subnet peers on its connected route) with no
 *   proxy delay (the kernel's default holds proxied ARP replies for up to 800 ms) and `rp_filter=0` (replies of pods
 *   on a secondary ENI may come back through eth0);
 * - every address EC2 assigns to an ENI is routed in the fabric to that ENI's link, with a PERMANENT neighbour entry
 *   to the ENI's MAC: the VPC knows who owns an address and never ARPs a node for it (a node does not answer ARP for
 *   its pods' addresses, so without the entry traffic to pods would die in the fabric);
 * - nodes: `ip_forward=1` (EKS AMIs set it) and loose `rp_filter` (2) on their ENIs;
 * - a branch ENI (security groups for pods) has no link of its own: its frames ride its trunk ENI's link tagged with
 *   the association's VLAN id (the node side is the plugin's `vlan.eth.<id>` on the trunk's `ethN`). The fabric end of
 *   the trunk gets a VLAN sub-interface per branch (`n<k>-eth<N>.<id>`), and the branch's addresses are routed to it
 *   with permanent neighbour entries to the branch's MAC, as an ENI's are to its link.
 *
 * Per-device sysctls are set once per namespace through `net.ipv4.conf.default.*`: a device copies the defaults of
 * the namespace it is registered in when it is created, which saves one `sysctl` process per ENI. Every operation is
 * one `ip -batch` per namespace it touches; a secondary ENI is plugged with one process, the primary with two.
 *
 * @example
 * const fabric = await VpcFabric.create();
 * const node = await fabric.addNode('i-0abc');
 * const eni = { nodeNs: node.name, deviceIndex: 1 };
 * await fabric.plugEni({ ...eni, mac: '02:00:00:00:00:01', subnetCidr: '10.0.0.0/24', primaryIp: '10.0.0.11' });
 * await fabric.routeAddresses(eni, ['10.0.0.20', '10.0.0.32/28']);
 * await fabric.destroy();
 */
import { formatCidr, formatIpv4, subnetGateway } from '../ipam/cidr.js';
import {
  addrReplace,
  checkMac,
  linkAddVeth,
  linkDelete,
  linkSetUp,
  neighTableSetProxyDelay,
  netnsPath,
  routeReplace,
} from './commands.js';
import { NetlinkError } from './errors.js';
import { NetlinkExecutor } from './exec.js';
import {
  describeRef,
  eniKey,
  isBranchOf,
  subnetOf,
  type EniRef,
  type PlugBranchOptions,
  type PlugEniOptions,
  type PluggedEni,
} from './fabric-ports.js';
import { parseAddressBlock, routeAddressCommands, unrouteAddressCommands } from './fabric-routes.js';
import { VlanLinks } from './vlan-link.js';
import {
  createNamespace,
  deleteNamespaces,
  deleteNamespacesWithPrefix,
  newRunPrefix,
  removeLeftoverNamespaces,
} from './netns.js';

/** EC2's ENI MTU (jumbo frames inside a VPC). */
export type { EniRef, PlugBranchOptions, PlugEniOptions, PluggedEni } from './fabric-ports.js';

export const EC2_ENI_MTU = 9001;

const FABRIC_SYSCTLS = {
  'net.ipv4.ip_forward': 1,
  // rp_filter takes the larger of `all` and the device's value, and a new namespace copies `all` from the root one.
  'net.ipv4.conf.all.rp_filter': 0,
  'net.ipv4.conf.default.rp_filter': 0,
  'net.ipv4.conf.default.proxy_arp': 1,
} as const;

// Like systemd's 50-default.conf on AL2023: `all` stays 0, every later device (ENIs, pod veths) is loose.
const NODE_SYSCTLS = {
  'net.ipv4.ip_forward': 1,
  'net.ipv4.conf.all.rp_filter': 0,
  'net.ipv4.conf.default.rp_filter': 2,
} as const;

export interface FabricOptions {
  /** Names every namespace of this fabric (`<prefix>-vpc`, `<prefix>-n<k>`); default {@link newRunPrefix}(). */
  readonly prefix?: string;
  /** Default: a confined executor (it refuses to run anything in the caller's namespace). */
  readonly executor?: NetlinkExecutor;
  /** Default MTU of ENI links; default {@link EC2_ENI_MTU}. */
  readonly mtu?: number;
  /** Delete namespaces left by dead `vcni-<pid>` runs first; default true. */
  readonly removeLeftovers?: boolean;
}

/** A simulated instance: a network namespace. */
export interface FabricNode {
  readonly instanceId: string;
  readonly name: string;
  /** `/var/run/netns/<name>`, for `nsenter --net=` and CNI_NETNS-style paths. */
  readonly path: string;
}

interface NodeEntry extends FabricNode {
  readonly index: number;
}

export class VpcFabric {
  readonly prefix: string;
  /** The fabric namespace's name (`<prefix>-vpc`). */
  readonly name: string;
  readonly path: string;
  readonly #exec: NetlinkExecutor;
  readonly #vlans: VlanLinks;
  readonly #mtu: number;
  readonly #nodes = new Map<string, NodeEntry>();
  readonly #enis = new Map<string, PluggedEni>();
  #nodeCounter = 0;
  #tail: Promise<unknown> = Promise.resolve();
  #destroyed = false;

  private constructor(prefix: string, exec: NetlinkExecutor, mtu: number) {
    this.prefix = prefix;
    this.name = `${prefix}-vpc`;
    this.path = netnsPath(this.name);
    this.#exec = exec;
    this.#vlans = new VlanLinks(exec);
    this.#mtu = mtu;
  }

  /**
   * Creates the fabric namespace: `netns add`, `sysctl`, `link set lo up`, after a scan for leftovers of dead runs
   * (`netns list`, and one `netns del` batch when there are any).
   */
  static async create(options: FabricOptions = {}): Promise<VpcFabric> {
    const exec = options.executor ?? new NetlinkExecutor({ confined: true });
    const fabric = new VpcFabric(options.prefix ?? newRunPrefix(), exec, options.mtu ?? EC2_ENI_MTU);
    if (options.removeLeftovers ?? true) await removeLeftoverNamespaces(exec);
    await createNamespace(exec, fabric.name, FABRIC_SYSCTLS);
    return fabric;
  }

  /** Processes spawned by this fabric's executor so far. */
  get spawnCount(): number {
    return this.#exec.spawnCount;
  }

  /** The node of an instance, if it has one. */
  node(instanceId: string): FabricNode | undefined {
    return this.#nodes.get(instanceId);
  }

  /** The ENI plugged at this node and device index, if any. */
  plugged(eni: EniRef): PluggedEni | undefined {
    return this.#enis.get(eniKey(eni));
  }

  /** Creates the node namespace of an instance (idempotent: returns the existing node). */
  addNode(instanceId: string): Promise<FabricNode> {
    return this.#exclusive(async () => {
      const existing = this.#nodes.get(instanceId);
      if (existing !== undefined) return existing;
      const index = ++this.#nodeCounter;
      const name = `${this.prefix}-n${index}`;
      await createNamespace(this.#exec, name, NODE_SYSCTLS);
      const node: NodeEntry = { instanceId, name, path: netnsPath(name), index };
      this.#nodes.set(instanceId, node);
      return node;
    });
  }

  /**
   * Attaches an ENI: a veth pair whose node end is created directly in the node namespace as `eth<deviceIndex>`
   * with the ENI's MAC (left down, as EC2 hands a hot-plugged ENI to the OS; ipamd brings it up), and whose fabric
   * end routes the ENI's primary address. Device 0 is also configured as EC2's DHCP would: up, `<primary>/<len>`,
   * `default via <gateway>`. Plugging the same MAC at the same place again is a no-op.
   */
  plugEni(options: PlugEniOptions): Promise<PluggedEni> {
    return this.#exclusive(async () => {
      const node = this.#nodeByName(options.nodeNs);
      const mac = checkMac(options.mac);
      const existing = this.#existing({ nodeNs: options.nodeNs, deviceIndex: options.deviceIndex }, mac);
      if (existing !== undefined) return existing;
      if (!Number.isInteger(options.deviceIndex) || options.deviceIndex < 0 || options.deviceIndex > 99) {
        throw new NetlinkError('NETLINK_INVALID_ARGUMENT', `invalid device index ${options.deviceIndex}`, {
          deviceIndex: options.deviceIndex,
        });
      }
      const subnet = subnetOf(options);
      const gateway = formatIpv4(subnetGateway(subnet));
      const linkName = `eth${options.deviceIndex}`;
      const fabricLink = `n${node.index}-${linkName}`;
      const mtu = options.mtu ?? this.#mtu;
      const eni: PluggedEni = {
        nodeNs: node.name,
        deviceIndex: options.deviceIndex,
        mac,
        linkName,
        fabricLink,
        subnetCidr: formatCidr(subnet),
        gateway,
        primaryIp: options.primaryIp,
      };
      try {
        await this.#exec.batch(
          [
            // Not registered, so a link of this name is a leftover of a failed plug.
            linkDelete(fabricLink),
            linkAddVeth({ name: fabricLink, mtu, up: true, peer: { name: linkName, netns: node.name, mac, mtu } }),
            neighTableSetProxyDelay(fabricLink, 0),
            addrReplace(`${gateway}/32`, 'lo'),
            ...routeAddressCommands([parseAddressBlock(options.primaryIp)], mac, fabricLink),
          ],
          { netns: this.name },
        );
        if (options.deviceIndex === 0) {
          const address = `${options.primaryIp}/${subnet.prefixLength}`;
          const dhcp = [
            linkSetUp(linkName),
            addrReplace(address, linkName),
            routeReplace({ dst: 'default', via: gateway, dev: linkName }),
          ];
          await this.#exec.batch(dhcp, { netns: node.name });
        }
      } catch (error) {
        await this.#exec.batch([linkDelete(fabricLink)], { netns: this.name }).catch(() => undefined);
        throw error;
      }
      this.#enis.set(eniKey(eni), eni);
      return eni;
    });
  }

  /**
   * Plugs a branch ENI into its trunk (plugged at `deviceIndex`): a VLAN sub-interface of the trunk's fabric end,
   * the branch subnet's gateway on `lo`, and the branch's primary address routed to the sub-interface with a
   * permanent neighbour entry to the branch's MAC. Two processes with the kernel's VLAN links, five with their stand-in
   * (vlan-link.ts). Plugging the same MAC again is a no-op.
   */
  plugBranch(options: PlugBranchOptions): Promise<PluggedEni> {
    return this.#exclusive(async () => {
      const trunk = this.#plugged({ nodeNs: options.nodeNs, deviceIndex: options.deviceIndex });
      const mac = checkMac(options.mac);
      const existing = this.#existing(options, mac);
      if (existing !== undefined) return existing;
      const subnet = subnetOf(options);
      const gateway = formatIpv4(subnetGateway(subnet));
      const { vlanId, primaryIp } = options;
      const fabricLink = `${trunk.fabricLink}.${vlanId}`;
      const branch: PluggedEni = {
        ...trunk,
        vlanId,
        mac,
        fabricLink,
        subnetCidr: formatCidr(subnet),
        gateway,
        primaryIp,
      };
      const vlan = { name: fabricLink, parent: trunk.fabricLink, vlanId };
      try {
        await this.#vlans.add(this.name, { ...vlan, mtu: this.#mtu, up: true });
        await this.#exec.batch(
          [
            neighTableSetProxyDelay(fabricLink, 0),
            addrReplace(`${gateway}/32`, 'lo'),
            ...routeAddressCommands([parseAddressBlock(primaryIp)], mac, fabricLink),
          ],
          { netns: this.name },
        );
      } catch (error) {
        await this.#vlans.remove(this.name, vlan).catch(() => undefined);
        throw error;
      }
      this.#enis.set(eniKey(branch), branch);
      return branch;
    });
  }

  /**
   * Routes addresses to a plugged ENI: bare addresses (secondary IPs) and CIDR blocks (delegated /28 prefixes, at
   * most /24). A block is one route plus a permanent neighbour entry per address: the kernel resolves a link route's
   * next hop as the destination itself, so the /32 neighbour entries are what it finds. One process in all.
   */
  routeAddresses(eni: EniRef, addresses: readonly string[]): Promise<void> {
    return this.#exclusive(async () => {
      const plugged = this.#plugged(eni);
      const commands = routeAddressCommands(addresses.map(parseAddressBlock), plugged.mac, plugged.fabricLink);
      if (commands.length > 0) await this.#exec.batch(commands, { netns: this.name });
    });
  }

  /** Removes what {@link routeAddresses} added; routes that moved to another ENI meanwhile are left alone. */
  unrouteAddresses(eni: EniRef, addresses: readonly string[]): Promise<void> {
    return this.#exclusive(async () => {
      const plugged = this.#plugged(eni);
      const commands = unrouteAddressCommands(addresses.map(parseAddressBlock), plugged.fabricLink);
      if (commands.length > 0) await this.#exec.batch(commands, { netns: this.name });
    });
  }

  /**
   * Detaches an ENI: deleting the fabric end deletes the node end and every route and neighbour through it. A
   * trunk's branches are unplugged first (a stand-in VLAN link, vlan-link.ts, does not go with its parent as the
   * kernel's does); a ref with a VLAN id unplugs that branch only.
   */
  unplugEni(eni: EniRef): Promise<void> {
    return this.#exclusive(async () => {
      const plugged = this.#enis.get(eniKey(eni));
      if (plugged === undefined) return;
      const branches = plugged.vlanId === undefined ? [...this.#enis.values()].filter((b) => isBranchOf(b, eni)) : [];
      for (const branch of [...branches, plugged]) {
        const link = branch.fabricLink;
        if (branch.vlanId === undefined) await this.#exec.batch([linkDelete(link)], { netns: this.name });
        else {
          const parent = link.slice(0, link.lastIndexOf('.'));
          await this.#vlans.remove(this.name, { name: link, parent, vlanId: branch.vlanId });
        }
        this.#enis.delete(eniKey(branch));
      }
    });
  }

  /**
   * Deletes an instance's node namespace. Its fabric links are deleted first, explicitly: namespace teardown is
   * asynchronous in the kernel, and the fabric must not route to a dying link after this returns.
   */
  removeNode(instanceId: string): Promise<void> {
    return this.#exclusive(async () => {
      const node = this.#nodes.get(instanceId);
      if (node === undefined) return;
      const enis = [...this.#enis.values()].filter((eni) => eni.nodeNs === node.name);
      // Branches first: a stand-in VLAN link (vlan-link.ts) does not go with its parent as the kernel's does.
      const ordered = [...enis.filter((e) => e.vlanId !== undefined), ...enis.filter((e) => e.vlanId === undefined)];
      if (ordered.length > 0)
        await this.#exec.batch(
          ordered.map((eni) => linkDelete(eni.fabricLink)),
          { netns: this.name },
        );
      await deleteNamespaces(this.#exec, [node.name]);
      for (const eni of enis) this.#enis.delete(eniKey(eni));
      this.#nodes.delete(instanceId);
    });
  }

  /** Deletes every namespace named `<prefix>-*` (fabric, nodes, and any pod namespaces named after it). Idempotent. */
  async destroy(): Promise<void> {
    this.#destroyed = true;
    await this.#tail;
    await deleteNamespacesWithPrefix(this.#exec, this.prefix);
    this.#nodes.clear();
    this.#enis.clear();
  }

  #nodeByName(name: string): NodeEntry {
    for (const node of this.#nodes.values()) if (node.name === name) return node;
    throw new NetlinkError('FABRIC_UNKNOWN_NODE', `no node namespace ${name} in fabric ${this.name}`, { nodeNs: name });
  }

  /** What is plugged at `ref` when it holds `mac` (a repeated plug); a different MAC there is a conflict. */
  #existing(ref: EniRef, mac: string): PluggedEni | undefined {
    const existing = this.#enis.get(eniKey(ref));
    if (existing === undefined || existing.mac === mac) return existing;
    throw new NetlinkError('FABRIC_ENI_CONFLICT', `${describeRef(ref)} already holds ${existing.mac}`, {
      ...ref,
      mac,
      existing: existing.mac,
    });
  }

  #plugged(eni: EniRef): PluggedEni {
    const plugged = this.#enis.get(eniKey(eni));
    if (plugged !== undefined) return plugged;
    throw new NetlinkError('FABRIC_UNKNOWN_ENI', `no ENI plugged at ${describeRef(eni)}`, { ...eni });
  }

  /** Runs operations one at a time, in call order: each reads and updates the registries around its awaits. */
  #exclusive<T>(operation: () => Promise<T>): Promise<T> {
    if (this.#destroyed)
      return Promise.reject(new NetlinkError('FABRIC_DESTROYED', `fabric ${this.name} was destroyed`));
    const result = this.#tail.then(operation);
    this.#tail = result.catch(() => undefined);
    return result;
  }
}
