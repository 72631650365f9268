/**
 * Attaching and freeing ENIs ([behaviour §3.6] `tryAllocateENI`/`AllocENI`, [behaviour §3.7] `tryFreeENI`/`FreeENI`),
 * and re-reading one ENI from EC2 when the datastore may be out of step. Failures never throw: they are recorded
 * ({@link tracked}), counted with the reference's `awscni_ipamd_error_count{fn}` names, and returned as outcomes
 * the pool manager turns into back-off and reasons.
 *
 * @example
 * const outcome = await allocateEni(ctx, { unit: 'ip', count: 9 });
 * if (outcome.kind === 'insufficient') status.lastInsufficient = { at: now, ...outcome };
 */
import { CloudError, isCloudError } from '../../cloud/errors.js';
import { simpleBackoff } from '../../cloud/ec2/retry.js';
import { waitForEniInImds } from '../../cloud/imds/wait.js';
import type { EniRequest } from '../../ipam/policy-types.js';
import type { EniId } from '../../ipam/types.js';
import type { IpamdContext, EniWaiter } from '../context.js';
import { IpamdError } from '../errors.js';
import { addCidrIfMissing, ENI_DESCRIPTION_PREFIX, ENI_TAG, desiredEniTags, setupEni } from './setup.js';
import { recordFailure, tracked } from '../pool/history.js';
import type { Ec2Eni } from '../../cloud/ec2/port.js';
import { errorFacts } from '../../errors.js';
import { discoverSubnets } from './subnet-discovery.js';

export type AllocOutcome =
  | { readonly kind: 'ok'; readonly eniId: EniId; readonly added: number }
  | { readonly kind: 'insufficient'; readonly code: string; readonly awsCode: string; readonly subnetId: string }
  | { readonly kind: 'failed'; readonly code: string; readonly message: string };

const INSUFFICIENT = ['CLOUD_SUBNET_FULL', 'CLOUD_NO_CIDR_BLOCKS'] as const;

/**
 * The waiter used when `deps.eniWaiter` is absent: IMDS polled with back-off 100 ms × 2, 12 tries [behaviour §3.6].
 *
 * @example
 * const { eni, complete } = await defaultEniWaiter(ctx)({ eniId, primaryMac, wantIps: 9, wantPrefixes: 0 });
 */
export function defaultEniWaiter(ctx: IpamdContext): EniWaiter {
  const { imds, clock, timers, metrics, random } = ctx.deps;
  return (target) =>
    waitForEniInImds(imds, target, {
      clock,
      sleep: (ms) => timers.sleep(ms),
      observe: (r) => metrics.awsCall(r),
      ...(random === undefined ? {} : { random }),
    });
}

async function chooseSubnetsAndGroups(
  ctx: IpamdContext,
  fresh = false,
): Promise<{ subnetIds: string[]; groups: string[]; reason: string; reused?: true }> {
  const { deps, node } = ctx;
  if (deps.config.customNetworking.enabled) {
    if (deps.eniConfigSource === undefined)
      throw new IpamdError(
        'IPAMD_INIT_FAILED',
        'custom networking is on but ipamd was started without an ENIConfig source',
      );
    const eniConfig = await deps.eniConfigSource();
    const groups =
      eniConfig.securityGroups.length > 0 ? [...eniConfig.securityGroups] : [...node.primaryEni.securityGroups];
    return { subnetIds: [eniConfig.subnet], groups: groups.sort(), reason: `ENIConfig subnet ${eniConfig.subnet}` };
  }
  // The primary ENI's groups may have changed since start-up; IMDS has the current ones.
  const groups = await deps.imds.securityGroupIds(node.primaryEni.mac).catch(() => [...node.primaryEni.securityGroups]);
  const { subnetIds, reason, reused } = await discoverSubnets(ctx, { fresh });
  return { subnetIds, groups: [...groups].sort(), reason, ...(reused === undefined ? {} : { reused }) };
}

