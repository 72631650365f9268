/**
 * ipamd's {@link Imds}: typed getters for every IMDS path the reference reads [behaviour §2.2–2.4], on the
 * {@link ImdsReader} (cached token, retry, one observation per read under the reference's operation names).
 *
 * An ENI is read as the reference's GetAttachedENIs does: its directory listing first, then only the keys that
 * exist — `local-ipv4s` (absent on efa-only/IPv6-only ENIs → []), `network-card` (single-card types → 0),
 * `ipv4-prefix` (no prefixes → []) — with a 404 on those keys meaning the same as absent, since IMDS can change
 * between the listing and the read. The fields of one ENI are read in parallel; ENIs one after the other, which
 * keeps the request rate to IMDS (throttled per instance) modest.
 *
 * IMDS lags EC2 [pain-points §13]: treat what it says as a hint and EC2 as the truth.
 *
 * @example
 * const imds = createImds({ endpoint: sim.describe().instances[id].imds, clock: systemClock });
 * const me = await imds.identity();              // { instanceId, instanceType, region, availabilityZone, localIpv4, primaryMac }
 * const enis = await imds.attachedEnis(me.primaryMac);
 */
import type { Imds, ImdsEni, InstanceIdentity } from './port.js';
import { CloudError } from '../errors.js';
import { ImdsReader, type ImdsReaderOptions } from './reader.js';

export type ImdsOptions = ImdsReaderOptions;

/** Options of {@link ImdsClient.attachedEnis} beyond the port's. */
export interface AttachedEnisOptions {
  /** false = do not read the primary ENI's `ipv4-prefix` (custom networking leaves the primary out of the pool). */
  readonly primaryPrefixes?: boolean;
}

const MACS = 'meta-data/network/interfaces/macs/';

function list(body: string | undefined): string[] {
  return body === undefined ? [] : body.split(/\s+/).filter((item) => item !== '');
}

function parseIndex(api: string, path: string, body: string): number {
  const value = body.trim();
  if (!/^\d+$/.test(value))
    throw new CloudError('IMDS_ERROR', `IMDS ${api}: ${path} is '${value}', not a number`, { operation: api, path });
  return Number(value);
}

/** An ENI's MAC as IMDS lists it; refused otherwise, since it becomes part of a request path. */
function checkMac(mac: string): string {
  if (!/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(mac)) {
    throw new CloudError('IMDS_ERROR', `'${mac}' is not a MAC address`, {
      operation: 'GetMetadata',
      path: `${MACS}${mac}/`,
    });
  }
  return mac.toLowerCase();
}

/** The IMDS adapter; see the module comment. */
export class ImdsClient implements Imds {
  readonly #reader: ImdsReader;

  constructor(reader: ImdsReader) {
    this.#reader = reader;
  }

  async identity(): Promise<InstanceIdentity> {
    const r = this.#reader;
    const [instanceId, instanceType, availabilityZone, localIpv4, primaryMac, region] = await Promise.all([
      r.get('GetInstanceID', 'meta-data/instance-id'),
      r.get('GetInstanceType', 'meta-data/instance-type'),
      r.get('GetAZ', 'meta-data/placement/availability-zone'),
      r.get('GetLocalIPv4', 'meta-data/local-ipv4'),
      r.get('GetMAC', 'meta-data/mac'),
      this.#region(),
    ]);
    return {
      instanceId: instanceId.trim(),
      instanceType: instanceType.trim(),
      region,
      availabilityZone: availabilityZone.trim(),
      localIpv4: localIpv4.trim(),
      primaryMac: checkMac(primaryMac.trim()),
    };
  }

  async macs(): Promise<string[]> {
    const body = await this.#reader.get('GetMACs', MACS);
    return list(body).map((entry) => checkMac(entry.replace(/\/$/, '')));
  }

