import type { VpcStore } from '../state/store.js';

/** A named starting state of the embedded VPC: `build` fills an empty store. */
export interface Scenario {
  readonly name: string;
  readonly region: string;
  readonly description: string;
  build(store: VpcStore): void;
}
