// RtnlSocket over a scripted RawSocket that answers with the kernel's captured datagrams (testdata/iproute2.json),
// their sequence numbers rewritten to the request's: acks, refusals and their NetlinkError codes (the ones
// classifyFailure gives iproute2's text), gets, dumps over several datagrams, stray and missing answers.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { NetlinkError, isNetlinkError, type NetlinkErrorCode } from '../errors.js';
import { answersTo, capture, seqOf } from './captures.test-util.js';
import { decodeLink } from './replies.js';
import { dumpLinks, getLink, newRule, setLinkUp } from './requests.js';
import { RtnlSocket, kernelError, type RawSocket } from './socket.js';
import { RTM } from './wire.js';

const HOST = 'eni1a2b3c4d5e6';

/** Every message of a datagram given sequence number `seq`. */
function reseq(datagram: Uint8Array, seq: number): Uint8Array {
  const copy = Uint8Array.from(datagram);
  const view = new DataView(copy.buffer);
  for (let at = 0; at + 16 <= copy.length; at += (view.getUint32(at, true) + 3) & ~3) {
    view.setUint32(at + 8, seq, true);
    if (view.getUint32(at, true) < 16) break;
  }
  return copy;
}

/** Answers each receive() with the next scripted datagram, given the last request's sequence number (+ offset). */
class Scripted implements RawSocket {
  readonly sent: Uint8Array[] = [];
  closed = false;
  constructor(readonly script: { datagram: Uint8Array; seqOffset?: number }[]) {}
  send(datagram: Uint8Array): void {
    this.sent.push(Uint8Array.from(datagram));
  }
  receive(): Uint8Array {
    const next = this.script.shift();
    const last = this.sent[this.sent.length - 1];
    if (next === undefined || last === undefined) throw new NetlinkError('NETLINK_TIMEOUT', 'no answer in time');
    return reseq(next.datagram, seqOf(last) + (next.seqOffset ?? 0));
  }
  close(): void {
    this.closed = true;
  }
}

const first = (command: string, type: number, nth = 0): Uint8Array => {
  const datagram = answersTo(capture(command, nth), type)[0];
  if (datagram === undefined) throw new Error(`no answer in ${command}`);
  return datagram;
};
const ACK = first(`ip -n NODE link set dev ${HOST} up`, RTM.NEWLINK);
const EEXIST = first('ip -n NODE rule add prio 1536 from 10.0.97.30/32 lookup 3', RTM.NEWRULE, 1);
const EXTACK = first('ip -n POD addr add 10.0.97.30/32 dev eth0', RTM.NEWADDR);
const ENODEV = first(`ip -n NODE link del dev ${HOST}`, RTM.GETLINK, 1);
const ESRCH = first('ip -n NODE route del 10.0.97.30/32 scope link', RTM.DELROUTE);
const LINK = first(`ip -n NODE link set dev ${HOST} up`, RTM.GETLINK);
const LINK_DUMP = answersTo(capture('ip -n NODE link show'), RTM.GETLINK);

describe('RtnlSocket', () => {
  it('numbers its requests and returns on the ack of the one it sent, skipping a late answer to another', () => {
    const raw = new Scripted([{ datagram: ACK, seqOffset: -1 }, { datagram: ACK }, { datagram: ACK }]);
    const socket = new RtnlSocket(raw);
    socket.change(setLinkUp(2), 'link set up');
    socket.change(setLinkUp(2), 'link set up');
    assert.deepEqual(raw.sent.map(seqOf), [1, 2]);
    assert.equal(raw.script.length, 0);
    socket.close();
    assert.ok(raw.closed);
  });

  const refusals: [string, Uint8Array, NetlinkErrorCode, string][] = [
    ['EEXIST', EEXIST, 'NETLINK_EXISTS', 'rule add: File exists'],
    ['EEXIST with an extended ack', EXTACK, 'NETLINK_EXISTS', 'rule add: ipv4: Address already assigned'],
    ['ENODEV', ENODEV, 'LINK_NOT_FOUND', 'rule add: No such device'],
    ['ESRCH', ESRCH, 'NETLINK_NOT_FOUND', 'rule add: No such process'],
  ];
  for (const [name, datagram, code, message] of refusals) {
    it(`a refusal with ${name} is ${code}`, () => {
      const socket = new RtnlSocket(new Scripted([{ datagram }]));
      const request = newRule({ priority: 1536, src: { address: '10.0.97.30', length: 32 }, table: 3 });
      assert.throws(
        () => socket.change(request, 'rule add'),
        (e) => isNetlinkError(e, code) && e.message === message && e.details['command'] === 'rule add',
      );
    });
  }

  it('names an errno it has no text for', () => {
    const error = kernelError('link add', { errno: 200 });
    assert.equal(error.code, 'NETLINK_COMMAND_FAILED');
    assert.equal(error.message, 'link add: errno 200');
  });

  it('get returns the one answer, or throws the refusal', () => {
    const socket = new RtnlSocket(new Scripted([{ datagram: LINK }, { datagram: ENODEV }]));
    assert.equal(decodeLink(socket.get(getLink(HOST), 'link show')).name, HOST);
    assert.throws(
      () => socket.get(getLink(HOST), 'link show'),
      (e) => isNetlinkError(e, 'LINK_NOT_FOUND'),
    );
  });

  it('dump collects the messages of every datagram until NLMSG_DONE', () => {
    assert.ok(LINK_DUMP.length >= 2, 'the capture has the entries and NLMSG_DONE in separate datagrams');
    const socket = new RtnlSocket(new Scripted(LINK_DUMP.map((datagram) => ({ datagram }))));
    assert.deepEqual(
      socket.dump(dumpLinks(), 'link show').map((m) => decodeLink(m).name),
      ['lo', HOST],
    );
  });

  it('a dump refused part-way (an error, or NLMSG_DONE with an errno) throws', () => {
    const done = Uint8Array.from(LINK_DUMP[LINK_DUMP.length - 1] as Uint8Array);
    new DataView(done.buffer).setInt32(16, -16, true);
    const entries = LINK_DUMP[0] as Uint8Array;
    for (const script of [
      [entries, done],
      [entries, ESRCH],
    ]) {
      const socket = new RtnlSocket(new Scripted(script.map((datagram) => ({ datagram }))));
      assert.throws(
        () => socket.dump(dumpLinks(), 'link show'),
        (e) => isNetlinkError(e) && /^link show: /.test(e.message),
      );
    }
  });

  it('no answer is the transport’s NETLINK_TIMEOUT; only strays, or a change answered with data, is NETLINK_BAD_OUTPUT', () => {
    assert.throws(
      () => new RtnlSocket(new Scripted([])).change(setLinkUp(2), 'link set up'),
      (e) => isNetlinkError(e, 'NETLINK_TIMEOUT'),
    );
    const strays = Array.from({ length: 70 }, () => ({ datagram: ACK, seqOffset: 5 }));
    assert.throws(
      () => new RtnlSocket(new Scripted(strays)).change(setLinkUp(2), 'link set up'),
      (e) => isNetlinkError(e, 'NETLINK_BAD_OUTPUT'),
    );
    assert.throws(
      () => new RtnlSocket(new Scripted([{ datagram: LINK }])).change(setLinkUp(2), 'link set up'),
      (e) => isNetlinkError(e, 'NETLINK_BAD_OUTPUT'),
    );
  });
});
