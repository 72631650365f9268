/**
 * The reconciler ([behaviour §3.10] `nodeIPPoolReconcile`): at most once a minute after the last pool action, bring
 * the datastore in line with what is really attached. IMDS is the hint, EC2 the truth [pain-points §13]:
 *
 * - ENIs attached behind ipamd's back are described in EC2, classified, tagged and set up;
 * - for each known ENI the IMDS /32s and /28s are compared with the datastore as sets; on any difference EC2 is
 *   read and its answer used: missing CIDRs are added (not the ENI's primary address, not CIDRs released less
 *   than 60 s ago, and CIDRs whose cool-down ended only once EC2 confirms them), vanished ones force-removed;
 * - ENIs gone from IMDS are force-removed — after EC2 confirms they are no longer attached to this instance (the
 *   reference trusts IMDS alone here).
 *
 * Pods that lose their address through a forced removal are logged by name, counted
 * (`awscni_force_removed_ips`), and the checkpoint is rewritten.
 *
 * @example
 * const reconciler = new Reconciler(ctx);
 * if (reconciler.due()) await reconciler.run();
 */
import type { Allocation } from '../../ipam/datastore.js';
import type { EniId } from '../../ipam/types.js';
import type { IpamdContext } from '../context.js';
import { addCidrIfMissing, classifyEni, eniKind, imdsCidrs, setupEni, tagEni } from './setup.js';
import { recordFailure, tracked } from '../pool/history.js';
import type { Ec2Eni } from '../../cloud/ec2/port.js';
import type { ImdsEni } from '../../cloud/imds/port.js';
import { errorFacts } from '../../errors.js';
import { CloudError } from '../../cloud/errors.js';

export interface ReconcileOutcome {
  readonly addedEnis: readonly EniId[];
  readonly removedEnis: readonly EniId[];
  readonly addedCidrs: number;
  readonly removedCidrs: number;
  /** Pods whose address was taken by a forced removal. */
  readonly podsLost: number;
}

function ec2Cidrs(eni: Ec2Eni): string[] {
  return [...eni.secondaryIps.filter((ip) => ip !== eni.privateIp).map((ip) => `${ip}/32`), ...eni.prefixes];
}

function sameSet(a: readonly string[], b: ReadonlySet<string>): boolean {
  return a.length === b.size && a.every((x) => b.has(x));
}

/**
 * See the module comment.
 *
 * @example
 * const reconciler = new Reconciler(ctx);
 * const outcome = await reconciler.run(); // { addedEnis: [], removedEnis: [], addedCidrs: 1, removedCidrs: 0, podsLost: 0 }
 */
export class Reconciler {
  readonly #ctx: IpamdContext;

  constructor(ctx: IpamdContext) {
    this.#ctx = ctx;
  }

  /** 60 s since the last pool action; always while SGP waits for its trunk ENI. */
  due(): boolean {
    const { status, clock, timings, deps, node } = this.#ctx;
    if (deps.config.features.podEni && node.trunkEniId === undefined) return true;
    return clock.now() - status.lastActionAt >= timings.reconcileIntervalMs;
  }

  run(): Promise<ReconcileOutcome | undefined> {
    return this.#ctx.serial.run(() => this.#run());
  }

