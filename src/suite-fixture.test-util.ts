/**
 * One fixture for the tests of a describe block: started by its `before` hook, closed (when it has a `close`) by its
 * `after` hook. What it returns stands for the fixture: the tests read its properties as they would the fixture's,
 * without a `let` and two hooks in every suite. Fixtures declared one after another start in that order, so a later
 * one may use an earlier one.
 *
 * @example
 * describe('Ec2Api on the embedded VPC', () => {
 *   const fx = suiteFixture(() => startCloudFixture());
 *   it('creates an ENI', async () => {
 *     await fx.ec2().createNetworkInterface(fx.eniRequest('x'));
 *   });
 * });
 */
import { after, before } from 'node:test';

export function suiteFixture<T extends object>(start: () => T | Promise<T>): T {
  let current: T | undefined;
  before(async () => {
    current = await start();
  });
  after(async () => {
    await (current as { close?: () => unknown } | undefined)?.close?.();
  });
  const started = (property: string | symbol): T => {
    if (current === undefined)
      throw new TypeError(`suite fixture used (.${String(property)}) before its before() hook`);
    return current;
  };
  // Reads and writes of properties are forwarded (what tests do with a fixture); the handle is not the fixture
  // itself, so it is never compared by identity.
  return new Proxy({} as T, {
    get: (_target, property) => Reflect.get(started(property), property) as unknown,
    set: (_target, property, value) => Reflect.set(started(property), property, value),
  });
}
