/**
 * Taking an attached ENI into ipamd's care ([behaviour §2.5] `setupENI`, [behaviour §2.7] tags, [behaviour §2.3] step 6
 * classification): decide whether ipamd manages it, tag it, add it to the datastore with its route table, program the
 * host for a secondary ENI, and add its /32s and /28s. Used by node initialisation, the reconciler (ENIs attached
 * behind ipamd's back) and ENI allocation.
 *
 * @example
 * const { managed, reason } = classifyEni(ec2Eni.tags, { instanceId, manageUntagged: true, isPrimary: false });
 * if (managed) await setupEni(ctx, imdsEni, { isTrunk: false, isEFA: false });
 */
import type { Config } from '../../config/types.js';
import { isIpamError } from '../../ipam/errors.js';
import { CloudError } from '../../cloud/errors.js';
import type { EniId } from '../../ipam/types.js';
import type { IpamdContext, EniFacts } from '../context.js';
import { tracked } from '../pool/history.js';
import type { ImdsEni } from '../../cloud/imds/port.js';

/** Tag keys the reference reads and writes on ENIs [behaviour §2.7]. */
export const ENI_TAG = Object.freeze({
  instanceId: 'node.k8s.amazonaws.com/instance_id',
  createdAt: 'node.k8s.amazonaws.com/createdAt',
  noManage: 'node.k8s.amazonaws.com/no_manage',
  clusterName: 'cluster.k8s.amazonaws.com/name',
  owner: 'eks:eni:owner',
});

/** Description prefix of the ENIs ipamd creates; leaked-ENI clean-up deletes only these. */
export const ENI_DESCRIPTION_PREFIX = 'aws-K8S-';

/** The main routing table; pods on the primary ENI route through it, secondary ENI N uses table N + 1. */
export const MAIN_ROUTE_TABLE = 254;

/**
 * The tags every managed ENI should carry: instance id, the cluster tags when CLUSTER_NAME is set, and
 * ADDITIONAL_ENI_TAGS (whose reserved `k8s.amazonaws.com` keys the config already dropped). Ours win on a clash.
 *
 * @example
 * desiredEniTags(config, 'i-0abc'); // { 'node.k8s.amazonaws.com/instance_id': 'i-0abc' } without CLUSTER_NAME
 */
export function desiredEniTags(config: Config, instanceId: string): Record<string, string> {
  const tags: Record<string, string> = { ...config.node.additionalEniTags };
  tags[ENI_TAG.instanceId] = instanceId;
  const cluster = config.node.clusterName;
  if (cluster !== undefined && cluster !== '') {
    tags[ENI_TAG.clusterName] = cluster;
    tags[ENI_TAG.owner] = 'amazon-vpc-cni';
  }
  return tags;
}

/**
 * The desired tags an ENI lacks or carries with another value (CreateTags is sent only for these).
 *
 * @example
 * missingTags({ a: '1', b: '2' }, { a: '1', b: '3', c: '4' }); // { b: '3', c: '4' }
 */
export function missingTags(
  current: Readonly<Record<string, string>>,
  desired: Readonly<Record<string, string>>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(desired)) if (current[key] !== value) out[key] = value;
  return out;
}

/**
 * [behaviour §2.3] step 6: `no_manage` present → unmanaged iff exactly "true"; else tagged with this instance →
 * managed; else MANAGE_UNTAGGED_ENI decides. The primary ENI is always managed.
 *
 * @example
 * classifyEni({ 'node.k8s.amazonaws.com/no_manage': 'true' }, { instanceId: 'i-1', manageUntagged: true, isPrimary: false });
 * // { managed: false, reason: 'tagged node.k8s.amazonaws.com/no_manage=true' }
 */
export function classifyEni(
  tags: Readonly<Record<string, string>>,
  options: { readonly instanceId: string; readonly manageUntagged: boolean; readonly isPrimary: boolean },
): { managed: boolean; reason: string } {
  if (options.isPrimary) return { managed: true, reason: 'the primary ENI is always managed' };
  const noManage = tags[ENI_TAG.noManage];
  if (noManage !== undefined) {
    return noManage === 'true'
      ? { managed: false, reason: `tagged ${ENI_TAG.noManage}=true` }
      : { managed: true, reason: `tagged ${ENI_TAG.noManage}=${noManage} (only "true" opts out)` };
  }
  if (tags[ENI_TAG.instanceId] === options.instanceId) return { managed: true, reason: `tagged for this instance` };
  return options.manageUntagged
    ? { managed: true, reason: 'not tagged for this instance; MANAGE_UNTAGGED_ENI=true' }
    : { managed: false, reason: 'not tagged for this instance and MANAGE_UNTAGGED_ENI=false' };
}

/**
 * Sends CreateTags with the missing tags only. Returns false (logged, recorded) when EC2 refused.
 *
 * @example
 * await tagEni(ctx, 'eni-0a', ec2Eni.tags); // false when EC2 refused (recorded)
 */
export async function tagEni(
  ctx: IpamdContext,
  eniId: EniId,
  current: Readonly<Record<string, string>>,
): Promise<boolean> {
  const tags = missingTags(current, desiredEniTags(ctx.deps.config, ctx.node.identity.instanceId));
  const keys = Object.keys(tags);
  if (keys.length === 0) return true;
  try {
    await tracked(ctx, { action: 'CreateTags', eniId, detail: `tag ${keys.join(', ')}` }, () =>
      ctx.deps.ec2.createTags([eniId], tags),
    );
    return true;
  } catch {
    return false;
  }
}

