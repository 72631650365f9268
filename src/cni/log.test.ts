import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { bindLog, createFileLog, parseLogLevel } from './log.js';

describe('plugin log', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cni-log-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const now = (): Date => new Date('2024-01-02T03:04:05.000Z');

  it('appends JSON lines at or above its level, creating the directory', async () => {
    const file = join(dir, 'nested', 'plugin.log');
    const log = bindLog(createFileLog({ file, level: 'info' }, { now }), { containerId: 'c1' });
    log.debug('hidden');
    log.info('ADD done', { ip: '10.0.1.23' });
    await log.flush?.();
    log.error('boom');
    const lines = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as unknown);
    assert.deepEqual(lines, [
      { level: 'info', time: '2024-01-02T03:04:05.000Z', msg: 'ADD done', containerId: 'c1', ip: '10.0.1.23' },
      { level: 'error', time: '2024-01-02T03:04:05.000Z', msg: 'boom', containerId: 'c1' },
    ]);
  });

  it('writes what was kept at flush, and each later line at once; never throws on unserialisable fields', async () => {
    const circular: Record<string, unknown> = {};
    circular['self'] = circular;
    const file = join(dir, 'x.log');
    const log = createFileLog({ file, level: 'debug' }, { now });
    log.info('circular', circular);
    await log.flush();
    log.info('after the flush');
    assert.match(readFileSync(file, 'utf8'), /after the flush/);
    assert.match(readFileSync(join(dir, 'x.log'), 'utf8'), /\[unserialisable\]/);
  });

  it('reads the reference level names', () => {
    assert.deepEqual(['Debug', 'INFO', 'warning', 'Warn', 'error', 'trace'].map(parseLogLevel), [
      'debug',
      'info',
      'warn',
      'warn',
      'error',
      undefined,
    ]);
  });
});
