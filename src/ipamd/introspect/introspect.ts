/**
 * ipamd's introspection API [behaviour §5]: a read-only route table over the datastore snapshots, the effective
 * configuration and the pool report. Routes are pure functions of an {@link IntrospectionSource}, so they are
 * tested without a socket; `server.ts` serves them over HTTP.
 *
 * Output is the reference's byte for byte (Go's JSON encoding, see `json.ts`) for the reference's
 * paths; `/v1/pods` (v1.6) and `/v1/pool` are ours. Departures, each deliberate:
 * - `Content-Type: application/json` (the reference lets Go sniff `text/plain`);
 * - errors are JSON `{"error": ...}` saying what to do, not Go's bare status text;
 * - `AWS_VPC_K8S_CNI_CONFIGURE_RPFILTER` (shown by v1.6, as the seed's operators remember) is left out: it is
 *   deprecated and ignored, and current references no longer list it, so showing `true` would claim an effect.
 *
 * @example
 * const routes = introspectionRoutes({ snapshots: () => new Map([[0, ds.snapshot()]]), eniConfigName: () => undefined, config, pool: () => undefined });
 * routes.get('/v1/enis')?.(); // { status: 200, body: '{"0":{"TotalIPs":...}}' }
 */
import type { Config, RandomizeSnat } from '../../config/index.js';
import { isVpcCniError } from '../../errors.js';
import { dashboardRoutes } from './dashboard/page.js';
import { enisDocument, podsDocument } from './enis.js';
import { encodeGoJson, type GoJson } from './json.js';
import { poolDocument } from './pool.js';
import type { IntrospectionSource, Route, RouteResponse } from './source.js';

export type { IntrospectionSource, Route, RouteResponse } from './source.js';
export type {
  PoolActionRecord,
  PoolCardDocument,
  PoolCardReport,
  PoolDocument,
  PoolErrorRecord,
  PoolReport,
} from './pool.js';

/** The reference's paths first, in its order, then ours. */
export const INTROSPECTION_PATHS = [
  '/v1/enis',
  '/v1/eni-configs',
  '/v1/networkutils-env-settings',
  '/v1/ipamd-env-settings',
  '/v1/pods',
  '/v1/pool',
] as const;

export type IntrospectionPath = (typeof INTROSPECTION_PATHS)[number];

const ok = (document: GoJson): RouteResponse => ({ status: 200, body: encodeGoJson(document) });

/**
 * A JSON error body; the message says what happened and what to do.
 *
 * @example
 * errorResponse(503, 'no pool report yet'); // { status: 503, body: '{"error":"no pool report yet"}' }
 */
export function errorResponse(status: number, message: string): RouteResponse {
  return { status, body: encodeGoJson({ error: message }) };
}

/** The reference's `AWS_VPC_K8S_CNI_RANDOMIZESNAT` enum (`networkutils.snatType`). */
const RANDOMIZE_SNAT: { readonly [K in RandomizeSnat]: number } = { none: 0, hashrandom: 1, prng: 2 };

/** Go prints a nil slice as `null`; the reference's CIDR lists are nil when the variable is unset or empty. */
const cidrList = (cidrs: readonly string[]): GoJson => (cidrs.length === 0 ? null : [...cidrs]);

/**
 * `/v1/networkutils-env-settings` ([behaviour §5], item 4): the SNAT/host-networking settings, typed, keys sorted.
 *
 * @example
 * encodeGoJson(networkUtilsSettings(loadConfig({}).config));
 * // '{"AWS_EXTERNAL_SERVICE_CIDRS":null,"AWS_VPC_CNI_NODE_PORT_SUPPORT":true,...,"AWS_VPC_K8S_CNI_RANDOMIZESNAT":2,...}'
 */
export function networkUtilsSettings(config: Config): GoJson {
  const net = config.networking;
  return new Map<string, GoJson>([
    ['AWS_EXTERNAL_SERVICE_CIDRS', cidrList(net.externalServiceCidrs)],
    ['AWS_VPC_CNI_NODE_PORT_SUPPORT', net.nodePortSupport],
    ['AWS_VPC_ENI_MTU', net.eniMtu],
    ['AWS_VPC_K8S_CNI_CONNMARK', net.connmark],
    ['AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS', cidrList(net.excludeSnatCidrs)],
    ['AWS_VPC_K8S_CNI_EXTERNALSNAT', net.externalSnat],
    ['AWS_VPC_K8S_CNI_RANDOMIZESNAT', RANDOMIZE_SNAT[net.randomizeSnat]],
    ['AWS_VPC_K8S_CNI_VETHPREFIX', net.vethPrefix],
  ]);
}

