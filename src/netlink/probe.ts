/**
 * Reachability from inside a network namespace, as a user would check it: `ping -c 1` (ICMP echo) when iputils'
 * `ping` is installed (scripts/setup.sh installs it), otherwise a TCP probe that node itself runs inside the
 * namespace. Each result says which of the two it was, so callers can label it honestly ("ping" or "ping (TCP)").
 *
 * The TCP probe connects to port 9 (discard; nothing listens there): `ECONNREFUSED` is a RST from the target's own
 * kernel, so the SYN got there and the answer got back. Routers answer with ICMP errors instead (`EHOSTUNREACH`,
 * `ENETUNREACH`) and a black hole times out.
 *
 * @example
 * const [result] = await probeFrom(new NetlinkExecutor(), '/var/run/netns/vcni-42-2-p1', ['10.11.58.105']);
 * // { target: '10.11.58.105', ok: true, method: 'icmp', rttMs: 0.061, detail: '64 bytes from 10.11.58.105: ...' }
 */
import { access, constants } from 'node:fs/promises';
import { isIPv4 } from 'node:net';
import { NetlinkError } from './errors.js';
import type { NetlinkExecutor } from './exec.js';

export type ProbeMethod = 'icmp' | 'tcp';

export interface ProbeResult {
  readonly target: string;
  readonly ok: boolean;
  readonly method: ProbeMethod;
  /** Round trip (ICMP: ping's own `time=`; TCP: connect until RST), when it worked. */
  readonly rttMs?: number;
  /** ping's reply line, or the failure (`100% packet loss`, `EHOSTUNREACH`, `timeout`, ...). */
  readonly detail: string;
}

const PING_PATHS = ['/usr/bin/ping', '/bin/ping'];

/** iputils' `ping`, when installed (the project's machines have none unless scripts/setup.sh installed it). */
export async function findPing(): Promise<string | undefined> {
  for (const path of PING_PATHS) {
    if (
      await access(path, constants.X_OK).then(
        () => true,
        () => false,
      )
    )
      return path;
  }
  return undefined;
}

const TCP_PROBE = `
const net = require('node:net');
const probe = (host) => new Promise((done) => {
  const started = performance.now();
  const socket = net.connect({ host, port: 9, timeout: 2000 });
  const end = (result) => { socket.destroy(); done([host, result, performance.now() - started]); };
  socket.on('connect', () => end('open'));
  socket.on('error', (error) => end(error.code));
  socket.on('timeout', () => end('timeout'));
});
Promise.all(process.argv.slice(1).map(probe)).then((r) => process.stdout.write(JSON.stringify(r)));
`;

async function tcpProbe(exec: NetlinkExecutor, nsPath: string, targets: readonly string[]): Promise<ProbeResult[]> {
  const out = await exec.run(
    { file: 'nsenter', args: [`--net=${nsPath}`, '--', process.execPath, '-e', TCP_PROBE, ...targets] },
    { timeoutMs: 10_000 },
  );
  const rows = JSON.parse(out.stdout) as [string, string, number][];
  return rows.map(([target, result, ms]) => {
    const ok = result === 'ECONNREFUSED' || result === 'open';
    return ok
      ? { target, ok, method: 'tcp', rttMs: ms, detail: result === 'open' ? 'connected' : 'answered with a TCP reset' }
      : { target, ok, method: 'tcp', detail: result };
  });
}

async function icmpProbe(exec: NetlinkExecutor, ping: string, nsPath: string, target: string): Promise<ProbeResult> {
  try {
    const out = await exec.run(
      { file: 'nsenter', args: [`--net=${nsPath}`, '--', ping, '-c', '1', '-W', '2', '-n', target] },
      { timeoutMs: 10_000 },
    );
    const reply = out.stdout.split('\n').find((line) => line.includes('bytes from')) ?? '';
    const time = /time=([\d.]+) ms/.exec(reply)?.[1];
    return {
      target,
      ok: true,
      method: 'icmp',
      ...(time === undefined ? {} : { rttMs: Number(time) }),
      detail: reply.trim(),
    };
  } catch (error) {
    if (!(error instanceof NetlinkError)) throw error;
    if (error.code === 'NETNS_NOT_FOUND' || error.code === 'NETLINK_SPAWN_FAILED') throw error;
    // ping prints "connect: Network is unreachable" and the like on stderr; a plain loss only on stdout.
    const stderr = typeof error.details['stderr'] === 'string' ? error.details['stderr'].trim() : '';
    return {
      target,
      ok: false,
      method: 'icmp',
      detail: stderr.split('\n')[0] || 'no reply within 2 s (100% packet loss)',
    };
  }
}

/**
 * Probes each IPv4 target from inside the namespace at `nsPath` (a `/var/run/netns/...` path): ICMP when `ping`
 * exists, TCP otherwise (or when `method` says so). Never throws for an unreachable target, only when the probe
 * itself cannot run (no such namespace, ...).
 */
export async function probeFrom(
  exec: NetlinkExecutor,
  nsPath: string,
  targets: readonly string[],
  method?: ProbeMethod,
): Promise<ProbeResult[]> {
  for (const target of targets) {
    if (!isIPv4(target))
      throw new NetlinkError(
        'NETLINK_INVALID_ARGUMENT',
        `probe target ${JSON.stringify(target)} is not an IPv4 address`,
      );
  }
  if (targets.length === 0) return [];
  const ping = method === 'tcp' ? undefined : await findPing();
  if (ping === undefined) return tcpProbe(exec, nsPath, targets);
  return Promise.all(targets.map((target) => icmpProbe(exec, ping, nsPath, target)));
}
