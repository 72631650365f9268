import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCidr } from '../ipam/cidr.js';
import {
  addrDelete,
  addrReplace,
  linkAddVeth,
  linkAddVlan,
  linkDelete,
  linkSetMtu,
  linkSetUp,
  neighDelete,
  neighReplacePermanent,
  neighTableSetProxyDelay,
  netnsAdd,
  netnsDelete,
  netnsPath,
  routeAdd,
  routeDelete,
  routeReplace,
  ruleAdd,
  ruleDelete,
  sysctlCommand,
  type IpCommand,
} from './commands.js';
import { isNetlinkError } from './errors.js';
import { blockAddresses, parseAddressBlock, routeAddressCommands, unrouteAddressCommands } from './fabric-routes.js';

const MAC = '02:AB:cd:00:00:01';

describe('ip command builders', () => {
  const cases: [string, IpCommand, string, string[]?][] = [
    ['netns add', netnsAdd('vcni-1-1-vpc'), 'netns add vcni-1-1-vpc'],
    ['netns del tolerates a missing namespace', netnsDelete('vcni-1-1-vpc'), 'netns del vcni-1-1-vpc', ['not-found']],
    [
      'veth with the peer created in another namespace, this end up',
      linkAddVeth({
        name: 'n1-eth1',
        mtu: 9001,
        up: true,
        peer: { name: 'eth1', netns: 'vcni-1-1-n1', mac: MAC, mtu: 9001 },
      }),
      'link add n1-eth1 mtu 9001 up type veth peer name eth1 netns vcni-1-1-n1 address 02:ab:cd:00:00:01 mtu 9001',
    ],
    [
      'veth, both ends here',
      linkAddVeth({ name: 'a', mac: MAC, peer: { name: 'b' } }),
      'link add a address 02:ab:cd:00:00:01 type veth peer name b',
    ],
    [
      'VLAN sub-interface of a trunk link, up',
      linkAddVlan({ name: 'n1-eth2.7', parent: 'n1-eth2', vlanId: 7, up: true }),
      'link add link n1-eth2 name n1-eth2.7 up type vlan id 7',
    ],
    [
      'VLAN link with the branch MAC (the plugin wiring)',
      linkAddVlan({ name: 'vlan.eth.4094', parent: 'eth2', vlanId: 4094, mac: MAC }),
      'link add link eth2 name vlan.eth.4094 address 02:ab:cd:00:00:01 type vlan id 4094',
    ],
    ['link up', linkSetUp('eth0'), 'link set dev eth0 up'],
    ['link mtu', linkSetMtu('eth0', 1500), 'link set dev eth0 mtu 1500'],
    [
      'proxy ARP without delay',
      neighTableSetProxyDelay('n1-eth0', 0),
      'ntable change name arp_cache dev n1-eth0 proxy_delay 0',
    ],
    ['link del tolerates a missing device', linkDelete('n1-eth0'), 'link del dev n1-eth0', ['no-device']],
    ['addr replace keeps host bits', addrReplace('10.0.0.10/24', 'eth0'), 'addr replace 10.0.0.10/24 dev eth0'],
    ['addr del', addrDelete('10.0.0.1/32', 'lo'), 'addr del 10.0.0.1/32 dev lo', ['not-found', 'no-device']],
    [
      'default route',
      routeReplace({ dst: 'default', via: '10.0.0.1', dev: 'eth0' }),
      'route replace default via 10.0.0.1 dev eth0',
    ],
    [
      'per-ENI table route (reference wiring)',
      routeReplace({ dst: '10.0.0.1', dev: 'eth1', scope: 'link', table: 2 }),
      'route replace 10.0.0.1 dev eth1 scope link table 2',
    ],
    [
      'route with src and metric',
      routeAdd({ dst: '10.0.0.0/24', dev: 'eth0', src: '10.0.0.10', metric: 100, table: 'main' }),
      'route add 10.0.0.0/24 dev eth0 src 10.0.0.10 metric 100 table main',
    ],
    [
      'route del',
      routeDelete({ dst: '10.0.0.20/32', dev: 'n1-eth1' }),
      'route del 10.0.0.20/32 dev n1-eth1',
      ['not-found', 'no-device'],
    ],
    [
      'permanent neighbour, MAC lower-cased',
      neighReplacePermanent('169.254.1.1', MAC, 'eth0'),
      'neigh replace 169.254.1.1 lladdr 02:ab:cd:00:00:01 dev eth0 nud permanent',
    ],
    ['neigh del', neighDelete('10.0.0.20', 'n1-eth1'), 'neigh del 10.0.0.20 dev n1-eth1', ['not-found', 'no-device']],
    [
      'rule 1536 (from pod to ENI table)',
      ruleAdd({ priority: 1536, from: '10.0.0.20', table: 2 }),
      'rule add prio 1536 from 10.0.0.20 lookup 2',
      ['exists'],
    ],
    [
      'rule 512 (to pod via main)',
      ruleAdd({ priority: 512, to: '10.0.0.20/32', table: 'main' }),
      'rule add prio 512 to 10.0.0.20/32 lookup main',
      ['exists'],
    ],
    [
      'connmark rule',
      ruleDelete({ priority: 1024, from: 'all', fwmark: '0x80/0x80', table: 'main' }),
      'rule del prio 1024 from all fwmark 0x80/0x80 lookup main',
      ['not-found'],
    ],
  ];
  for (const [name, command, argv, tolerate] of cases) {
    it(name, () => {
      assert.equal(command.args.join(' '), argv);
      assert.deepEqual(command.tolerate, tolerate);
    });
  }

  const invalid: [string, () => unknown][] = [
    ['a link name longer than 15 bytes', () => linkSetUp('a-very-long-name0')],
    ['a link name with a blank', () => linkSetUp('eth 0')],
    ['a link name that is a path', () => linkSetUp('../eth0')],
    ['a namespace name with a slash', () => netnsAdd('a/b')],
    ['a bad MAC', () => neighReplacePermanent('10.0.0.1', '02:00:00:00:00', 'eth0')],
    ['a bad address', () => neighDelete('10.0.0.256', 'eth0')],
    ['a bad CIDR', () => addrReplace('10.0.0.1/33', 'eth0')],
    ['an MTU out of range', () => linkSetMtu('eth0', 65536)],
    ['VLAN id 0', () => linkAddVlan({ name: 'v', parent: 'eth1', vlanId: 0 })],
    ['VLAN id 4095', () => linkAddVlan({ name: 'v', parent: 'eth1', vlanId: 4095 })],
    ['table 0', () => routeReplace({ dst: 'default', via: '10.0.0.1', table: 0 })],
    ['a negative priority', () => ruleAdd({ priority: -1, table: 2 })],
    ['a bad fwmark', () => ruleAdd({ priority: 1, table: 2, fwmark: '0x80 lookup' })],
  ];
  for (const [name, build] of invalid) {
    it(`refuses ${name}`, () => {
      assert.throws(build, (error: unknown) => isNetlinkError(error, 'NETLINK_INVALID_ARGUMENT'));
    });
  }
});

