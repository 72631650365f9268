import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import type { SnatSpec } from './port.js';
import { EXAMPLE_SNAT } from './example.test-util.js';
import { parseIptablesVersion } from './iptables.js';
import { isOwnedBuiltinRule, parseIptablesSave, planRestore, snatRules, type SnatRules } from './iptables-rules.js';

const SPEC = EXAMPLE_SNAT;

/** Renders the wanted rules as `-A CHAIN spec` lines per table (what iptables-save shows of them). */
function asLines(rules: SnatRules): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [table, t] of Object.entries(rules)) {
    out[table] = [
      ...[...t.builtins].flatMap(([chain, specs]) => specs.map((s) => `-A ${chain} ${s}`)),
      ...[...t.chains].flatMap(([chain, specs]) => specs.map((s) => `-A ${chain} ${s}`)),
    ];
  }
  return out;
}

describe('iptables rules [behaviour §7.7–7.8]', () => {
  it('renders the reference rule set in iptables-save spelling', () => {
    assert.deepEqual(asLines(snatRules(SPEC, { randomFully: true })), {
      mangle: [
        '-A PREROUTING -i eth0 -m comment --comment "AWS, primary ENI" -m addrtype --dst-type LOCAL --limit-iface-in -j CONNMARK --set-xmark 0x80/0x80',
        '-A PREROUTING -i eni+ -m comment --comment "AWS, primary ENI" -j CONNMARK --restore-mark --nfmask 0x80 --ctmask 0x80',
        '-A PREROUTING -i vlan+ -m comment --comment "AWS, primary ENI" -j CONNMARK --restore-mark --nfmask 0x80 --ctmask 0x80',
      ],
      nat: [
        '-A POSTROUTING -m comment --comment "AWS SNAT CHAIN" -j AWS-SNAT-CHAIN-0',
        '-A PREROUTING -i eni+ -m comment --comment "AWS, outbound connections" -j AWS-CONNMARK-CHAIN-0',
        '-A PREROUTING -m comment --comment "AWS, CONNMARK" -j CONNMARK --restore-mark --nfmask 0x80 --ctmask 0x80',
        '-A AWS-SNAT-CHAIN-0 -d 10.0.0.0/16 -m comment --comment "AWS SNAT CHAIN" -j RETURN',
        '-A AWS-SNAT-CHAIN-0 -d 192.168.0.0/16 -m comment --comment "AWS SNAT CHAIN EXCLUSION" -j RETURN',
        '-A AWS-SNAT-CHAIN-0 ! -o vlan+ -m comment --comment "AWS, SNAT" -m addrtype ! --dst-type LOCAL -j SNAT --to-source 10.0.0.10 --random-fully',
        '-A AWS-CONNMARK-CHAIN-0 -d 10.0.0.0/16 -m comment --comment "AWS CONNMARK CHAIN" -j RETURN',
        '-A AWS-CONNMARK-CHAIN-0 -d 192.168.0.0/16 -m comment --comment "AWS CONNMARK CHAIN" -j RETURN',
        '-A AWS-CONNMARK-CHAIN-0 -m comment --comment "AWS, CONNMARK" -j CONNMARK --set-xmark 0x80/0x80',
      ],
    });
  });

  const snatTargets: [SnatSpec['randomizeSnat'], boolean, string][] = [
    ['prng', true, ' --random-fully'],
    ['prng', false, ' --random'],
    ['hashrandom', true, ' --random'],
    ['none', true, ''],
  ];
  for (const [mode, randomFully, suffix] of snatTargets) {
    it(`SNAT target for ${mode} (random-fully ${randomFully ? 'known' : 'unknown'}) ends with "${suffix}"`, () => {
      const chain =
        snatRules({ ...SPEC, randomizeSnat: mode }, { randomFully }).nat.chains.get('AWS-SNAT-CHAIN-0') ?? [];
      assert.ok(chain.at(-1)?.endsWith(`--to-source 10.0.0.10${suffix}`), chain.at(-1));
    });
  }

  it('writes a 0.0.0.0/0 exclusion without -d, canonicalises and de-duplicates CIDRs', () => {
    const rules = snatRules(
      {
        ...SPEC,
        vpcCidrs: ['10.0.0.0/16', '10.0.5.0/16', '10.1.0.0/16'],
        excludeSnatCidrs: ['0.0.0.0/0', '10.1.0.0/16'],
      },
      { randomFully: true },
    );
    assert.deepEqual(rules.nat.chains.get('AWS-SNAT-CHAIN-0')?.slice(0, -1), [
      '-d 10.0.0.0/16 -m comment --comment "AWS SNAT CHAIN" -j RETURN',
      '-d 10.1.0.0/16 -m comment --comment "AWS SNAT CHAIN" -j RETURN',
      '-m comment --comment "AWS SNAT CHAIN EXCLUSION" -j RETURN',
      '-d 10.1.0.0/16 -m comment --comment "AWS SNAT CHAIN EXCLUSION" -j RETURN',
    ]);
    assert.equal(
      rules.nat.chains.get('AWS-CONNMARK-CHAIN-0')?.length,
      4,
      '10.0/16, 10.1/16, everything, then set-mark',
    );
  });

  const mangleCases: [string, Partial<SnatSpec>, number][] = [
    ['node-port support on, SNAT ours', {}, 3],
    ['node-port support off, SNAT ours: pod restore-mark only', { nodePortSupport: false }, 1],
    ['node-port support on, external SNAT', { externalSnat: true }, 3],
    ['node-port support off, external SNAT: none', { nodePortSupport: false, externalSnat: true }, 0],
  ];
  for (const [name, change, count] of mangleCases) {
    it(`mangle rules: ${name}`, () => {
      const rules = snatRules({ ...SPEC, ...change }, { randomFully: true });
      assert.equal(rules.mangle.builtins.get('PREROUTING')?.length, count);
      assert.equal(rules.nat.chains.size, change.externalSnat === true ? 0 : 2);
    });
  }

  it('uses the configured mark and veth prefix everywhere', () => {
    const text = JSON.stringify(
      asLines(snatRules({ ...SPEC, connmark: 0x4000, vethPrefix: 'pod' }, { randomFully: true })),
    );
    assert.ok(!text.includes('0x80'));
    assert.ok(!text.includes('eni+'));
    assert.ok(text.includes('--set-xmark 0x4000/0x4000') && text.includes('-i pod+'));
  });

  for (const [field, value] of [
    ['primaryIp', '10.0.0'],
    ['primaryInterface', 'eth 0'],
    ['vethPrefix', 'a"b'],
    ['connmark', 0],
  ] as const) {
    it(`refuses a bad ${field}`, () =>
      assert.throws(() => snatRules({ ...SPEC, [field]: value }, { randomFully: true })));
  }
  it('refuses a bad CIDR', () =>
    assert.throws(() => snatRules({ ...SPEC, vpcCidrs: ['10.0.0.0/33'] }, { randomFully: true })));
});