/** Creates the ENI in the first subnet that has room. */
async function createInSubnets(
  ctx: IpamdContext,
  request: EniRequest,
  subnetIds: readonly string[],
  groups: readonly string[],
  why: string,
): Promise<AllocOutcome | { kind: 'created'; eni: Ec2Eni }> {
  const { deps, node } = ctx;
  const count = Math.min(request.count, node.limits.maxIpsPerEni);
  const tags = desiredEniTags(deps.config, node.identity.instanceId);
  const amount = request.unit === 'ip' ? { secondaryIpCount: count } : { prefixCount: count };
  const units = request.unit === 'ip' ? 'IPs' : 'prefixes';
  if (subnetIds.length === 0) {
    const error = new IpamdError('NO_USABLE_SUBNET', `no subnet may take a new ENI: ${why}`);
    recordFailure(ctx, { action: 'CreateNetworkInterface', detail: 'choose a subnet' }, error);
    return { kind: 'failed', code: error.code, message: error.message };
  }
  let last: AllocOutcome = { kind: 'failed', code: 'NO_USABLE_SUBNET', message: 'no subnet to create the ENI in' };
  for (const subnetId of subnetIds) {
    try {
      const eni = await tracked(
        ctx,
        { action: 'CreateNetworkInterface', detail: `create an ENI in ${subnetId} with ${count} ${units}` },
        () =>
          deps.ec2.createNetworkInterface({
            subnetId,
            groups,
            description: `${ENI_DESCRIPTION_PREFIX}${node.identity.instanceId}`,
            tags,
            stampTag: ENI_TAG.createdAt,
            ...amount,
          }),
      );
      return { kind: 'created', eni };
    } catch (error) {
      const facts = errorFacts(error);
      if (!isCloudError(error, ...INSUFFICIENT)) return { kind: 'failed', code: facts.code, message: facts.message };
      last = { kind: 'insufficient', code: facts.code, awsCode: facts.awsCode ?? facts.code, subnetId };
    }
  }
  return last;
}

/** Lowest device index 0–99 not used on card 0 (`awsGetFreeDeviceNumber`). */
async function freeDeviceIndex(ctx: IpamdContext): Promise<number> {
  const instance = await tracked(ctx, { action: 'DescribeInstances', detail: 'find a free device index' }, () =>
    ctx.deps.ec2.describeInstance(ctx.node.identity.instanceId),
  );
  const used = new Set(instance.deviceIndexes.filter((d) => d.networkCardIndex === 0).map((d) => d.deviceIndex));
  for (let index = 0; index < 100; index++) if (!used.has(index)) return index;
  throw new CloudError('CLOUD_ENI_LIMIT', 'no free device index on network card 0 (100 in use)', {
    operation: 'DescribeInstances',
  });
}

/**
 * AllocENI and the set-up after it: create (subnet discovery or ENIConfig), find a device index, attach (delete the
 * ENI on failure), DeleteOnTermination (free the ENI on failure), wait for IMDS, set the ENI up and add the CIDRs
 * EC2 created it with.
 *
 * @example
 * const outcome = await allocateEni(ctx, { unit: 'prefix', count: 1 });
 * // { kind: 'ok', eniId: 'eni-0b', added: 1 } | { kind: 'insufficient', ... } | { kind: 'failed', ... }
 */
