// ipamd's log file rotated by size through rotating-file-stream (log-stream.ts), via the logger factory ipamd uses.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import { mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { backupName, listBackups } from './log-files.js';
import { openRotatingLog } from './log-stream.js';
import { closeLogger, createLogger } from './logger.js';

const BACKUP = /^ipamd-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}(-\d+)?\.log$/;

/** Every line of the file and its backups, oldest file first, each parsed (a torn line fails the parse). */
function allLines(file: string): Record<string, unknown>[] {
  const paths = [...listBackups(fs, file).map((b) => b.path), file];
  return paths.flatMap((path) =>
    readFileSync(path, 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>),
  );
}

describe('ipamd log rotation', () => {
  const root = mkdtempSync(join(tmpdir(), 'log-stream-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  let n = 0;
  const freshDir = (): string => fs.mkdtempSync(join(root, `${(n += 1)}-`));

  it('rotates at maxBytes into lumberjack-named backups, keeps the newest maxBackups, loses no kept line', async () => {
    const dir = freshDir();
    const file = join(dir, 'nested', 'ipamd.log');
    const rotation = { maxBytes: 4096, maxBackups: 3, maxAgeMs: 30 * 86_400_000 };
    const logger = createLogger({ level: 'debug', destination: { to: 'file', path: file }, name: 'ipamd', rotation });
    const total = 400; // ~120 bytes a line: ~12 files' worth
    for (let seq = 0; seq < total; seq += 1) {
      logger.debug({ seq, pad: 'x'.repeat(40) }, 'pool plan');
      // Let the stream write (and rotate) as ipamd's event loop would between ticks.
      if (seq % 10 === 9) await new Promise((resolve) => setImmediate(resolve));
    }
    await closeLogger(logger);

    const backups = listBackups(fs, file);
    assert.equal(backups.length, 3, 'exactly maxBackups kept');
    for (const b of backups) {
      assert.match(b.path.slice(join(dir, 'nested').length + 1), BACKUP);
      assert.ok(statSync(b.path).size >= 4096 && statSync(b.path).size < 4096 + 200, `${b.path} was full`);
    }
    assert.ok(statSync(file).size < 4096);
    // The kept lines are the newest ones, in order, none torn, none lost in between.
    const seqs = allLines(file).map((r) => r['seq']);
    assert.ok(seqs.length > (3 * 4096) / 200, `${seqs.length} lines kept`);
    assert.deepEqual(
      seqs,
      Array.from({ length: seqs.length }, (_, i) => total - seqs.length + i),
    );
  });

  it('rotates a full file found at start-up, and prunes backups past their age then', async () => {
    const dir = freshDir();
    const file = join(dir, 'ipamd.log');
    writeFileSync(file, `${JSON.stringify({ msg: 'from the last run' })}\n`.repeat(100));
    const old = backupName(file, new Date('2020-01-01T00:00:00Z'));
    const recent = backupName(file, new Date('2020-01-02T00:00:00Z'));
    writeFileSync(old, '{"msg":"old"}\n');
    writeFileSync(recent, '{"msg":"recent"}\n');
    const past = (Date.now() - 40 * 86_400_000) / 1000;
    utimesSync(old, past, past);
    const logger = createLogger({
      level: 'info',
      destination: { to: 'file', path: file },
      rotation: { maxBytes: 1024, maxBackups: 5, maxAgeMs: 30 * 86_400_000 },
    });
    logger.info({}, 'ipamd is ready');
    await closeLogger(logger);
    const backups = listBackups(fs, file).map((b) => b.path);
    assert.ok(!backups.includes(old), 'the 40-day-old backup is gone');
    assert.ok(backups.includes(recent));
    assert.equal(backups.length, 2, backups.join(', '));
    assert.match(readFileSync(backups[1] ?? '', 'utf8'), /from the last run/);
    assert.deepEqual(
      allLines(file)
        .slice(-1)
        .map((r) => r['msg']),
      ['ipamd is ready'],
    );
    assert.doesNotMatch(readFileSync(file, 'utf8'), /from the last run/);
  });

  it('a file that cannot be written sends its lines to the fallback, with a line saying why', async () => {
    const dir = freshDir();
    writeFileSync(join(dir, 'not-a-dir'), '');
    const seen: string[] = [];
    const stream = openRotatingLog(
      join(dir, 'not-a-dir', 'ipamd.log'),
      { maxBytes: 1024, maxBackups: 1, maxAgeMs: 0 },
      { fallback: { write: (text: string) => seen.push(text) } },
    );
    stream.write('{"msg":"first"}\n');
    await new Promise<void>((resolve) => stream.flush(() => resolve()));
    stream.write('{"msg":"second"}\n');
    await stream.close();
    assert.ok(
      seen.some((line) => /log file .*not-a-dir\/ipamd\.log failed, logging to stderr: ENOTDIR/.test(line)),
      seen.join(''),
    );
    // Both lines, the one queued when the file failed and the one after.
    assert.deepEqual(
      seen.filter((line) => line.startsWith('{"msg"')),
      ['{"msg":"first"}\n', '{"msg":"second"}\n'],
    );
  });

  it('stdout and stderr are not rotated (no file appears), and closing them only flushes', async () => {
    const dir = freshDir();
    const logger = createLogger({
      level: 'error',
      destination: { to: 'stderr' },
      rotation: { maxBytes: 1, maxBackups: 1, maxAgeMs: 0 },
    });
    await closeLogger(logger);
    assert.deepEqual(fs.readdirSync(dir), []);
  });
});
