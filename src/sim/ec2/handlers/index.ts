/** Every EC2 operation the embedded VPC implements, as one table for the server. */
import type { HandlerTable } from '../handler.js';
import { eniHandlers } from './eni.js';
import { instanceTypeHandlers } from './instance-types.js';
import { instanceHandlers } from './instances.js';
import { networkHandlers } from './network.js';
import { tagHandlers } from './tags.js';
import { trunkHandlers } from './trunk.js';

export const EC2_HANDLERS: HandlerTable = {
  ...networkHandlers,
  ...tagHandlers,
  ...eniHandlers,
  ...trunkHandlers,
  ...instanceHandlers,
  ...instanceTypeHandlers,
};

/** The operation names, sorted, for help texts and the admin state. */
export function supportedActions(): string[] {
  return Object.keys(EC2_HANDLERS).sort();
}
