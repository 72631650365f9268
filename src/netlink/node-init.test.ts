import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isNetlinkError } from './errors.js';
import { NetlinkExecutor } from './exec.js';
import { NodeSysctls, nodeInitSysctls, sysctlWriteCommand, type NodeInitPlan } from './node-init.js';

const PLAN: NodeInitPlan = { primaryInterface: 'eth0', disableTcpEarlyDemux: false, ipv6: false, v6Egress: false };

describe('nodeInitSysctls [behaviour §1.1]', () => {
  const cases: [string, Partial<NodeInitPlan>, Record<string, string>, Record<string, string>][] = [
    ['IPv4 defaults', {}, { 'net/ipv4/conf/eth0/rp_filter': '2' }, { 'net.ipv4.tcp_early_demux': '1' }],
    [
      'DISABLE_TCP_EARLY_DEMUX=true',
      { disableTcpEarlyDemux: true },
      { 'net/ipv4/conf/eth0/rp_filter': '2' },
      { 'net.ipv4.tcp_early_demux': '0' },
    ],
    [
      'a device name with a dot keeps it (slash separators)',
      { primaryInterface: 'ens5.100' },
      { 'net/ipv4/conf/ens5.100/rp_filter': '2' },
      { 'net.ipv4.tcp_early_demux': '1' },
    ],
    [
      'ENABLE_IPv6=true',
      { ipv6: true },
      {
        'net/ipv4/conf/eth0/rp_filter': '2',
        'net/ipv6/conf/all/disable_ipv6': '0',
        'net/ipv6/conf/all/forwarding': '1',
        'net/ipv6/conf/eth0/accept_ra': '2',
      },
      { 'net.ipv4.tcp_early_demux': '1' },
    ],
    [
      'ENABLE_V6_EGRESS=true: forwarding and accept_ra, IPv6 not switched on',
      { v6Egress: true },
      { 'net/ipv4/conf/eth0/rp_filter': '2', 'net/ipv6/conf/all/forwarding': '1', 'net/ipv6/conf/eth0/accept_ra': '2' },
      { 'net.ipv4.tcp_early_demux': '1' },
    ],
  ];
  for (const [name, plan, required, optional] of cases) {
    it(name, () => assert.deepEqual(nodeInitSysctls({ ...PLAN, ...plan }), { required, optional }));
  }

  it('refuses a primary interface name that is not a device name', () => {
    for (const bad of ['', 'eth0/../all', 'a b', 'x'.repeat(16)])
      assert.throws(() => nodeInitSysctls({ ...PLAN, primaryInterface: bad }), isNetlinkError, bad);
  });
});

describe('sysctlWriteCommand', () => {
  const settings = { 'net/ipv4/conf/eth0/rp_filter': '2', 'net.ipv4.tcp_early_demux': 0 };
  const cases: [string, string | undefined, boolean, string[]][] = [
    [
      'own namespace',
      undefined,
      false,
      ['sysctl', '-w', 'net/ipv4/conf/eth0/rp_filter=2', 'net.ipv4.tcp_early_demux=0'],
    ],
    [
      'a namespace file, missing keys skipped',
      '/var/run/netns/n1',
      true,
      [
        'nsenter',
        '--net=/var/run/netns/n1',
        '--',
        'sysctl',
        '-e',
        '-w',
        'net/ipv4/conf/eth0/rp_filter=2',
        'net.ipv4.tcp_early_demux=0',
      ],
    ],
  ];
  for (const [name, netns, ignoreMissing, argv] of cases) {
    it(name, () => {
      const command = sysctlWriteCommand(netns, settings, { ignoreMissing });
      assert.deepEqual([command.file, ...command.args], argv);
    });
  }

  it('refuses words sysctl would misread', () => {
    for (const bad of [{}, { 'net.ipv4.x=1 kernel.y': '1' }, { 'net.ipv4.ip_forward': '1 2' }])
      assert.throws(() => sysctlWriteCommand(undefined, bad), isNetlinkError);
  });
});

describe('NodeSysctls', () => {
  it('a confined executor without a namespace writes nothing', async () => {
    let spawned = 0;
    const executor = new NetlinkExecutor({
      confined: true,
      spawn: () => {
        spawned += 1;
        return Promise.resolve({ stdout: '', stderr: '', exitCode: 0, timedOut: false });
      },
    });
    const node = new NodeSysctls({ executor });
    await assert.rejects(node.write({ 'net.ipv4.tcp_early_demux': '0' }), /confined executor/);
    await assert.rejects(node.linkByMac('02:00:00:00:00:01'), /confined executor/);
    assert.equal(spawned, 0);
  });

  it('reports the lines sysctl printed', async () => {
    const argvs: string[][] = [];
    const executor = new NetlinkExecutor({
      spawn: (argv) => {
        argvs.push([...argv]);
        return Promise.resolve({ stdout: 'net.ipv4.tcp_early_demux = 0\n', stderr: '', exitCode: 0, timedOut: false });
      },
    });
    const node = new NodeSysctls({ executor, netns: 'vcni-1-1-n1' });
    assert.deepEqual(await node.write({ 'net.ipv4.tcp_early_demux': '0' }, { ignoreMissing: true }), [
      'net.ipv4.tcp_early_demux = 0',
    ]);
    assert.deepEqual(argvs, [
      ['nsenter', '--net=/var/run/netns/vcni-1-1-n1', '--', 'sysctl', '-e', '-w', 'net.ipv4.tcp_early_demux=0'],
    ]);
  });
});
