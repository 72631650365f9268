import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { REDACTED, captureLogger, createLogger, scrubContainerId } from './logger.js';

describe('logger', () => {
  it('writes JSON lines with ISO time, level names and the name', () => {
    const { logger, lines, records } = captureLogger({ level: 'info', name: 'ipamd' });
    logger.debug('hidden');
    logger.info({ eniId: 'eni-0a' }, 'attached');
    assert.equal(lines.length, 1);
    const [record] = records();
    assert.ok(record);
    assert.equal(record['level'], 'info');
    assert.equal(record['name'], 'ipamd');
    assert.equal(record['msg'], 'attached');
    assert.equal(record['eniId'], 'eni-0a');
    assert.match(String(record['time']), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('redacts credentials and tokens', () => {
    const { logger, lines, records } = captureLogger();
    logger.info(
      {
        credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI', sessionToken: 'FwoGZXIvYXdz' },
        headers: { authorization: 'AWS4-HMAC-SHA256 Credential=x', 'x-aws-ec2-metadata-token': 'AQAEAImds' },
        sessionToken: 'top-level',
      },
      'calling EC2',
    );
    const text = lines.join('\n');
    for (const secret of ['wJalrXUtnFEMI', 'FwoGZXIvYXdz', 'AWS4-HMAC', 'AQAEAImds', 'top-level'])
      assert.ok(!text.includes(secret), secret);
    const [record] = records() as [{ credentials: Record<string, string>; headers: Record<string, string> }];
    assert.equal(record.credentials['secretAccessKey'], REDACTED);
    assert.equal(record.credentials['accessKeyId'], 'AKIAEXAMPLE');
    assert.equal(record.headers['authorization'], REDACTED);
  });

  it('child loggers keep bindings and redaction', () => {
    const { logger, records } = captureLogger();
    logger.child({ containerId: scrubContainerId('0123456789abcdef0123') }).warn({ request: { token: 't0k' } }, 'x');
    const [record] = records();
    assert.equal(record?.['containerId'], '0123456789ab');
    assert.deepEqual(record?.['request'], { token: REDACTED });
  });

  it('writes synchronously to a file, creating its directory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'logger-'));
    try {
      const path = join(dir, 'nested', 'plugin.log');
      const logger = createLogger({ level: 'debug', destination: { to: 'file', path }, name: 'aws-cni', sync: true });
      logger.debug({ password: 'hunter2' }, 'ADD');
      const record = JSON.parse(readFileSync(path, 'utf8').trim()) as Record<string, unknown>;
      assert.equal(record['msg'], 'ADD');
      assert.equal(record['password'], REDACTED);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('scrubs container ids to their short form', () => {
    assert.equal(scrubContainerId('0b7b3d2485d7fc13746b6fbd95dc2781683dc6ef0102eab5ab966f550455b711'), '0b7b3d2485d7');
    assert.equal(scrubContainerId('short'), 'short');
    assert.equal(scrubContainerId(''), '');
  });
});
