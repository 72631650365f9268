import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addrReplace, linkAddVeth, linkSetUp } from './commands.js';
import { isNetlinkError } from './errors.js';
import { NetlinkExecutor } from './exec.js';
import { createNamespaces, newRunPrefix } from './netns.js';
import { guardIsolation, netnsSkipReason, reach } from './netns.test-util.js';
import { standInPeerName, VlanLinks, type VlanLinkSpec } from './vlan-link.js';
import { vlanProgramIr } from './vlan-program.js';

describe('the VLAN stand-in program', () => {
  it('puts the VLAN id and both interface indexes into the IR, with the licence section', () => {
    const ir = vlanProgramIr({ vlanId: 42, linkIndex: 12, parentIndex: 3 });
    assert.match(ir, /icmp eq i32 %vid, 42\n/);
    assert.match(ir, /i64 12, i64 1\)/, 'untagged frames go into the VLAN link (BPF_F_INGRESS)');
    assert.match(ir, /i64 129, i64 42\)/, '802.1Q tag pushed on the way out');
    assert.match(ir, /i64 3, i64 0\)/, 'out of the parent');
    assert.match(ir, /section "classifier\/untag"/);
    assert.match(ir, /section "classifier\/tag"/);
    assert.match(ir, /c"Apache-2.0\\00", section "license"/);
  });

  const bad: [string, Parameters<typeof vlanProgramIr>[0]][] = [
    ['VLAN id 0', { vlanId: 0, linkIndex: 2, parentIndex: 3 }],
    ['VLAN id 4095', { vlanId: 4095, linkIndex: 2, parentIndex: 3 }],
    ['ifindex 0', { vlanId: 5, linkIndex: 0, parentIndex: 3 }],
    ['a fractional ifindex', { vlanId: 5, linkIndex: 2, parentIndex: 3.5 }],
  ];
  for (const [name, constants] of bad) {
    it(`refuses ${name}`, () => {
      assert.throws(
        () => vlanProgramIr(constants),
        (e: unknown) => isNetlinkError(e, 'NETLINK_INVALID_ARGUMENT'),
      );
    });
  }

  it('names the hidden veth end from the link name: stable, distinct, within 15 bytes', () => {
    const peer = standInPeerName('vlan.eth.4094');
    assert.match(peer, /^vt[0-9a-f]{11}$/);
    assert.equal(standInPeerName('vlan.eth.4094'), peer);
    assert.notEqual(standInPeerName('vlan.eth.4093'), peer);
  });
});

describe('VlanLinks: bad input is refused before anything runs', () => {
  const cases: [string, VlanLinkSpec][] = [
    ['VLAN id 4095', { name: 'vlan.eth.1', parent: 'eth1', vlanId: 4095 }],
    ['VLAN id 0', { name: 'vlan.eth.0', parent: 'eth1', vlanId: 0 }],
    ['a link name over 15 bytes', { name: 'vlan.eth.1234567', parent: 'eth1', vlanId: 1 }],
    ['a parent name with a blank', { name: 'vlan.eth.1', parent: 'eth 1', vlanId: 1 }],
    ['a bad MAC', { name: 'vlan.eth.1', parent: 'eth1', vlanId: 1, mac: '02:00:00:00:00' }],
  ];
  for (const [name, spec] of cases) {
    it(name, async () => {
      const exec = new NetlinkExecutor({ confined: true });
      for (const mode of ['kernel', 'tc-bpf'] as const) {
        await assert.rejects(new VlanLinks(exec, { mode }).add('vcni-0-0-none', spec), (e: unknown) =>
          isNetlinkError(e, 'NETLINK_INVALID_ARGUMENT'),
        );
      }
      assert.equal(exec.spawnCount, 0);
    });
  }
});

const skip = await netnsSkipReason();

describe('VlanLinks (real namespaces)', { skip, timeout: 60_000 }, () => {
  const exec = new NetlinkExecutor({ confined: true });
  const prefix = newRunPrefix('vcni');
  guardIsolation(exec, prefix);

  it('carries traffic between two VLAN links of one VLAN id over a plain link, and stops when one is removed', async () => {
    const [a, b] = [`${prefix}-a`, `${prefix}-b`];
    await createNamespaces(exec, [a, b]);
    await exec.batch([linkAddVeth({ name: 'trunk', up: true, peer: { name: 'trunk', netns: b } })], { netns: a });
    await exec.batch([linkSetUp('trunk'), linkSetUp('lo')], { netns: b });
    await exec.batch([linkSetUp('lo')], { netns: a });
    const vlans = new VlanLinks(exec);
    const spec = (name: string, vlanId: number): VlanLinkSpec => ({
      name,
      parent: 'trunk',
      vlanId,
      mtu: 9001,
      up: true,
    });
    const mode = await vlans.add(a, spec('vlan.eth.7', 7));
    await vlans.add(b, spec('v7', 7));
    await vlans.add(b, spec('v8', 8)); // another VLAN on the same parent: must not see VLAN 7's frames
    await exec.batch([addrReplace('192.0.2.1/24', 'vlan.eth.7')], { netns: a });
    await exec.batch([addrReplace('192.0.2.2/24', 'v7'), addrReplace('198.51.100.2/24', 'v8')], { netns: b });
    assert.deepEqual(await reach(exec, `/var/run/netns/${a}`, ['192.0.2.2']), { '192.0.2.2': true }, `mode ${mode}`);

    // Every frame A sent was tagged 7: B's VLAN-8 link received none of them.
    const [v8] = await exec.ipJson<{ stats64?: { rx?: { packets?: number } } }[]>(
      { args: ['-s', 'link', 'show', 'dev', 'v8'] },
      { netns: b },
    );
    assert.equal(v8?.stats64?.rx?.packets, 0);

    await vlans.remove(a, { name: 'vlan.eth.7', parent: 'trunk', vlanId: 7 });
    const left = await exec.ipJson<{ ifname: string }[]>({ args: ['link', 'show'] }, { netns: a });
    assert.deepEqual(left.map((l) => l.ifname).sort(), ['lo', 'trunk']);
    if (mode === 'tc-bpf') {
      const filters = await exec.run({ file: 'tc', args: ['-n', a, 'filter', 'show', 'dev', 'trunk', 'ingress'] });
      assert.equal(filters.stdout.trim(), '', 'the untag filter is gone with the link');
    }
    await vlans.remove(a, { name: 'vlan.eth.7', parent: 'trunk', vlanId: 7 }); // twice: nothing left to remove
  });
});