/**
 * What EC2's `InterfaceType` says about an ENI: trunk (SGP), EFA, or EFA-only (no IP addresses, never used).
 *
 * @example
 * eniKind('trunk'); // { isTrunk: true, isEFA: false, efaOnly: false }
 */
export function eniKind(interfaceType: string | undefined): { isTrunk: boolean; isEFA: boolean; efaOnly: boolean } {
  return { isTrunk: interfaceType === 'trunk', isEFA: interfaceType === 'efa', efaOnly: interfaceType === 'efa-only' };
}

export interface EniFlags {
  readonly isTrunk: boolean;
  readonly isEFA: boolean;
  /** CIDRs EC2 said the ENI has (e.g. the create answer), added besides what IMDS shows. */
  readonly ec2Cidrs?: readonly string[];
}

/**
 * The CIDRs IMDS shows on an ENI: secondary IPs as /32 (primary skipped) and /28 prefixes.
 *
 * @example
 * imdsCidrs({ ...eni, localIpv4s: ['10.0.0.5', '10.0.0.6'], ipv4Prefixes: ['10.0.1.0/28'] });
 * // ['10.0.0.6/32', '10.0.1.0/28']
 */
export function imdsCidrs(eni: ImdsEni): string[] {
  return [...eni.localIpv4s.slice(1).map((ip) => `${ip}/32`), ...eni.ipv4Prefixes];
}

/**
 * [behaviour §2.5]: adds the ENI to the datastore (route table 254 for the primary, device + 1 otherwise), programs the
 * host for a secondary ENI (on failure the ENI is taken out again and the error thrown), then adds every /32 and /28 it
 * has, whatever the mode (the datastore only hands out those of the current mode). Returns how many CIDRs were new.
 *
 * @example
 * const added = await setupEni(ctx, imdsEni, { isTrunk: false, isEFA: false }); // 9
 */
export async function setupEni(ctx: IpamdContext, eni: ImdsEni, flags: EniFlags): Promise<number> {
  const { node, deps } = ctx;
  const isPrimary = eni.eniId === node.primaryEni.id;
  const primaryIp = eni.localIpv4s[0];
  if (primaryIp === undefined)
    throw new CloudError('IMDS_ERROR', `IMDS shows ENI ${eni.eniId} without any IPv4 address`, {
      operation: 'GetLocalIPv4s',
    });
  const routeTableId = isPrimary ? MAIN_ROUTE_TABLE : eni.deviceNumber + 1;
  const facts: EniFacts = {
    id: eni.eniId,
    mac: eni.mac,
    deviceNumber: isPrimary ? 0 : eni.deviceNumber,
    primaryIp,
    subnetId: eni.subnetId,
    subnetCidr: eni.subnetCidr,
    routeTableId,
  };
  const datastore = node.datastore;
  const isNew = !datastore.hasEni(eni.eniId);
  if (isNew) {
    const { id, deviceNumber, subnetId } = facts;
    datastore.addEni({
      id,
      deviceNumber,
      isPrimary,
      isTrunk: flags.isTrunk,
      isEFA: flags.isEFA,
      subnetId,
      routeTableId,
    });
  }
  node.enis.set(eni.eniId, facts);
  if (!isPrimary && isNew) {
    try {
      await deps.host.setupEni({
        mac: eni.mac,
        deviceNumber: eni.deviceNumber,
        primaryIp,
        subnetCidr: eni.subnetCidr,
        routeTableId,
        mtu: deps.config.networking.eniMtu,
      });
    } catch (error) {
      datastore.removeEni(eni.eniId, { force: true });
      node.enis.delete(eni.eniId);
      throw error;
    }
  }
  let added = 0;
  for (const cidr of new Set([...imdsCidrs(eni), ...(flags.ec2Cidrs ?? [])])) {
    if (addCidrIfMissing(ctx, eni.eniId, cidr)) added += 1;
  }
  ctx.log.info(
    {
      eniId: eni.eniId,
      device: facts.deviceNumber,
      routeTableId,
      cidrs: datastore.eni(eni.eniId)?.cidrs.length ?? 0,
      isPrimary,
    },
    `ENI ${eni.eniId} set up on device ${facts.deviceNumber} (table ${routeTableId}) with ${added} new CIDRs`,
  );
  return added;
}

/**
 * Adds a CIDR unless the datastore already has it; logs (and returns false for) any refusal. A CIDR back in the
 * datastore leaves the reconcile cool-down: EC2 may hand a released address out again at once, and reconcile must
 * then not take it for a stale IMDS entry.
 *
 * @example
 * addCidrIfMissing(ctx, 'eni-0a', '10.0.0.6/32'); // true, then false the second time
 */
export function addCidrIfMissing(ctx: IpamdContext, eniId: EniId, cidr: string): boolean {
  try {
    ctx.node.datastore.addCidr(eniId, cidr);
    ctx.cooldown.remove(cidr);
    return true;
  } catch (error) {
    if (isIpamError(error, 'DUPLICATE_CIDR')) return false;
    ctx.log.warn({ eniId, cidr, error: String(error) }, `cannot add ${cidr} to ENI ${eniId}`);
    return false;
  }
}
