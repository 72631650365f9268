/**
 * Security groups of the embedded VPC. Only their identity matters to the CNI (ENIs carry group ids, the reference
 * copies the primary ENI's groups), so rules are not modelled: the Describe layer shows EC2's defaults.
 *
 * @example
 * const sg = createSecurityGroup(store, { vpcId: vpc.id, name: 'pods', description: 'pod ENIs' });
 * defaultSecurityGroup(store, vpc.id).name; // 'default'
 */
import { Ec2Error, invalidParameterValue } from '../ec2/errors.js';
import type { SecurityGroup } from './model.js';
import { initialTags, type TagInput } from './ops-tags.js';
import type { VpcStore } from './store.js';

export const MAX_GROUP_NAME_LENGTH = 255;
export const MAX_GROUP_DESCRIPTION_LENGTH = 255;
export const DEFAULT_GROUP_NAME = 'default';

export interface CreateSecurityGroupInput {
  readonly vpcId: string;
  readonly name: string;
  readonly description: string;
  readonly tags?: readonly TagInput[];
}

/**
 * CreateSecurityGroup in a VPC. Names are unique per VPC (`InvalidGroup.Duplicate`), 1–255 characters and not
 * `sg-*` (which would be ambiguous with ids); descriptions are at most 255 characters.
 */
export function createSecurityGroup(store: VpcStore, input: CreateSecurityGroupInput): SecurityGroup {
  const vpc = store.vpc(input.vpcId);
  const { name, description } = input;
  if (name.length === 0 || name.length > MAX_GROUP_NAME_LENGTH) {
    throw invalidParameterValue(`Group name must be between 1 and ${MAX_GROUP_NAME_LENGTH} characters long.`);
  }
  if (name.startsWith('sg-')) throw invalidParameterValue('Group names may not be in the format sg-*.');
  if (description.length > MAX_GROUP_DESCRIPTION_LENGTH) {
    throw invalidParameterValue(`Group description must be at most ${MAX_GROUP_DESCRIPTION_LENGTH} characters long.`);
  }
  if ([...store.securityGroups.values()].some((g) => g.vpcId === vpc.id && g.name === name)) {
    throw new Ec2Error('InvalidGroup.Duplicate', `The security group '${name}' already exists for VPC '${vpc.id}'`);
  }
  const tags = initialTags(input.tags);
  const group: SecurityGroup = { id: store.newId('sg'), name, description, vpcId: vpc.id, tags };
  store.securityGroups.set(group.id, group);
  return group;
}

/** The VPC's `default` group (created with the VPC). */
export function defaultSecurityGroup(store: VpcStore, vpcId: string): SecurityGroup {
  const group = [...store.securityGroups.values()].find((g) => g.vpcId === vpcId && g.name === DEFAULT_GROUP_NAME);
  if (group === undefined) {
    throw new Ec2Error(
      'InvalidGroup.NotFound',
      `The security group '${DEFAULT_GROUP_NAME}' does not exist in VPC '${vpcId}'`,
    );
  }
  return group;
}