  async eni(mac: string, options: { readonly prefixes?: boolean } = {}): Promise<ImdsEni> {
    const r = this.#reader;
    const dir = `${MACS}${checkMac(mac)}/`;
    const keys = new Set(list(await r.get('GetMetadata', dir)).map((k) => k.replace(/\/$/, '')));
    const optional = (api: string, key: string): Promise<string | undefined> =>
      keys.has(key) ? r.find(api, dir + key) : Promise.resolve(undefined);
    const [eniId, deviceNumber, networkCard, subnetId, subnetCidr, vpcId, localIpv4s, prefixes, groups] =
      await Promise.all([
        r.get('GetInterfaceID', `${dir}interface-id`),
        r.get('GetDeviceNumber', `${dir}device-number`),
        optional('GetNetworkCard', 'network-card'),
        r.get('GetSubnetID', `${dir}subnet-id`),
        optional('GetSubnetIPv4CIDRBlock', 'subnet-ipv4-cidr-block'),
        r.get('GetVpcID', `${dir}vpc-id`),
        optional('GetLocalIPv4s', 'local-ipv4s'),
        options.prefixes === false ? Promise.resolve(undefined) : optional('GetIPv4Prefixes', 'ipv4-prefix'),
        optional('GetSecurityGroupIDs', 'security-group-ids'),
      ]);
    return {
      mac: mac.toLowerCase(),
      eniId: eniId.trim(),
      deviceNumber: parseIndex('GetDeviceNumber', `${dir}device-number`, deviceNumber),
      networkCard: networkCard === undefined ? 0 : parseIndex('GetNetworkCard', `${dir}network-card`, networkCard),
      subnetId: subnetId.trim(),
      subnetCidr: subnetCidr?.trim() ?? '',
      vpcId: vpcId.trim(),
      localIpv4s: list(localIpv4s),
      ipv4Prefixes: list(prefixes),
      securityGroupIds: list(groups),
    };
  }

  async attachedEnis(primaryMac: string, options: AttachedEnisOptions = {}): Promise<ImdsEni[]> {
    const primary = primaryMac.toLowerCase();
    const enis: ImdsEni[] = [];
    for (const mac of await this.macs()) {
      const isPrimary = mac === primary;
      const eni = await this.eni(mac, { prefixes: !(isPrimary && options.primaryPrefixes === false) });
      // The reference forces the primary to device 0 whatever IMDS says.
      enis.push(isPrimary ? { ...eni, deviceNumber: 0 } : eni);
    }
    return enis;
  }

  async vpcIpv4Cidrs(mac: string): Promise<string[]> {
    return list(await this.#reader.get('GetVPCIPv4CIDRBlocks', `${MACS}${checkMac(mac)}/vpc-ipv4-cidr-blocks`));
  }

  async securityGroupIds(mac: string): Promise<string[]> {
    return list(await this.#reader.get('GetSecurityGroupIDs', `${MACS}${checkMac(mac)}/security-group-ids`));
  }

  /** placement/region where IMDS has it; else the identity document, as the SDKs' region helpers read. */
  async #region(): Promise<string> {
    const region = await this.#reader.find('GetRegion', 'meta-data/placement/region');
    if (region !== undefined) return region.trim();
    const path = 'dynamic/instance-identity/document';
    const text = await this.#reader.get('GetInstanceIdentityDocument', path);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new CloudError(
        'IMDS_ERROR',
        `IMDS ${path} is not JSON`,
        { operation: 'GetInstanceIdentityDocument', path },
        error,
      );
    }
    const value = (parsed as { region?: unknown } | null)?.region;
    if (typeof value !== 'string' || value === '') {
      throw new CloudError('IMDS_ERROR', `IMDS ${path} has no region`, {
        operation: 'GetInstanceIdentityDocument',
        path,
      });
    }
    return value;
  }
}

/** Builds the IMDS adapter over `MetadataService`. */
export function createImds(options: ImdsOptions): ImdsClient {
  return new ImdsClient(new ImdsReader(options));
}
