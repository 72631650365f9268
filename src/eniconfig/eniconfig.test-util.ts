/**
 * The pod subnet the ENIConfig tests name: where custom networking puts a node's new ENIs (100.64.0.0/19, a
 * secondary CIDR block of vpc-1, in us-west-2a, the node's zone).
 *
 * @example
 * eniConfig('pods-a', { subnet: POD_SUBNET.id, securityGroups: ['sg-00000000000000001'] });
 */
import type { Ec2Subnet } from '../cloud/ec2/port.js';

export const POD_SUBNET: Ec2Subnet = {
  id: 'subnet-0000000000000000a',
  vpcId: 'vpc-1',
  cidr: '100.64.0.0/19',
  availabilityZone: 'us-west-2a',
  availableIpAddressCount: 100,
  tags: {},
};
