// setupSnat [behaviour §7.7–7.8] against real namespaces, once per iptables backend: each test gets its own node
// namespace and compares `iptables-save` inside it with the reference's rules. The root namespace is checked untouched.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import type { SnatSpec } from './port.js';
import { EXAMPLE_SNAT } from './example.test-util.js';
import { isNetlinkError } from './errors.js';
import { NetlinkExecutor } from './exec.js';
import { NetlinkHostNetwork } from './host-network.js';
import type { IptablesBackend } from './iptables.js';
import { createNamespace, newRunPrefix } from './netns.js';
import { guardIsolation, netnsSkipReason } from './netns.test-util.js';

const SPEC: SnatSpec = { ...EXAMPLE_SNAT, vpcCidrs: ['10.0.0.0/16', '10.1.0.0/16'] };

const C = (text: string): string => `-m comment --comment "${text}"`;
const MANGLE = [
  `-A PREROUTING -i eth0 ${C('AWS, primary ENI')} -m addrtype --dst-type LOCAL --limit-iface-in -j CONNMARK --set-xmark 0x80/0x80`,
  `-A PREROUTING -i eni+ ${C('AWS, primary ENI')} -j CONNMARK --restore-mark --nfmask 0x80 --ctmask 0x80`,
  `-A PREROUTING -i vlan+ ${C('AWS, primary ENI')} -j CONNMARK --restore-mark --nfmask 0x80 --ctmask 0x80`,
];
/** The nat table for `vpc` CIDRs (and the 192.168/16 exclusion), in iptables-save order (built-ins first). */
const nat = (vpc: string[]): string[] => [
  `-A PREROUTING -i eni+ ${C('AWS, outbound connections')} -j AWS-CONNMARK-CHAIN-0`,
  `-A PREROUTING ${C('AWS, CONNMARK')} -j CONNMARK --restore-mark --nfmask 0x80 --ctmask 0x80`,
  `-A POSTROUTING ${C('AWS SNAT CHAIN')} -j AWS-SNAT-CHAIN-0`,
  ...vpc.map((c) => `-A AWS-CONNMARK-CHAIN-0 -d ${c} ${C('AWS CONNMARK CHAIN')} -j RETURN`),
  `-A AWS-CONNMARK-CHAIN-0 -d 192.168.0.0/16 ${C('AWS CONNMARK CHAIN')} -j RETURN`,
  `-A AWS-CONNMARK-CHAIN-0 ${C('AWS, CONNMARK')} -j CONNMARK --set-xmark 0x80/0x80`,
  ...vpc.map((c) => `-A AWS-SNAT-CHAIN-0 -d ${c} ${C('AWS SNAT CHAIN')} -j RETURN`),
  `-A AWS-SNAT-CHAIN-0 -d 192.168.0.0/16 ${C('AWS SNAT CHAIN EXCLUSION')} -j RETURN`,
  `-A AWS-SNAT-CHAIN-0 ! -o vlan+ ${C('AWS, SNAT')} -m addrtype ! --dst-type LOCAL -j SNAT --to-source 10.0.0.10 --random-fully`,
];

const skip = await netnsSkipReason();

