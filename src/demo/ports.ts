/**
 * The demo's loopback ports. With the default base 61679, node 1's ipamd serves introspection on 61679 and metrics
 * on 61678, as a real node's does (so the seed's `curl http://localhost:61679/v1/enis` works unchanged), node 2 on
 * 61680/61677, node 3 on 61681/61676, and the embedded VPC's EC2 API listens on 61682. Base 0 picks free ports
 * ({@link planPorts}).
 *
 * @example
 * demoPorts(61679, 3); // { ec2: 61682, nodes: [{ introspection: 61679, metrics: 61678 }, ...] }
 * await checkPortsFree(demoPorts(61679, 3));  // DemoError DEMO_PORT_BUSY naming the port and its use
 */
import { createServer } from 'node:net';
import { DemoError } from './errors.js';

export const DEFAULT_BASE_PORT = 61679;

export interface NodePorts {
  readonly introspection: number;
  readonly metrics: number;
}

export interface DemoPorts {
  readonly base: number;
  readonly ec2: number;
  readonly nodes: readonly NodePorts[];
}

/** The port plan for `count` nodes from `base`. */
export function demoPorts(base: number, count: number): DemoPorts {
  return {
    base,
    ec2: base + count,
    nodes: Array.from({ length: count }, (_, i) => ({ introspection: base + i, metrics: base - 1 - i })),
  };
}

/** A port the system considers free right now (listen on 0, read it, close). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

/**
 * {@link demoPorts}, or with base 0 a plan of free ports picked by the system (ipamd's bind addresses take no port
 * 0, so the demo picks them; another program could take one in between, which start-up then reports).
 */
export async function planPorts(base: number, count: number): Promise<DemoPorts> {
  if (base !== 0) return demoPorts(base, count);
  const ports = new Set<number>();
  while (ports.size < 2 * count + 1) ports.add(await freePort());
  const [ec2 = 0, ...rest] = [...ports];
  return {
    base,
    ec2,
    nodes: Array.from({ length: count }, (_, i) => ({
      introspection: rest[2 * i] ?? 0,
      metrics: rest[2 * i + 1] ?? 0,
    })),
  };
}

/** Every port of a plan with what it is for. */
export function listPorts(ports: DemoPorts): { port: number; what: string }[] {
  const list = [
    ...ports.nodes.flatMap((node, i) => [
      { port: node.introspection, what: `node ${i + 1}'s ipamd introspection API` },
      { port: node.metrics, what: `node ${i + 1}'s ipamd metrics` },
    ]),
    { port: ports.ec2, what: "the embedded VPC's EC2 API" },
  ];
  return list;
}

function tryListen(port: number): Promise<NodeJS.ErrnoException | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => resolve(error));
    server.listen({ host: '127.0.0.1', port, exclusive: true }, () => server.close(() => resolve(undefined)));
  });
}

/** Checks that each port of the plan can be bound on 127.0.0.1 now; the error names every busy port and its use. */
export async function checkPortsFree(plan: DemoPorts): Promise<void> {
  const busy: string[] = [];
  for (const { port, what } of listPorts(plan)) {
    const error = await tryListen(port);
    if (error !== undefined) busy.push(`127.0.0.1:${port} (${what}): ${error.code ?? error.message}`);
  }
  if (busy.length === 0) return;
  throw new DemoError(
    'DEMO_PORT_BUSY',
    `cannot use ${busy.join('; ')}. Another demo or ipamd may be running ('vpc-cni status' shows it); ` +
      `stop it, or move the demo's ports with --base-port (e.g. --base-port ${plan.base + 100}, or 0 for free ports)`,
    { busy },
  );
}
