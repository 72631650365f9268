// CHECK's observations built from the kernel's dumps captured with iproute2 (testdata/iproute2.json): the captures
// hold the [behaviour §7.10] example pod wired by hand, plus a rule 1536 to table 1000, which is the one difference.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { EXAMPLE_POD } from '../example.test-util.js';
import { podStateDifferences } from '../pod-state.js';
import { answersTo, capture } from './captures.test-util.js';
import { hostObservation, podObservation } from './observe.js';
import {
  decodeAddress,
  decodeLink,
  decodeNeighbour,
  decodeRoute,
  decodeRule,
  splitMessages,
  type NlMessage,
} from './replies.js';
import { NLMSG, RTM } from './wire.js';

/** The entries of a captured dump (NLMSG_DONE dropped). */
function dump(command: string, type: number): NlMessage[] {
  return answersTo(capture(command), type)
    .flatMap((d) => splitMessages(d))
    .filter((m) => m.type !== NLMSG.DONE);
}

describe('rtnl observations (CHECK) from captured dumps', () => {
  const podLinks = dump('ip -n POD addr show', RTM.GETLINK).map(decodeLink);
  const pod = podObservation(
    podLinks,
    dump('ip -n POD addr show', RTM.GETADDR).map(decodeAddress),
    dump('ip -n POD route show table main', RTM.GETROUTE).map(decodeRoute),
    dump('ip -n POD neigh show', RTM.GETNEIGH).map(decodeNeighbour),
  );
  const host = hostObservation(
    dump('ip -n NODE link show', RTM.GETLINK).map(decodeLink),
    dump('ip -n NODE route show table main', RTM.GETROUTE).map(decodeRoute),
    dump('ip -n NODE rule show', RTM.GETRULE).map(decodeRule),
    EXAMPLE_POD.podIp,
  );

  it('reads the pod side in the words of ip -json', () => {
    assert.deepEqual(pod.routes, [
      { dst: 'default', gateway: '169.254.1.1', dev: 'eth0' },
      { dst: '169.254.1.1', dev: 'eth0', scope: 'link' },
    ]);
    assert.deepEqual(pod.neighbours, [
      { state: ['PERMANENT'], dst: '169.254.1.1', dev: 'eth0', lladdr: '02:aa:bb:cc:dd:ee' },
    ]);
    assert.deepEqual(
      pod.links.find((l) => l.ifname === 'eth0'),
      {
        flags: ['UP', 'LOWER_UP'],
        addr_info: [{ family: 'inet', local: '10.0.97.30', prefixlen: 32 }],
        ifname: 'eth0',
        mtu: 9001,
        address: '02:11:22:33:44:55',
      },
    );
  });

  it('reads the node side: the /32 route only, rules with /32 selectors as bare addresses', () => {
    assert.deepEqual(host.routes, [{ dst: '10.0.97.30', dev: 'eni1a2b3c4d5e6', scope: 'link' }]);
    assert.deepEqual(host.rules, [
      { priority: 0, table: 'local' },
      { priority: 512, table: 'main', dst: '10.0.97.30' },
      { priority: 1536, table: '3', src: '10.0.97.30' },
      { priority: 1536, table: '1000', src: '10.0.97.30' },
      { priority: 32766, table: 'main' },
      { priority: 32767, table: 'default' },
    ]);
  });

  it('the example is in place but for the extra rule', () => {
    assert.deepEqual(podStateDifferences(EXAMPLE_POD, pod, host), [
      'node: unexpected rule 1536: from 10.0.97.30 lookup 1000',
    ]);
  });
});
