// `vpc-cni aws-node` (the DaemonSet's main container) as a process against a node of the embedded VPC: ipamd runs,
// aws-cni and 10-aws.conflist are installed only once ipamd is ready, a pod gets an address through the installed
// plugin, and SIGTERM stops it with exit 0. When ipamd cannot start, or a variable is bad, nothing is installed.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createNamespaces, deleteNamespaces, newRunPrefix } from '../../../src/netlink/netns.js';
import {
  PLUGIN,
  VPC_CNI,
  cniSkipReason,
  eventually,
  ipamdEnv,
  runCni,
  startVpc,
  trackChild,
  type JsonObject,
  type TestPod,
  type TestVpc,
} from '../support/index.js';

const skip = await cniSkipReason();

interface AwsNode {
  readonly stderr: () => string;
  readonly exited: Promise<number | null>;
  kill(signal: NodeJS.Signals): void;
}

function startAwsNode(env: Record<string, string>): AwsNode {
  const child = spawn(process.execPath, [VPC_CNI, 'aws-node', '--plugin', PLUGIN], {
    env: { PATH: process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  trackChild(child);
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { stderr: () => stderr, exited, kill: (signal) => child.kill(signal) };
}

describe('vpc-cni aws-node', { skip, timeout: 180_000 }, () => {
  let vpc: TestVpc;
  let run = 0;
  /** The DaemonSet-like environment with fresh CNI directories. */
  const nodeEnv = async (extra: Record<string, string> = {}) => {
    run += 1;
    const dirs = { bin: join(vpc.dir, `run${run}`, 'bin'), netd: join(vpc.dir, `run${run}`, 'net.d') };
    await mkdir(join(vpc.dir, `run${run}`), { recursive: true });
    const env = await ipamdEnv(vpc, {
      HOST_CNI_BIN_PATH: dirs.bin,
      HOST_CNI_CONFDIR_PATH: dirs.netd,
      AWS_VPC_K8S_PLUGIN_LOG_FILE: join(vpc.dir, `run${run}`, 'plugin.log'),
      AWS_VPC_K8S_CNI_LOG_FILE: join(vpc.dir, `run${run}`, 'ipamd.log'),
      ...extra,
    });
    return { env, dirs, conflist: join(dirs.netd, '10-aws.conflist') };
  };

  before(async () => {
    vpc = await startVpc();
  });
  after(async () => {
    await vpc?.close();
  });

  it('installs aws-cni and the conflist only once ipamd is ready; a pod gets an address; SIGTERM → exit 0', async () => {
    const { env, dirs, conflist } = await nodeEnv();
    const awsNode = startAwsNode(env);
    try {
      await eventually('10-aws.conflist', () => (existsSync(conflist) ? true : undefined), 90_000);
      const log = await readFile(env['AWS_VPC_K8S_CNI_LOG_FILE'] ?? '', 'utf8');
      const ready = log.split('\n').find((line) => line.includes('ipamd is ready'));
      assert.ok(ready, `ipamd logged "ipamd is ready"\n${awsNode.stderr()}`);
      const readyAt = Date.parse((JSON.parse(ready) as { time: string }).time);
      assert.ok((await stat(conflist)).mtimeMs >= readyAt, 'the conflist was written after ipamd was ready');
      assert.equal((await stat(join(dirs.bin, 'aws-cni'))).mode & 0o777, 0o755);

      const installed = JSON.parse(await readFile(conflist, 'utf8')) as { cniVersion: string; name: string; plugins: JsonObject[] };
      const aws = installed.plugins.find((p) => p['type'] === 'aws-cni') ?? {};
      const netns = `${newRunPrefix()}-p1`;
      await createNamespaces(vpc.exec, [netns]);
      vpc.cleanup.defer(() => deleteNamespaces(vpc.exec, [netns]));
      const pod: TestPod = { netns, path: `/var/run/netns/${netns}`, namespace: 'default', name: 'aws-node-pod' };
      const conf = { ...aws, name: installed.name, cniVersion: installed.cniVersion };
      const add = await runCni(vpc.node.netns, 'ADD', { pod, containerId: 'c1', conf, plugin: join(dirs.bin, 'aws-cni') });
      assert.equal(add.exitCode, 0, add.stderr + add.stdout);
      assert.match(String((add.json as { ips?: { address?: string }[] }).ips?.[0]?.address), /^10\.11\.\d+\.\d+\/32$/);
      const del = await runCni(vpc.node.netns, 'DEL', { pod, containerId: 'c1', conf, plugin: join(dirs.bin, 'aws-cni') });
      assert.equal(del.exitCode, 0, del.stderr);
    } finally {
      awsNode.kill('SIGTERM');
    }
    assert.equal(await awsNode.exited, 0, awsNode.stderr());
  });

  it('exits 1 when ipamd cannot start, and installs nothing', async () => {
    const { env, dirs } = await nodeEnv({ AWS_EC2_METADATA_SERVICE_ENDPOINT: 'http://127.0.0.1:9' });
    const awsNode = startAwsNode(env);
    assert.equal(await awsNode.exited, 1);
    assert.match(awsNode.stderr(), /ipamd failed \(exit 1\)/);
    assert.ok(!existsSync(dirs.bin) && !existsSync(dirs.netd), 'no CNI directory was created');
  });

  it('refuses a bad variable before starting ipamd, naming it', async () => {
    const { env, dirs } = await nodeEnv({ WARM_IP_TARGET: 'lots' });
    const awsNode = startAwsNode(env);
    assert.equal(await awsNode.exited, 1);
    assert.match(awsNode.stderr(), /WARM_IP_TARGET='lots'/);
    assert.ok(!existsSync(env['AWS_VPC_K8S_CNI_LOG_FILE'] ?? ''), 'ipamd never started');
    assert.ok(!existsSync(dirs.netd));
  });
});
