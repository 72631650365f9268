/**
 * The reference's worked example [behaviour §7.10] as the networking tests' inputs: the node's secondary ENI on
 * device 2 (subnet 10.0.96.0/19, route table 3), a pod on it, and the node's SNAT settings. One definition, so that
 * the pure command builders and the real-namespace tests check the same example.
 *
 * @example
 * eniSetupCommands({ name: 'eth2', inetAddresses: [] }, EXAMPLE_ENI);
 * const spec: PodSpec = { ...EXAMPLE_POD, netnsPath: '/var/run/netns/pod-1' };
 */
import type { EniNetworkSpec, PodSpec, SnatSpec } from './port.js';

export const EXAMPLE_ENI: EniNetworkSpec = {
  mac: '02:aa:00:00:00:02',
  deviceNumber: 2,
  primaryIp: '10.0.97.5',
  subnetCidr: '10.0.96.0/19',
  routeTableId: 3,
  mtu: 9001,
};

export const EXAMPLE_POD: PodSpec = {
  hostVethName: 'eni1a2b3c4d5e6',
  containerIfName: 'eth0',
  netnsPath: '/var/run/netns/x',
  podIp: '10.0.97.30',
  mtu: 9001,
  routeTableId: 3,
};

export const EXAMPLE_SNAT: SnatSpec = {
  primaryIp: '10.0.0.10',
  primaryInterface: 'eth0',
  vpcCidrs: ['10.0.0.0/16'],
  excludeSnatCidrs: ['192.168.0.0/16'],
  externalSnat: false,
  randomizeSnat: 'prng',
  nodePortSupport: true,
  connmark: 0x80,
  vethPrefix: 'eni',
};