export async function allocateEni(ctx: IpamdContext, request: EniRequest): Promise<AllocOutcome> {
  const { deps, node } = ctx;
  const fail = (fn: string, error: unknown): AllocOutcome => {
    deps.metrics.ipamdError(fn);
    const facts = errorFacts(error);
    return { kind: 'failed', code: facts.code, message: facts.message };
  };
  let created;
  try {
    const where = await chooseSubnetsAndGroups(ctx);
    created = await createInSubnets(ctx, request, where.subnetIds, where.groups, where.reason);
    if (created.kind === 'insufficient' && where.reused === true) {
      // Start-up's subnet answer was too old after all: ask EC2, as the reference would have.
      const now = await chooseSubnetsAndGroups(ctx, true);
      created = await createInSubnets(ctx, request, now.subnetIds, now.groups, now.reason);
    }
  } catch (error) {
    recordFailure(ctx, { action: 'CreateNetworkInterface', detail: 'choose a subnet' }, error);
    return fail('increaseIPPoolAllocENI', error);
  }
  if (created.kind !== 'created') {
    deps.metrics.ipamdError('increaseIPPoolAllocENI');
    return created;
  }
  const eniId = created.eni.id;
  let attachmentId: string;
  try {
    const deviceIndex = await freeDeviceIndex(ctx);
    attachmentId = await tracked(
      ctx,
      { action: 'AttachNetworkInterface', eniId, detail: `attach at device ${deviceIndex}` },
      () =>
        deps.ec2.attachNetworkInterface({
          eniId,
          instanceId: node.identity.instanceId,
          deviceIndex,
          networkCardIndex: 0,
        }),
    );
  } catch (error) {
    await deleteWithRetries(ctx, eniId);
    return fail('increaseIPPoolAllocENI', error);
  }
  try {
    await tracked(ctx, { action: 'ModifyNetworkInterfaceAttribute', eniId, detail: 'DeleteOnTermination=true' }, () =>
      deps.ec2.setDeleteOnTermination(eniId, attachmentId),
    );
  } catch (error) {
    await releaseEniInEc2(ctx, eniId, attachmentId);
    return fail('increaseIPPoolAllocENI', error);
  }
  const wanted = request.unit === 'ip' ? created.eni.secondaryIps.length : created.eni.prefixes.length;
  let visible;
  try {
    const waiter = deps.eniWaiter ?? defaultEniWaiter(ctx);
    visible = await waiter({
      eniId,
      primaryMac: node.primaryEni.mac,
      wantIps: request.unit === 'ip' ? wanted : 0,
      wantPrefixes: request.unit === 'prefix' ? wanted : 0,
    });
  } catch (error) {
    recordFailure(ctx, { action: 'waitForENIAndIPsAttached', eniId, detail: 'wait for IMDS to show the ENI' }, error);
    return fail('increaseIPPoolwaitENIAttachedFailed', error);
  }
  try {
    // EC2's answer is the truth; IMDS may still lag for some addresses (reconcile would add them a minute later).
    const ec2Cidrs = [...created.eni.secondaryIps.map((ip) => `${ip}/32`), ...created.eni.prefixes];
    const added = await setupEni(ctx, visible.eni, { isTrunk: false, isEFA: false, ec2Cidrs });
    return { kind: 'ok', eniId, added };
  } catch (error) {
    recordFailure(ctx, { action: 'setupENI', eniId, detail: 'program the host for the new ENI' }, error);
    return fail('increaseIPPoolsetupENIFailed', error);
  }
}

async function withAttempts(
  ctx: IpamdContext,
  call: { action: string; eniId: EniId; detail: string },
  work: () => Promise<void>,
): Promise<boolean> {
  const { timings, deps } = ctx;
  const attempts = Math.max(1, timings.freeEniAttempts);
  for (let n = 0; n < attempts; n++) {
    try {
      await tracked(ctx, call, work);
      return true;
    } catch (error) {
      if (isCloudError(error, 'CLOUD_NOT_FOUND')) return true;
      if (n + 1 >= attempts) return false;
      const backoff = {
        baseMs: timings.freeEniBackoffBaseMs,
        maxMs: timings.freeEniBackoffMaxMs,
        jitter: 0.15,
        multiple: 2,
      };
      await deps.timers.sleep(simpleBackoff(n, backoff, deps.random));
    }
  }
  return false;
}

function deleteWithRetries(ctx: IpamdContext, eniId: EniId): Promise<boolean> {
  return withAttempts(ctx, { action: 'DeleteNetworkInterface', eniId, detail: 'delete' }, () =>
    ctx.deps.ec2.deleteNetworkInterface(eniId),
  );
}

/**
 * FreeENI in EC2: look up the attachment (an ENI EC2 no longer knows is already freed), detach with retries, wait
 * 2 s, delete with retries (NotFound = deleted). True when the ENI is gone or detached and deleted.
 *
 * @example
 * await releaseEniInEc2(ctx, 'eni-0b'); // true once detached and deleted
 */
