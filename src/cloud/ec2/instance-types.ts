/**
 * DescribeInstanceTypes' InstanceTypeInfo as the limits ipamd works with ([behaviour §2.3] step 6): what ipamd falls
 * back on when an instance type is newer than the built-in limits table ([pain-points §16]: new types must not stop
 * ipamd). EC2 reports the network facts (ENIs per card, IPv4 addresses per ENI, cards, hypervisor, bare metal, vCPUs);
 * it does not report branch-ENI (trunk) capacity, which stays unknown (null), as the table has it for the types its
 * source omits.
 *
 * @example
 * toInstanceLimits(out.InstanceTypes[0], 'DescribeInstanceTypes');
 * // { instanceType: 'm9.large', maxEnis: 3, ipv4PerEni: 10, hypervisor: 'nitro', networkCards: [{ index: 0, maxEnis: 3 }], ... }
 */
import type { InstanceTypeInfo } from '@aws-sdk/client-ec2';
import type { Hypervisor, InstanceLimits, NetworkCard } from '../../limits/index.js';
import { malformed } from './map.js';

function hypervisorOf(value: string | undefined): Hypervisor {
  return value === 'nitro' || value === 'xen' ? value : 'unknown';
}

function positive(value: number | undefined): number | undefined {
  return value !== undefined && Number.isInteger(value) && value > 0 ? value : undefined;
}

/**
 * The limits of one instance type. `maxEnis` is the default card's ENIs (what the built-in table and the max-pods
 * formula count); without card details, the type's total. Throws CLOUD_EC2_ERROR when EC2 left out the type's name,
 * its ENI count or its addresses per ENI, since ipamd cannot size anything without them.
 */
export function toInstanceLimits(info: InstanceTypeInfo | undefined, operation: string): InstanceLimits {
  const name = info?.InstanceType === undefined ? '' : String(info.InstanceType);
  if (info === undefined || name === '') throw malformed(operation, 'an instance type name');
  const network = info.NetworkInfo;
  const total = positive(network?.MaximumNetworkInterfaces);
  const ipv4PerEni = positive(network?.Ipv4AddressesPerInterface);
  if (total === undefined || ipv4PerEni === undefined) throw malformed(operation, `the ENI limits of ${name}`);
  const defaultCard = network?.DefaultNetworkCardIndex ?? 0;
  const cards: NetworkCard[] = (network?.NetworkCards ?? [])
    .flatMap((card) => {
      const index = card.NetworkCardIndex;
      const maxEnis = positive(card.MaximumNetworkInterfaces);
      return index === undefined || maxEnis === undefined ? [] : [{ index, maxEnis }];
    })
    .sort((a, b) => a.index - b.index);
  const networkCards = cards.length > 0 ? cards : [{ index: defaultCard, maxEnis: total }];
  return {
    instanceType: name,
    maxEnis: networkCards.find((card) => card.index === defaultCard)?.maxEnis ?? total,
    ipv4PerEni,
    ipv6PerEni: positive(network?.Ipv6AddressesPerInterface) ?? null,
    hypervisor: hypervisorOf(info.Hypervisor),
    bareMetal: info.BareMetal === true,
    defaultNetworkCardIndex: defaultCard,
    networkCards,
    branchInterfaces: null,
    vcpus: positive(info.VCpuInfo?.DefaultVCpus) ?? null,
  };
}