for (const backend of ['nft', 'legacy'] as const satisfies readonly IptablesBackend[]) {
  describe(`setupSnat with iptables-${backend} (real namespaces)`, { skip, timeout: 120_000 }, () => {
    const exec = new NetlinkExecutor({ confined: true });
    const prefix = newRunPrefix('vcni');
    let count = 0;
    guardIsolation(exec, prefix, { iptables: true });

    async function newNode(): Promise<{ ns: string; host: NetlinkHostNetwork }> {
      count += 1;
      const ns = `${prefix}-n${count}`;
      await createNamespace(exec, ns, { 'net.ipv4.ip_forward': 1 });
      return { ns, host: new NetlinkHostNetwork({ executor: exec, netns: ns, iptablesBackend: backend }) };
    }

    /** `-A` lines of one table in the node namespace, and rules at priority 1024. */
    async function saved(host: NetlinkHostNetwork, table: 'nat' | 'mangle'): Promise<string[]> {
      return (await host.iptables.save(table)).split('\n').filter((l) => l.startsWith('-A '));
    }
    async function rules1024(ns: string): Promise<string[]> {
      const text = await exec.ip({ args: ['rule', 'show', 'prio', '1024'] }, { netns: ns });
      return text.split('\n').filter((l) => l.trim() !== '');
    }

    it('installs the reference rules and rule 1024; a converged namespace costs 2 processes and no write', async (t) => {
      const { ns, host } = await newNode();
      let spawns = exec.spawnCount;
      let start = performance.now();
      await host.setupSnat(SPEC);
      t.diagnostic(
        `setupSnat (fresh): ${exec.spawnCount - spawns} processes, ${(performance.now() - start).toFixed(1)} ms`,
      );
      assert.equal(
        exec.spawnCount - spawns,
        5,
        'rule dump, iptables --version, rule batch, iptables-save, iptables-restore',
      );
      assert.deepEqual(await saved(host, 'mangle'), MANGLE);
      assert.deepEqual(await saved(host, 'nat'), nat(['10.0.0.0/16', '10.1.0.0/16']));
      assert.deepEqual(await rules1024(ns), ['1024:\tfrom all fwmark 0x80/0x80 lookup main']);
      const before = await host.iptables.save();
      const times: number[] = [];
      for (let i = 0; i < 9; i += 1) {
        spawns = exec.spawnCount;
        start = performance.now();
        await host.setupSnat(SPEC);
        times.push(performance.now() - start);
        assert.equal(exec.spawnCount - spawns, 2, 'rule dump + iptables-save');
        assert.deepEqual(host.lastSnatPlan?.changed, []);
      }
      times.sort((a, b) => a - b);
      t.diagnostic(
        `setupSnat (converged): 2 processes, median ${times[4]?.toFixed(1)} ms, max ${times[8]?.toFixed(1)} ms`,
      );
      assert.equal((await host.iptables.save()).replace(/^#.*\n/gm, ''), before.replace(/^#.*\n/gm, ''));
      assert.deepEqual(await rules1024(ns), ['1024:\tfrom all fwmark 0x80/0x80 lookup main']);
    });

    it('converges after a VPC CIDR change: old RETURN rules gone, SNAT rule still last', async () => {
      const { host } = await newNode();
      await host.setupSnat(SPEC);
      await host.setupSnat({ ...SPEC, vpcCidrs: ['10.1.0.0/16', '10.2.0.0/16'] });
      assert.deepEqual(host.lastSnatPlan?.changed, ['nat/AWS-SNAT-CHAIN-0', 'nat/AWS-CONNMARK-CHAIN-0']);
      assert.deepEqual(await saved(host, 'nat'), nat(['10.1.0.0/16', '10.2.0.0/16']));
      assert.deepEqual(await saved(host, 'mangle'), MANGLE);
    });

    it('keeps foreign rules, removes stale AWS chains and the legacy NEW-state jump', async () => {
      const { host } = await newNode();
      await host.iptables.restore(
        [
          '*nat',
          ':KUBE-POSTROUTING - [0:0]',
          ':AWS-SNAT-CHAIN-0 - [0:0]',
          ':AWS-SNAT-CHAIN-1 - [0:0]',
          ':AWS-CONNMARK-CHAIN-0 - [0:0]',
          '-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING',
          '-A POSTROUTING -m comment --comment "AWS SNAT CHAIN" -j AWS-SNAT-CHAIN-0',
          '-A PREROUTING -i eni+ -m comment --comment "AWS, outbound connections" -m state --state NEW -j AWS-CONNMARK-CHAIN-0',
          '-A AWS-SNAT-CHAIN-0 -d 10.9.0.0/16 -m comment --comment "AWS SNAT CHAIN" -j AWS-SNAT-CHAIN-1',
          '-A AWS-SNAT-CHAIN-1 -m comment --comment "AWS, SNAT" -j SNAT --to-source 10.0.0.10',
          'COMMIT',
          '',
        ].join('\n'),
      );
      await host.setupSnat(SPEC);
      const lines = await saved(host, 'nat');
      assert.ok(
        lines.includes('-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING'),
      );
      assert.deepEqual(
        lines.filter((l) => !l.includes('KUBE')),
        nat(['10.0.0.0/16', '10.1.0.0/16']),
      );
      assert.ok(!(await host.iptables.save('nat')).includes('AWS-SNAT-CHAIN-1'));
    });

    it('external SNAT removes the SNAT and connmark chains; node-port rules and rule 1024 follow their flag', async () => {
      const { ns, host } = await newNode();
      await host.setupSnat(SPEC);
      await host.setupSnat({ ...SPEC, externalSnat: true });
      assert.deepEqual(await saved(host, 'nat'), []);
      assert.ok(!(await host.iptables.save('nat')).includes('AWS-'), 'chains deleted');
      assert.deepEqual(await saved(host, 'mangle'), MANGLE);
      assert.deepEqual(await rules1024(ns), ['1024:\tfrom all fwmark 0x80/0x80 lookup main']);
      await host.setupSnat({ ...SPEC, externalSnat: true, nodePortSupport: false });
      assert.deepEqual(await saved(host, 'mangle'), []);
      assert.deepEqual(await rules1024(ns), []);
      await host.setupSnat(SPEC);
      assert.deepEqual(await saved(host, 'nat'), nat(['10.0.0.0/16', '10.1.0.0/16']));
      assert.deepEqual(await saved(host, 'mangle'), MANGLE);
    });

    it('follows a changed mark in iptables and rule 1024', async () => {
      const { ns, host } = await newNode();
      await host.setupSnat(SPEC);
      await host.setupSnat({ ...SPEC, connmark: 0x4000 });
      const all = [...(await saved(host, 'nat')), ...(await saved(host, 'mangle'))].join('\n');
      assert.ok(!all.includes('0x80') && all.includes('--set-xmark 0x4000/0x4000'));
      assert.deepEqual(await rules1024(ns), ['1024:\tfrom all fwmark 0x4000/0x4000 lookup main']);
    });

    it('reports iptables-restore failures as IPTABLES_FAILED with the failing input line', async () => {
      const { host } = await newNode();
      await assert.rejects(host.iptables.restore('*nat\n-A POSTROUTING -j NO-SUCH-CHAIN\nCOMMIT\n'), (e) => {
        return isNetlinkError(e, 'IPTABLES_FAILED') && /NO-SUCH-CHAIN/.test(e.message);
      });
      assert.equal((await host.iptables.info()).backend, backend);
    });
  });
}
