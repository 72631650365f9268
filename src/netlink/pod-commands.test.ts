import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import type { IpCommand } from './commands.js';
import { isNetlinkError } from './errors.js';
import { serializeBatch } from './exec.js';
import {
  checkNetnsPath,
  hostReadCommands,
  hostSideCommands,
  hostTeardownCommands,
  hostVethSysctls,
  ipBatchProgram,
  isMainTable,
  namedNetns,
  peerNetnsRef,
  podReadCommands,
  podSideCommands,
  randomMac,
  sysctlIgnoringMissing,
  type PodWiringPlan,
} from './pod-commands.js';

// The reference's [behaviour §7.10] example: a pod on device 2 (table 3).
const PLAN: PodWiringPlan = {
  hostVethName: 'eni1a2b3c4d5e6',
  containerIfName: 'eth0',
  podIp: '10.0.97.30',
  mtu: 9001,
  routeTableId: 3,
  hostMac: '02:AA:00:00:00:01',
  containerMac: '02:bb:00:00:00:01',
};

const lines = (commands: readonly IpCommand[]): string[] => commands.map((c) => c.args.join(' '));

describe('pod wiring builders', () => {
  it('pod side: veth with the host end created in the node (by pid), address, routes, permanent neighbour', () => {
    assert.deepEqual(lines(podSideCommands(PLAN, 4242)), [
      'link add eth0 address 02:bb:00:00:00:01 mtu 9001 up type veth peer name eni1a2b3c4d5e6 address 02:aa:00:00:00:01 mtu 9001 netns 4242',
      'addr replace 10.0.97.30/32 dev eth0',
      'route replace 169.254.1.1 dev eth0 scope link',
      'route replace default via 169.254.1.1 dev eth0',
      'neigh replace 169.254.1.1 lladdr 02:aa:00:00:00:01 dev eth0 nud permanent',
    ]);
    // Stops at the first failure: nothing is tolerated on the pod side.
    assert.ok(podSideCommands(PLAN, 1).every((c) => c.tolerate === undefined));
  });

  const refs: [string, number | string, string][] = [
    ['a pid', 4242, '4242'],
    ['a name', 'vcni-1-1-n1', 'vcni-1-1-n1'],
    ['an all-digit name, as its path (ip reads digits as a pid)', '123', '/var/run/netns/123'],
    ['a path', '/proc/77/ns/net', '/proc/77/ns/net'],
  ];
  for (const [name, ref, word] of refs) {
    it(`names the node's namespace by ${name}`, () => {
      assert.equal(peerNetnsRef(ref), word);
      assert.equal(podSideCommands(PLAN, ref)[0]?.args.at(-1), word);
    });
  }

  const tables: [number, string[]][] = [
    [
      3,
      [
        'link set dev eni1a2b3c4d5e6 up',
        'route replace 10.0.97.30/32 dev eni1a2b3c4d5e6 scope link',
        'rule add prio 512 to 10.0.97.30/32 lookup main',
        'rule add prio 1536 from 10.0.97.30/32 lookup 3',
      ],
    ],
    [
      254,
      [
        'link set dev eni1a2b3c4d5e6 up',
        'route replace 10.0.97.30/32 dev eni1a2b3c4d5e6 scope link',
        'rule add prio 512 to 10.0.97.30/32 lookup main',
      ],
    ],
    [
      1,
      [
        'link set dev eni1a2b3c4d5e6 up',
        'route replace 10.0.97.30/32 dev eni1a2b3c4d5e6 scope link',
        'rule add prio 512 to 10.0.97.30/32 lookup main',
      ],
    ],
    [
      10_002,
      [
        'link set dev eni1a2b3c4d5e6 up',
        'route replace 10.0.97.30/32 dev eni1a2b3c4d5e6 scope link',
        'rule add prio 512 to 10.0.97.30/32 lookup main',
        'rule add prio 1536 from 10.0.97.30/32 lookup 10002',
      ],
    ],
  ];
  for (const [table, expected] of tables) {
    it(`node side for table ${table}: ${expected.length === 4 ? 'rules 512 and 1536' : 'rule 512 only (main)'}`, () => {
      const commands = hostSideCommands({ ...PLAN, routeTableId: table });
      assert.deepEqual(lines(commands), expected);
      assert.deepEqual(
        commands.slice(2).map((c) => c.tolerate),
        commands.slice(2).map(() => ['exists']),
      );
    });
  }

  it('main is 254 and every id up to 1 (the reference’s backward compatibility)', () => {
    assert.deepEqual([0, 1, 2, 253, 254, 255].map(isMainTable), [true, true, false, false, true, false]);
  });

  it('teardown (DEL) with the host veth: rules of any table, the route through it; the veth stays; all tolerant', () => {
    const commands = hostTeardownCommands({ podIp: '10.0.97.30', hostVethName: 'eni1a2b3c4d5e6' });
    assert.deepEqual(lines(commands), [
      'rule del prio 512 to 10.0.97.30/32',
      'rule del prio 1536 from 10.0.97.30/32',
      'rule del prio 1536 from 10.0.97.30/32',
      'route del 10.0.97.30/32 dev eni1a2b3c4d5e6 scope link',
    ]);
    assert.deepEqual(
      commands.map((c) => c.tolerate),
      [['not-found'], ['not-found'], ['not-found'], ['not-found', 'no-device']],
    );
  });

  it('teardown that removes the veth (the undo of a failed ADD): the same, then the veth', () => {
    const commands = hostTeardownCommands({ podIp: '10.0.97.30', hostVethName: 'eni1a2b3c4d5e6', removeVeth: true });
    assert.deepEqual(lines(commands).slice(3), [
      'route del 10.0.97.30/32 dev eni1a2b3c4d5e6 scope link',
      'link del dev eni1a2b3c4d5e6',
    ]);
    assert.deepEqual(commands.at(-1)?.tolerate, ['no-device']);
  });

  it('teardown without the host veth name: the route by address (as the reference), no link deletion', () => {
    assert.deepEqual(lines(hostTeardownCommands({ podIp: '10.0.97.30', removeVeth: true })).slice(3), [
      'route del 10.0.97.30/32 scope link',
    ]);
  });

  it('host veth IPv6 sysctls, and their nsenter form that ignores missing keys', () => {
    const settings = hostVethSysctls('eni1a2b3c4d5e6');
    assert.deepEqual(settings, {
      'net/ipv6/conf/eni1a2b3c4d5e6/accept_ra': '0',
      'net/ipv6/conf/eni1a2b3c4d5e6/accept_redirects': '1',
      'net/ipv6/conf/eni1a2b3c4d5e6/forwarding': '0',
    });
    assert.deepEqual(sysctlIgnoringMissing('/var/run/netns/n1', settings), {
      file: 'nsenter',
      args: [
        '--net=/var/run/netns/n1',
        '--',
        'sysctl',
        '-q',
        '-e',
        '-w',
        ...Object.entries(settings).map(([k, v]) => `${k}=${v}`),
      ],
    });
  });

  it('batches run with ip -n for names and /var/run/netns files, nsenter for other files, plain ip for our own', () => {
    assert.deepEqual(ipBatchProgram(undefined), { file: 'ip', args: ['-batch', '-'] });
    assert.deepEqual(ipBatchProgram('n1', { json: true }), { file: 'ip', args: ['-n', 'n1', '-json', '-batch', '-'] });
    assert.deepEqual(ipBatchProgram('/var/run/netns/cni-1f2e', { force: true }), {
      file: 'ip',
      args: ['-n', 'cni-1f2e', '-force', '-batch', '-'],
    });
    assert.deepEqual(ipBatchProgram('/proc/77/ns/net'), {
      file: 'nsenter',
      args: ['--net=/proc/77/ns/net', '--', 'ip', '-batch', '-'],
    });
    assert.deepEqual(ipBatchProgram('/var/run/netns/a/b'), {
      file: 'nsenter',
      args: ['--net=/var/run/netns/a/b', '--', 'ip', '-batch', '-'],
    });
    assert.equal(namedNetns('/run/netns/x'), undefined);
  });

  it('CHECK reads never fail on an empty answer (one JSON array per line)', () => {
    assert.equal(serializeBatch(podReadCommands()), 'addr show\nroute show table main\nneigh show\n');
    assert.equal(
      serializeBatch(hostReadCommands('10.0.97.30')),
      'link show\nroute show table main exact 10.0.97.30/32\nrule show\n',
    );
  });

  it('random MACs are locally administered unicast', () => {
    assert.equal(randomMac(Uint8Array.from([0xff, 1, 2, 3, 4, 5])), 'fe:01:02:03:04:05');
    assert.equal(randomMac(Uint8Array.from([0x00, 0xab, 0, 0, 0, 0xff, 9])), '02:ab:00:00:00:ff');
  });

  const hostile: [string, () => unknown][] = [
    ['a host veth name with a blank', () => podSideCommands({ ...PLAN, hostVethName: 'eni 1' }, 1)],
    ['a host veth name longer than IFNAMSIZ', () => podSideCommands({ ...PLAN, hostVethName: 'eni1a2b3c4d5e6f7' }, 1)],
    ['a container interface that is a path', () => podSideCommands({ ...PLAN, containerIfName: '../eth0' }, 1)],
    ['a host veth name that is a batch comment', () => hostSideCommands({ ...PLAN, hostVethName: '#eth0' })],
    ['a pod IP with a length', () => podSideCommands({ ...PLAN, podIp: '10.0.97.30/24' }, 1)],
    ['an IPv6 pod IP', () => hostTeardownCommands({ podIp: 'fe80::1' })],
    ['an injected word in the pod IP', () => hostSideCommands({ ...PLAN, podIp: '10.0.97.30 table 5' })],
    ['an MTU of 0', () => podSideCommands({ ...PLAN, mtu: 0 }, 1)],
    ['a fractional route table', () => hostSideCommands({ ...PLAN, routeTableId: 2.5 })],
    ['a negative route table', () => hostSideCommands({ ...PLAN, routeTableId: -1 })],
    ['a bad MAC', () => podSideCommands({ ...PLAN, hostMac: '02:00:00:00:00' }, 1)],
    ['a pid of 0', () => peerNetnsRef(0)],
    ['a relative namespace path', () => checkNetnsPath('var/run/netns/x')],
    ['a namespace path with a blank', () => checkNetnsPath('/var/run/netns/a b')],
    ['a namespace path with a quote', () => peerNetnsRef('/var/run/netns/a"b')],
    ['a namespace name with a blank', () => ipBatchProgram('a b')],
    ['too few random bytes', () => randomMac(new Uint8Array(5))],
    ['a sysctl value that is not a number', () => sysctlIgnoringMissing('/x', { 'net/ipv6/conf/a/accept_ra': '0 1' })],
  ];
  for (const [name, build] of hostile) {
    it(`refuses ${name}`, () => {
      assert.throws(build, (error: unknown) => isNetlinkError(error, 'NETLINK_INVALID_ARGUMENT'));
    });
  }
});
