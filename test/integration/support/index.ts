/**
 * The integration tests' support library, one import for the ipamd, CNI, custom-networking and chaos tests: the
 * embedded VPC (sim.ts), ipamd in-process or as a child (ipamd-process.ts), nodes with pods and the real plugin
 * (node.ts, plugin.ts), ipamd's APIs (introspection.ts, rpc.ts), namespace dumps (netns.ts), agreement checks
 * (consistency.ts), waiting (wait.ts) and teardown (cleanup.ts).
 *
 * @example
 * import { startCniVpc, waitForQuietNodes, type CniNode } from '../support/index.js';
 */
export * from './cleanup.js';
export * from './consistency.js';
export * from './introspection.js';
export * from './ipamd-process.js';
export * from './netns.js';
export * from './node.js';
export * from './plugin.js';
export * from './rpc.js';
export * from './sim.js';
export * from './wait.js';