const SAVED = `# Generated by iptables-save v1.8.9 (nf_tables)
*nat
:PREROUTING ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:AWS-SNAT-CHAIN-0 - [0:0]
:AWS-SNAT-CHAIN-1 - [0:0]
:KUBE-POSTROUTING - [0:0]
-A PREROUTING -i eni+ -m comment --comment "AWS, outbound connections" -m state --state NEW -j AWS-CONNMARK-CHAIN-0
-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING
-A POSTROUTING -m comment --comment "AWS SNAT CHAIN" -j AWS-SNAT-CHAIN-0
-A AWS-SNAT-CHAIN-0 -d 10.9.0.0/16 -m comment --comment "AWS SNAT CHAIN" -j AWS-SNAT-CHAIN-1
-A AWS-SNAT-CHAIN-1 -j RETURN
COMMIT
`;

describe('iptables-save parsing and the restore plan', () => {
  it('parses chains, built-ins and rules', () => {
    const nat = parseIptablesSave(SAVED).get('nat');
    assert.deepEqual([...(nat?.builtin ?? [])], ['PREROUTING', 'POSTROUTING']);
    assert.deepEqual(nat?.chains.get('AWS-SNAT-CHAIN-1'), ['-j RETURN']);
    assert.equal(nat?.chains.get('POSTROUTING')?.length, 2);
  });

  for (const [rule, owned] of [
    ['-m comment --comment "AWS SNAT CHAIN" -j AWS-SNAT-CHAIN-0', true],
    ['-i eni+ -m comment --comment "AWS, outbound connections" -m state --state NEW -j AWS-CONNMARK-CHAIN-0', true],
    ['-j AWS-SNAT-CHAIN-0', true],
    ['-m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING', false],
    ['-m comment --comment AWS -j ACCEPT', false],
  ] as const) {
    it(`${owned ? 'owns' : 'leaves'} ${rule}`, () => assert.equal(isOwnedBuiltinRule(rule), owned));
  }

  it('replaces stale chains and our built-in rules, keeps foreign ones', () => {
    const plan = planRestore(
      parseIptablesSave(SAVED),
      snatRules({ ...SPEC, nodePortSupport: false }, { randomFully: true }),
    );
    const nat = plan.input.split('*nat\n')[1] ?? '';
    assert.ok(nat.startsWith(':AWS-SNAT-CHAIN-0 - [0:0]\n:AWS-CONNMARK-CHAIN-0 - [0:0]\n-D PREROUTING -i eni+'), nat);
    assert.ok(!nat.includes('POSTROUTING'), 'the jump is right already; foreign rules are not touched');
    assert.ok(nat.endsWith('-F AWS-SNAT-CHAIN-1\n-X AWS-SNAT-CHAIN-1\nCOMMIT\n'), nat);
    assert.deepEqual(plan.changed, [
      'mangle/PREROUTING',
      'nat/AWS-SNAT-CHAIN-0',
      'nat/AWS-CONNMARK-CHAIN-0',
      'nat/AWS-SNAT-CHAIN-1',
      'nat/PREROUTING',
    ]);
  });

  it('plans nothing for a namespace that already has the rules', () => {
    const wanted = snatRules(SPEC, { randomFully: true });
    const { mangle = [], nat = [] } = asLines(wanted);
    const text = [
      '*mangle',
      ':PREROUTING ACCEPT [0:0]',
      ...mangle,
      'COMMIT',
      '*nat',
      ':PREROUTING ACCEPT [0:0]',
      ':POSTROUTING ACCEPT [0:0]',
      ':AWS-SNAT-CHAIN-0 - [0:0]',
      ':AWS-CONNMARK-CHAIN-0 - [0:0]',
      ...nat,
      'COMMIT',
      '',
    ].join('\n');
    assert.deepEqual(planRestore(parseIptablesSave(text), wanted), { input: '', changed: [] });
  });

  it('external SNAT: deletes the jumps before flushing and deleting the chains', () => {
    const saved = parseIptablesSave(SAVED);
    const plan = planRestore(
      saved,
      snatRules({ ...SPEC, externalSnat: true, nodePortSupport: false }, { randomFully: true }),
    );
    assert.equal(
      plan.input,
      [
        '*nat',
        '-D PREROUTING -i eni+ -m comment --comment "AWS, outbound connections" -m state --state NEW -j AWS-CONNMARK-CHAIN-0',
        '-D POSTROUTING -m comment --comment "AWS SNAT CHAIN" -j AWS-SNAT-CHAIN-0',
        '-F AWS-SNAT-CHAIN-0',
        '-F AWS-SNAT-CHAIN-1',
        '-X AWS-SNAT-CHAIN-0',
        '-X AWS-SNAT-CHAIN-1',
        'COMMIT',
        '',
      ].join('\n'),
    );
  });
});

describe('iptables --version', () => {
  for (const [text, backend, randomFully] of [
    ['iptables v1.8.9 (nf_tables)\n', 'nft', true],
    ['iptables v1.8.9 (legacy)\n', 'legacy', true],
    ['iptables v1.6.1\n', 'legacy', false],
    ['iptables v1.6.2\n', 'legacy', true],
  ] as const) {
    it(`${text.trim()} → ${backend}, random-fully ${randomFully}`, () => {
      const info = parseIptablesVersion(text);
      assert.equal(info.backend, backend);
      assert.equal(info.randomFully, randomFully);
    });
  }
  it('refuses text without a version', () => assert.throws(() => parseIptablesVersion('command not found')));
});
