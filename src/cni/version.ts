/**
 * CNI spec versions: which the plugin speaks, how a config's `cniVersion` is read and compared, and how a result is
 * written in the requested version. The reference links libcni's `version.All`, so it accepts every released spec
 * version and prints its result in the config's version; so do we.
 *
 * Result formats (CNI SPEC.md and libcni's types packages):
 * - 1.0.0 / 1.1.0: `{cniVersion, interfaces, ips: [{interface, address, gateway?}], routes?, dns}`.
 * - 0.3.0 / 0.3.1 / 0.4.0: the same, with `version: "4" | "6"` in every ips entry (dropped in 1.0.0).
 * - 0.1.0 / 0.2.0: `{cniVersion, ip4?: {ip, gateway?, routes?}, ip6?, dns}`: one address per family, no interfaces.
 */
import { CniError } from './errors.js';
import type { CniResult, CniRoute } from './result.js';

/** Every version the plugin accepts, oldest first (libcni `version.All`). */
export const SUPPORTED_VERSIONS = ['0.1.0', '0.2.0', '0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'] as const;

export type CniVersion = (typeof SUPPORTED_VERSIONS)[number];

/** The newest version; VERSION answers with it and errors use it when the config's version is unknown. */
export const LATEST_VERSION: CniVersion = '1.1.0';

/** A config without `cniVersion` is 0.1.0 (libcni's ConfigDecoder), from before the field existed. */
export const DEFAULT_CONFIG_VERSION: CniVersion = '0.1.0';

/** True when the plugin speaks `version`. */
export function isSupportedVersion(version: string): version is CniVersion {
  return (SUPPORTED_VERSIONS as readonly string[]).includes(version);
}

function parts(version: string): [number, number, number] {
  const match = /^(\d+)\.(\d+)\.(\d+)$/.exec(version);
  if (match === null)
    throw new CniError('CNI_DECODE_FAILED', `cniVersion "${version}" is not a version of the form MAJOR.MINOR.PATCH`);
  return [Number(match[1]), Number(match[2]), Number(match[3])];
}

/** True when `version` ≥ `minimum` (semver order). Throws CNI_DECODE_FAILED (6) for a malformed version, as libcni. */
export function versionAtLeast(version: string, minimum: string): boolean {
  const a = parts(version);
  const b = parts(minimum);
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  return true;
}

/** The VERSION verb's answer (stdin is ignored, as libcni's skel does). */
export function versionReply(): { cniVersion: CniVersion; supportedVersions: CniVersion[] } {
  return { cniVersion: LATEST_VERSION, supportedVersions: [...SUPPORTED_VERSIONS] };
}

function family(address: string): '4' | '6' {
  return address.includes(':') ? '6' : '4';
}

function routeJson(route: CniRoute): Record<string, unknown> {
  return route.gw === undefined ? { dst: route.dst } : { dst: route.dst, gw: route.gw };
}

/** 0.1.0/0.2.0: the first address of each family, routes split by family (libcni's 0.4.0 → 0.2.0 conversion). */
function toLegacy(result: CniResult, version: CniVersion): Record<string, unknown> {
  const out: Record<string, unknown> = { cniVersion: version };
  for (const fam of ['4', '6'] as const) {
    const ip = result.ips.find((entry) => family(entry.address) === fam);
    if (ip === undefined) continue;
    const routes = result.routes.filter((route) => family(route.dst) === fam).map(routeJson);
    out[`ip${fam}`] = {
      ip: ip.address,
      ...(ip.gateway === undefined ? {} : { gateway: ip.gateway }),
      ...(routes.length === 0 ? {} : { routes }),
    };
  }
  if (out['ip4'] === undefined && out['ip6'] === undefined) {
    throw new CniError('CNI_INTERNAL', `cannot write the result as CNI ${version}: it has no IP address`);
  }
  out['dns'] = result.dns;
  return out;
}

/**
 * The result as the JSON object of CNI `version`, key order as libcni prints it.
 *
 * @example
 * formatResult(result, '0.4.0').ips; // [{ version: '4', interface: 1, address: '10.0.1.23/32' }]
 */
export function formatResult(result: CniResult, version: CniVersion): Record<string, unknown> {
  if (!versionAtLeast(version, '0.3.0')) return toLegacy(result, version);
  const withFamily = !versionAtLeast(version, '1.0.0');
  const ips = result.ips.map((ip) => ({
    ...(withFamily ? { version: family(ip.address) } : {}),
    ...(ip.interface === undefined ? {} : { interface: ip.interface }),
    address: ip.address,
    ...(ip.gateway === undefined ? {} : { gateway: ip.gateway }),
  }));
  return {
    cniVersion: version,
    interfaces: result.interfaces.map((i) => ({ ...i })),
    ips,
    ...(result.routes.length === 0 ? {} : { routes: result.routes.map(routeJson) }),
    dns: result.dns,
  };
}
