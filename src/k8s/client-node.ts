/**
 * `@kubernetes/client-node` costs about a second to import, so it is loaded lazily, once, by whoever needs it first.
 */
import type * as ClientNodeModule from '@kubernetes/client-node';

export type ClientNode = typeof ClientNodeModule;

let loading: Promise<ClientNode> | undefined;

/**
 * `@kubernetes/client-node`, imported once on first use.
 *
 * @example
 * const { KubeConfig } = await loadClientNode();
 */
export function loadClientNode(): Promise<ClientNode> {
  loading ??= import('@kubernetes/client-node');
  return loading;
}
