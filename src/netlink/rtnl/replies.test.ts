// The reply decoder on what the kernel answered iproute2 (testdata/iproute2.json): acks (capped and not), refusals
// with and without an extended ack, and the dumps CHECK reads, decoded into plain objects; then damaged messages,
// each a NetlinkError NETLINK_BAD_OUTPUT (the fuzz target, test/fuzz/rtnl-replies.test.ts, does this at random).
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { isNetlinkError } from '../errors.js';
import { answersTo, capture } from './captures.test-util.js';
import {
  decodeAddress,
  decodeError,
  decodeLink,
  decodeNeighbour,
  decodeRoute,
  decodeRule,
  doneStatus,
  splitMessages,
  type NlMessage,
} from './replies.js';
import { NLMSG, RTM } from './wire.js';

const HOST = 'eni1a2b3c4d5e6';

function answer(command: string, type: number): NlMessage[] {
  return answersTo(capture(command), type).flatMap((d) => splitMessages(d));
}

/** A dump's entries, its NLMSG_DONE checked and dropped. */
function entries(command: string, type: number): NlMessage[] {
  const all = answer(command, type);
  const done = all[all.length - 1];
  assert.equal(done?.type, NLMSG.DONE);
  assert.equal(doneStatus(done), 0);
  return all.slice(0, -1);
}

describe('rtnl replies: kernel answers captured with iproute2', () => {
  const errors: [command: string, type: number, expected: ReturnType<typeof decodeError>][] = [
    [`ip -n NODE link set dev ${HOST} up`, RTM.NEWLINK, { errno: 0 }],
    ['ip -n NODE rule add prio 1536 from 10.0.97.30/32 lookup 3', RTM.NEWRULE, { errno: 0 }],
    [
      'ip -n POD addr add 10.0.97.30/32 dev eth0',
      RTM.NEWADDR,
      { errno: 17, message: 'ipv4: Address already assigned' },
    ],
    ['ip -n NODE route del 10.0.97.30/32 scope link', RTM.DELROUTE, { errno: 3 }],
  ];
  for (const [command, type, expected] of errors) {
    it(`NLMSG_ERROR of ${command.replace(/^ip -n \w+ /, '')} → ${JSON.stringify(expected)}`, () => {
      const all = answer(command, type);
      assert.equal(all.length, 1);
      assert.equal(all[0]?.type, NLMSG.ERROR);
      assert.deepEqual(decodeError(all[0]), expected);
    });
  }

  it('an uncapped refusal echoes the whole request: EEXIST of a second identical rule, ENOENT of a missing one', () => {
    const command = 'ip -n NODE rule add prio 1536 from 10.0.97.30/32 lookup 3';
    const [exists] = answersTo(capture(command, 1), RTM.NEWRULE).flatMap((d) => splitMessages(d));
    assert.equal(exists?.payload.length, 4 + 44, 'errno and the 44-byte request');
    assert.deepEqual(decodeError(exists), { errno: 17 });
    const del = 'ip -n NODE rule del prio 1536 from 10.0.97.30/32';
    const [missing] = answersTo(capture(del, 2), RTM.DELRULE).flatMap((d) => splitMessages(d));
    assert.deepEqual(decodeError(missing as NlMessage), { errno: 2 });
  });

  it('a link by name, and ENODEV for a missing one', () => {
    const [link] = answer(`ip -n NODE link set dev ${HOST} up`, RTM.GETLINK);
    assert.deepEqual(decodeLink(link as NlMessage), {
      index: 2,
      flags: 0x1002,
      name: HOST,
      mtu: 9001,
      address: '02:aa:bb:cc:dd:ee',
    });
    const [gone] = answersTo(capture(`ip -n NODE link del dev ${HOST}`, 1), RTM.GETLINK).flatMap((d) =>
      splitMessages(d),
    );
    assert.deepEqual(decodeError(gone as NlMessage), { errno: 19 });
  });

  it('dumps: links, IPv4 addresses, routes, neighbours and rules', () => {
    assert.deepEqual(
      entries('ip -n NODE link show', RTM.GETLINK).map((m) => {
        const { index, name, mtu, address } = decodeLink(m);
        return { index, name, mtu, address };
      }),
      [
        { index: 1, name: 'lo', mtu: 65536, address: '00:00:00:00:00:00' },
        { index: 2, name: HOST, mtu: 9001, address: '02:aa:bb:cc:dd:ee' },
      ],
    );
    assert.deepEqual(entries('ip -n POD addr show', RTM.GETADDR).map(decodeAddress).slice(0, 2), [
      { family: 2, prefixLen: 8, index: 1, local: '127.0.0.1' },
      { family: 2, prefixLen: 32, index: 2, local: '10.0.97.30' },
    ]);
    assert.deepEqual(entries('ip -n POD route show table main', RTM.GETROUTE).map(decodeRoute), [
      { family: 2, dstLen: 0, table: 254, scope: 0, type: 1, gateway: '169.254.1.1', oif: 2 },
      { family: 2, dstLen: 32, table: 254, scope: 253, type: 1, dst: '169.254.1.1', oif: 2 },
    ]);
    assert.deepEqual(entries('ip -n POD neigh show', RTM.GETNEIGH).map(decodeNeighbour)[0], {
      family: 2,
      index: 2,
      state: 0x80,
      dst: '169.254.1.1',
      lladdr: '02:aa:bb:cc:dd:ee',
    });
    assert.deepEqual(
      entries('ip -n NODE rule show', RTM.GETRULE)
        .map(decodeRule)
        .map((r) => `${r.priority ?? 0} ${r.src ?? ''}/${r.srcLen} ${r.dst ?? ''}/${r.dstLen} ${r.table}`),
      [
        '0 /0 /0 255',
        '512 /0 10.0.97.30/32 254',
        '1536 10.0.97.30/32 /0 3',
        '1536 10.0.97.30/32 /0 1000',
        '32766 /0 /0 254',
        '32767 /0 /0 253',
      ],
    );
  });
});

