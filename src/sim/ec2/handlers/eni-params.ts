/**
 * Request parsing for the network-interface operations: wire names per the EC2 protocol (singular list names,
 * lists of structures in CreateNetworkInterface, `Attribute.Value` forms in ModifyNetworkInterfaceAttribute), and
 * id-shape checks. EC2 rejects a malformed id (`Invalid<Thing>Id.Malformed`) before looking it up, so a typo is
 * told apart from an id that does not exist (`...ID.NotFound`).
 *
 * @example
 * const eniId = idParam(params, 'NetworkInterfaceId', ENI_ID); // 'eni-0abc...' or throws Malformed / MissingParameter
 */
import type {
  AssignPrivateIpsInput,
  CreateEniInput,
  EniInterfaceType,
  ModifyEniAttributeInput,
} from '../../state/ops-eni.js';
import { invalidParameterCombination, invalidParameterValue, malformedId, missingParameter } from '../errors.js';
import type { Params } from '../params.js';

/** The resource prefix of an id and the error code EC2 uses when an id of that kind is malformed. */
export interface IdKind {
  readonly prefix: string;
  readonly malformedCode: string;
}

export const ENI_ID: IdKind = { prefix: 'eni', malformedCode: 'InvalidNetworkInterfaceId.Malformed' };
export const ATTACHMENT_ID: IdKind = {
  prefix: 'eni-attach',
  malformedCode: 'InvalidNetworkInterfaceAttachmentId.Malformed',
};
export const INSTANCE_ID: IdKind = { prefix: 'i', malformedCode: 'InvalidInstanceID.Malformed' };
export const SUBNET_ID: IdKind = { prefix: 'subnet', malformedCode: 'InvalidSubnetID.Malformed' };
export const GROUP_ID: IdKind = { prefix: 'sg', malformedCode: 'InvalidGroupId.Malformed' };
export const TRUNK_ASSOCIATION_ID: IdKind = { prefix: 'trunk-assoc', malformedCode: 'InvalidAssociationID.Malformed' };

/** `<prefix>-` followed by 17 lower-case hex digits (8 for legacy ids). */
export function checkId(id: string, kind: IdKind): string {
  const rest = id.startsWith(`${kind.prefix}-`) ? id.slice(kind.prefix.length + 1) : '';
  if (!/^([0-9a-f]{8}|[0-9a-f]{17})$/.test(rest)) throw malformedId(kind.malformedCode, id, kind.prefix);
  return id;
}

/** A required id parameter, shape-checked. */
export function idParam(params: Params, name: string, kind: IdKind): string {
  return checkId(params.string(name), kind);
}

/** A flat list of ids (`Name.N`), each shape-checked. */
export function idList(params: Params, name: string, kind: IdKind): string[] {
  return params.list(name).map((id) => checkId(id, kind));
}

const INTERFACE_TYPES: readonly EniInterfaceType[] = ['interface', 'trunk', 'branch', 'efa'];

function interfaceType(params: Params): EniInterfaceType | undefined {
  const text = params.optString('InterfaceType');
  if (text === undefined) return undefined;
  const type = INTERFACE_TYPES.find((t) => t === text);
  if (type === undefined) {
    throw invalidParameterValue(
      `Value (${text}) for parameter InterfaceType is invalid. Supported here: ${INTERFACE_TYPES.join(', ')}.`,
    );
  }
  return type;
}

/** The embedded VPC is IPv4-only: refuse IPv6 requests instead of silently ignoring them. */
function rejectIpv6(params: Params): void {
  for (const name of ['Ipv6Addresses', 'Ipv6Prefix', 'Ipv6PrefixCount']) {
    if (params.has(name)) throw invalidParameterValue(`${name} is not supported: the embedded VPC is IPv4-only.`);
  }
  if ((params.optInt('Ipv6AddressCount', { min: 0 }) ?? 0) > 0) {
    throw invalidParameterValue('Ipv6AddressCount is not supported: the embedded VPC is IPv4-only.');
  }
}

/** `PrivateIpAddress` and `PrivateIpAddresses.N.{PrivateIpAddress,Primary}` → the primary and the secondaries. */
function addressesOf(params: Params): { primary: string | undefined; secondaries: string[] } {
  const listed = params
    .structList('PrivateIpAddresses')
    .map((s) => ({ ip: s.string('PrivateIpAddress'), primary: s.optBool('Primary') === true }));
  const primaries = listed.filter((a) => a.primary).map((a) => a.ip);
  if (primaries.length > 1) throw invalidParameterValue('Only one primary private IP address can be specified.');
  const scalar = params.optString('PrivateIpAddress');
  if (scalar !== undefined && primaries[0] !== undefined && scalar !== primaries[0]) {
    throw invalidParameterCombination(
      'The primary private IP address in PrivateIpAddresses does not match PrivateIpAddress.',
    );
  }
  return { primary: scalar ?? primaries[0], secondaries: listed.filter((a) => !a.primary).map((a) => a.ip) };
}

