/**
 * EC2's documented API request throttling [ec2-imds §4]: a token bucket per account, Region and action, sized by the
 * action's category or by the action's own documented values. One table for both ends of the wire: the embedded VPC
 * throttles by it (src/sim/gate/throttle.ts) and ipamd's client-side budget stays below it (src/cloud/ec2/budget.ts).
 *
 * @example
 * documentedThrottle('AttachNetworkInterface', true).spec; // { capacity: 50, refillPerSecond: 5 } (mutating)
 * documentedThrottle('DescribeInstances', false).key; // 'DescribeInstances:unfiltered', its own smaller bucket
 */

/** A bucket's size (tokens) and refill rate (tokens per second). */
export interface BucketSpec {
  readonly capacity: number;
  readonly refillPerSecond: number;
}

export type ThrottleCategory =
  'non-mutating' | 'unfiltered-unpaginated' | 'mutating' | 'resource-intensive' | 'uncategorized';

const NON_MUTATING: BucketSpec = { capacity: 100, refillPerSecond: 20 };
const UNFILTERED: BucketSpec = { capacity: 50, refillPerSecond: 10 };
const MUTATING: BucketSpec = { capacity: 50, refillPerSecond: 5 };

/** Describe calls that get the smaller bucket when sent without a filter and without pagination. */
const UNFILTERED_ACTIONS = new Set([
  'DescribeInstances',
  'DescribeInstanceStatus',
  'DescribeNetworkInterfaces',
  'DescribeSecurityGroups',
  'DescribeSnapshots',
  'DescribeSpotInstanceRequests',
  'DescribeVolumes',
]);

const RESOURCE_INTENSIVE = new Set([
  'AcceptVpcPeeringConnection',
  'AuthorizeSecurityGroupIngress',
  'CancelSpotInstanceRequests',
  'CreateKeyPair',
  'CreateVpcPeeringConnection',
  'DeleteVpcPeeringConnection',
  'RejectVpcPeeringConnection',
  'RevokeSecurityGroupIngress',
  'RequestSpotInstances',
]);

/** Actions with their own documented values ("uncategorized"). Attach/Detach are not here: they are Mutating. */
const UNCATEGORIZED: Readonly<Record<string, BucketSpec>> = {
  AssignPrivateIpAddresses: { capacity: 100, refillPerSecond: 5 },
  UnassignPrivateIpAddresses: { capacity: 100, refillPerSecond: 5 },
  AssignIpv6Addresses: { capacity: 100, refillPerSecond: 5 },
  CreateNetworkInterface: { capacity: 100, refillPerSecond: 5 },
  DeleteNetworkInterface: { capacity: 100, refillPerSecond: 5 },
  ModifyNetworkInterfaceAttribute: { capacity: 100, refillPerSecond: 5 },
  CreateTags: { capacity: 100, refillPerSecond: 10 },
  DeleteTags: { capacity: 100, refillPerSecond: 10 },
  RunInstances: { capacity: 5, refillPerSecond: 2 },
  TerminateInstances: { capacity: 100, refillPerSecond: 5 },
  DescribeSecurityGroupReferences: { capacity: 20, refillPerSecond: 5 },
  DescribeStaleSecurityGroups: { capacity: 20, refillPerSecond: 5 },
};

/**
 * The documented bucket of a request: its key (one bucket per action and category), category and spec. `narrowed`
 * says whether the request is filtered or paginated: a Describe that is neither draws from the action's smaller
 * unfiltered bucket, when it has one.
 */
export function documentedThrottle(
  action: string,
  narrowed: boolean,
): { key: string; category: ThrottleCategory; spec: BucketSpec } {
  const own = Object.hasOwn(UNCATEGORIZED, action) ? UNCATEGORIZED[action] : undefined;
  if (own !== undefined) return { key: action, category: 'uncategorized', spec: own };
  if (RESOURCE_INTENSIVE.has(action)) return { key: action, category: 'resource-intensive', spec: MUTATING };
  if (/^(Describe|List|Search|Get)/.test(action)) {
    // The unfiltered variant is its own bucket: a filtered DescribeInstances does not spend the unfiltered budget.
    if (UNFILTERED_ACTIONS.has(action) && !narrowed) {
      return { key: `${action}:unfiltered`, category: 'unfiltered-unpaginated', spec: UNFILTERED };
    }
    return { key: action, category: 'non-mutating', spec: NON_MUTATING };
  }
  return { key: action, category: 'mutating', spec: MUTATING };
}
