/**
 * DescribeInstanceTypes from the project's instance-type limits table [ec2-imds §2.2]: the network facts the CNI reads
 * (ENIs per card, IPv4 per ENI, hypervisor, bare metal, network cards) are exact; the rest of EC2's InstanceTypeInfo
 * is a plausible approximation derived from the same row (architecture from the family name, ENA from Nitro).
 *
 * @example
 * await ec2.send(new DescribeInstanceTypesCommand({ InstanceTypes: ['m5.large'] }));
 * // NetworkInfo.MaximumNetworkInterfaces 3, Ipv4AddressesPerInterface 10, Hypervisor 'nitro'
 */
import { getInstanceLimits, listInstanceTypes, type InstanceLimits } from '../../../limits/index.js';
import { Ec2Error } from '../errors.js';
import { applyFilters, type FilterFields } from '../filters.js';
import type { HandlerTable } from '../handler.js';
import { paginate } from '../paginate.js';
import type { Params } from '../params.js';
import type { XmlObject } from '../xml.js';
import type { VpcStore } from '../../state/store.js';

/** Families EC2 lists as previous generation (`currentGeneration` false). */
const PREVIOUS_GENERATION = new Set(['c1', 'c3', 'cc2', 'cr1', 'g2', 'hs1', 'i2', 'm1', 'm2', 'm3', 'r3', 't1']);

/** Graviton families: a1, and any family with a `g` after its generation digit (m6g, c7gn, x2gd, im4gn, g5g). */
export function architectureOf(instanceType: string): 'arm64' | 'x86_64' {
  return /^a1\.|^[a-z]+\d+[a-z-]*g[a-z-]*\./.test(instanceType) ? 'arm64' : 'x86_64';
}

/** Whether EC2 reports the instance type as current generation. */
export function isCurrentGeneration(instanceType: string): boolean {
  return !PREVIOUS_GENERATION.has(instanceType.slice(0, instanceType.indexOf('.')));
}

/** ENIs over all network cards: what EC2 reports as `MaximumNetworkInterfaces` (the CNI's table has card 0 only). */
export function totalEnis(limits: InstanceLimits): number {
  return limits.networkCards.reduce((sum, card) => sum + card.maxEnis, 0);
}

/** EC2 omits the hypervisor for bare metal (and our table says `unknown` where EC2 gave none). */
function hypervisorOf(limits: InstanceLimits): string | undefined {
  return limits.bareMetal || limits.hypervisor === 'unknown' ? undefined : limits.hypervisor;
}

const FIELDS: FilterFields<InstanceLimits> = {
  'instance-type': (t) => t.instanceType,
  hypervisor: (t) => hypervisorOf(t),
  'bare-metal': (t) => t.bareMetal,
  'current-generation': (t) => isCurrentGeneration(t.instanceType),
  'processor-info.supported-architecture': (t) => architectureOf(t.instanceType),
  'vcpu-info.default-vcpus': (t) => (t.vcpus === null ? undefined : t.vcpus),
  'network-info.maximum-network-interfaces': (t) => totalEnis(t),
  'network-info.maximum-network-cards': (t) => t.networkCards.length,
  'network-info.ipv4-addresses-per-interface': (t) => t.ipv4PerEni,
  'network-info.ipv6-supported': () => true,
  'network-info.ena-support': (t) => enaSupport(t),
};

function enaSupport(limits: InstanceLimits): string {
  return limits.hypervisor === 'nitro' || limits.bareMetal ? 'required' : 'unsupported';
}

/** The InstanceTypeInfo shape (`<instanceTypeSet><item>`). */
export function instanceTypeXml(limits: InstanceLimits): XmlObject {
  const nitro = limits.hypervisor === 'nitro' || limits.bareMetal;
  return {
    instanceType: limits.instanceType,
    currentGeneration: isCurrentGeneration(limits.instanceType),
    supportedUsageClasses: ['on-demand', 'spot'],
    supportedRootDeviceTypes: ['ebs'],
    supportedVirtualizationTypes: ['hvm'],
    bareMetal: limits.bareMetal,
    hypervisor: hypervisorOf(limits),
    processorInfo: { supportedArchitectures: [architectureOf(limits.instanceType)] },
    vCpuInfo: limits.vcpus === null ? undefined : { defaultVCpus: limits.vcpus },
    instanceStorageSupported: false,
    networkInfo: {
      maximumNetworkInterfaces: totalEnis(limits),
      maximumNetworkCards: limits.networkCards.length,
      defaultNetworkCardIndex: limits.defaultNetworkCardIndex,
      networkCards: limits.networkCards.map((card) => ({
        networkCardIndex: card.index,
        maximumNetworkInterfaces: card.maxEnis,
      })),
      ipv4AddressesPerInterface: limits.ipv4PerEni,
      // The table records no IPv6 limit; EC2 reports the IPv4 figure for almost every type.
      ipv6AddressesPerInterface: limits.ipv6PerEni ?? limits.ipv4PerEni,
      ipv6Supported: true,
      enaSupport: enaSupport(limits),
      efaSupported: false,
      encryptionInTransitSupported: nitro,
    },
  };
}

function describeInstanceTypes(store: VpcStore, params: Params): XmlObject {
  const requested = params.list('InstanceType');
  let types: InstanceLimits[];
  if (requested.length > 0) {
    const missing = requested.filter((name) => store.instanceTypeLimits(name) === undefined);
    if (missing.length > 0) {
      throw new Ec2Error(
        'InvalidInstanceType',
        `The following supplied instance types do not exist: [${missing.join(', ')}]`,
      );
    }
    types = [...new Set(requested)].map((name) => store.instanceTypeLimits(name) as InstanceLimits);
  } else {
    types = [
      ...listInstanceTypes().flatMap((name) => getInstanceLimits(name) ?? []),
      ...store.extraInstanceTypes.values(),
    ];
  }
  const matching = applyFilters(types, params.filters(), FIELDS);
  const { page, nextToken } = paginate('DescribeInstanceTypes', matching, params, { min: 5, max: 100 });
  return { instanceTypeSet: page.map(instanceTypeXml), nextToken };
}

export const instanceTypeHandlers: HandlerTable = {
  DescribeInstanceTypes: (params, { store }) => describeInstanceTypes(store, params),
};
