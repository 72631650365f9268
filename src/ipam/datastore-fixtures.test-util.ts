/**
 * Builders shared by the datastore and checkpoint tests.
 *
 * @example
 * const { ds, clock } = buildStore({ prefixDelegation: true, enis: [{ id: 'eni-a', deviceNumber: 0, cidrs: ['10.0.0.0/28'] }] });
 * ds.assign(podKey('c1'));
 */
import { strict as assert } from 'node:assert';
import { manualClock, type ManualClock } from './clock.js';
import { Datastore } from './datastore.js';
import { IpamError, type IpamErrorCode } from './errors.js';
import type { EniSpec, IpamKey } from './types.js';

export function podKey(containerID: string, ifName = 'eth0'): IpamKey {
  return { networkName: 'aws-cni', containerID, ifName };
}

/** The reference's route table rule: main (254) for the primary ENI, device number + 1 otherwise. */
export function eniSpec(id: string, deviceNumber: number): EniSpec {
  return {
    id,
    deviceNumber,
    isPrimary: deviceNumber === 0,
    isTrunk: false,
    isEFA: false,
    subnetId: 'subnet-0123',
    routeTableId: deviceNumber === 0 ? 254 : deviceNumber + 1,
  };
}

export interface EniFixture {
  readonly id: string;
  readonly deviceNumber: number;
  readonly cidrs?: readonly string[];
  readonly excluded?: boolean;
}

export interface StoreFixture {
  readonly prefixDelegation: boolean;
  readonly ipCooldownMs?: number;
  readonly startMs?: number;
  readonly enis: readonly EniFixture[];
}

export function buildStore(fixture: StoreFixture): { ds: Datastore; clock: ManualClock } {
  const clock = manualClock(fixture.startMs ?? 1_000_000);
  const ds = new Datastore({
    clock,
    prefixDelegation: fixture.prefixDelegation,
    ...(fixture.ipCooldownMs === undefined ? {} : { ipCooldownMs: fixture.ipCooldownMs }),
  });
  for (const eni of fixture.enis) {
    ds.addEni(eniSpec(eni.id, eni.deviceNumber));
    for (const cidr of eni.cidrs ?? []) ds.addCidr(eni.id, cidr);
    if (eni.excluded === true) ds.setExcluded(eni.id, true);
  }
  return { ds, clock };
}

/** The smallest prefix-delegation store: the primary ENI `eni-a` with one /28, 10.0.0.0/28 (16 addresses). */
export function onePrefixStore(): { ds: Datastore; clock: ManualClock } {
  return buildStore({ prefixDelegation: true, enis: [{ id: 'eni-a', deviceNumber: 0, cidrs: ['10.0.0.0/28'] }] });
}

/** Assigns `count` pods named `<prefix>0`, `<prefix>1`, ... and returns their addresses. */
export function fill(ds: Datastore, count: number, prefix = 'pod'): string[] {
  return Array.from({ length: count }, (_, i) => ds.assign(podKey(`${prefix}${i}`)).address);
}

/** Asserts that `fn` throws an IpamError with this code (and a message matching `message`) and returns it. */
export function assertIpamError(fn: () => unknown, code: IpamErrorCode, message?: RegExp): IpamError {
  let caught: unknown;
  assert.throws(fn, (error: unknown) => {
    caught = error;
    return error instanceof IpamError && error.code === code && (message === undefined || message.test(error.message));
  });
  return caught as IpamError;
}
