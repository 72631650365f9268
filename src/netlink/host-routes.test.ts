import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { EXAMPLE_ENI } from './example.test-util.js';
import { isNetlinkError } from './errors.js';
import {
  canonicalCidr,
  connmarkRuleCommands,
  eniGateway,
  eniSetupCommands,
  eniTeardownCommands,
  externalServiceRuleCommands,
  formatMark,
  podRuleDeleteCommands,
  ruleFrom,
  ruleTable,
  ruleTo,
  type IpRuleJson,
} from './host-routes.js';
import type { IpCommand } from './commands.js';

const lines = (commands: readonly IpCommand[]): string[] => commands.map((c) => c.args.join(' '));

const SPEC = EXAMPLE_ENI;

// A dump as `ip -json rule show` prints it (iproute2 6.1).
const RULES: IpRuleJson[] = [
  { priority: 0, src: 'all', table: 'local' },
  { priority: 512, src: 'all', dst: '10.0.97.30', table: 'main' },
  { priority: 512, src: 'all', dst: '10.0.97.31', table: 'main' },
  { priority: 1024, src: 'all', fwmark: '0x80', fwmask: '0x80', table: 'main' },
  { priority: 1535, src: 'all', dst: '10.100.0.0', dstlen: 16, table: 'main' },
  { priority: 1535, src: 'all', dst: '10.100.0.0', dstlen: 16, table: 'main' },
  { priority: 1535, src: 'all', dst: '10.9.0.0', dstlen: 16, table: 'main' },
  { priority: 1536, src: '10.0.97.30', table: '3' },
  { priority: 1536, src: '10.0.97.30', table: '103' },
  { priority: 1536, src: '10.0.97.31', table: '3' },
  { priority: 32765, src: '10.0.97.5', table: '3' },
  { priority: 32766, src: 'all', table: 'main' },
];

describe('host-routes: addresses and rule dumps', () => {
  for (const [subnet, gateway] of [
    ['10.0.96.0/19', '10.0.96.1'],
    ['10.0.97.5/19', '10.0.96.1'],
    ['100.64.0.0/16', '100.64.0.1'],
    ['10.1.2.16/28', '10.1.2.17'],
  ] as const) {
    it(`gateway of ${subnet} is ${gateway}`, () => assert.equal(eniGateway(subnet), gateway));
  }

  for (const [input, canonical] of [
    ['10.0.0.5', '10.0.0.5/32'],
    ['10.0.0.5/16', '10.0.0.0/16'],
    ['0.0.0.0/0', '0.0.0.0/0'],
  ] as const) {
    it(`canonical CIDR of ${input} is ${canonical}`, () => assert.equal(canonicalCidr(input), canonical));
  }

  it('reads selectors and tables of rules as iproute2 prints them', () => {
    assert.equal(ruleFrom({ src: 'all' }), undefined);
    assert.equal(ruleFrom({ src: '10.0.97.30' }), '10.0.97.30/32');
    assert.equal(ruleTo({ dst: '10.100.0.0', dstlen: 16 }), '10.100.0.0/16');
    assert.equal(ruleTable({ table: 'main' }), 'main');
    assert.equal(ruleTable({ table: '10003' }), 10003);
    assert.equal(ruleTable({}), undefined);
  });

  for (const [mark, text] of [
    [0x80, '0x80'],
    [1, '0x1'],
    [0xffffffff, '0xffffffff'],
  ] as const) {
    it(`mark ${mark} is ${text}`, () => assert.equal(formatMark(mark), text));
  }
  for (const bad of [0, -1, 2 ** 32, 1.5]) {
    it(`mark ${bad} is refused`, () =>
      assert.throws(
        () => formatMark(bad),
        (e) => isNetlinkError(e, 'NETLINK_INVALID_ARGUMENT'),
      ));
  }
});

