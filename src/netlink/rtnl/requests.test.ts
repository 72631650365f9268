// The rtnetlink requests against the bytes iproute2 6.1 sent for the same command (testdata/iproute2.json): equal
// but for the sequence number, which the socket sets (taken from the capture here). The captures' ifindexes are 2
// (eth0 in the pod, the host veth in the node) and iproute2 passed the node's namespace as fd 4.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { capture, hexOf, sentOfType, seqOf, withSeq } from './captures.test-util.js';
import {
  delLink,
  delRoute,
  delRule,
  dumpAddrs,
  dumpLinks,
  dumpNeighbours,
  dumpRoutes,
  dumpRules,
  getLink,
  newAddr,
  newPermanentNeighbour,
  newRoute,
  newRule,
  newVeth,
  setLinkUp,
} from './requests.js';
import { NLM_F, RTM, RT_SCOPE } from './wire.js';

const HOST = 'eni1a2b3c4d5e6';
const HOST_MAC = '02:aa:bb:cc:dd:ee';
const IP = '10.0.97.30';

const CASES: readonly [command: string, type: number, built: Uint8Array][] = [
  [
    `ip -n POD link add eth0 address 02:11:22:33:44:55 mtu 9001 up type veth peer name ${HOST} address ${HOST_MAC} mtu 9001 netns NODE`,
    RTM.NEWLINK,
    newVeth(
      { name: 'eth0', mac: '02:11:22:33:44:55', mtu: 9001 },
      { name: HOST, mac: HOST_MAC, mtu: 9001, netnsFd: 4 },
    ),
  ],
  [`ip -n NODE link set dev ${HOST} up`, RTM.GETLINK, getLink(HOST)],
  [`ip -n NODE link set dev ${HOST} up`, RTM.NEWLINK, setLinkUp(2)],
  [`ip -n NODE link del dev ${HOST}`, RTM.DELLINK, delLink(2)],
  [`ip -n POD addr replace ${IP}/32 dev eth0`, RTM.NEWADDR, newAddr(2, IP, 32)],
  [
    'ip -n POD route replace 169.254.1.1 dev eth0 scope link',
    RTM.NEWROUTE,
    newRoute({ dst: '169.254.1.1', dstLen: 32, oif: 2, scope: RT_SCOPE.LINK }),
  ],
  [
    'ip -n POD route replace default via 169.254.1.1 dev eth0',
    RTM.NEWROUTE,
    newRoute({ dstLen: 0, gateway: '169.254.1.1', oif: 2, scope: RT_SCOPE.UNIVERSE }),
  ],
  [
    `ip -n NODE route replace ${IP}/32 dev ${HOST} scope link`,
    RTM.NEWROUTE,
    newRoute({ dst: IP, dstLen: 32, oif: 2, scope: RT_SCOPE.LINK }),
  ],
  [
    `ip -n NODE route replace 10.0.97.31/32 dev ${HOST} scope link table 1000`,
    RTM.NEWROUTE,
    newRoute({ dst: '10.0.97.31', dstLen: 32, oif: 2, scope: RT_SCOPE.LINK, table: 1000 }),
  ],
  [
    `ip -n NODE route del ${IP}/32 dev ${HOST} scope link`,
    RTM.DELROUTE,
    delRoute({ dst: IP, dstLen: 32, oif: 2, scope: RT_SCOPE.LINK }),
  ],
  [`ip -n NODE route del ${IP}/32 scope link`, RTM.DELROUTE, delRoute({ dst: IP, dstLen: 32, scope: RT_SCOPE.LINK })],
  [
    `ip -n POD neigh replace 169.254.1.1 lladdr ${HOST_MAC} dev eth0 nud permanent`,
    RTM.NEWNEIGH,
    newPermanentNeighbour(2, '169.254.1.1', HOST_MAC),
  ],
  [
    `ip -n NODE rule add prio 512 to ${IP}/32 lookup main`,
    RTM.NEWRULE,
    newRule({ priority: 512, dst: { address: IP, length: 32 }, table: 254 }),
  ],
  [
    `ip -n NODE rule add prio 1536 from ${IP}/32 lookup 3`,
    RTM.NEWRULE,
    newRule({ priority: 1536, src: { address: IP, length: 32 }, table: 3 }),
  ],
  [
    `ip -n NODE rule add prio 1536 from ${IP}/32 lookup 1000`,
    RTM.NEWRULE,
    newRule({ priority: 1536, src: { address: IP, length: 32 }, table: 1000 }),
  ],
  [
    `ip -n NODE rule del prio 512 to ${IP}/32`,
    RTM.DELRULE,
    delRule({ priority: 512, dst: { address: IP, length: 32 } }),
  ],
  [
    `ip -n NODE rule del prio 1536 from ${IP}/32`,
    RTM.DELRULE,
    delRule({ priority: 1536, src: { address: IP, length: 32 } }),
  ],
  ['ip -n POD addr show', RTM.GETADDR, dumpAddrs()],
  ['ip -n NODE rule show', RTM.GETRULE, dumpRules()],
];

describe('rtnl requests: the bytes iproute2 sends', () => {
  for (const [command, type, built] of CASES) {
    it(`${command.replace(/^ip -n \w+ /, '')} (${type})`, () => {
      const sent = sentOfType(capture(command), type);
      // addr show asks for every family; ours for IPv4 only (CHECK reads nothing else).
      const expected = command.endsWith('addr show')
        ? Uint8Array.from([...sent.subarray(0, 16), 2, ...sent.subarray(17)])
        : sent;
      assert.equal(hexOf(withSeq(built, seqOf(sent))), hexOf(expected));
    });
  }

  it('dumps carry NLM_F_REQUEST|NLM_F_DUMP and an IPv4 family header of the right size', () => {
    const dumps: [Uint8Array, number, number][] = [
      [dumpLinks(), RTM.GETLINK, 16 + 16 + 8],
      [dumpAddrs(), RTM.GETADDR, 16 + 8],
      [dumpRoutes(), RTM.GETROUTE, 16 + 12],
      [dumpNeighbours(), RTM.GETNEIGH, 16 + 12],
      [dumpRules(), RTM.GETRULE, 16 + 12],
    ];
    for (const [bytes, type, length] of dumps) {
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      assert.deepEqual(
        [view.getUint32(0, true), view.getUint16(4, true), view.getUint16(6, true), bytes.length],
        [length, type, NLM_F.REQUEST | NLM_F.DUMP, length],
      );
      if (type !== RTM.GETLINK) assert.equal(bytes[16], 2, 'AF_INET');
    }
  });
});
