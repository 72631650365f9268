/**
 * The client side of ipamd's introspection API for `vpc-cni status` and `vpc-cni get`: which endpoint (`--endpoint
 * URL`, `--node NAME` of the running demo, or the default http://127.0.0.1:61679) and one GET with errors that say
 * what is wrong — nothing listening, something that is not ipamd (a wrong port), ipamd not ready yet.
 *
 * @example
 * const target = await resolveTarget({ node: 'ip-10-11-16-31', runDir: DEFAULT_RUN_DIR });
 * const enis = await getIntrospection(target.endpoint, '/v1/enis');
 */
import { CliError } from '../errors.js';
import { demoNodes, type DemoNodeInfo } from '../../demo/run-dir.js';

export const DEFAULT_ENDPOINT = 'http://127.0.0.1:61679';
const TIMEOUT_MS = 5_000;

/** Where a status command looks: an endpoint, and the node's name when known. */
export interface Target {
  readonly endpoint: string;
  readonly node?: string;
}

/** Checks an `--endpoint` value: http(s)://host[:port], no path. */
export function parseEndpoint(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new CliError('CLI_USAGE', `--endpoint must be a URL such as ${DEFAULT_ENDPOINT}, not '${text}'`);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || (url.pathname !== '/' && url.pathname !== '')) {
    throw new CliError(
      'CLI_USAGE',
      `--endpoint must be http://HOST:PORT with no path (e.g. ${DEFAULT_ENDPOINT}), not '${text}'`,
    );
  }
  return `${url.protocol}//${url.host}`;
}

/** A node of the demo by full name, short name (`ip-10-11-16-31`), private IP or 1-based number. */
export function findNode(nodes: readonly DemoNodeInfo[], wanted: string): DemoNodeInfo {
  const node = nodes.find(
    (n, i) =>
      n.name === wanted || n.name.split('.')[0] === wanted || n.privateIp === wanted || String(i + 1) === wanted,
  );
  if (node === undefined) {
    throw new CliError(
      'STATUS_UNKNOWN_NODE',
      `the demo has no node '${wanted}'; its nodes: ${nodes.map((n) => n.name).join(', ')}`,
    );
  }
  return node;
}

/** `--endpoint` wins, then `--node` (through the demo's run directory), then the default endpoint. */
export async function resolveTarget(options: {
  endpoint?: string | undefined;
  node?: string | undefined;
  runDir: string;
}): Promise<Target> {
  if (options.endpoint !== undefined && options.node !== undefined)
    throw new CliError('CLI_USAGE', 'give --endpoint or --node, not both');
  if (options.endpoint !== undefined) return { endpoint: parseEndpoint(options.endpoint) };
  if (options.node !== undefined) {
    const node = findNode(await demoNodes(options.runDir), options.node);
    return { endpoint: node.introspection, node: node.name };
  }
  return { endpoint: DEFAULT_ENDPOINT };
}

function notIpamd(endpoint: string, path: string, status: number, type: string, body: string): CliError {
  const metrics = body.includes('/metrics') || body.startsWith('# HELP');
  const hint = metrics
    ? "that is ipamd's metrics port: introspection is on the port next to it (61679 by default)"
    : "wrong port? ipamd's introspection API listens on 61679 by default (61678 is its metrics port)";
  return new CliError(
    'STATUS_NOT_IPAMD',
    `${endpoint} answered GET ${path} with HTTP ${status} (${type || 'no content type'}), not ipamd's introspection JSON: ${hint}`,
    { endpoint, path, status },
  );
}

/** GETs one introspection path and parses the JSON; every failure is a {@link CliError} that says what to do. */
export async function getIntrospection(endpoint: string, path: string): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(`${endpoint}${path}`, { signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (error) {
    // fetch says "fetch failed"; the reason (ECONNREFUSED, ENOTFOUND, "bad port", ...) is its cause.
    const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
    const code =
      (error as Error).name === 'TimeoutError'
        ? `no answer within ${TIMEOUT_MS / 1000} s`
        : typeof cause?.code === 'string'
          ? cause.code
          : typeof cause?.message === 'string'
            ? cause.message
            : (error as Error).message;
    throw new CliError(
      'STATUS_UNREACHABLE',
      `cannot reach ipamd's introspection API at ${endpoint} (${code}): is ipamd running? start the demo with 'vpc-cni demo'`,
      { endpoint },
      error,
    );
  }
  const type = response.headers.get('content-type') ?? '';
  const body = await response.text();
  let parsed: unknown;
  try {
    parsed = type.includes('application/json') ? JSON.parse(body) : undefined;
  } catch {
    parsed = undefined;
  }
  if (response.status === 503) {
    const reason = (parsed as { error?: unknown } | undefined)?.error;
    throw new CliError(
      'STATUS_NOT_READY',
      `ipamd at ${endpoint} is not ready yet: ${typeof reason === 'string' ? reason : body.slice(0, 200)}`,
    );
  }
  if (response.status !== 200 || parsed === undefined) throw notIpamd(endpoint, path, response.status, type, body);
  return parsed;
}
