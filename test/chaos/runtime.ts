/**
 * A container runtime for chaos tests, reduced to what matters for IPAM: pods get a namespace and an ADD through the
 * real plugin; a failed ADD is followed by DEL (as kubelet and containerd do), a DEL that fails is retried until it
 * succeeds, a successful DEL is repeated once (containerd's stop, then remove) and the pod's namespace is deleted.
 * Alongside, the invariants the node must hold whatever happened: ipamd (`/v1/enis`) holds exactly the live pods,
 * nothing twice; EC2 and ipamd agree on the node's addresses; the node namespace has veths, /32 routes and rules
 * for live pods only.
 *
 * @example
 * const runtime = new PodRuntime(vpc, node, 'kill');
 * const outcome = await runtime.add();          // { ok: true, ip } or { ok: false, code, msg }
 * await runtime.delAll();
 * await assertIpamdHoldsLive(runtime, await node.enis());
 */
import { strict as assert } from 'node:assert';
import type { CniExecResult } from '../../src/netlink/cni-exec.js';
import {
  addressesOf,
  describeCall,
  ec2View,
  ipamdView,
  mapLimit,
  sleep,
  type CniNode,
  type CniVpc,
  type EnisDocument,
  type JsonObject,
  type TestPod,
} from '../integration/support/index.js';

export interface PodRecord {
  readonly name: string;
  readonly pod: TestPod;
  readonly containerId: string;
  /** The ADD result, once ADD succeeded. */
  result?: JsonObject;
  ip?: string;
  hostVeth?: string;
}

export type AddOutcome =
  | { readonly ok: true; readonly record: PodRecord; readonly ip: string }
  | {
      readonly ok: false;
      readonly record: PodRecord;
      readonly code: number;
      readonly msg: string;
      readonly details: string;
      readonly ms: number;
    };

/** The CNI error JSON of a failed call; fails the test when the plugin printed anything else. */
export function cniError(out: CniExecResult): { code: number; msg: string; details: string } {
  const body = out.json as { code?: unknown; msg?: unknown; details?: unknown } | undefined;
  assert.ok(
    body !== undefined && typeof body.code === 'number' && typeof body.msg === 'string' && body.msg !== '',
    `a CNI error JSON with code and msg: ${describeCall(out)}`,
  );
  return { code: body.code, msg: body.msg, details: typeof body.details === 'string' ? body.details : '' };
}

export class PodRuntime {
  /** Pods whose ADD succeeded and that were not deleted yet. */
  readonly live = new Map<string, PodRecord>();
  /** Pods that need a (successful) DEL: a failed ADD, or a failed DEL. */
  readonly pendingDel = new Map<string, PodRecord>();
  readonly stats = { adds: 0, addFailures: 0, dels: 0, delFailures: 0 };
  #counter = 0;

  constructor(
    private readonly vpc: CniVpc,
    readonly node: CniNode,
    private readonly tag: string,
  ) {}

  /** Creates a pod and ADDs it; a failure leaves the pod waiting for its DEL. */
  async add(): Promise<AddOutcome> {
    const n = ++this.#counter;
    const name = `${this.tag}-${n}`;
    const pod = await this.vpc.createPod(name);
    const record: PodRecord = { name, pod, containerId: `${this.tag}${String(n).padStart(8, '0')}` };
    this.stats.adds += 1;
    const out = await this.node.cni('ADD', { pod, containerId: record.containerId });
    if (out.exitCode === 0) {
      const result = out.json as JsonObject;
      const ips = result['ips'] as { address: string }[] | undefined;
      const interfaces = result['interfaces'] as { name: string }[] | undefined;
      const ip = ips?.[0]?.address.replace(/\/32$/, '');
      assert.ok(
        ip !== undefined && interfaces?.[0] !== undefined,
        `ADD ${name} printed a result with an address: ${describeCall(out)}`,
      );
      record.result = result;
      record.ip = ip;
      record.hostVeth = interfaces[0].name;
      this.live.set(name, record);
      return { ok: true, record, ip };
    }
    this.stats.addFailures += 1;
    this.pendingDel.set(name, record);
    return { ok: false, record, ...cniError(out), ms: out.ms };
  }

  /** One DEL attempt (with prevResult when ADD succeeded); on success a second DEL, and the namespace is deleted. */
  async del(record: PodRecord): Promise<CniExecResult> {
    this.live.delete(record.name);
    this.pendingDel.set(record.name, record);
    this.stats.dels += 1;
    const conf = this.node.awsConf(record.result === undefined ? {} : { prevResult: record.result });
    const out = await this.node.cni('DEL', { pod: record.pod, containerId: record.containerId, conf });
    if (out.exitCode !== 0) {
      this.stats.delFailures += 1;
      cniError(out);
      return out;
    }
    const again = await this.node.cni('DEL', { pod: record.pod, containerId: record.containerId, conf });
    assert.equal(
      again.exitCode,
      0,
      `the second DEL of ${record.name} (containerd's remove) succeeds: ${describeCall(again)}`,
    );
    await this.vpc.deletePod(record.pod);
    this.pendingDel.delete(record.name);
    return out;
  }

  /** DELs every pending pod; with `mustSucceed`, each must succeed at its first attempt (ipamd is up). */
  async retryPendingDels(mustSucceed: boolean): Promise<void> {
    await mapLimit([...this.pendingDel.values()], 4, async (record) => {
      const out = await this.del(record);
      if (mustSucceed)
        assert.equal(out.exitCode, 0, `DEL ${record.name} succeeds once ipamd is up: ${describeCall(out)}`);
    });
  }

