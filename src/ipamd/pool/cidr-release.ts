/**
 * Giving free /32s and /28s back to EC2 ([behaviour §3.7] `tryUnassignCidrsFromAll` + `DeallocCidrs`): each CIDR
 * leaves the datastore first — non-forced, so one a pod took meanwhile stays — then enters the reconcile
 * cool-down (IMDS will still show it for a while and reconcile must not re-add it), then goes back to EC2, secondary
 * IPs and prefixes in separate UnassignPrivateIpAddresses calls. The caller holds the context's lock.
 *
 * @example
 * const released = await releaseCidrs(ctx, [{ eniId: 'eni-0a', cidr: '10.0.1.5/32', isPrefix: false }]); // 1
 */
import type { ReleaseCidr } from '../../ipam/policy-types.js';
import type { EniId } from '../../ipam/types.js';
import type { IpamdContext } from '../context.js';
import { tracked } from './history.js';
import { errorFacts } from '../../errors.js';

/** Returns how many CIDRs left the datastore (an EC2 failure is recorded; reconcile settles it later). */
export async function releaseCidrs(ctx: IpamdContext, cidrs: readonly ReleaseCidr[]): Promise<number> {
  const byEni = new Map<EniId, ReleaseCidr[]>();
  for (const cidr of cidrs) {
    try {
      ctx.node.datastore.removeCidr(cidr.eniId, cidr.cidr);
    } catch (error) {
      ctx.deps.metrics.ipamdError('decreaseIPPool');
      ctx.log.info({ eniId: cidr.eniId, cidr: cidr.cidr }, `not releasing ${cidr.cidr}: ${errorFacts(error).message}`);
      continue;
    }
    ctx.cooldown.add(cidr.cidr);
    byEni.set(cidr.eniId, [...(byEni.get(cidr.eniId) ?? []), cidr]);
  }
  let released = 0;
  for (const [eniId, list] of byEni) {
    const ips = list.filter((c) => !c.isPrefix).map((c) => c.cidr.replace(/\/32$/, ''));
    const prefixes = list.filter((c) => c.isPrefix).map((c) => c.cidr);
    for (const request of [{ ips }, { prefixes }] as const) {
      const items = 'ips' in request ? request.ips : request.prefixes;
      if (items.length === 0) continue;
      try {
        await tracked(
          ctx,
          { action: 'UnassignPrivateIpAddresses', eniId, detail: `unassign ${items.join(', ')}` },
          () => ctx.deps.ec2.unassignPrivateIps(eniId, request),
        );
      } catch {
        // Out of the datastore but still on the ENI: reconcile re-adds them after the cool-down, as the reference.
        ctx.deps.metrics.ipamdError('decreaseIPPoolDeallocIPAddressesFailed');
      }
    }
    released += list.length;
  }
  ctx.log.info({ released, enis: [...byEni.keys()] }, `released ${released} CIDRs to EC2`);
  return released;
}
