/**
 * The network-interface operations of the EC2 Query API: each handler parses its request (eni-params.ts: wire
 * names, id shapes), runs the state operation (src/sim/state/ops-eni*.ts, where the semantics and limits live) and
 * shapes the response with EC2's locationNames.
 *
 * @example
 * const server = await startEc2Server({ store, handlers: { ...eniHandlers }, port: 0 });
 */
import {
  assignPrivateIps,
  attachEni,
  createEni,
  deleteEni,
  detachEni,
  modifyEniAttribute,
  unassignPrivateIps,
} from '../../state/ops-eni.js';
import type { Ec2Handler, HandlerTable } from '../handler.js';
import { eniXml } from '../shapes.js';
import { describeNetworkInterfaces } from './eni-describe.js';
import { assignInput, ATTACHMENT_ID, createInput, ENI_ID, idParam, INSTANCE_ID, modifyInput } from './eni-params.js';

const createNetworkInterface: Ec2Handler = (params, { store }) => {
  const input = createInput(params);
  const eni = createEni(store, input);
  return { networkInterface: eniXml(store, eni), clientToken: input.clientToken };
};

const attachNetworkInterface: Ec2Handler = (params, { store }) => {
  const eniId = idParam(params, 'NetworkInterfaceId', ENI_ID);
  const instanceId = idParam(params, 'InstanceId', INSTANCE_ID);
  const deviceIndex = params.int('DeviceIndex', { min: 0 });
  const networkCardIndex = params.optInt('NetworkCardIndex', { min: 0 });
  const attachment = attachEni(store, {
    eniId,
    instanceId,
    deviceIndex,
    ...(networkCardIndex === undefined ? {} : { networkCardIndex }),
  });
  return { attachmentId: attachment.id, networkCardIndex: attachment.networkCardIndex };
};

const detachNetworkInterface: Ec2Handler = (params, { store }) => {
  const attachmentId = idParam(params, 'AttachmentId', ATTACHMENT_ID);
  const force = params.optBool('Force');
  detachEni(store, attachmentId, force === undefined ? {} : { force });
  return { return: true };
};

const deleteNetworkInterface: Ec2Handler = (params, { store }) => {
  deleteEni(store, idParam(params, 'NetworkInterfaceId', ENI_ID));
  return { return: true };
};

const modifyNetworkInterfaceAttribute: Ec2Handler = (params, { store }) => {
  const eniId = idParam(params, 'NetworkInterfaceId', ENI_ID);
  modifyEniAttribute(store, eniId, modifyInput(params));
  return { return: true };
};

/** Response: the ENI id plus what was added; an empty set is left out. */
const assignPrivateIpAddresses: Ec2Handler = (params, { store }) => {
  const eniId = idParam(params, 'NetworkInterfaceId', ENI_ID);
  const added = assignPrivateIps(store, eniId, assignInput(params));
  return {
    networkInterfaceId: eniId,
    assignedPrivateIpAddressesSet:
      added.ips.length === 0 ? undefined : added.ips.map((privateIpAddress) => ({ privateIpAddress })),
    assignedIpv4PrefixSet:
      added.prefixes.length === 0 ? undefined : added.prefixes.map((ipv4Prefix) => ({ ipv4Prefix })),
  };
};

const unassignPrivateIpAddresses: Ec2Handler = (params, { store }) => {
  const eniId = idParam(params, 'NetworkInterfaceId', ENI_ID);
  unassignPrivateIps(store, eniId, { ips: params.list('PrivateIpAddress'), prefixes: params.list('Ipv4Prefix') });
  return { return: true };
};

/** Every network-interface operation of the embedded VPC, keyed by EC2 Action. */
export const eniHandlers: HandlerTable = {
  CreateNetworkInterface: createNetworkInterface,
  AttachNetworkInterface: attachNetworkInterface,
  DetachNetworkInterface: detachNetworkInterface,
  DeleteNetworkInterface: deleteNetworkInterface,
  ModifyNetworkInterfaceAttribute: modifyNetworkInterfaceAttribute,
  AssignPrivateIpAddresses: assignPrivateIpAddresses,
  UnassignPrivateIpAddresses: unassignPrivateIpAddresses,
  DescribeNetworkInterfaces: describeNetworkInterfaces,
};
