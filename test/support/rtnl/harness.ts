// Runs the rtnetlink code under Bun, where bun:ffi exists (node:test runs under Node, which has no netlink sockets):
// the real-kernel tests (src/netlink/rtnl/*.test.ts) start it inside a node namespace of theirs, as a runtime starts
// the plugin, and read one JSON line back: {ok: true, value} or {ok: false, error: {code, message, details}}.
//
//   nsenter --net=/var/run/netns/NODE -- node_modules/.bin/bun test/support/rtnl/harness.ts /var/run/netns/NODE OP 'JSON'
//
// OP is `probe` (the transport: route sockets here and in another namespace, refusals, the way back) or `steps`: pod
// operations (setup, teardown, check of a PodSpec; optionally prepared ahead, or with a fault injected) run one after
// the other in this process, each answered like the whole, plus how many sockets it opened ahead and later. It runs only
// inside the namespace its first argument names: whatever it configures must be a test's own namespace.
import { readlinkSync, statSync } from 'node:fs';
import { NetlinkError } from '../../../src/netlink/errors.js';
import type { PodSpec } from '../../../src/netlink/port.js';
import { loadLibcNetns, type NetnsSystem } from '../../../src/netlink/rtnl/ffi.js';
import { RtnlPodNetwork } from '../../../src/netlink/rtnl/pod-network.js';
import { decodeLink } from '../../../src/netlink/rtnl/replies.js';
import { dumpLinks, newRule } from '../../../src/netlink/rtnl/requests.js';
import { RtnlSocket } from '../../../src/netlink/rtnl/socket.js';
import { faultySystem, type Fault } from './faults.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function outcome(error: unknown): Json {
  if (error instanceof NetlinkError)
    return { code: error.code, message: error.message, details: JSON.parse(JSON.stringify(error.details)) as Json };
  return { code: 'UNTYPED', message: error instanceof Error ? (error.stack ?? error.message) : String(error) };
}

function attempt(run: () => Json): Json {
  try {
    return { ok: true, value: run() };
  } catch (error) {
    return { ok: false, error: outcome(error) };
  }
}

const linkNames = (socket: RtnlSocket): string[] =>
  socket.dump(dumpLinks(), 'link show').map((m) => decodeLink(m).name ?? '?');

/** The transport against the real kernel: what each socket sees, how refusals and bad namespaces come back. */
function probe(system: NetnsSystem, args: { podNetns: string; bad: string[] }): Json {
  const own = new RtnlSocket(system.routeSocket());
  const before = readlinkSync('/proc/thread-self/ns/net');
  const pod = new RtnlSocket(system.routeSocketIn(args.podNetns));
  const after = readlinkSync('/proc/thread-self/ns/net');
  const rule = newRule({ priority: 1536, src: { address: '10.0.97.30', length: 32 }, table: 3 });
  const added = attempt(() => (own.change(Uint8Array.from(rule), 'rule add'), null));
  const again = attempt(() => (own.change(Uint8Array.from(rule), 'rule add'), null));
  const result: Json = {
    ownLinks: linkNames(own),
    podLinks: linkNames(pod),
    sameNamespaceAfter: before === after,
    added,
    again,
    bad: args.bad.map((path) => attempt(() => (system.routeSocketIn(path).close(), null))),
  };
  own.close();
  pod.close();
  return result;
}

interface PodStep {
  readonly op: 'setup' | 'teardown' | 'check';
  readonly spec: PodSpec;
  /** Start a preparation (as the plugin does while ipamd answers) before the step, cancel it after. */
  readonly prepared?: boolean;
  readonly fault?: Fault;
}

/** One pod operation on a fresh RtnlPodNetwork (as each plugin run has), with the sockets it opened counted. */
async function podStep(system: NetnsSystem, step: PodStep): Promise<Json> {
  const counted = faultySystem(system, step.fault);
  const pods = new RtnlPodNetwork({ system: () => Promise.resolve(counted) });
  const preparation =
    step.prepared === true
      ? step.op === 'teardown'
        ? pods.prepareTeardown()
        : pods.prepareSetup(step.spec.netnsPath)
      : undefined;
  preparation?.start();
  await new Promise((resolve) => setTimeout(resolve, 1));
  const opened = counted.opened;
  try {
    const value: Json =
      step.op === 'setup'
        ? ((await pods.setupPod(step.spec)) as unknown as Json)
        : step.op === 'check'
          ? await pods.checkPod(step.spec)
          : (await pods.teardownPod(step.spec), null);
    return { ok: true, value, socketsOpenedAhead: opened, socketsOpenedLater: counted.opened - opened };
  } catch (error) {
    return { ok: false, error: outcome(error) };
  } finally {
    preparation?.cancel();
  }
}

async function main(): Promise<void> {
  const [expected = '', op = '', json = '{}'] = process.argv.slice(2);
  const here = statSync('/proc/self/ns/net');
  const there = statSync(expected);
  if (here.ino !== there.ino || here.dev !== there.dev) {
    process.stderr.write(`harness: not inside ${expected}; refusing to run\n`);
    process.exit(2);
  }
  const args = JSON.parse(json) as Record<string, unknown>;
  let result: Json;
  try {
    const system = await loadLibcNetns();
    if (op === 'probe') result = { ok: true, value: probe(system, args as { podNetns: string; bad: string[] }) };
    else if (op === 'steps') {
      const answers: Json[] = [];
      for (const step of args['steps'] as PodStep[]) answers.push(await podStep(system, step));
      result = { ok: true, value: answers };
    } else throw new NetlinkError('NETLINK_INVALID_ARGUMENT', `harness: unknown operation ${op}`);
  } catch (error) {
    result = { ok: false, error: outcome(error) };
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

await main();