/**
 * `/v1/ipamd-env-settings` ([behaviour §5], item 5): exactly the reference's five keys. The other pool knobs
 * (MINIMUM_IP_TARGET, WARM_PREFIX_TARGET, prefix delegation) are in `/v1/pool`'s `targets` and `mode`.
 *
 * @example
 * encodeGoJson(ipamdSettings(loadConfig({ WARM_IP_TARGET: '5' }).config));
 * // '{"AWS_MANAGE_ENIS_NON_SCHEDULABLE":false,"AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG":false,"ENABLE_SUBNET_DISCOVERY":true,"WARM_ENI_TARGET":1,"WARM_IP_TARGET":5}'
 */
export function ipamdSettings(config: Config): GoJson {
  return new Map<string, GoJson>([
    ['AWS_MANAGE_ENIS_NON_SCHEDULABLE', config.features.manageEnisNonSchedulable],
    ['AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG', config.customNetworking.enabled],
    ['ENABLE_SUBNET_DISCOVERY', config.features.subnetDiscovery],
    ['WARM_ENI_TARGET', config.pool.warmEniTarget],
    ['WARM_IP_TARGET', config.pool.warmIpTarget],
  ]);
}

function eniConfigRoute(source: IntrospectionSource): RouteResponse {
  const name = source.eniConfigName();
  if (name !== undefined) return ok(name);
  const custom = source.config.customNetworking;
  return errorResponse(
    404,
    custom.enabled
      ? `no ENIConfig chosen for this node yet: set the node label ${custom.eniConfigLabelKey} or annotation ` +
          `${custom.eniConfigAnnotationKey} to the name of an ENIConfig, and check ipamd's log for API server errors`
      : 'no ENIConfig: custom networking is off (AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG=false)',
  );
}

function poolRoute(source: IntrospectionSource): RouteResponse {
  const report = source.pool();
  if (report === undefined) {
    return errorResponse(
      503,
      'no pool report yet: ipamd has not finished its first pool check; retry in a few seconds',
    );
  }
  return { status: 200, body: JSON.stringify(poolDocument(report)) };
}

/**
 * The document for `/` and every unknown path, as the reference answers them (HTTP 200).
 *
 * @example
 * availableCommands().body; // '{"AvailableCommands":["/v1/enis","/v1/eni-configs",...,"/v1/pool"]}'
 */
export function availableCommands(): RouteResponse {
  return ok({ AvailableCommands: [...INTROSPECTION_PATHS] });
}

/**
 * The route table. Each route reads the source when called; a throwing source becomes a 500 with the error's
 * code and message (vpc-cni errors carry no secrets) instead of a dropped connection.
 *
 * @example
 * const route = introspectionRoutes(source).get(path) ?? availableCommands;
 * const { status, body } = route();
 */
export function introspectionRoutes(source: IntrospectionSource): ReadonlyMap<string, Route> {
  const table: { readonly [P in IntrospectionPath]: () => RouteResponse } = {
    '/v1/enis': () => ok(enisDocument(source.snapshots())),
    '/v1/eni-configs': () => eniConfigRoute(source),
    '/v1/networkutils-env-settings': () => ok(networkUtilsSettings(source.config)),
    '/v1/ipamd-env-settings': () => ok(ipamdSettings(source.config)),
    '/v1/pods': () => ok(podsDocument(source.snapshots())),
    '/v1/pool': () => poolRoute(source),
  };
  const guarded = INTROSPECTION_PATHS.map((path): [string, Route] => [
    path,
    () => notReady(source, path) ?? guard(path, table[path]),
  ]);
  // Not in the command list, which stays the reference's: the dashboard page and its data (dashboard/page.ts).
  const dashboard = [...dashboardRoutes(source)].map(([path, route]): [string, Route] => [
    path,
    () => guard(path, route),
  ]);
  return new Map([['/', availableCommands], ...guarded, ...dashboard]);
}

/** The paths that answer whatever the node's state: the settings come from the configuration alone. */
const ALWAYS_ANSWERED: ReadonlySet<string> = new Set(['/v1/networkutils-env-settings', '/v1/ipamd-env-settings']);

/**
 * 503 `{"status":"initialising","step":...}` while the node is not initialised: an empty `{}` with 200 would tell a
 * probe or an operator that ipamd is ready with no ENIs. `failed` and `stopped` say so in `status`.
 */
function notReady(source: IntrospectionSource, path: string): RouteResponse | undefined {
  if (ALWAYS_ANSWERED.has(path)) return undefined;
  const readiness = source.readiness?.();
  if (readiness === undefined || readiness.ready) return undefined;
  const status = readiness.phase === 'new' ? 'initialising' : readiness.phase;
  const body = { status, step: readiness.step, sinceMs: readiness.since, error: readiness.reason };
  return { status: 503, body: encodeGoJson(body), headers: { 'Retry-After': '1' } };
}

function guard(path: string, route: () => RouteResponse): RouteResponse {
  try {
    return route();
  } catch (error) {
    const what = isVpcCniError(error)
      ? `${error.code}: ${error.message}`
      : error instanceof Error
        ? error.message
        : String(error);
    return errorResponse(500, `${path} failed: ${what}; see ipamd's log`);
  }
}
