/**
 * Named starting states of the embedded VPC (`vpc-cni sim --scenario NAME`).
 *
 * @example
 * const scenario = requireScenario('eksworkshop');
 * const store = new VpcStore({ region: scenario.region, clock });
 * scenario.build(store);
 */
import type { Scenario } from './types.js';
import { eksworkshop } from './eksworkshop.js';
import { minimal } from './minimal.js';

export type { Scenario } from './types.js';

export const SCENARIOS: Readonly<Record<string, Scenario>> = { eksworkshop, minimal };

export function scenarioNames(): string[] {
  return Object.keys(SCENARIOS);
}

export function findScenario(name: string): Scenario | undefined {
  return Object.hasOwn(SCENARIOS, name) ? SCENARIOS[name] : undefined;
}
