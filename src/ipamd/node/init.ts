/**
 * Node initialisation ([behaviour §2.3] `nodeInit`, the IPv4 steps): instance limits (maxENI = min(MAX_ENI, type),
 * slots per ENI, PD → secondary-IP fall-back on non-Nitro types), identity and VPC CIDRs from IMDS, host SNAT,
 * DescribeAllENIs (IMDS list + EC2 tags/types; ids EC2 does not know are dropped as stale IMDS), managed/unmanaged
 * classification, tagging, set-up of every managed ENI, excluded subnets, the checkpoint restore, and then —
 * with the pool manager — the mode-switch clean-up and one pre-scaling tick.
 *
 * Departures, each to fail less: an ENI IMDS shows without addresses, or whose host set-up fails, is skipped (the
 * reconciler adopts it later) instead of failing start-up; a pre-scaling failure is logged, not fatal.
 *
 * @example
 * const ctx = await initNode(deps);      // throws IpamdError IPAMD_INIT_FAILED / CHECKPOINT_RESTORE_FAILED
 * const pool = new PoolManager(ctx);
 * await completeInit(ctx, pool);
 */
import { Datastore } from '../../ipam/datastore.js';
import { IpamError } from '../../ipam/errors.js';
import { eniMaxPods } from '../../ipam/max-pods.js';
import { planPool } from '../../ipam/policy.js';
import type { EniId } from '../../ipam/types.js';
import {
  getInstanceLimits,
  isNitroOrBareMetal,
  requireInstanceLimits,
  type InstanceLimits,
} from '../../limits/index.js';
import { createContext, type IpamdContext, type IpamdDeps, type NodeState } from '../context.js';
import { syncEniFromEc2 } from '../eni/lifecycle.js';
import { classifyEni, eniKind, MAIN_ROUTE_TABLE, setupEni, tagEni } from '../eni/setup.js';
import { IpamdError } from '../errors.js';
import type { ActionHistory } from '../pool/history.js';
import type { PoolManager } from '../pool/manager.js';
import type { Ec2Eni } from '../../cloud/ec2/port.js';
import type { ImdsEni } from '../../cloud/imds/port.js';
import { restoreCheckpoint, type RestoreSummary } from './restore.js';
import { errorFacts } from '../../errors.js';
import { type Serial } from '../serial.js';
import { describeZoneSubnets, excludedSubnetIds } from '../eni/subnet-discovery.js';

async function initStep<T>(what: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof IpamdError) throw error;
    throw new IpamdError(
      'IPAMD_INIT_FAILED',
      `node initialisation failed: ${what}: ${errorFacts(error).message}`,
      { step: what },
      error,
    );
  }
}

function limitsOf(deps: IpamdDeps, instance: InstanceLimits): { prefixDelegation: boolean; maxEnis: number } {
  let prefixDelegation = deps.config.pool.prefixDelegation;
  if (prefixDelegation && !isNitroOrBareMetal(instance)) {
    deps.logger.warn(
      { instanceType: instance.instanceType, hypervisor: instance.hypervisor },
      `prefix delegation needs a Nitro or bare-metal instance; ${instance.instanceType} falls back to secondary IPs`,
    );
    prefixDelegation = false;
  }
  const maxEni = deps.config.pool.maxEni;
  const maxEnis = maxEni !== undefined && maxEni >= 1 ? Math.min(maxEni, instance.maxEnis) : instance.maxEnis;
  return { prefixDelegation, maxEnis };
}

/** IMDS's ENIs joined with EC2's view; ids EC2 does not know are dropped (IMDS lists ENIs that are gone). */
async function describeAllEnis(
  ctx: IpamdContext,
  imdsEnis: readonly ImdsEni[],
): Promise<{ enis: ImdsEni[]; ec2: Map<EniId, Ec2Eni> }> {
  if (ctx.deps.config.features.imdsOnlyMode) return { enis: [...imdsEnis], ec2: new Map() };
  const { enis, missing } = await ctx.deps.ec2.describeNetworkInterfaces(imdsEnis.map((e) => e.eniId));
  for (const id of missing) ctx.log.warn({ eniId: id }, `IMDS lists ENI ${id} but EC2 does not know it: ignoring it`);
  const gone = new Set(missing);
  return { enis: imdsEnis.filter((e) => !gone.has(e.eniId)), ec2: new Map(enis.map((e) => [e.id, e])) };
}

