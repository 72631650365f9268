/**
 * ipamd's introspection and metrics APIs as the tests read them: `/v1/enis` (the reference's ENIInfos per network
 * card) over TCP or a unix socket, the views derived from it (CIDRs per ENI, assignments, every address record, the
 * pool shape) and Prometheus' `/metrics` samples.
 *
 * @example
 * const doc = await getEnis(ipamd.introspection);            // or getJson<EnisDocument>(socket, '/v1/enis')
 * assert.deepEqual(ipamdView(doc), ec2View(vpc));
 */
import { request } from 'node:http';

/** `/v1/enis` as the tests read it (the reference's ENIInfos per card). */
export interface EnisDocument {
  readonly [card: string]: {
    readonly TotalIPs: number;
    readonly AssignedIPs: number;
    readonly ENIs: Readonly<Record<string, EniJson>>;
  };
}

export interface EniJson {
  readonly ID: string;
  readonly IsPrimary: boolean;
  readonly IsTrunk: boolean;
  readonly IsEFA: boolean;
  readonly DeviceNumber: number;
  readonly AvailableIPv4Cidrs: Readonly<Record<string, CidrJson>>;
  readonly IPv6Cidrs: Readonly<Record<string, CidrJson>>;
  readonly IsExcludedForPodIPs: boolean;
  readonly RouteTableID: number;
  readonly SubnetID: string;
}

export interface CidrJson {
  readonly Cidr: { readonly IP: string; readonly Mask: string };
  readonly IPAddresses: Readonly<Record<string, AddressJson>>;
  readonly IsPrefix: boolean;
  readonly AddressFamily: string;
}

export interface AddressJson {
  readonly Address: string;
  readonly IPAMKey: { readonly networkName: string; readonly containerID: string; readonly ifName: string };
  readonly IPAMMetadata: {
    readonly k8sPodNamespace?: string;
    readonly k8sPodName?: string;
    readonly interfacesCount?: number;
  };
  readonly AssignedTime: string;
  readonly UnassignedTime: string;
}

/** One address of `/v1/enis` (the reference's IPAMMetadata/IPAMKey shapes). */
export type IntrospectedAddress = AddressJson;

/** Go's zero time, as the introspection API prints an unset time. */
export const GO_ZERO_TIME = '0001-01-01T00:00:00Z';

export async function getText(
  url: string,
  init?: RequestInit,
): Promise<{ status: number; body: string; headers: Headers }> {
  const response = await fetch(url, init);
  return { status: response.status, body: await response.text(), headers: response.headers };
}

/** GET a path of an HTTP server on a unix socket; the body parsed as JSON. */
export function getJson<T = unknown>(socketPath: string, path: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        if (res.statusCode !== 200) reject(new Error(`GET ${path}: HTTP ${res.statusCode}: ${body.slice(0, 300)}`));
        else {
          try {
            resolve(JSON.parse(body) as T);
          } catch (error) {
            reject(error instanceof Error ? error : new Error(String(error)));
          }
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path}: timeout`)));
    req.on('error', reject);
    req.end();
  });
}

/** `/v1/enis` of an introspection server on TCP (`http://127.0.0.1:PORT`). */
export async function getEnis(introspection: string): Promise<EnisDocument> {
  const { status, body } = await getText(`${introspection}/v1/enis`);
  if (status !== 200) throw new Error(`/v1/enis answered ${status}: ${body}`);
  return JSON.parse(body) as EnisDocument;
}

export function card0(doc: EnisDocument): EnisDocument[string] {
  const card = doc['0'];
  if (card === undefined) throw new Error(`/v1/enis has no card 0: ${JSON.stringify(doc).slice(0, 200)}`);
  return card;
}

/** ipamd's view in the shape of `ec2View`: ENI → its CIDRs, sorted. */
export function ipamdView(doc: EnisDocument): Map<string, string[]> {
  const enis = Object.values(card0(doc).ENIs);
  return new Map(
    enis
      .map((eni) => [eni.ID, Object.keys(eni.AvailableIPv4Cidrs).sort()] as const)
      .sort(([a], [b]) => a.localeCompare(b)),
  );
}

export interface Assignment {
  readonly eniId: string;
  readonly cidr: string;
  readonly address: string;
  readonly pod: string;
  readonly containerId: string;
}

/** Every assigned address in `/v1/enis` (an address is assigned when its IPAMKey has a network name). */
export function assignments(doc: EnisDocument): Assignment[] {
  const out: Assignment[] = [];
  for (const eni of Object.values(card0(doc).ENIs)) {
    for (const [cidr, info] of Object.entries(eni.AvailableIPv4Cidrs)) {
      for (const address of Object.values(info.IPAddresses)) {
        if (address.IPAMKey.networkName === '') continue;
        out.push({
          eniId: eni.ID,
          cidr,
          address: address.Address,
          pod: address.IPAMMetadata.k8sPodName ?? '',
          containerId: address.IPAMKey.containerID,
        });
      }
    }
  }
  return out;
}

/** Every address record of `/v1/enis` (all cards), with its ENI's device number. */
export function addressesOf(doc: EnisDocument): Map<string, AddressJson & { readonly deviceNumber: number }> {
  const out = new Map<string, AddressJson & { readonly deviceNumber: number }>();
  for (const card of Object.values(doc)) {
    for (const eni of Object.values(card.ENIs)) {
      for (const cidr of Object.values(eni.AvailableIPv4Cidrs)) {
        for (const [ip, record] of Object.entries(cidr.IPAddresses))
          out.set(ip, { ...record, deviceNumber: eni.DeviceNumber });
      }
    }
  }
  return out;
}

/** The CIDRs of `/v1/enis` per ENI: what changes when ipamd grows or shrinks the pool, not when pods come and go. */
export function poolShape(doc: EnisDocument): string {
  return Object.values(doc)
    .flatMap((card) =>
      Object.values(card.ENIs).map(
        (eni) => `${eni.ID}#${eni.DeviceNumber}: ${Object.keys(eni.AvailableIPv4Cidrs).sort().join(' ')}`,
      ),
    )
    .sort()
    .join('\n');
}

/** The unlabelled samples of a Prometheus text page: name → value. */
export async function getMetrics(metrics: string): Promise<Map<string, number>> {
  const { status, body } = await getText(`${metrics}/metrics`);
  if (status !== 200) throw new Error(`/metrics answered ${status}`);
  const samples = new Map<string, number>();
  for (const line of body.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*) (\S+)$/.exec(line);
    if (match !== null) samples.set(match[1] ?? '', Number(match[2]));
  }
  return samples;
}

/** Sum of a labelled metric's samples whose label set contains `labels` (e.g. `api="AssignPrivateIpAddresses"`). */
export async function metricSum(metrics: string, name: string, labels: readonly string[] = []): Promise<number> {
  const { body } = await getText(`${metrics}/metrics`);
  let sum = 0;
  for (const line of body.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!labels.every((label) => line.includes(label))) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}
