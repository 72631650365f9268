/**
 * STATUS (CNI 1.1.0): can the plugin serve ADD now? It can when ipamd answers its gRPC health check with SERVING;
 * otherwise code 50, "plugin not available". A client without a health check is taken as available (the CNI
 * spec's default when a plugin cannot tell).
 */
import { CniError } from './errors.js';
import { messageOf } from '../errors.js';
import type { PluginLog } from './log.js';
import type { VerbDeps } from './deps.js';

/** STATUS. Resolves when available (STATUS prints nothing); throws CNI_PLUGIN_UNAVAILABLE (50) otherwise. */
export async function status(ctx: { readonly deps: VerbDeps; readonly log: PluginLog }): Promise<void> {
  const client = ctx.deps.ipam();
  if (client.health === undefined) {
    ctx.log.debug('status: the ipamd client has no health check; reporting available');
    return;
  }
  let state: string;
  try {
    state = await client.health();
  } catch (error) {
    throw new CniError('CNI_PLUGIN_UNAVAILABLE', `plugin not available: ${messageOf(error)}`, {}, error);
  }
  if (state !== 'SERVING')
    throw new CniError('CNI_PLUGIN_UNAVAILABLE', `plugin not available: ipamd reports ${state}`, { health: state });
}
