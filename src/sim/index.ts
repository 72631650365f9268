/**
 * The embedded VPC's public entry. Programs start it as one running thing ({@link startSim}: the EC2 Query API, one
 * IMDS per instance, the optional namespace data plane). Tests and benchmarks that drive the VPC's state in-process
 * (without HTTP) use the store, its operations and the IMDS view from here too; nothing outside `src/sim/` imports
 * the modules behind this file.
 *
 * @example
 * const sim = await startSim({ scenario: 'eksworkshop', host: '127.0.0.1', port: 0, clock: systemClock });
 * const store = new VpcStore({ region: 'ap-northeast-2', clock }); eksworkshop.build(store);
 */
export { startSim, type RunningSim, type SimDescription, type SimInstanceInfo, type SimOptions } from './sim.js';
export { SCENARIOS } from './scenarios/index.js';
export { eksworkshop } from './scenarios/eksworkshop.js';
export { clusterScenario, type ClusterScenarioOptions } from './scenarios/cluster.js';
export { VpcStore } from './state/store.js';
export type { Eni, Instance } from './state/model.js';
export {
  assignPrivateIps,
  attachEni,
  createEni,
  deleteEni,
  detachEni,
  eniSettings,
  modifyEniAttribute,
  settleDetachments,
  unassignPrivateIps,
} from './state/ops-eni.js';
export { launchInstance } from './state/ops-instance.js';
export { associateRouteTable } from './state/ops-routes.js';
export { createSecurityGroup } from './state/ops-sg.js';
export { createSubnet } from './state/ops-subnet.js';
export { createTags } from './state/ops-tags.js';
export { associateVpcCidrBlock, cidrAssociationState, configureVpcSettings, createVpc } from './state/ops-vpc.js';
export { ImdsPropagation, type VisibleEni } from './imds/view.js';
export { Ec2Error } from './ec2/errors.js';
export { applyFilters } from './ec2/filters.js';
export { eniFilterFields } from './ec2/handlers/eni-describe.js';
export { classify, Throttle, type ThrottleSettings } from './gate/throttle.js';