/** Classifies, tags and sets up each ENI; returns the ids set up. */
async function setupEnis(
  ctx: IpamdContext,
  enis: readonly ImdsEni[],
  ec2: ReadonlyMap<EniId, Ec2Eni>,
): Promise<EniId[]> {
  const { deps, node } = ctx;
  const done: EniId[] = [];
  for (const eni of [...enis].sort((a, b) => a.networkCard - b.networkCard || a.deviceNumber - b.deviceNumber)) {
    const isPrimary = eni.eniId === node.primaryEni.id;
    const described = ec2.get(eni.eniId);
    const kind = eniKind(described?.interfaceType);
    const verdict = classifyEni(described?.tags ?? {}, {
      instanceId: node.identity.instanceId,
      manageUntagged: deps.config.features.manageUntaggedEni,
      isPrimary,
    });
    const why =
      eni.networkCard !== 0
        ? `network card ${eni.networkCard} (multi-NIC is not supported)`
        : kind.efaOnly
          ? 'EFA-only'
          : verdict.managed
            ? undefined
            : verdict.reason;
    if (why !== undefined) {
      node.unmanaged.set(eni.eniId, eni.networkCard);
      ctx.log.info({ eniId: eni.eniId }, `ENI ${eni.eniId} is not managed: ${why}`);
      continue;
    }
    if (kind.isTrunk) node.trunkEniId = eni.eniId;
    if (kind.isEFA) node.efaEnis.add(eni.eniId);
    if (eni.localIpv4s.length === 0) {
      ctx.log.warn(
        { eniId: eni.eniId },
        `IMDS shows ENI ${eni.eniId} without addresses yet: the reconciler will adopt it`,
      );
      continue;
    }
    if (!kind.isTrunk && deps.config.features.networkResourceProvisioning)
      await tagEni(ctx, eni.eniId, described?.tags ?? {});
    try {
      await setupEni(ctx, eni, { isTrunk: kind.isTrunk, isEFA: kind.isEFA });
      done.push(eni.eniId);
    } catch (error) {
      if (isPrimary) throw error;
      ctx.log.error(
        { eniId: eni.eniId, error: errorFacts(error) },
        `setting up ENI ${eni.eniId} failed; the reconciler will retry`,
      );
    }
  }
  return done;
}

/** ENIs in subnets tagged kubernetes.io/role/cni=0 give no addresses to pods [behaviour §4.5]. */
async function markExcluded(ctx: IpamdContext): Promise<void> {
  const { config } = ctx.deps;
  if (!config.features.subnetDiscovery || config.customNetworking.enabled || config.features.imdsOnlyMode) return;
  const excluded = excludedSubnetIds(await describeZoneSubnets(ctx, { keep: true }).catch(() => []));
  for (const [id, facts] of ctx.node.enis) {
    if (!excluded.has(facts.subnetId)) continue;
    ctx.node.datastore.setExcluded(id, true);
    ctx.log.warn(
      { eniId: id, subnetId: facts.subnetId },
      `ENI ${id} is in excluded subnet ${facts.subnetId}: no pod addresses from it`,
    );
  }
}

/**
 * Everything up to and including the checkpoint restore. Throws {@link IpamdError} `IPAMD_INIT_FAILED` (with the
 * step that failed) or `CHECKPOINT_RESTORE_FAILED`.
 *
 * @example
 * const ctx = await initNode(deps);
 * ctx.restore.restored; // pods restored from the checkpoint
 */

/**
 * The instance type's limits: the built-in table's, else EC2's DescribeInstanceTypes ([behaviour §2.3] step 6), so that
 * a type newer than the table does not stop ipamd [pain-points §16]. Unknown to both: UNKNOWN_INSTANCE_TYPE.
 */
