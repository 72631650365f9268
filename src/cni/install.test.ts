import { strict as assert } from 'node:assert';
import { mkdtemp, mkdir, open, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CniInstallError } from './conflist.js';
import { installCni, type InstallOptions } from './install.js';

const CONFLIST = '{"cniVersion":"0.4.0","name":"aws-cni","plugins":[]}\n';

describe('installCni', () => {
  let root = '';
  let count = 0;

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'vcni-install-'));
  });

  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  /** Fresh source, bin and conf dirs with two plugin "binaries". */
  async function dirs(): Promise<InstallOptions & { src: string }> {
    count += 1;
    const base = join(root, String(count));
    const [src, binDir, confDir] = ['src', 'bin', 'conf'].map((d) => join(base, d)) as [string, string, string];
    await Promise.all([src, binDir, confDir].map((d) => mkdir(d, { recursive: true })));
    await writeFile(join(src, 'aws-cni'), '#!/bin/sh\necho aws\n', { mode: 0o600 });
    await writeFile(join(src, 'egress-cni'), '#!/bin/sh\necho egress\n', { mode: 0o600 });
    return {
      src,
      binDir,
      confDir,
      binaries: [
        { source: join(src, 'aws-cni'), name: 'aws-cni' },
        { source: join(src, 'egress-cni'), name: 'egress-cni' },
      ],
      conflist: CONFLIST,
      healthy: () => true,
    };
  }

  it('installs the binaries (0755) and the conflist (0644), leaving no temporary file', async () => {
    const o = await dirs();
    const result = await installCni(o);
    assert.deepEqual(result, {
      binaries: [join(o.binDir, 'aws-cni'), join(o.binDir, 'egress-cni')],
      conflist: join(o.confDir, '10-aws.conflist'),
    });
    assert.equal(await readFile(join(o.binDir, 'aws-cni'), 'utf8'), '#!/bin/sh\necho aws\n');
    assert.equal((await stat(join(o.binDir, 'aws-cni'))).mode & 0o777, 0o755);
    assert.equal((await stat(join(o.binDir, 'egress-cni'))).mode & 0o777, 0o755);
    assert.equal(await readFile(result.conflist, 'utf8'), CONFLIST);
    assert.equal((await stat(result.conflist)).mode & 0o777, 0o644);
    assert.deepEqual((await readdir(o.binDir)).sort(), ['aws-cni', 'egress-cni']);
    assert.deepEqual(await readdir(o.confDir), ['10-aws.conflist']);
  });

  it('replaces files by rename: an open (or running) old binary keeps its content and inode', async () => {
    const o = await dirs();
    await installCni(o);
    const old = await open(join(o.binDir, 'aws-cni'), 'r');
    try {
      const inode = (await old.stat()).ino;
      await writeFile(join(o.src, 'aws-cni'), '#!/bin/sh\necho v2\n');
      await installCni({ ...o, conflist: CONFLIST.replace('0.4.0', '1.0.0') });
      assert.equal(await old.readFile('utf8'), '#!/bin/sh\necho aws\n');
      assert.notEqual((await stat(join(o.binDir, 'aws-cni'))).ino, inode);
      assert.equal(await readFile(join(o.binDir, 'aws-cni'), 'utf8'), '#!/bin/sh\necho v2\n');
      assert.match(await readFile(join(o.confDir, '10-aws.conflist'), 'utf8'), /1\.0\.0/);
    } finally {
      await old.close();
    }
  });

  it('writes nothing unless healthy: false, or a throwing check', async () => {
    const o = await dirs();
    let asked = 0;
    for (const healthy of [
      () => {
        asked += 1;
        return false;
      },
      async () => {
        asked += 1;
        return Promise.reject(new Error('ipamd down'));
      },
    ]) {
      await assert.rejects(
        installCni({ ...o, healthy }),
        (e) => e instanceof CniInstallError && e.code === 'CNI_INSTALL_UNHEALTHY',
      );
    }
    assert.equal(asked, 2);
    assert.deepEqual([...(await readdir(o.binDir)), ...(await readdir(o.confDir))], []);
  });

  it('a missing binary fails before the conflist is written, and the old files stay', async () => {
    const o = await dirs();
    await installCni(o);
    const binaries = [
      o.binaries[0] ?? { source: '', name: '' },
      { source: join(o.src, 'missing'), name: 'egress-cni' },
    ];
    await assert.rejects(
      installCni({ ...o, binaries, conflist: '{"changed":true}' }),
      (e) => e instanceof CniInstallError && e.code === 'CNI_INSTALL_FAILED' && e.details['errno'] === 'ENOENT',
    );
    assert.equal(await readFile(join(o.binDir, 'egress-cni'), 'utf8'), '#!/bin/sh\necho egress\n');
    assert.equal(await readFile(join(o.confDir, '10-aws.conflist'), 'utf8'), CONFLIST);
    assert.deepEqual((await readdir(o.binDir)).sort(), ['aws-cni', 'egress-cni'], 'no temporary file left');
  });

  it('refuses a conflist that is not JSON and names that are paths, before the health check', async () => {
    const o = await dirs();
    let asked = 0;
    const healthy = (): boolean => {
      asked += 1;
      return true;
    };
    await assert.rejects(
      installCni({ ...o, healthy, conflist: '{"cniVersion":' }),
      (e) => e instanceof CniInstallError && e.code === 'CONFLIST_INVALID',
    );
    await assert.rejects(
      installCni({ ...o, healthy, conflistName: '../10-aws.conflist' }),
      (e) => e instanceof CniInstallError && e.code === 'CNI_INSTALL_FAILED',
    );
    await assert.rejects(
      installCni({ ...o, healthy, binaries: [{ source: join(o.src, 'aws-cni'), name: 'x/aws-cni' }] }),
      (e) => e instanceof CniInstallError,
    );
    assert.equal(asked, 0);
    assert.deepEqual([...(await readdir(o.binDir)), ...(await readdir(o.confDir))], []);
  });

  it('creates a missing conf dir, and fails with CNI_INSTALL_FAILED when one cannot be made', async () => {
    const o = await dirs();
    const result = await installCni({ ...o, confDir: join(o.confDir, 'new') });
    assert.equal(result.conflist, join(o.confDir, 'new', '10-aws.conflist'));
    const blocker = join(o.confDir, 'file');
    await writeFile(blocker, 'not a directory');
    await assert.rejects(
      installCni({ ...o, confDir: join(blocker, 'sub') }),
      (e) => e instanceof CniInstallError && e.code === 'CNI_INSTALL_FAILED' && /cannot create/.test(e.message),
    );
  });
});
