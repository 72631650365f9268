// ipamd's own log file as ipamd writes it (runIpamd with the environment): a full ipamd.log left by the last run is
// rotated at start-up by VPC_CNI_LOG_MAX_SIZE_MB, backups beyond VPC_CNI_LOG_MAX_BACKUPS are pruned, and once the warm
// pool has settled an idle ipamd at INFO writes nothing more, through several pool ticks and reconciles.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { netnsSkipReason } from '../../../src/netlink/netns.test-util.js';
import { backupName, listBackups } from '../../../src/obs/log-files.js';
import {
  FAST_TIMINGS,
  eventually,
  ipamdEnv,
  settle,
  sleep,
  startIpamd,
  startVpc,
  type RunningIpamd,
  type TestVpc,
} from '../support/index.js';

const MIB = 1024 * 1024;

describe('ipamd log rotation and an idle ipamd at INFO', { skip: await netnsSkipReason() }, () => {
  let vpc: TestVpc;
  let ipamd: RunningIpamd;
  let file: string;
  let oldest: string;
  let older: string;

  before(async () => {
    vpc = await startVpc();
    file = join(vpc.dir, 'ipamd.log');
    writeFileSync(
      file,
      `${JSON.stringify({ level: 'debug', msg: 'from the last run', pad: 'x'.repeat(100) })}\n`.repeat(9000),
    );
    oldest = backupName(file, new Date('2026-01-01T00:00:00Z'));
    older = backupName(file, new Date('2026-01-02T00:00:00Z'));
    writeFileSync(oldest, '{"msg":"oldest"}\n');
    writeFileSync(older, '{"msg":"older"}\n');
    ipamd = await startIpamd(
      await ipamdEnv(vpc, {
        AWS_VPC_K8S_CNI_LOGLEVEL: 'INFO',
        VPC_CNI_LOG_MAX_SIZE_MB: '1',
        VPC_CNI_LOG_MAX_BACKUPS: '2',
      }),
    );
  });

  after(async () => {
    await ipamd?.stop();
    await vpc?.close();
  });

  it('rotated the full file at start-up and kept the 2 newest backups', async () => {
    assert.ok(fs.statSync(file).size < MIB);
    const backups = listBackups(fs, file).map((b) => b.path);
    assert.equal(backups.length, 2, backups.join(', '));
    assert.equal(backups[0], older, 'the oldest backup was pruned');
    assert.match(readFileSync(backups[1] ?? '', 'utf8'), /from the last run/);
    // ipamd writes its log asynchronously: the line follows the ready signal.
    const text = await eventually('"ipamd is ready" in ipamd.log', () => {
      const now = readFileSync(file, 'utf8');
      return now.includes('ipamd is ready') ? now : undefined;
    });
    assert.doesNotMatch(text, /from the last run/);
  });

  it('writes no INFO line once the pool has settled, through pool ticks and reconciles', async () => {
    await settle(vpc, ipamd);
    const before = readFileSync(file, 'utf8').length;
    // Three reconcile intervals, thirty pool ticks.
    await sleep(3 * (FAST_TIMINGS.reconcileIntervalMs ?? 2_000));
    const added = readFileSync(file, 'utf8').slice(before).trim();
    assert.equal(added, '', `an idle ipamd logged:\n${added}`);
  });
});
