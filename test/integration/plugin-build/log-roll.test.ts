/**
 * The compiled plugin (Bun's node:fs, not Node's) rolls its log as the writer does under Node: a call that finds
 * plugin.log at the conflist's pluginLogMaxSizeMB renames it to a lumberjack-named backup, taking over a lock a
 * killed plugin left behind, and prunes to pluginLogMaxBackups; the next call starts a new plugin.log.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { backupName, listBackups } from '../../../src/obs/log-files.js';

const ROOT = fileURLToPath(new URL('../../../../../', import.meta.url));
const PLUGIN = join(ROOT, 'bin', 'aws-cni');
const compiled = existsSync(PLUGIN) && !readFileSync(PLUGIN).subarray(0, 2).equals(Buffer.from('#!'));

/** A CNI ADD that fails on its netns (nothing wired, no ipamd needed) and logs as it does. */
function failingAdd(conf: Record<string, unknown>, pod: string): void {
  const run = spawnSync(PLUGIN, [], {
    input: JSON.stringify({ cniVersion: '0.4.0', name: 'aws-cni', type: 'aws-cni', ...conf }),
    env: {
      PATH: '/usr/sbin:/usr/bin:/sbin:/bin',
      CNI_COMMAND: 'ADD',
      CNI_CONTAINERID: 'c0ffee',
      CNI_NETNS: '/nonexistent/netns',
      CNI_IFNAME: 'eth0',
      CNI_PATH: '/opt/cni/bin',
      CNI_ARGS: `K8S_POD_NAMESPACE=default;K8S_POD_NAME=${pod}`,
    },
    encoding: 'utf8',
    timeout: 30_000,
  });
  assert.equal(run.status, 1, run.stderr);
  assert.match(run.stdout, /CNI_NETNS_MISSING|does not exist/);
}

describe(
  'bin/aws-cni rolls its log',
  { skip: compiled ? false : 'bin/aws-cni is not a compiled executable (npm run build)' },
  () => {
    it('renames a full plugin.log, over a stale lock, prunes to the count, and the next call starts anew', () => {
      const dir = mkdtempSync(join(tmpdir(), 'vcni-plugin-roll-'));
      try {
        const file = join(dir, 'plugin.log');
        writeFileSync(file, `${JSON.stringify({ msg: 'earlier calls', pad: 'x'.repeat(200) })}\n`.repeat(5000));
        for (const day of [1, 2, 3]) writeFileSync(backupName(file, new Date(Date.UTC(2026, 0, day))), '{}\n');
        writeFileSync(`${file}.lock`, '');
        utimesSync(`${file}.lock`, 0, 0); // left by a plugin killed while rolling, long ago
        const conf = { pluginLogFile: file, pluginLogMaxSizeMB: 1, pluginLogMaxBackups: 2 };

        failingAdd(conf, 'first');
        const backups = listBackups(fs, file).map((b) => b.path);
        assert.equal(backups.length, 2, backups.join(', '));
        assert.equal(backups[0], backupName(file, new Date(Date.UTC(2026, 0, 3))));
        const rolled = readFileSync(backups[1] ?? '', 'utf8');
        assert.match(rolled, /earlier calls/);
        assert.match(rolled, /"pod":"default\/first"/, "the call's lines went in before the roll");
        assert.ok(!existsSync(`${file}.lock`), 'the stale lock was taken over and released');

        failingAdd(conf, 'second');
        const text = readFileSync(file, 'utf8');
        assert.match(text, /"pod":"default\/second"/);
        assert.doesNotMatch(text, /earlier calls|default\/first/);
        assert.equal(listBackups(fs, file).length, 2);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  },
);