describe('sysctlCommand', () => {
  it('writes every setting in one nsenter + sysctl process', () => {
    const command = sysctlCommand(netnsPath('vcni-1-1-n1'), {
      'net.ipv4.ip_forward': 1,
      'net/ipv4/conf/eth0.5/rp_filter': 2,
    });
    assert.equal(command.file, 'nsenter');
    assert.deepEqual(command.args, [
      '--net=/var/run/netns/vcni-1-1-n1',
      '--',
      'sysctl',
      '-q',
      '-w',
      'net.ipv4.ip_forward=1',
      'net/ipv4/conf/eth0.5/rp_filter=2',
    ]);
  });

  it('refuses a relative path, no settings, and keys or values that are not plain', () => {
    for (const build of [
      () => sysctlCommand('vcni-1', { 'net.ipv4.ip_forward': 1 }),
      () => sysctlCommand('/var/run/netns/x', {}),
      () => sysctlCommand('/var/run/netns/x', { 'net.ipv4.ip_forward=1 kernel.x': 1 }),
      () => sysctlCommand('/var/run/netns/x', { 'net.ipv4.ip_forward': '1 2' }),
    ]) {
      assert.throws(build, (error: unknown) => isNetlinkError(error, 'NETLINK_INVALID_ARGUMENT'));
    }
  });
});

describe('fabric address routing', () => {
  it('a secondary IP is a /32 route plus one permanent neighbour entry', () => {
    const lines = routeAddressCommands([parseAddressBlock('10.0.0.20')], MAC, 'n1-eth1').map((c) => c.args.join(' '));
    assert.deepEqual(lines, [
      'route replace 10.0.0.20/32 dev n1-eth1',
      'neigh replace 10.0.0.20 lladdr 02:ab:cd:00:00:01 dev n1-eth1 nud permanent',
    ]);
  });

  it('a /28 prefix is one route plus 16 neighbour entries, removed the same way', () => {
    const block = parseAddressBlock('10.0.0.32/28');
    const lines = routeAddressCommands([block], MAC, 'n1-eth1').map((c) => c.args.join(' '));
    assert.equal(lines.length, 17);
    assert.equal(lines[0], 'route replace 10.0.0.32/28 dev n1-eth1');
    assert.equal(lines[16], 'neigh replace 10.0.0.47 lladdr 02:ab:cd:00:00:01 dev n1-eth1 nud permanent');
    const undo = unrouteAddressCommands([block], 'n1-eth1');
    assert.equal(undo[0]?.args.join(' '), 'route del 10.0.0.32/28 dev n1-eth1');
    assert.equal(undo.length, 17);
    assert.ok(undo.every((c) => c.tolerate?.includes('not-found') === true));
  });

  it('expands blocks up to a /24 and refuses larger ones and host bits', () => {
    assert.equal(blockAddresses(parseCidr('10.0.0.0/24')).length, 256);
    assert.deepEqual(parseAddressBlock('10.0.0.20/32'), parseAddressBlock('10.0.0.20'));
    assert.throws(
      () => parseAddressBlock('10.0.0.0/23'),
      (error: unknown) => isNetlinkError(error, 'NETLINK_INVALID_ARGUMENT'),
    );
    assert.throws(() => parseAddressBlock('10.0.0.33/28'));
  });
});
