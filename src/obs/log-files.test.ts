import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import { mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { backupName, listBackups, nextBackupName, pruneBackups } from './log-files.js';

const DAY_MS = 86_400_000;

describe('log backups', () => {
  const root = mkdtempSync(join(tmpdir(), 'log-files-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  let n = 0;
  const freshDir = (): string => fs.mkdtempSync(join(root, `${(n += 1)}-`));

  const names: readonly [string, Date, number, string][] = [
    ['/l/ipamd.log', new Date('2026-12-07T21:30:00Z'), 1, '/l/ipamd-2026-12-07T21-30-00.000.log'],
    ['/l/plugin.log', new Date('2026-01-02T03:04:05.678Z'), 1, '/l/plugin-2026-01-02T03-04-05.678.log'],
    ['/l/plugin.log', new Date('2026-01-02T03:04:05.678Z'), 3, '/l/plugin-2026-01-02T03-04-05.678-3.log'],
    ['/l/noext', new Date('2026-01-02T03:04:05Z'), 1, '/l/noext-2026-01-02T03-04-05.000'],
    ['/l/a.b.json', new Date('2026-01-02T03:04:05Z'), 1, '/l/a.b-2026-01-02T03-04-05.000.json'],
  ];
  for (const [file, time, index, expected] of names) {
    it(`names the backup of ${file} at ${time.toISOString()} #${index} as lumberjack does`, () => {
      assert.equal(backupName(file, time, index), expected);
    });
  }

  it('lists only the backups of that file, oldest first (a clash index after its first)', () => {
    const dir = freshDir();
    const file = join(dir, 'plugin.log');
    for (const name of [
      'plugin.log',
      'plugin.log.lock',
      'plugin-2026-01-02T03-04-05.000-2.log',
      'plugin-2026-01-02T03-04-05.000.log',
      'plugin-2025-12-31T23-59-59.999.log',
      'plugin-2026-01-02T03-04-05.000-10.log',
      'ipamd-2026-01-01T00-00-00.000.log',
      'plugin-2026-01-02.log',
      'plugin-2026-01-02T03-04-05.000.log.gz',
      'xplugin-2026-01-02T03-04-05.000.log',
    ])
      writeFileSync(join(dir, name), '');
    assert.deepEqual(
      listBackups(fs, file).map((b) => b.path.slice(dir.length + 1)),
      [
        'plugin-2025-12-31T23-59-59.999.log',
        'plugin-2026-01-02T03-04-05.000.log',
        'plugin-2026-01-02T03-04-05.000-2.log',
        'plugin-2026-01-02T03-04-05.000-10.log',
      ],
    );
    assert.deepEqual(listBackups(fs, join(dir, 'missing', 'x.log')), []);
  });

  it('numbers a backup after those of the same millisecond still there, so the newest sorts last', () => {
    const dir = freshDir();
    const file = join(dir, 'plugin.log');
    const at = new Date('2026-01-02T03:04:05.000Z');
    assert.equal(nextBackupName(fs, file, at), join(dir, 'plugin-2026-01-02T03-04-05.000.log'));
    writeFileSync(join(dir, 'plugin-2026-01-02T03-04-05.000-3.log'), ''); // 1 and 2 pruned already
    writeFileSync(join(dir, 'plugin-2026-01-02T03-04-06.000.log'), '');
    assert.equal(nextBackupName(fs, file, at), join(dir, 'plugin-2026-01-02T03-04-05.000-4.log'));
  });

  /** Backups written `ageDays[i]` days ago, one per day of rotation, oldest first. */
  function backups(dir: string, ageDays: readonly number[], now: number): string[] {
    return ageDays.map((age, i) => {
      const path = backupName(join(dir, 'ipamd.log'), new Date(Date.UTC(2026, 0, 1 + i)));
      writeFileSync(path, `backup ${i}\n`);
      utimesSync(path, (now - age * DAY_MS) / 1000, (now - age * DAY_MS) / 1000);
      return path;
    });
  }

  const prunes: readonly {
    name: string;
    ages: readonly number[];
    maxBackups: number;
    maxAgeDays: number;
    kept: readonly number[];
  }[] = [
    {
      name: 'keeps the newest maxBackups',
      ages: [9, 8, 7, 6, 5, 4, 3],
      maxBackups: 5,
      maxAgeDays: 0,
      kept: [2, 3, 4, 5, 6],
    },
    { name: 'deletes those older than maxAge', ages: [40, 31, 29, 1], maxBackups: 0, maxAgeDays: 30, kept: [2, 3] },
    { name: 'applies both limits', ages: [40, 20, 10, 5, 1], maxBackups: 2, maxAgeDays: 30, kept: [3, 4] },
    { name: '0 and 0 keep everything', ages: [400, 300, 2], maxBackups: 0, maxAgeDays: 0, kept: [0, 1, 2] },
    { name: 'fewer than the count: nothing', ages: [3, 2], maxBackups: 5, maxAgeDays: 30, kept: [0, 1] },
  ];
  for (const c of prunes) {
    it(`prune ${c.name}`, () => {
      const dir = freshDir();
      const now = Date.now();
      const paths = backups(dir, c.ages, now);
      writeFileSync(join(dir, 'ipamd.log'), 'live\n');
      writeFileSync(join(dir, 'other-2020-01-01T00-00-00.000.log'), 'not ours\n');
      utimesSync(join(dir, 'ipamd.log'), 0, 0);
      const rotation = { maxBytes: 1024, maxBackups: c.maxBackups, maxAgeMs: c.maxAgeDays * DAY_MS };
      const deleted = pruneBackups(fs, join(dir, 'ipamd.log'), rotation, now);
      const kept = c.kept.map((i) => paths[i]);
      assert.deepEqual(
        listBackups(fs, join(dir, 'ipamd.log')).map((b) => b.path),
        kept,
      );
      assert.deepEqual(deleted.sort(), paths.filter((p) => !kept.includes(p)).sort());
      // The live file and other logs' backups are never touched, whatever their age.
      assert.ok(readdirSync(dir).includes('ipamd.log'));
      assert.ok(readdirSync(dir).includes('other-2020-01-01T00-00-00.000.log'));
    });
  }

  it('prune skips a backup deleted meanwhile and never throws', () => {
    const dir = freshDir();
    const paths = backups(dir, [3, 2, 1], Date.now());
    const racing: typeof fs = { ...fs, unlinkSync: () => assert.fail('not called for kept files') };
    assert.deepEqual(
      pruneBackups(racing, join(dir, 'ipamd.log'), { maxBytes: 1, maxBackups: 3, maxAgeMs: 0 }, Date.now()),
      [],
    );
    const gone: typeof fs = {
      ...fs,
      unlinkSync: () => {
        throw Object.assign(new Error('gone'), { code: 'ENOENT' });
      },
    };
    assert.deepEqual(
      pruneBackups(gone, join(dir, 'ipamd.log'), { maxBytes: 1, maxBackups: 1, maxAgeMs: 0 }, Date.now()),
      [],
    );
    assert.equal(paths.length, 3);
  });
});