  async #describe(ids: readonly EniId[], why: string): Promise<Map<EniId, Ec2Eni> | undefined> {
    const ctx = this.#ctx;
    try {
      const { enis } = await tracked(
        ctx,
        { action: 'DescribeNetworkInterfaces', detail: `${why}: ${ids.join(', ')}` },
        () => ctx.deps.ec2.describeNetworkInterfaces(ids),
      );
      return new Map(enis.map((e) => [e.id, e]));
    } catch {
      return undefined;
    }
  }

  async #run(): Promise<ReconcileOutcome | undefined> {
    const ctx = this.#ctx;
    const { deps, node } = ctx;
    let imdsEnis: ImdsEni[];
    try {
      imdsEnis = await deps.imds.attachedEnis(node.primaryEni.mac);
      if (imdsEnis.length === 0)
        throw new CloudError('IMDS_ERROR', 'IMDS lists no ENI at all', { operation: 'GetAttachedENIs' });
    } catch (error) {
      deps.metrics.ipamdError('reconcileFailedGetENIs');
      recordFailure(ctx, { action: 'GetAttachedENIs', detail: 'reconcile' }, error);
      return undefined;
    }
    for (const eni of imdsEnis) if (eni.networkCard !== 0) node.unmanaged.set(eni.eniId, eni.networkCard);
    const attached = imdsEnis.filter((e) => !node.unmanaged.has(e.eniId));
    const lost: Allocation[] = [];
    const out = { addedEnis: [] as EniId[], removedEnis: [] as EniId[], addedCidrs: 0, removedCidrs: 0 };

    const unknown = attached.filter((e) => !node.datastore.hasEni(e.eniId));
    if (unknown.length > 0) out.addedEnis.push(...(await this.#adopt(unknown)));
    for (const eni of attached) {
      if (!node.datastore.hasEni(eni.eniId) || out.addedEnis.includes(eni.eniId)) continue;
      const result = await this.#reconcileEni(eni);
      out.addedCidrs += result.added;
      out.removedCidrs += result.removed;
      lost.push(...result.lost);
    }
    const seen = new Set(imdsEnis.map((e) => e.eniId));
    const gone = node.datastore
      .snapshot()
      .enis.filter((e) => !seen.has(e.id))
      .map((e) => e.id);
    if (gone.length > 0) {
      const removed = await this.#removeGone(gone);
      out.removedEnis.push(...removed.enis);
      lost.push(...removed.lost);
    }
    if (lost.length > 0) {
      for (const pod of lost) {
        ctx.log.error(
          {
            pod: `${pod.metadata.k8sPodNamespace ?? ''}/${pod.metadata.k8sPodName ?? ''}`,
            address: pod.address,
            eniId: pod.eniId,
          },
          `pod lost its address ${pod.address}: EC2 no longer has it on ${pod.eniId}`,
        );
      }
      await ctx
        .persist()
        .catch((error: unknown) =>
          ctx.log.error({ error: errorFacts(error) }, 'checkpoint write after forced removal failed'),
        );
    }
    ctx.status.lastActionAt = ctx.clock.now();
    deps.metrics.datastore(node.datastore.snapshot());
    const outcome = { ...out, podsLost: lost.length };
    // Runs every minute on an idle node: at info only when it changed something, so an idle node's info log is quiet.
    const changed = out.addedEnis.length + out.removedEnis.length + out.addedCidrs + out.removedCidrs + lost.length > 0;
    ctx.log[changed ? 'info' : 'debug'](
      outcome,
      `reconciled: +${out.addedEnis.length}/−${out.removedEnis.length} ENIs, +${out.addedCidrs}/−${out.removedCidrs} CIDRs, ${lost.length} pods lost`,
    );
    return outcome;
  }

  /** ENIs attached behind ipamd's back: describe, classify, tag, set up. */
  async #adopt(unknown: readonly ImdsEni[]): Promise<EniId[]> {
    const ctx = this.#ctx;
    const { deps, node } = ctx;
    const imdsOnly = deps.config.features.imdsOnlyMode;
    const described = imdsOnly
      ? new Map<EniId, Ec2Eni>()
      : await this.#describe(
          unknown.map((e) => e.eniId),
          'new ENIs',
        );
    if (described === undefined) return [];
    const added: EniId[] = [];
    for (const eni of unknown) {
      const ec2 = described.get(eni.eniId);
      if (!imdsOnly && ec2 === undefined) {
        ctx.log.warn(
          { eniId: eni.eniId },
          `IMDS shows ENI ${eni.eniId} but EC2 does not know it: ignoring it (stale IMDS)`,
        );
        continue;
      }
      const kind = eniKind(ec2?.interfaceType);
      const tags = ec2?.tags ?? {};
      const verdict = classifyEni(tags, {
        instanceId: node.identity.instanceId,
        manageUntagged: deps.config.features.manageUntaggedEni,
        isPrimary: false,
      });
      if (kind.efaOnly || !verdict.managed) {
        node.unmanaged.set(eni.eniId, eni.networkCard);
        ctx.log.info(
          { eniId: eni.eniId },
          `ENI ${eni.eniId} is not managed: ${kind.efaOnly ? 'EFA-only' : verdict.reason}`,
        );
        continue;
      }
      if (kind.isTrunk) node.trunkEniId = eni.eniId;
      if (kind.isEFA) node.efaEnis.add(eni.eniId);
      if (!kind.isTrunk && deps.config.features.networkResourceProvisioning && !(await tagEni(ctx, eni.eniId, tags))) {
        deps.metrics.ipamdError('eniReconcileAdd');
        continue;
      }
      try {
        await setupEni(ctx, eni, {
          isTrunk: kind.isTrunk,
          isEFA: kind.isEFA,
          ...(ec2 === undefined ? {} : { ec2Cidrs: ec2Cidrs(ec2) }),
        });
        deps.metrics.reconcile('eniReconcileAdd');
        added.push(eni.eniId);
      } catch (error) {
        deps.metrics.ipamdError('eniReconcileAdd');
        recordFailure(ctx, { action: 'setupENI', eniId: eni.eniId, detail: 'reconcile a new ENI' }, error);
      }
    }
    return added;
  }

  async #reconcileEni(eni: ImdsEni): Promise<{ added: number; removed: number; lost: Allocation[] }> {
    const ctx = this.#ctx;
    const { deps, node } = ctx;
    const imdsOnly = deps.config.features.imdsOnlyMode;
    const none = { added: 0, removed: 0, lost: [] };
    const inStore = new Set(node.datastore.eni(eni.eniId)?.cidrs.map((c) => c.cidr) ?? []);
    const primary = `${node.enis.get(eni.eniId)?.primaryIp ?? eni.localIpv4s[0] ?? ''}/32`;
    let source = imdsCidrs(eni);
    let fromEc2 = false;
    if (!sameSet(source, inStore) && !imdsOnly) {
      ctx.log.warn(
        { eniId: eni.eniId, imds: source.length, datastore: inStore.size },
        `IMDS and the datastore differ on ${eni.eniId}: asking EC2`,
      );
      const ec2 = (await this.#describe([eni.eniId], 'verify addresses'))?.get(eni.eniId);
      if (ec2 === undefined) return none;
      source = ec2Cidrs(ec2);
      fromEc2 = true;
    }
    let verified: Set<string> | undefined;
    const seen = new Set<string>();
    let added = 0;
    for (const cidr of source) {
      if (cidr === primary) continue;
      if (inStore.has(cidr)) {
        seen.add(cidr);
        continue;
      }
      const state = ctx.cooldown.check(cidr);
      if (state === 'cooling') continue;
      if (state === 'expired' && !fromEc2 && !imdsOnly) {
        // IMDS may still show an address released a minute ago: only EC2 can say it is really back.
        if (verified === undefined) {
          const ec2 = (await this.#describe([eni.eniId], 'verify released addresses'))?.get(eni.eniId);
          verified = new Set(ec2 === undefined ? [] : ec2Cidrs(ec2));
        }
        if (!verified.has(cidr)) continue;
      }
      ctx.cooldown.remove(cidr);
      if (addCidrIfMissing(ctx, eni.eniId, cidr)) {
        added += 1;
        seen.add(cidr);
        deps.metrics.reconcile('eniDataStorePoolReconcileAdd');
      }
    }
    let removed = 0;
    const lost: Allocation[] = [];
    for (const cidr of inStore) {
      if (seen.has(cidr)) continue;
      try {
        const result = node.datastore.removeCidr(eni.eniId, cidr, { force: true });
        removed += 1;
        lost.push(...result.removedPods);
        deps.metrics.forceRemoved({ enis: 0, ips: result.removedPods.length });
        deps.metrics.reconcile('eniIPPoolReconcileDel');
        ctx.log.warn(
          { eniId: eni.eniId, cidr, pods: result.removedPods.length },
          `${cidr} is no longer on ${eni.eniId}: removed`,
        );
      } catch (error) {
        deps.metrics.ipamdError('ipReconcileDel');
        ctx.log.error({ eniId: eni.eniId, cidr, error: errorFacts(error) }, `cannot remove ${cidr}`);
      }
    }
    return { added, removed, lost };
  }

  /** ENIs the datastore has but IMDS no longer lists: forced removal once EC2 agrees they are gone. */
  async #removeGone(ids: readonly EniId[]): Promise<{ enis: EniId[]; lost: Allocation[] }> {
    const ctx = this.#ctx;
    const { deps, node } = ctx;
    let stillAttached = new Set<EniId>();
    if (!deps.config.features.imdsOnlyMode) {
      const described = await this.#describe(ids, 'verify detached ENIs');
      if (described === undefined) return { enis: [], lost: [] };
      const me = node.identity.instanceId;
      stillAttached = new Set(
        [...described.values()]
          .filter((e) => e.attachment?.instanceId === me && e.attachment.status !== 'detaching')
          .map((e) => e.id),
      );
    }
    const enis: EniId[] = [];
    const lost: Allocation[] = [];
    for (const id of ids) {
      if (stillAttached.has(id)) {
        ctx.log.warn({ eniId: id }, `IMDS no longer lists ${id} but EC2 still has it attached: keeping it`);
        continue;
      }
      const facts = node.enis.get(id);
      const result = node.datastore.removeEni(id, { force: true });
      node.enis.delete(id);
      enis.push(id);
      lost.push(...result.removedPods);
      deps.metrics.forceRemoved({ enis: 1, ips: result.removedPods.length });
      deps.metrics.reconcile('eniReconcileDel');
      ctx.log.warn({ eniId: id, pods: result.removedPods.length }, `ENI ${id} is detached: removed from the datastore`);
      if (facts !== undefined)
        await deps.host
          .teardownEni({ primaryIp: facts.primaryIp, routeTableId: facts.routeTableId })
          .catch(() => undefined);
    }
    return { enis, lost };
  }
}
