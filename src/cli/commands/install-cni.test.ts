// The conflist install-cni writes carries the plugin log's rotation limits (VPC_CNI_LOG_MAX_*) only when they are not
// the reference's, and the plugin reads back from it the limits ipamd runs with.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { logSettingsOf } from '../../cni/netconf.js';
import { loadConfig } from '../../config/load.js';
import { conflistFor } from './install-cni.js';

const awsCniOf = (env: Record<string, string>): Record<string, unknown> => {
  const conflist = JSON.parse(conflistFor(loadConfig(env).config)) as { plugins: Record<string, unknown>[] };
  const plugin = conflist.plugins.find((p) => p['type'] === 'aws-cni');
  assert.ok(plugin);
  return plugin;
};

describe('install-cni conflist: plugin log rotation', () => {
  const cases: readonly { env: Record<string, string>; fields: Record<string, number> }[] = [
    { env: {}, fields: {} },
    {
      env: { VPC_CNI_LOG_MAX_SIZE_MB: '100', VPC_CNI_LOG_MAX_BACKUPS: '5', VPC_CNI_LOG_MAX_AGE_DAYS: '30' },
      fields: {},
    },
    { env: { VPC_CNI_LOG_MAX_SIZE_MB: '10' }, fields: { pluginLogMaxSizeMB: 10 } },
    { env: { VPC_CNI_LOG_MAX_BACKUPS: '0' }, fields: { pluginLogMaxBackups: 0 } },
    {
      env: { VPC_CNI_LOG_MAX_SIZE_MB: '1', VPC_CNI_LOG_MAX_BACKUPS: '20', VPC_CNI_LOG_MAX_AGE_DAYS: '0' },
      fields: { pluginLogMaxSizeMB: 1, pluginLogMaxBackups: 20, pluginLogMaxAgeDays: 0 },
    },
  ];
  for (const c of cases) {
    it(`${JSON.stringify(c.env)} → ${JSON.stringify(c.fields)}, read back by the plugin as configured`, () => {
      const plugin = awsCniOf(c.env);
      const written = Object.fromEntries(Object.entries(plugin).filter(([key]) => key.startsWith('pluginLogMax')));
      assert.deepEqual(written, c.fields);
      assert.deepEqual(logSettingsOf(plugin).rotation, loadConfig(c.env).config.logging.rotation);
    });
  }
});