async function instanceLimits(deps: IpamdDeps, instanceType: string): Promise<InstanceLimits> {
  const known = getInstanceLimits(instanceType);
  if (known !== undefined || deps.ec2.describeInstanceType === undefined)
    return known ?? requireInstanceLimits(instanceType);
  const fromEc2 = await deps.ec2.describeInstanceType(instanceType);
  if (fromEc2 === undefined) {
    try {
      return requireInstanceLimits(instanceType);
    } catch (error) {
      if (!(error instanceof IpamError)) throw error;
      throw new IpamError(
        error.code,
        `${error.message}; EC2's DescribeInstanceTypes does not know it either`,
        error.details,
        error,
      );
    }
  }
  deps.logger.warn(
    {
      instanceType,
      maxEnis: fromEc2.maxEnis,
      ipv4PerEni: fromEc2.ipv4PerEni,
      hypervisor: fromEc2.hypervisor,
      networkCards: fromEc2.networkCards.length,
    },
    `instance type ${instanceType} is not in the built-in limits table: using EC2's DescribeInstanceTypes (${fromEc2.maxEnis} ENIs × ${fromEc2.ipv4PerEni} IPv4 addresses)`,
  );
  return fromEc2;
}

/**
 * The node's max pods when kubelet's is not known: eni-max-pods of the type (EKS's table), with one ENI fewer under
 * custom networking, as EKS's calculator computes it (the reference keeps the table value there: [pain-points §8]).
 */
function defaultMaxPods(instance: Parameters<typeof eniMaxPods>[0], customNetworking: boolean): number {
  if (!customNetworking) return eniMaxPods(instance);
  return (instance.maxEnis - 1) * (instance.ipv4PerEni - 1) + 2;
}

/** What node initialisation shares with the running ipamd, and whom it tells which step it is on. */
export interface InitShared {
  readonly serial?: Serial;
  readonly history?: ActionHistory;
  readonly onStep?: (what: string) => void;
}

export async function initNode(
  deps: IpamdDeps,
  shared: InitShared = {},
): Promise<IpamdContext & { restore: RestoreSummary }> {
  const { config, imds, host } = deps;
  const { onStep, ...contextShared } = shared;
  // Each step is announced before it runs, so that a pod refused during start-up learns what ipamd is waiting for.
  const step = <T>(what: string, work: () => Promise<T>): Promise<T> => {
    onStep?.(what);
    return initStep(what, work);
  };
  if (config.ipFamily !== 'ipv4')
    throw new IpamdError(
      'IPAMD_INIT_FAILED',
      'IPv6 mode is not supported yet: set ENABLE_IPv4=true and ENABLE_IPv6=false',
    );
  const identity = await step('reading the instance identity from IMDS', () => imds.identity());
  const instance = await step('looking up the instance limits', () => instanceLimits(deps, identity.instanceType));
  const { prefixDelegation, maxEnis } = limitsOf(deps, instance);
  const primary = await step('reading the primary ENI from IMDS', () =>
    imds.eni(identity.primaryMac, { prefixes: true }),
  );
  const vpcCidrs = await step('reading the VPC CIDRs from IMDS', () => imds.vpcIpv4Cidrs(identity.primaryMac));
  const primaryIp = primary.localIpv4s[0] ?? identity.localIpv4;
  const node: NodeState = {
    identity,
    vpcId: primary.vpcId,
    primaryEni: {
      id: primary.eniId,
      mac: primary.mac,
      deviceNumber: 0,
      primaryIp,
      subnetId: primary.subnetId,
      subnetCidr: primary.subnetCidr,
      routeTableId: MAIN_ROUTE_TABLE,
      securityGroups: [...primary.securityGroupIds].sort(),
    },
    vpcCidrs,
    limits: {
      maxEnis,
      maxIpsPerEni: instance.ipv4PerEni - 1,
      ipv4PerEni: instance.ipv4PerEni,
      maxPods: deps.maxPods ?? defaultMaxPods(instance, deps.config.customNetworking.enabled),
      trunkCompatible: instance.branchInterfaces !== 0,
    },
    prefixDelegation,
    datastore: new Datastore({
      clock: deps.clock,
      prefixDelegation,
      ipCooldownMs: config.pool.ipCooldownMs,
      networkCard: 0,
    }),
    enis: new Map(),
    unmanaged: new Map(),
    efaEnis: new Set(),
    trunkEniId: undefined,
    describedSubnets: undefined,
  };
  const ctx = createContext(deps, node, contextShared);
  await step('setting up host networking (MTU, SNAT, rules)', async () => {
    const link = await host.linkByMac(identity.primaryMac);
    if (link !== undefined) await host.setMtu(link, config.networking.eniMtu);
    await host.setupSnat(snatSpec(ctx, link ?? 'eth0'));
    await host.setupExternalServiceRules(config.networking.externalServiceCidrs);
  });
  const imdsEnis = await step('listing the attached ENIs in IMDS', () => imds.attachedEnis(identity.primaryMac));
  const { enis, ec2 } = await step('describing the attached ENIs in EC2', () => describeAllEnis(ctx, imdsEnis));
  await step('setting up the ENIs', () => setupEnis(ctx, enis, ec2));
  const unmanagedOnCard0 = [...node.unmanaged.values()].filter((card) => card === 0).length;
  deps.metrics.poolLimits({
    maxEnis: maxEnis - unmanagedOnCard0,
    maxIps: node.limits.maxIpsPerEni * (maxEnis - unmanagedOnCard0),
  });
  onStep?.('marking subnets excluded from pod addresses');
  await markExcluded(ctx);
  const resync = async (): Promise<void> => {
    for (const id of node.enis.keys()) await syncEniFromEc2(ctx, id);
  };
  onStep?.('restoring the pods of the checkpoint');
  const restore = await restoreCheckpoint(ctx, config.features.imdsOnlyMode ? {} : { resync });
  ctx.log.info(
    {
      instanceId: identity.instanceId,
      instanceType: identity.instanceType,
      maxEnis,
      maxIpsPerEni: node.limits.maxIpsPerEni,
      maxPods: node.limits.maxPods,
      prefixDelegation,
      enis: node.enis.size,
      unmanaged: node.unmanaged.size,
    },
    `node ${identity.instanceId} (${identity.instanceType}) initialised: ${node.enis.size} ENIs, max ${maxEnis}, ${node.limits.maxIpsPerEni} ${prefixDelegation ? 'prefixes' : 'IPs'} per ENI, max pods ${node.limits.maxPods}`,
  );
  return Object.assign(ctx, { restore });
}

