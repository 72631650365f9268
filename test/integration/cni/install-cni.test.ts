import { strict as assert } from 'node:assert';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { main } from '../../../src/cli/main.js';
import { startRpcServer, type RpcServer } from '../../../src/rpc/server.js';
import { RPC_CLIENT_VERSION } from '../../../src/version.js';
import type { CniBackend } from '../../../src/rpc/types.js';

function capture(): { io: Parameters<typeof main>[1]; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    io: { stdout: { write: (t: string) => (out += t) }, stderr: { write: (t: string) => (err += t) } },
    out: () => out,
    err: () => err,
  };
}

const backend: CniBackend = {
  addNetwork: () => Promise.reject(new Error('not used')),
  delNetwork: () => Promise.reject(new Error('not used')),
};

// The command reads its configuration from the environment, as ipamd does.
const ENV_KEYS = [
  'HOST_CNI_BIN_PATH',
  'HOST_CNI_CONFDIR_PATH',
  'VPC_CNI_IPAMD_SOCKET',
  'POD_SECURITY_GROUP_ENFORCING_MODE',
] as const;

describe('vpc-cni install-cni', () => {
  let dir: string;
  let plugin: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vcni-install-'));
    plugin = join(dir, 'aws-cni-build');
    await writeFile(plugin, '#!/bin/sh\necho plugin\n');
    process.env['HOST_CNI_BIN_PATH'] = join(dir, 'bin');
    process.env['HOST_CNI_CONFDIR_PATH'] = join(dir, 'net.d');
    process.env['VPC_CNI_IPAMD_SOCKET'] = join(dir, 'ipamd.sock');
  });
  after(async () => {
    for (const key of ENV_KEYS) delete process.env[key];
    await rm(dir, { recursive: true, force: true });
  });

  it('installs nothing while ipamd is not serving, and says so', async () => {
    const c = capture();
    assert.equal(await main(['install-cni', '--plugin', plugin, '--wait', '0'], c.io), 1);
    assert.match(c.err(), /ipamd is not serving on .*ipamd\.sock after 0 s; nothing was installed/);
    await assert.rejects(readdir(join(dir, 'net.d')));
  });

  it('installs the plugin and the reference conflist (our socket, no egress-cni) once ipamd is healthy', async () => {
    let server: RpcServer | undefined;
    try {
      server = await startRpcServer({ socketPath: join(dir, 'ipamd.sock'), backend, version: RPC_CLIENT_VERSION });
      const c = capture();
      assert.equal(await main(['install-cni', '--plugin', plugin, '--wait', '5'], c.io), 0, c.err());
      const installed = await stat(join(dir, 'bin', 'aws-cni'));
      assert.equal(installed.mode & 0o777, 0o755);
      const conflist = JSON.parse(await readFile(join(dir, 'net.d', '10-aws.conflist'), 'utf8')) as {
        name: string;
        plugins: { type: string; ipamdSocket?: string }[];
      };
      assert.equal(conflist.name, 'aws-cni');
      assert.deepEqual(
        conflist.plugins.map((p) => p.type),
        ['aws-cni', 'portmap'],
      );
      assert.equal(conflist.plugins[0]?.ipamdSocket, join(dir, 'ipamd.sock'));
    } finally {
      await server?.close();
    }
  });

  // POD_SECURITY_GROUP_ENFORCING_MODE reaches the plugin as the conflist's podSGEnforcingMode, as the reference's
  // entrypoint writes it; a value the plugin would not understand is refused before anything is written.
  for (const mode of ['standard', 'strict'] as const) {
    it(`POD_SECURITY_GROUP_ENFORCING_MODE=${mode} is the conflist's podSGEnforcingMode`, async () => {
      const server = await startRpcServer({
        socketPath: join(dir, 'ipamd.sock'),
        backend,
        version: RPC_CLIENT_VERSION,
      });
      process.env['POD_SECURITY_GROUP_ENFORCING_MODE'] = mode;
      try {
        const c = capture();
        assert.equal(await main(['install-cni', '--plugin', plugin, '--wait', '5'], c.io), 0, c.err());
        const conflist = JSON.parse(await readFile(join(dir, 'net.d', '10-aws.conflist'), 'utf8')) as {
          plugins: { type: string; podSGEnforcingMode?: string }[];
        };
        assert.equal(conflist.plugins[0]?.podSGEnforcingMode, mode);
      } finally {
        delete process.env['POD_SECURITY_GROUP_ENFORCING_MODE'];
        await server.close();
      }
    });
  }

  it('refuses POD_SECURITY_GROUP_ENFORCING_MODE=loose naming the variable, and changes nothing', async () => {
    const before = await readFile(join(dir, 'net.d', '10-aws.conflist'), 'utf8').catch(() => undefined);
    process.env['POD_SECURITY_GROUP_ENFORCING_MODE'] = 'loose';
    try {
      const c = capture();
      assert.equal(await main(['install-cni', '--plugin', plugin, '--wait', '0'], c.io), 1);
      assert.match(c.err(), /POD_SECURITY_GROUP_ENFORCING_MODE='loose'/);
    } finally {
      delete process.env['POD_SECURITY_GROUP_ENFORCING_MODE'];
    }
    assert.equal(await readFile(join(dir, 'net.d', '10-aws.conflist'), 'utf8').catch(() => undefined), before);
  });

  it('refuses bad flags with usage', async () => {
    const c = capture();
    assert.equal(await main(['install-cni', '--wait', 'soon'], c.io), 2);
    assert.match(c.err(), /--wait must be an integer/);
  });
});
