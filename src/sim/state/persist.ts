/**
 * Saves and reloads the embedded VPC's state (`vpc-cni sim --state FILE`): every resource, the id counter and the
 * seed, so that ids keep being unique and deterministic across restarts. The file is versioned JSON, written
 * atomically (temp file, fsync, rename); a file of another version or shape is refused with a clear error rather
 * than silently starting empty.
 *
 * @example
 * await saveStore(store, '/var/lib/vpc-cni/sim.json');
 * const again = await loadStore('/var/lib/vpc-cni/sim.json', clock); // undefined when the file does not exist
 */
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { z } from 'zod';
import { SimError } from '../errors.js';
import type { Clock } from '../../ipam/clock.js';
import { settleDetachments } from './ops-eni.js';
import { VpcStore } from './store.js';
import type { Eni, Instance, RouteTable, SecurityGroup, Subnet, Vpc } from './model.js';

export const SIM_STATE_VERSION = 'vpc-cni-sim/1';

type Serialized<T> = {
  [K in keyof T]: T[K] extends Map<string, string> ? [string, string][] : T[K] extends Set<number> ? number[] : T[K];
};

const tags = z.array(z.tuple([z.string(), z.string()]));
const fileSchema = z.object({
  version: z.literal(SIM_STATE_VERSION),
  region: z.string().min(1),
  accountId: z.string().min(1),
  zones: z.array(z.string().min(1)).min(1),
  seed: z.string(),
  counter: z.number().int().nonnegative(),
  vpcs: z.array(z.looseObject({ id: z.string(), tags })),
  subnets: z.array(z.looseObject({ id: z.string(), tags, used: z.array(z.number().int()) })),
  routeTables: z.array(z.looseObject({ id: z.string(), tags })),
  securityGroups: z.array(z.looseObject({ id: z.string(), tags })),
  enis: z.array(z.looseObject({ id: z.string(), tags })),
  instances: z.array(z.looseObject({ id: z.string(), tags })),
  clientTokens: z.array(z.tuple([z.string(), z.object({ fingerprint: z.string(), eniId: z.string() })])),
  // Absent in files written before trunk interfaces existed: they had none.
  trunkAssociations: z
    .array(
      z.object({
        id: z.string(),
        branchInterfaceId: z.string(),
        trunkInterfaceId: z.string(),
        interfaceProtocol: z.literal('VLAN'),
        vlanId: z.number().int(),
        createdAt: z.number(),
      }),
    )
    .default([]),
  associationTokens: z
    .array(z.tuple([z.string(), z.object({ fingerprint: z.string(), associationId: z.string() })]))
    .default([]),
});

function withTags<T extends { tags: Map<string, string> }>(item: T): Serialized<T> {
  return { ...item, tags: [...item.tags] } as Serialized<T>;
}

/** The store as versioned JSON text. */
export function serializeStore(store: VpcStore): string {
  settleDetachments(store);
  const state = {
    version: SIM_STATE_VERSION,
    region: store.region,
    accountId: store.accountId,
    zones: store.availabilityZones.map((zone) => zone.name.slice(store.region.length)),
    seed: store.seed,
    counter: store.counter,
    vpcs: [...store.vpcs.values()].map(withTags),
    subnets: [...store.subnets.values()].map((s) => ({ ...withTags(s), used: [...s.used] })),
    routeTables: [...store.routeTables.values()].map(withTags),
    securityGroups: [...store.securityGroups.values()].map(withTags),
    enis: [...store.enis.values()].map(withTags),
    instances: [...store.instances.values()].map(withTags),
    clientTokens: [...store.clientTokens],
    trunkAssociations: [...store.trunkAssociations.values()],
    associationTokens: [...store.associationTokens],
  };
  return `${JSON.stringify(state)}\n`;
}

/** Rebuilds a store from {@link serializeStore}'s text; throws SimError SIM_STATE_INVALID naming what is wrong. */
export function deserializeStore(text: string, clock: Clock): VpcStore {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new SimError('SIM_STATE_INVALID', `the state file is not JSON: ${(error as Error).message}`, {}, error);
  }
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue === undefined ? '' : `${issue.path.join('.') || '(root)'}: ${issue.message}`;
    throw new SimError('SIM_STATE_INVALID', `the state file is not a ${SIM_STATE_VERSION} file (${where})`);
  }
  const data = parsed.data;
  const store = new VpcStore({
    region: data.region,
    clock,
    accountId: data.accountId,
    zones: data.zones,
    seed: data.seed,
  });
  store.counter = data.counter;
  const revive = <T>(item: { tags: [string, string][] }): T => ({ ...item, tags: new Map(item.tags) }) as T;
  for (const vpc of data.vpcs) store.vpcs.set(vpc.id, revive<Vpc>(vpc));
  for (const s of data.subnets) store.subnets.set(s.id, { ...revive<Subnet>(s), used: new Set(s.used) });
  for (const rt of data.routeTables) store.routeTables.set(rt.id, revive<RouteTable>(rt));
  for (const sg of data.securityGroups) store.securityGroups.set(sg.id, revive<SecurityGroup>(sg));
  for (const eni of data.enis) store.enis.set(eni.id, revive<Eni>(eni));
  for (const instance of data.instances) store.instances.set(instance.id, revive<Instance>(instance));
  for (const [token, entry] of data.clientTokens) store.clientTokens.set(token, entry);
  for (const association of data.trunkAssociations) store.trunkAssociations.set(association.id, association);
  for (const [token, entry] of data.associationTokens) store.associationTokens.set(token, entry);
  return store;
}

/** Writes the state atomically: a temp file in the same directory, fsync, rename over the target. */
export async function saveStore(store: VpcStore, path: string): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}`);
  const handle = await open(temp, 'w', 0o600);
  try {
    await handle.writeFile(serializeStore(store));
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
}

/** Loads a saved state; `undefined` when the file does not exist (a first run). */
export async function loadStore(path: string, clock: Clock): Promise<VpcStore | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new SimError(
      'SIM_STATE_INVALID',
      `cannot read the state file ${path}: ${(error as Error).message}`,
      {},
      error,
    );
  }
  return deserializeStore(text, clock);
}