export async function releaseEniInEc2(ctx: IpamdContext, eniId: EniId, knownAttachmentId?: string): Promise<boolean> {
  const { deps } = ctx;
  let attachmentId = knownAttachmentId;
  if (attachmentId === undefined) {
    try {
      const { enis } = await tracked(
        ctx,
        { action: 'DescribeNetworkInterfaces', eniId, detail: 'look up the attachment' },
        () => deps.ec2.describeNetworkInterfaces([eniId]),
      );
      const eni = enis.find((e) => e.id === eniId);
      if (eni === undefined) return true;
      attachmentId = eni.attachment?.id;
    } catch {
      return false;
    }
  }
  if (attachmentId !== undefined) {
    const id = attachmentId;
    if (
      !(await withAttempts(ctx, { action: 'DetachNetworkInterface', eniId, detail: `detach ${id}` }, () =>
        deps.ec2.detachNetworkInterface(id),
      ))
    )
      return false;
    await deps.timers.sleep(ctx.timings.detachWaitMs);
  }
  return deleteWithRetries(ctx, eniId);
}

/**
 * [behaviour §3.7] tryFreeENI after the policy chose the ENI: out of the datastore first (refused if a pod got an
 * address on it meanwhile), then EC2, then the host's rule for the ENI's primary address.
 *
 * @example
 * if (plan.freeEni.kind === 'free-eni') await freeEni(ctx, plan.freeEni.eniId);
 */
export async function freeEni(ctx: IpamdContext, eniId: EniId): Promise<boolean> {
  const { node, deps } = ctx;
  const facts = node.enis.get(eniId);
  try {
    node.datastore.removeEni(eniId);
  } catch (error) {
    ctx.log.info({ eniId, error: errorFacts(error).message }, `not freeing ENI ${eniId}: ${errorFacts(error).message}`);
    return false;
  }
  node.enis.delete(eniId);
  const released = await releaseEniInEc2(ctx, eniId);
  if (!released) {
    deps.metrics.ipamdError('decreaseIPPoolFreeENIFailed');
    ctx.log.error(
      { eniId },
      `failed to free ENI ${eniId} in EC2; it stays attached and the reconciler will find it again`,
    );
    return false;
  }
  if (facts !== undefined) {
    await deps.host
      .teardownEni({ primaryIp: facts.primaryIp, routeTableId: facts.routeTableId })
      .catch((error: unknown) => {
        ctx.log.warn({ eniId, error: errorFacts(error).message }, `host clean-up of ENI ${eniId} failed`);
      });
  }
  ctx.log.info({ eniId }, `freed ENI ${eniId}`);
  return true;
}

/**
 * Re-reads an ENI from EC2 and adds what the datastore lacks (after PrivateIpAddressLimitExceeded: the datastore was
 * behind). Returns how many CIDRs were added, or undefined when EC2 could not answer.
 *
 * @example
 * await syncEniFromEc2(ctx, 'eni-0a'); // 3 CIDRs the datastore lacked
 */
export async function syncEniFromEc2(ctx: IpamdContext, eniId: EniId): Promise<number | undefined> {
  try {
    const { enis } = await tracked(ctx, { action: 'DescribeNetworkInterfaces', eniId, detail: 're-read the ENI' }, () =>
      ctx.deps.ec2.describeNetworkInterfaces([eniId]),
    );
    const eni = enis.find((e) => e.id === eniId);
    if (eni === undefined) return 0;
    let added = 0;
    for (const cidr of [...eni.secondaryIps.map((ip) => `${ip}/32`), ...eni.prefixes]) {
      if (ctx.cooldown.check(cidr) === 'cooling') continue;
      if (addCidrIfMissing(ctx, eniId, cidr)) added += 1;
    }
    return added;
  } catch {
    ctx.deps.metrics.ipamdError('increaseIPPoolGetENIaddressesFailed');
    return undefined;
  }
}