/** CreateNetworkInterface's parameters (all request forms of the API). */
export function createInput(params: Params): CreateEniInput {
  const input: CreateEniInput = { subnetId: idParam(params, 'SubnetId', SUBNET_ID) };
  rejectIpv6(params);
  const groups = idList(params, 'SecurityGroupId', GROUP_ID);
  if (groups.length > 0) input.groups = groups;
  const description = params.optString('Description');
  if (description !== undefined) input.description = description;
  const { primary, secondaries } = addressesOf(params);
  if (primary !== undefined) input.privateIpAddress = primary;
  if (secondaries.length > 0) input.secondaryIps = secondaries;
  const count = params.optInt('SecondaryPrivateIpAddressCount', { min: 0 });
  if (count !== undefined) input.secondaryIpCount = count;
  const prefixCount = params.optInt('Ipv4PrefixCount', { min: 0 });
  if (prefixCount !== undefined) input.prefixCount = prefixCount;
  const prefixes = params.structList('Ipv4Prefix').map((s) => s.string('Ipv4Prefix'));
  if (prefixes.length > 0) input.prefixes = prefixes;
  const type = interfaceType(params);
  if (type !== undefined) input.interfaceType = type;
  const tags = params.tagSpecifications('network-interface');
  if (tags.length > 0) input.tags = tags;
  const token = params.optString('ClientToken');
  if (token !== undefined && token !== '') input.clientToken = token;
  return input;
}

/** Attributes EC2 can modify that the embedded VPC does not model: counted for "one at a time", then refused. */
const UNMODELLED_ATTRIBUTES = [
  'EnaSrdSpecification',
  'ConnectionTrackingSpecification',
  'AssociatePublicIpAddress',
  'AssociatedSubnetId',
];

/** ModifyNetworkInterfaceAttribute's parameters; more than one attribute is InvalidParameterCombination. */
export function modifyInput(params: Params): ModifyEniAttributeInput {
  const input: ModifyEniAttributeInput = {};
  if (params.has('Attachment')) {
    const scope = params.scope('Attachment');
    const deleteOnTermination = scope.optBool('DeleteOnTermination');
    if (deleteOnTermination === undefined) throw missingParameter('Attachment.DeleteOnTermination');
    input.attachment = { attachmentId: checkId(scope.string('AttachmentId'), ATTACHMENT_ID), deleteOnTermination };
  }
  if (params.has('SecurityGroupId')) input.groups = idList(params, 'SecurityGroupId', GROUP_ID);
  if (params.has('Description')) input.description = params.optString('Description.Value') ?? '';
  if (params.has('SourceDestCheck')) {
    const value = params.optBool('SourceDestCheck.Value');
    if (value === undefined) throw missingParameter('SourceDestCheck.Value');
    input.sourceDestCheck = value;
  }
  const unmodelled = UNMODELLED_ATTRIBUTES.filter((name) => params.has(name));
  const total = Object.keys(input).length + unmodelled.length;
  if (total > 1) throw invalidParameterCombination('Only one attribute can be modified at a time.');
  if (unmodelled[0] !== undefined)
    throw invalidParameterValue(`Modifying ${unmodelled[0]} is not supported by the embedded VPC.`);
  return input;
}

/** AssignPrivateIpAddresses' parameters; here the lists are flat (`PrivateIpAddress.N`, `Ipv4Prefix.N`). */
export function assignInput(params: Params): AssignPrivateIpsInput {
  const input: AssignPrivateIpsInput = {};
  const count = params.optInt('SecondaryPrivateIpAddressCount');
  if (count !== undefined) input.count = count;
  const ips = params.list('PrivateIpAddress');
  if (ips.length > 0) input.ips = ips;
  const prefixCount = params.optInt('Ipv4PrefixCount');
  if (prefixCount !== undefined) input.prefixCount = prefixCount;
  const prefixes = params.list('Ipv4Prefix');
  if (prefixes.length > 0) input.prefixes = prefixes;
  const allowReassignment = params.optBool('AllowReassignment');
  if (allowReassignment !== undefined) input.allowReassignment = allowReassignment;
  return input;
}