describe('rtnl replies: damaged messages are NETLINK_BAD_OUTPUT', () => {
  const [link] = answersTo(capture(`ip -n NODE link set dev ${HOST} up`), RTM.GETLINK);
  const good = link as Uint8Array;
  /** Where the (top-level) attribute of `type` starts in a one-message datagram with a 16-byte family header. */
  const attrOffset = (bytes: Uint8Array, type: number): number => {
    const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let at = 32; at < bytes.length; at += (v.getUint16(at, true) + 3) & ~3)
      if (v.getUint16(at + 2, true) === type) return at;
    throw new Error(`no attribute ${type}`);
  };
  const damaged = (edit: (b: Uint8Array, v: DataView) => Uint8Array | void): Uint8Array => {
    const copy = Uint8Array.from(good);
    return edit(copy, new DataView(copy.buffer)) ?? copy;
  };
  const cases: [string, Uint8Array, (m: NlMessage) => unknown][] = [
    ['a header cut short', good.subarray(0, 10), decodeLink],
    ['nlmsg_len under 16', damaged((_, v) => v.setUint32(0, 8, true)), decodeLink],
    ['nlmsg_len past the datagram', damaged((_, v) => v.setUint32(0, good.length + 4, true)), decodeLink],
    ['an ifinfomsg cut short', damaged((b, v) => (v.setUint32(0, 24, true), b.subarray(0, 24))), decodeLink],
    ['an attribute length under 4', damaged((_, v) => v.setUint16(32, 2, true)), decodeLink],
    ['an attribute past the message', damaged((_, v) => v.setUint16(32, 0xfff0, true)), decodeLink],
    ['an IFLA_MTU of 2 bytes', damaged((_, v) => v.setUint16(attrOffset(good, 4), 6, true)), decodeLink],
    ['an RTA_DST of 3 bytes (as a route)', damaged((_, v) => v.setUint16(32, 7, true)), decodeRoute],
  ];
  for (const [name, bytes, decode] of cases) {
    it(name, () => {
      assert.throws(
        () => splitMessages(bytes).map(decode),
        (e) => isNetlinkError(e, 'NETLINK_BAD_OUTPUT'),
      );
    });
  }

  it('an error whose echoed length points past the message', () => {
    const [refusal] = answersTo(capture('ip -n POD addr add 10.0.97.30/32 dev eth0'), RTM.NEWADDR);
    const copy = Uint8Array.from(refusal as Uint8Array);
    new DataView(copy.buffer).setUint32(20, 0xffff, true);
    new DataView(copy.buffer).setUint16(6, 0x200, true); // ACK_TLVS, not capped: the echo's length counts
    assert.throws(
      () => splitMessages(copy).map(decodeError),
      (e) => isNetlinkError(e, 'NETLINK_BAD_OUTPUT'),
    );
  });
});