/**
 * The SNAT/connmark programme of the node [behaviour §7.7–7.8].
 *
 * @example
 * await deps.host.setupSnat(snatSpec(ctx, 'eth0'));
 */
export function snatSpec(ctx: IpamdContext, primaryInterface: string): Parameters<IpamdDeps['host']['setupSnat']>[0] {
  const net = ctx.deps.config.networking;
  return {
    primaryIp: ctx.node.primaryEni.primaryIp,
    primaryInterface,
    vpcCidrs: ctx.node.vpcCidrs,
    excludeSnatCidrs: net.excludeSnatCidrs,
    externalSnat: net.externalSnat,
    randomizeSnat: net.randomizeSnat,
    nodePortSupport: net.nodePortSupport,
    connmark: net.connmark,
    vethPrefix: net.vethPrefix,
  };
}

/**
 * The steps that need the pool manager ([behaviour §2.3] steps 11, 12, 19): release the free CIDRs of excluded ENIs and
 * of the other mode (PD: /32s; SIP: /28s), then one tick if the pool is too low, so that the first pods find addresses.
 *
 * @example
 * await completeInit(ctx, new PoolManager(ctx));
 */
export async function completeInit(ctx: IpamdContext, pool: PoolManager): Promise<void> {
  const { config } = ctx.deps;
  if (!config.features.networkResourceProvisioning) return;
  const excluded = ctx.node.datastore.snapshot().enis.filter((e) => e.isExcludedForPodIPs);
  for (const eni of excluded) {
    for (const prefixes of [false, true])
      await pool.releaseUnused({ prefixes, eniId: eni.id }, `ENI ${eni.id} is in an excluded subnet`);
  }
  const pd = ctx.node.prefixDelegation;
  await pool.releaseUnused(
    { prefixes: !pd },
    pd ? 'prefix delegation is on: legacy secondary IPs go back' : 'prefix delegation is off: unused prefixes go back',
  );
  const plan = planPool(pool.policyInput());
  if (plan.state.tooLow.result) {
    ctx.log.info({ reason: plan.state.tooLow.reason }, `pre-scaling: ${plan.state.tooLow.reason}`);
    await pool.tick();
  }
}
