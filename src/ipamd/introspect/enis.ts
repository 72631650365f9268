/**
 * The datastore as the reference's introspection shows it: `/v1/enis` (the v1.20+ `ENIInfos` per network card,
 * [behaviour §5], item 2) and `/v1/pods` (the v1.6 pod map the seed's operators still query). Built from the public
 * {@link DatastoreSnapshot}, never from datastore internals.
 *
 * @example
 * const body = encodeGoJson(enisDocument(new Map([[0, datastore.snapshot()]])));
 * // {"0":{"TotalIPs":17,"AssignedIPs":2,"ENIs":{"eni-0a":{"ID":"eni-0a","IsPrimary":true,...}}}}
 */
import { scrubContainerId } from '../../obs/logger.js';
import type { AddressView, CidrView, DatastoreSnapshot, EniView } from '../../ipam/types.js';
import { goTime, ipMaskBase64, type GoJson } from './json.js';

function addressInfo(address: AddressView): GoJson {
  const metadata = address.ipamMetadata ?? {};
  // IPAMMetadata's fields are `omitempty`: an empty string or a zero count is left out.
  const ipamMetadata: Record<string, GoJson> = {};
  if (metadata.k8sPodNamespace !== undefined && metadata.k8sPodNamespace !== '') {
    ipamMetadata['k8sPodNamespace'] = metadata.k8sPodNamespace;
  }
  if (metadata.k8sPodName !== undefined && metadata.k8sPodName !== '') ipamMetadata['k8sPodName'] = metadata.k8sPodName;
  if (metadata.interfacesCount !== undefined && metadata.interfacesCount !== 0) {
    ipamMetadata['interfacesCount'] = metadata.interfacesCount;
  }
  return {
    Address: address.address,
    // Since v1.23.0 the reference blanks containerID and ifName: with them anyone who can reach this port could
    // forge a DelNetwork for another pod's sandbox on the loopback gRPC socket.
    IPAMKey: { networkName: address.ipamKey?.networkName ?? '', containerID: '', ifName: '' },
    IPAMMetadata: ipamMetadata,
    AssignedTime: goTime(address.assignedTime),
    UnassignedTime: goTime(address.unassignedTime),
  };
}

function cidrInfo(cidr: CidrView): GoJson {
  const slash = cidr.cidr.indexOf('/');
  return {
    Cidr: { IP: slash < 0 ? cidr.cidr : cidr.cidr.slice(0, slash), Mask: ipMaskBase64(cidr.cidr) },
    IPAddresses: new Map(cidr.addresses.map((address) => [address.address, addressInfo(address)] as const)),
    IsPrefix: cidr.isPrefix,
    // The reference's snapshot copy never carries the family ("4"/"6"), so the field is always empty.
    AddressFamily: '',
  };
}

function eniInfo(eni: EniView): GoJson {
  const v4 = eni.cidrs.filter((cidr) => !cidr.cidr.includes(':'));
  const v6 = eni.cidrs.filter((cidr) => cidr.cidr.includes(':'));
  return {
    ID: eni.id,
    IsPrimary: eni.isPrimary,
    IsTrunk: eni.isTrunk,
    IsEFA: eni.isEFA,
    DeviceNumber: eni.deviceNumber,
    AvailableIPv4Cidrs: new Map(v4.map((cidr) => [cidr.cidr, cidrInfo(cidr)] as const)),
    IPv6Cidrs: new Map(v6.map((cidr) => [cidr.cidr, cidrInfo(cidr)] as const)),
    IsExcludedForPodIPs: eni.isExcludedForPodIPs,
    RouteTableID: eni.routeTableId,
    SubnetID: eni.subnetId,
  };
}

/**
 * One card's `ENIInfos`. `TotalIPs` and `AssignedIPs` are the reference's raw datastore counters: every CIDR of
 * every ENI counts, excluded ENIs and CIDRs of the other mode included (unlike the policy's `PoolStats`).
 *
 * @example
 * encodeGoJson(eniInfos(snapshot)); // '{"TotalIPs":33,"AssignedIPs":2,"ENIs":{"eni-0a":{...}}}'
 */
export function eniInfos(snapshot: DatastoreSnapshot): GoJson {
  let total = 0;
  let assigned = 0;
  for (const eni of snapshot.enis) {
    for (const cidr of eni.cidrs) {
      total += cidr.size;
      assigned += cidr.assignedCount;
    }
  }
  return {
    TotalIPs: total,
    AssignedIPs: assigned,
    ENIs: new Map(snapshot.enis.map((eni) => [eni.id, eniInfo(eni)] as const)),
  };
}

/**
 * `/v1/enis`: `ENIInfos` keyed by network card index (`"0"`, `"1"`, ...), as the reference has since v1.20.
 *
 * @example
 * encodeGoJson(enisDocument(new Map([[0, snapshot]]))); // '{"0":{"TotalIPs":33,"AssignedIPs":2,"ENIs":{...}}}'
 */
export function enisDocument(snapshots: ReadonlyMap<number, DatastoreSnapshot>): GoJson {
  return new Map([...snapshots].map(([card, snapshot]) => [String(card), eniInfos(snapshot)] as const));
}

/**
 * `/v1/pods`, the v1.6 shape: `"<pod>_<namespace>_<container>"` → `{"DeviceNumber", "IP"}` for every assigned
 * address on every card. The container part is {@link scrubContainerId}'s 12-character prefix, not the full id
 * v1.6 printed: the prefix still matches `crictl pods`/`docker ps` output, but is useless for forging the CNI key.
 * A second interface of the same pod (multi-NIC) gets `_<ifName>` appended to keep keys unique.
 *
 * @example
 * encodeGoJson(podsDocument(new Map([[0, snapshot]])));
 * // '{"web-1_default_0b7b3d2485d7":{"DeviceNumber":0,"IP":"10.0.1.17"}}'
 */
export function podsDocument(snapshots: ReadonlyMap<number, DatastoreSnapshot>): GoJson {
  const pods = new Map<string, GoJson>();
  const cards = [...snapshots].sort(([a], [b]) => a - b);
  for (const [, snapshot] of cards) {
    for (const eni of snapshot.enis) {
      for (const cidr of eni.cidrs) {
        for (const address of cidr.addresses) {
          if (address.ipamKey === undefined) continue;
          const metadata = address.ipamMetadata ?? {};
          const base = `${metadata.k8sPodName ?? ''}_${metadata.k8sPodNamespace ?? ''}_${scrubContainerId(address.ipamKey.containerID)}`;
          const key = pods.has(base) ? `${base}_${address.ipamKey.ifName}` : base;
          pods.set(key, { DeviceNumber: eni.deviceNumber, IP: address.address });
        }
      }
    }
  }
  return pods;
}
