/**
 * The compiled plugin takes its settings from the CNI call only. A Bun executable loads `.env` and `bunfig.toml`
 * from the directory it is started in unless built not to (scripts/build-plugin.ts): the runtime execs the plugin
 * as root from a directory the plugin does not choose, so a `.env` there could set CNI_COMMAND, CNI_NETNS or PATH.
 * Here a `.env` asking for VERSION and a bunfig.toml that preloads a script sit in the working directory of a plugin
 * run without CNI_COMMAND: it must print its about text (stderr) and nothing on stdout, and the preload must not run.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../../../', import.meta.url));
const PLUGIN = join(ROOT, 'bin', 'aws-cni');
const compiled = existsSync(PLUGIN) && !readFileSync(PLUGIN).subarray(0, 2).equals(Buffer.from('#!'));

describe(
  'bin/aws-cni and files in its working directory',
  { skip: compiled ? false : 'bin/aws-cni is not a compiled executable (npm run build)' },
  () => {
    it('ignores .env and bunfig.toml where the runtime starts it', () => {
      const dir = mkdtempSync(join(tmpdir(), 'vcni-cwd-'));
      try {
        const marker = join(dir, 'preloaded');
        writeFileSync(join(dir, '.env'), 'CNI_COMMAND=VERSION\n');
        writeFileSync(join(dir, 'preload.js'), `require('node:fs').writeFileSync(${JSON.stringify(marker)}, 'ran');\n`);
        writeFileSync(join(dir, 'bunfig.toml'), 'preload = ["./preload.js"]\n');
        const run = spawnSync(PLUGIN, [], {
          cwd: dir,
          env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' },
          encoding: 'utf8',
          timeout: 30_000,
        });
        assert.equal(run.status, 0, run.stderr);
        assert.equal(run.stdout, '', 'no VERSION answer on stdout');
        assert.match(run.stderr, /^AWS CNI /, 'the about text (on stderr, as skel prints it)');
        assert.equal(existsSync(marker), false, 'bunfig.toml preload ran');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  },
);