  /** DELs every live and pending pod; each must succeed. */
  async delAll(): Promise<void> {
    await mapLimit([...this.live.values(), ...this.pendingDel.values()], 4, async (record) => {
      const out = await this.del(record);
      assert.equal(out.exitCode, 0, `DEL ${record.name} succeeds: ${describeCall(out)}`);
    });
  }

  /** Addresses of live pods, by `<namespace>/<name>`. */
  liveAddresses(): Map<string, string> {
    return new Map([...this.live.values()].map((r) => [`${r.pod.namespace}/${r.pod.name}`, r.ip ?? '']));
  }
}

/** ipamd assigns no address twice, and holds exactly the live pods (pod → address). */
export function assertIpamdHoldsLive(runtime: PodRuntime, doc: EnisDocument, when: string): void {
  const held = [...addressesOf(doc).values()].filter((a) => a.IPAMKey.networkName !== '');
  const addresses = held.map((a) => a.Address);
  assert.equal(
    new Set(addresses).size,
    addresses.length,
    `${when}: no address assigned twice: ${addresses.sort().join(' ')}`,
  );
  // /v1/enis blanks container ids (as the reference does since v1.23): pods are told apart by their (unique) names.
  const byPod = held.map(
    (a) => [`${a.IPAMMetadata.k8sPodNamespace ?? ''}/${a.IPAMMetadata.k8sPodName ?? ''}`, a.Address] as const,
  );
  const sorted = (pairs: Iterable<readonly [string, string]>): string[] =>
    [...pairs].map(([pod, ip]) => `${pod} ${ip}`).sort();
  assert.deepEqual(
    sorted(byPod),
    sorted(runtime.liveAddresses()),
    `${when}: ipamd holds exactly the live pods (pod → address)`,
  );
}

/** The pod wiring of the node namespace: host veths, /32 routes to them, rules 512 and 1536. */
export async function nodeWiring(
  vpc: CniVpc,
  node: CniNode,
): Promise<{ veths: string[]; routes: string[]; toRules: string[]; fromRules: string[] }> {
  const netns = node.netns;
  const links = await vpc.exec.ipJson<{ ifname: string }[]>({ args: ['link', 'show'] }, { netns });
  const routes = await vpc.exec.ipJson<{ dst?: string; dev?: string }[]>(
    { args: ['route', 'show', 'table', 'all'] },
    { netns },
  );
  const rules = await vpc.exec.ipJson<{ priority?: number; src?: string; dst?: string }[]>(
    { args: ['rule', 'show'] },
    { netns },
  );
  const veths = links.map((l) => l.ifname.replace(/@.*$/, '')).filter((n) => n.startsWith('eni'));
  return {
    veths: veths.sort(),
    routes: routes
      .filter((r) => r.dev?.startsWith('eni') === true && r.dst?.includes(':') !== true)
      .map((r) => `${r.dst ?? '?'} dev ${r.dev ?? '?'}`)
      .sort(),
    toRules: rules
      .filter((r) => r.priority === 512)
      .map((r) => r.dst ?? '?')
      .sort(),
    fromRules: rules
      .filter((r) => r.priority === 1536)
      .map((r) => r.src ?? '?')
      .sort(),
  };
}

/** The node namespace holds wiring for live pods only (call when no DEL is pending). */
export async function assertNodeWiredForLive(vpc: CniVpc, runtime: PodRuntime, when: string): Promise<void> {
  const live = [...runtime.live.values()];
  const wiring = await nodeWiring(vpc, runtime.node);
  const ips = live.map((r) => r.ip ?? '').sort();
  assert.deepEqual(
    wiring.veths,
    live.map((r) => r.hostVeth ?? '').sort(),
    `${when}: host veths are the live pods' only`,
  );
  assert.deepEqual(
    wiring.routes,
    live.map((r) => `${r.ip ?? ''} dev ${r.hostVeth ?? ''}`).sort(),
    `${when}: /32 routes are the live pods' only`,
  );
  assert.deepEqual(wiring.toRules, ips, `${when}: rules 512 are the live pods' only`);
  for (const ip of wiring.fromRules) assert.ok(ips.includes(ip), `${when}: rule 1536 from ${ip} belongs to a live pod`);
}

/**
 * Waits until ipamd's CIDRs per ENI equal EC2's for the node (assigned + free == what EC2 holds) and stay so for
 * `quietMs`; fails naming both views after `timeoutMs`.
 */
export async function awaitEc2Agreement(
  vpc: CniVpc,
  node: CniNode,
  when: string,
  quietMs = 600,
  timeoutMs = 45_000,
): Promise<EnisDocument> {
  const deadline = Date.now() + timeoutMs;
  let agreedSince: number | undefined;
  let last = '';
  for (;;) {
    const doc = await node.enis();
    const mine = JSON.stringify([...ipamdView(doc)]);
    const theirs = JSON.stringify([...ec2View({ sim: vpc.sim, node })]);
    if (mine === theirs && mine === last) {
      agreedSince ??= Date.now();
      if (Date.now() - agreedSince >= quietMs) return doc;
    } else {
      agreedSince = undefined;
    }
    last = mine === theirs ? mine : '';
    if (Date.now() > deadline)
      assert.fail(
        `${when}: ipamd and EC2 did not agree within ${timeoutMs} ms:\nipamd ${mine}\nEC2   ${theirs}\n${node.log().split('\n').slice(-15).join('\n')}`,
      );
    await sleep(150);
  }
}
