// The plugin log's roll-over in one process: the file writer (log.ts) rolling at its limit, the lock that keeps two
// processes from rolling at once (and how a stale one is taken over), pruning by count and age. Many processes at
// once: test/integration/cni/plugin-log-rotation.test.ts.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { backupName, listBackups } from '../obs/log-files.js';
import { createFileLog } from './log.js';
import { STALE_LOCK_MS, rollLog } from './log-roll.js';

const DAY_MS = 86_400_000;
const BACKUP = /^plugin-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}(-\d+)?\.log$/;

describe('plugin log roll-over', () => {
  const root = mkdtempSync(join(tmpdir(), 'log-roll-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  let n = 0;
  const freshDir = (): string => fs.mkdtempSync(join(root, `${(n += 1)}-`));

  /** Every line of the file and its backups, oldest first, parsed (a torn line fails the parse). */
  const lines = (file: string): Record<string, unknown>[] =>
    [...listBackups(fs, file).map((b) => b.path), file]
      .filter((path) => existsSync(path))
      .flatMap((path) =>
        readFileSync(path, 'utf8')
          .split('\n')
          .filter((line) => line !== '')
          .map((line) => JSON.parse(line) as Record<string, unknown>),
      );

  it('the writer rolls the file at maxBytes and keeps the newest maxBackups; no kept line is lost or torn', async () => {
    const file = join(freshDir(), 'plugin.log');
    const log = createFileLog({ file, level: 'debug', rotation: { maxBytes: 2048, maxBackups: 3, maxAgeMs: 0 } });
    await log.flush();
    const total = 300;
    for (let seq = 0; seq < total; seq += 1) log.info('ADD done', { seq, ip: '10.0.1.23' });
    const backups = listBackups(fs, file);
    assert.equal(backups.length, 3);
    for (const backup of backups) {
      assert.match(backup.path.split('/').pop() ?? '', BACKUP);
      assert.ok(statSync(backup.path).size >= 2048, 'a backup is a full file');
    }
    assert.ok(statSync(file).size < 2048);
    assert.ok(!existsSync(`${file}.lock`), 'the lock is released');
    const seqs = lines(file).map((r) => r['seq']);
    assert.deepEqual(
      seqs,
      Array.from({ length: seqs.length }, (_, i) => total - seqs.length + i),
    );
    assert.ok(seqs.length >= (3 * 2048) / 120, `${seqs.length} lines kept`);
  });

  it('the writer under the limit never rolls', async () => {
    const file = join(freshDir(), 'plugin.log');
    const log = createFileLog({ file, level: 'debug', rotation: { maxBytes: 1 << 20, maxBackups: 1, maxAgeMs: 0 } });
    for (let seq = 0; seq < 50; seq += 1) log.info('x', { seq });
    await log.flush();
    assert.deepEqual(listBackups(fs, file), []);
    assert.equal(lines(file).length, 50);
  });

  const full = (file: string): void => writeFileSync(file, `${JSON.stringify({ msg: 'old' })}\n`.repeat(100));
  const ROTATION = { maxBytes: 1024, maxBackups: 5, maxAgeMs: 30 * DAY_MS };

  it('rolls a full file once: a second roll finds the new file under the limit', () => {
    const file = join(freshDir(), 'plugin.log');
    full(file);
    const now = new Date();
    assert.equal(rollLog(fs, file, ROTATION, now), true);
    writeFileSync(file, '{"msg":"new"}\n');
    assert.equal(rollLog(fs, file, ROTATION, now), false, 'another process found it full at the same time');
    assert.equal(listBackups(fs, file).length, 1);
    assert.equal(readFileSync(file, 'utf8'), '{"msg":"new"}\n');
  });

  it('a held lock makes a roll skip; once released the next roll goes ahead', () => {
    const file = join(freshDir(), 'plugin.log');
    full(file);
    writeFileSync(`${file}.lock`, '');
    assert.equal(rollLog(fs, file, ROTATION, new Date()), false);
    assert.deepEqual(listBackups(fs, file), []);
    assert.ok(existsSync(`${file}.lock`), "another process's lock is left alone");
    rmSync(`${file}.lock`);
    assert.equal(rollLog(fs, file, ROTATION, new Date()), true);
    assert.equal(listBackups(fs, file).length, 1);
  });

  it('a lock left by a process that died rolling is taken over once stale', () => {
    const file = join(freshDir(), 'plugin.log');
    full(file);
    writeFileSync(`${file}.lock`, '');
    const then = (Date.now() - STALE_LOCK_MS - 1000) / 1000;
    utimesSync(`${file}.lock`, then, then);
    assert.equal(rollLog(fs, file, ROTATION, new Date()), true);
    assert.equal(listBackups(fs, file).length, 1);
    assert.deepEqual(
      fs.readdirSync(join(file, '..')).filter((name) => name.includes('.lock')),
      [],
    );
  });

  it('a roll prunes backups past their age and beyond the count', () => {
    const file = join(freshDir(), 'plugin.log');
    const aged = [45, 35, 3, 2, 1].map((days, i) => {
      const path = backupName(file, new Date(Date.UTC(2026, 0, 1 + i)));
      writeFileSync(path, '{"msg":"backup"}\n');
      const mtime = (Date.now() - days * DAY_MS) / 1000;
      utimesSync(path, mtime, mtime);
      return path;
    });
    full(file);
    assert.equal(rollLog(fs, file, { maxBytes: 1024, maxBackups: 3, maxAgeMs: 30 * DAY_MS }, new Date()), true);
    const kept = listBackups(fs, file).map((b) => b.path);
    assert.equal(kept.length, 3);
    assert.deepEqual(kept.slice(0, 2), aged.slice(3), 'the two newest old backups, then the new one');
    assert.match(readFileSync(kept[2] ?? '', 'utf8'), /"old"/);
  });
});
