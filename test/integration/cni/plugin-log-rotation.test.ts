// Many plugin processes appending to one plugin.log at once, past its size limit many times over, through the real
// writer (src/cni/log.ts): every line lands whole in the file or a backup, exactly once; every backup is a full file
// (two processes never both rolled the same file, which would leave a tiny backup); with a small backup count, only
// the oldest lines are gone.
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { LogRotation } from '../../../src/config/index.js';
import { listBackups } from '../../../src/obs/log-files.js';

const run = promisify(execFile);
/** build/spec/ (this file is build/spec/test/integration/cni/plugin-log-rotation.test.js). */
const SPEC = new URL('../../../', import.meta.url).href;
const PROCESSES = 12;
const LINES = 300;

/** Starts `PROCESSES` writers together; each logs `LINES` lines `{proc, seq}` through createFileLog. */
async function writeConcurrently(file: string, rotation: LogRotation): Promise<void> {
  const startAt = Date.now() + 1_500; // all loaded before any writes, so that they overlap
  const script = (proc: number): string => `
    const { createFileLog } = await import(${JSON.stringify(`${SPEC}src/cni/log.js`)});
    const log = createFileLog({ file: ${JSON.stringify(file)}, level: 'debug', rotation: ${JSON.stringify(rotation)} });
    await log.flush();
    while (Date.now() < ${startAt});
    for (let seq = 0; seq < ${LINES}; seq += 1) log.info('ADD done', { proc: ${proc}, seq, pad: 'p'.repeat(seq % 50) });
    await log.flush();`;
  await Promise.all(
    Array.from({ length: PROCESSES }, (_, proc) =>
      run(process.execPath, ['--input-type=module', '-e', script(proc)], { timeout: 60_000 }),
    ),
  );
}

/** The lines of the file and its backups, oldest file first; a torn or interleaved line fails JSON.parse. */
function readAll(file: string): { proc: number; seq: number }[] {
  return [...listBackups(fs, file).map((b) => b.path), file]
    .filter((path) => existsSync(path))
    .flatMap((path) =>
      readFileSync(path, 'utf8')
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => {
          const record = JSON.parse(line) as { proc: number; seq: number; msg: string };
          assert.equal(record.msg, 'ADD done', line);
          return { proc: record.proc, seq: record.seq };
        }),
    );
}

describe('plugin.log written by many plugin processes at once', () => {
  const root = mkdtempSync(join(tmpdir(), 'plugin-log-rotation-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  it('rolls many times and loses, duplicates or tears no line; every backup is a full file', async () => {
    const dir = mkdtempSync(join(root, 'all-'));
    const file = join(dir, 'plugin.log');
    const rotation = { maxBytes: 4096, maxBackups: 100_000, maxAgeMs: 0 };
    await writeConcurrently(file, rotation);

    const backups = listBackups(fs, file);
    assert.ok(backups.length >= 10, `${backups.length} rolls`); // ~115 files of lines; fewer when rolls meet the lock
    for (const backup of backups) assert.ok(statSync(backup.path).size >= rotation.maxBytes, `${backup.path} is full`);
    const seen = readAll(file).map((r) => `${r.proc}/${r.seq}`);
    assert.equal(seen.length, PROCESSES * LINES, 'no line lost, none twice');
    assert.equal(new Set(seen).size, PROCESSES * LINES);
    assert.deepEqual(
      readdirSync(dir).filter((name) => name.includes('.lock')),
      [],
      'no lock left behind',
    );
  });

  it('with 5 backups: at most 5 kept, and each process has lost only its oldest lines', async () => {
    const dir = mkdtempSync(join(root, 'five-'));
    const file = join(dir, 'plugin.log');
    await writeConcurrently(file, { maxBytes: 4096, maxBackups: 5, maxAgeMs: 0 });

    assert.ok(listBackups(fs, file).length <= 5);
    const byProc = new Map<number, number[]>();
    for (const { proc, seq } of readAll(file)) byProc.set(proc, [...(byProc.get(proc) ?? []), seq]);
    for (const [proc, seqs] of byProc) {
      // The newest lines, in order, up to the last: a suffix of what the process wrote.
      const first = LINES - seqs.length;
      assert.deepEqual(
        seqs,
        Array.from({ length: seqs.length }, (_, i) => first + i),
        `process ${proc}`,
      );
    }
    assert.ok(readAll(file).length < PROCESSES * LINES, 'old lines were pruned');
  });
});