describe('host-routes: secondary ENI', () => {
  it('sets up the [behaviour §7.10] example in one batch, in the reference order', () => {
    assert.deepEqual(lines(eniSetupCommands({ name: 'eth2', inetAddresses: [] }, SPEC)), [
      'link set dev eth2 mtu 9001 up',
      'addr replace 10.0.97.5/19 dev eth2',
      'route replace 10.0.96.1 dev eth2 scope link table 3',
      'route replace default via 10.0.96.1 dev eth2 table 3',
      'route del 10.0.96.0/19 dev eth2 src 10.0.97.5 scope link table main',
      'rule add prio 32765 from 10.0.97.5/32 lookup 3',
    ]);
  });

  it('removes every other global IPv4 address before adding the primary one', () => {
    const commands = eniSetupCommands(
      { name: 'eth2', inetAddresses: ['10.0.97.5/19', '10.0.97.99/19', '10.0.97.5/24', '192.168.0.1/24'] },
      SPEC,
    );
    assert.deepEqual(lines(commands).slice(1, 5), [
      'addr del 10.0.97.99/19 dev eth2',
      'addr del 10.0.97.5/24 dev eth2',
      'addr del 192.168.0.1/24 dev eth2',
      'addr replace 10.0.97.5/19 dev eth2',
    ]);
    assert.deepEqual(commands[1]?.tolerate, ['not-found', 'no-device']);
  });

  it('tolerates what re-running meets: a rule that exists, a connected route already gone', () => {
    const commands = eniSetupCommands({ name: 'eth2', inetAddresses: [] }, SPEC);
    assert.deepEqual(commands.at(-1)?.tolerate, ['exists']);
    assert.deepEqual(commands.at(-2)?.tolerate, ['not-found', 'no-device']);
  });

  for (const table of [0, 1, 253, 254, 255, 2 ** 32, 2.5]) {
    it(`refuses route table ${table}`, () => {
      assert.throws(
        () => eniSetupCommands({ name: 'eth2', inetAddresses: [] }, { ...SPEC, routeTableId: table }),
        (e) => isNetlinkError(e, 'NETLINK_INVALID_ARGUMENT'),
      );
    });
  }

  it('refuses a bad primary IP, MTU or link name', () => {
    assert.throws(() => eniSetupCommands({ name: 'eth2', inetAddresses: [] }, { ...SPEC, primaryIp: '10.0.97' }));
    assert.throws(() => eniSetupCommands({ name: 'eth2', inetAddresses: [] }, { ...SPEC, mtu: 70_000 }));
    assert.throws(() => eniSetupCommands({ name: 'eth 2', inetAddresses: [] }, SPEC));
  });

  it('tears down rule 32765 and the table, tolerating both gone', () => {
    const commands = eniTeardownCommands(SPEC);
    assert.deepEqual(lines(commands), ['rule del prio 32765 from 10.0.97.5/32 lookup 3', 'route flush table 3']);
    assert.ok(commands.every((c) => c.tolerate?.includes('not-found')));
  });
});

describe('host-routes: rules from a dump', () => {
  it('deletes a stale pod’s rule 512 and every 1536, whatever the table', () => {
    assert.deepEqual(lines(podRuleDeleteCommands('10.0.97.30', RULES)), [
      'rule del prio 512 to 10.0.97.30/32 lookup main',
      'rule del prio 1536 from 10.0.97.30/32 lookup 3',
      'rule del prio 1536 from 10.0.97.30/32 lookup 103',
    ]);
    assert.deepEqual(podRuleDeleteCommands('10.0.97.77', RULES), []);
  });

  const connmarkCases: [string, IpRuleJson[], number | undefined, string[]][] = [
    ['present: nothing to do', RULES, 0x80, []],
    ['missing: added', [], 0x80, ['rule add prio 1024 fwmark 0x80/0x80 lookup main']],
    [
      'changed mark: new one added, then the old one deleted',
      RULES,
      0x4000,
      ['rule add prio 1024 fwmark 0x4000/0x4000 lookup main', 'rule del prio 1024 fwmark 0x80/0x80 lookup main'],
    ],
    ['not wanted: deleted', RULES, undefined, ['rule del prio 1024 fwmark 0x80/0x80 lookup main']],
    ['not wanted and absent: nothing', [], undefined, []],
  ];
  for (const [name, rules, mark, expected] of connmarkCases) {
    it(`rule 1024, ${name}`, () => assert.deepEqual(lines(connmarkRuleCommands(rules, mark)), expected));
  }

  const externalCases: [string, string[], string[]][] = [
    [
      'same set: duplicates and stale ones removed',
      ['10.100.0.0/16'],
      ['rule del prio 1535 to 10.100.0.0/16 lookup main', 'rule del prio 1535 to 10.9.0.0/16 lookup main'],
    ],
    [
      'new entries added first, host bits cleared, IPv6 and invalid entries skipped',
      ['10.9.0.0/16', '10.100.0.0/16', '172.16.5.0/20', '172.16.0.0/20', 'fd00::/8', '10.0.0.0/40', ''],
      ['rule add prio 1535 to 172.16.0.0/20 lookup main', 'rule del prio 1535 to 10.100.0.0/16 lookup main'],
    ],
    [
      'empty list: every 1535 rule removed',
      [],
      [
        'rule del prio 1535 to 10.100.0.0/16 lookup main',
        'rule del prio 1535 to 10.100.0.0/16 lookup main',
        'rule del prio 1535 to 10.9.0.0/16 lookup main',
      ],
    ],
  ];
  for (const [name, cidrs, expected] of externalCases) {
    it(`rules 1535, ${name}`, () => assert.deepEqual(lines(externalServiceRuleCommands(RULES, cidrs)), expected));
  }

  it('rules 1535 converge: applying the plan to the dump leaves nothing to do', () => {
    const after: IpRuleJson[] = [
      { priority: 1535, src: 'all', dst: '10.9.0.0', dstlen: 16, table: 'main' },
      { priority: 1535, src: 'all', dst: '10.100.0.0', dstlen: 16, table: 'main' },
    ];
    assert.deepEqual(externalServiceRuleCommands(after, ['10.100.0.0/16', '10.9.0.0/16']), []);
  });
});
