// `vpc-cni init` (the init container) against node namespaces of the embedded VPC: the sysctls land in the node's
// namespace (never this machine's), the plugins in HOST_CNI_BIN_PATH, and a bad variable or a wrong IMDS changes
// nothing.
import { strict as assert } from 'node:assert';
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../../../src/cli/run.test-util.js';
import type { SimInstanceInfo } from '../../../src/sim/index.js';
import { startEmbeddedVpc, type EmbeddedVpc } from '../support/sim.js';

const INIT_ENV = ['DISABLE_TCP_EARLY_DEMUX', 'ENABLE_IPv6', 'HOST_CNI_BIN_PATH', 'AWS_EC2_METADATA_SERVICE_ENDPOINT'];

describe('vpc-cni init in a node namespace', { timeout: 120_000 }, () => {
  let vpc: EmbeddedVpc;
  let node: SimInstanceInfo & { netns: string };
  let other: SimInstanceInfo;
  let plugins: string;
  let runs = 0;

  const sysctl = async (key: string): Promise<string> =>
    (await vpc.exec.run({ file: 'nsenter', args: [`--net=/var/run/netns/${node.netns}`, '--', 'sysctl', '-n', key] })).stdout.trim();
  const setSysctls = (settings: Record<string, string>): Promise<void> => vpc.exec.sysctl(node.netns, settings);

  /** Runs `vpc-cni init --netns NODE` with this environment and a fresh bin dir; returns the exit code, output, dir. */
  async function init(env: Record<string, string>, imds = node.imds) {
    runs += 1;
    const binDir = join(vpc.dir, `run${runs}`, 'opt', 'cni', 'bin');
    for (const key of INIT_ENV) delete process.env[key];
    Object.assign(process.env, { HOST_CNI_BIN_PATH: binDir, AWS_EC2_METADATA_SERVICE_ENDPOINT: imds, ...env });
    const run = await runCli('init', '--netns', node.netns, '--plugins', plugins);
    return { code: run.code, out: run.stdout, err: run.stderr, binDir };
  }

  before(async () => {
    vpc = await startEmbeddedVpc({ dirPrefix: 'vcni-init-' });
    const [first, second] = vpc.instances;
    assert.ok(first?.[1].netns && second, 'two nodes with namespaces');
    node = { ...first[1], netns: first[1].netns };
    other = second[1];
    plugins = join(vpc.dir, 'cni-plugins');
    await mkdir(plugins);
    for (const name of ['loopback', 'portmap']) await writeFile(join(plugins, name), `#!/bin/sh\necho ${name}\n`);
  });
  after(async () => {
    for (const key of INIT_ENV) delete process.env[key];
    await vpc?.close();
  });

  for (const [value, expected] of [
    ['true', '0'],
    ['false', '1'],
  ] as const) {
    it(`DISABLE_TCP_EARLY_DEMUX=${value} → tcp_early_demux ${expected}, rp_filter 2, plugins installed`, async () => {
      await setSysctls({ 'net.ipv4.tcp_early_demux': expected === '0' ? '1' : '0', 'net/ipv4/conf/eth0/rp_filter': '0' });
      const run = await init({ DISABLE_TCP_EARLY_DEMUX: value });
      assert.equal(run.code, 0, run.err);
      assert.equal(await sysctl('net.ipv4.tcp_early_demux'), expected);
      assert.equal(await sysctl('net.ipv4.conf.eth0.rp_filter'), '2');
      assert.match(run.out, /primary interface eth0 \(/);
      assert.match(run.out, new RegExp(`sysctl net.ipv4.tcp_early_demux = ${expected}`));
      assert.deepEqual((await readdir(run.binDir)).sort(), ['loopback', 'portmap']);
      assert.equal((await stat(join(run.binDir, 'portmap'))).mode & 0o777, 0o755);
    });
  }

  it('ENABLE_IPv6=true also switches IPv6 on, with forwarding and router advertisements on the primary', async () => {
    await setSysctls({ 'net/ipv6/conf/all/forwarding': '0', 'net/ipv6/conf/eth0/accept_ra': '0' });
    const run = await init({ ENABLE_IPv6: 'true' });
    assert.equal(run.code, 0, run.err);
    assert.equal(await sysctl('net.ipv6.conf.all.disable_ipv6'), '0');
    assert.equal(await sysctl('net.ipv6.conf.all.forwarding'), '1');
    assert.equal(await sysctl('net.ipv6.conf.eth0.accept_ra'), '2');
  });

  it('DISABLE_TCP_EARLY_DEMUX=maybe is refused, naming the variable, and nothing changes', async () => {
    await setSysctls({ 'net.ipv4.tcp_early_demux': '1', 'net/ipv4/conf/eth0/rp_filter': '0' });
    const run = await init({ DISABLE_TCP_EARLY_DEMUX: 'maybe' });
    assert.equal(run.code, 1);
    assert.match(run.err, /DISABLE_TCP_EARLY_DEMUX='maybe': expected a boolean/);
    assert.match(run.err, /nothing was changed/);
    assert.equal(await sysctl('net.ipv4.tcp_early_demux'), '1');
    assert.equal(await sysctl('net.ipv4.conf.eth0.rp_filter'), '0');
    await assert.rejects(stat(run.binDir), /ENOENT/);
  });

  it("another node's IMDS (no link has its MAC) is refused before anything changes", async () => {
    await setSysctls({ 'net.ipv4.tcp_early_demux': '1', 'net/ipv4/conf/eth0/rp_filter': '0' });
    const run = await init({ DISABLE_TCP_EARLY_DEMUX: 'true' }, other.imds);
    assert.equal(run.code, 1);
    assert.match(run.err, /no link has the primary MAC [0-9a-f:]{17} \(IMDS meta-data\/mac\) \[NODE_INIT_FAILED\]/);
    assert.equal(await sysctl('net.ipv4.tcp_early_demux'), '1');
    assert.equal(await sysctl('net.ipv4.conf.eth0.rp_filter'), '0');
    await assert.rejects(stat(run.binDir), /ENOENT/);
  });

  it('--help says what it does and how to point it at a namespace', async () => {
    const help = await runCli('init', '--help');
    assert.equal(help.code, 0);
    for (const word of ['rp_filter', 'tcp_early_demux', 'DISABLE_TCP_EARLY_DEMUX', '--netns', 'HOST_CNI_BIN_PATH'])
      assert.ok(help.stdout.includes(word), word);
  });
});
