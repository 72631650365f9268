// RtnlPodNetwork: input checked before anything opens (under Node, with a system that must not load), then against
// the real kernel under Bun (test/support/rtnl/harness.ts inside a node namespace of the test, as a runtime runs the
// plugin), each result compared with what the iproute2 wiring (NetlinkPodNetwork) makes of the same spec in a twin
// pair of namespaces: links, addresses, routes, neighbours, rules, the host veth's sysctls, CHECK's differences.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { EXAMPLE_POD } from '../example.test-util.js';
import { isNetlinkError } from '../errors.js';
import { NetlinkExecutor } from '../exec.js';
import { createNamespace, createNamespaces, deleteNamespaces, newRunPrefix } from '../netns.js';
import { guardIsolation, podState, reach, type State } from '../netns.test-util.js';
import { NetlinkPodNetwork } from '../pod-network.js';
import type { PodSpec, PodWiringResult } from '../port.js';
import { harness, rtnlSkipReason } from './kernel.test-util.js';
import { RtnlPodNetwork } from './pod-network.js';

const skip = await rtnlSkipReason();
const NODE_IP = '10.0.97.5';
const VETH = EXAMPLE_POD.hostVethName;

describe('RtnlPodNetwork: validation happens before anything is opened', () => {
  const hostile: [string, Partial<PodSpec>][] = [
    ['host veth name with a blank', { hostVethName: 'eni 1' }],
    ['host veth name of 16 bytes', { hostVethName: 'eni1a2b3c4d5e6f7' }],
    ['container interface with a slash', { containerIfName: 'eth/0' }],
    ['relative netns path', { netnsPath: 'netns/x' }],
    ['netns path with a newline', { netnsPath: '/var/run/netns/x\nlink del eth0' }],
    ['IPv6 pod address', { podIp: '2600::1' }],
    ['pod address with words after it', { podIp: '10.0.97.30 table 7' }],
    ['MTU of 65536', { mtu: 65536 }],
    ['route table 2^32', { routeTableId: 2 ** 32 }],
  ];
  for (const [name, change] of hostile) {
    it(`refuses a ${name} for setup, check and teardown`, async () => {
      let loaded = 0;
      const pods = new RtnlPodNetwork({ system: () => Promise.reject(new Error(`loaded ${++loaded}`)) });
      const bad = { ...EXAMPLE_POD, ...change };
      await assert.rejects(pods.setupPod(bad), (e) => isNetlinkError(e, 'NETLINK_INVALID_ARGUMENT'));
      await assert.rejects(pods.checkPod(bad), (e) => isNetlinkError(e, 'NETLINK_INVALID_ARGUMENT'));
      if ('podIp' in change || 'hostVethName' in change)
        await assert.rejects(pods.teardownPod(bad), (e) => isNetlinkError(e, 'NETLINK_INVALID_ARGUMENT'));
      if ('netnsPath' in change)
        assert.throws(
          () => pods.prepareSetup(bad.netnsPath),
          (e) => isNetlinkError(e, 'NETLINK_INVALID_ARGUMENT'),
        );
      assert.equal(loaded, 0);
    });
  }
});

interface Step {
  ok: boolean;
  value?: unknown;
  error?: { code: string; message: string };
  socketsOpenedAhead?: number;
  socketsOpenedLater?: number;
}

describe('RtnlPodNetwork (real namespaces, under Bun) beside the iproute2 wiring', { skip, timeout: 180_000 }, () => {
  const exec = new NetlinkExecutor({ confined: true });
  const prefix = newRunPrefix('vcni');
  guardIsolation(exec, prefix);
  let count = 0;

  /** A node namespace (the node's address on lo) and an empty pod namespace; the spec of the example pod in it. */
  async function newPair(routeTableId = 3): Promise<{ node: string; pod: string; spec: PodSpec }> {
    count += 1;
    const node = `${prefix}-n${count}`;
    const pod = `${prefix}-p${count}`;
    await createNamespace(exec, node, { 'net.ipv4.conf.all.rp_filter': 2 });
    await exec.batch([{ args: ['addr', 'add', `${NODE_IP}/32`, 'dev', 'lo'] }], { netns: node });
    await createNamespaces(exec, [pod]);
    return { node, pod, spec: { ...EXAMPLE_POD, netnsPath: `/var/run/netns/${pod}`, routeTableId } };
  }

  /** Pod operations run by the rtnetlink wiring inside `node`, one after the other, in one Bun process. */
  async function rtnl(node: string, ...steps: object[]): Promise<Step[]> {
    const answer = await harness<Step[]>(exec, node, 'steps', { steps });
    assert.equal(answer.ok, true, JSON.stringify(answer.error));
    return answer.value ?? [];
  }

  const masked = (state: State, macs: PodWiringResult): State =>
    JSON.parse(
      JSON.stringify(state).replaceAll(macs.hostVethMac, 'HOST-MAC').replaceAll(macs.containerMac, 'POD-MAC'),
    ) as State;

  for (const table of [3, 254, 1000]) {
    it(`ADD (table ${table}) leaves what the iproute2 wiring leaves; CHECK is clean; DEL twice leaves nothing`, async () => {
      const twin = await newPair(table);
      const { node, pod, spec } = await newPair(table);
      const nodeBefore = await podState(exec, node);
      const iproute2 = await new NetlinkPodNetwork({ executor: exec, hostNetns: twin.node }).setupPod(twin.spec);
      const [added, checked] = await rtnl(node, { op: 'setup', spec, prepared: true }, { op: 'check', spec });
      assert.equal(added?.ok, true, JSON.stringify(added?.error));
      const wired = added?.value as PodWiringResult;
      assert.deepEqual(added?.socketsOpenedLater, 0, 'both sockets were opened while "ipamd answered"');
      assert.deepEqual(checked?.value, []);
      assert.deepEqual(masked(await podState(exec, pod), wired), masked(await podState(exec, twin.pod), iproute2));
      assert.deepEqual(masked(await podState(exec, node), wired), masked(await podState(exec, twin.node), iproute2));
      const sysctl = await exec.run({
        file: 'nsenter',
        args: [`--net=/var/run/netns/${node}`, '--', 'sysctl', '-n', `net/ipv6/conf/${VETH}/accept_ra`],
      });
      assert.equal(sysctl.stdout.trim(), '0');
      assert.deepEqual(await reach(exec, spec.netnsPath, [NODE_IP]), { [NODE_IP]: true }, 'pod → node');
      assert.deepEqual(await reach(exec, `/var/run/netns/${node}`, [spec.podIp]), { [spec.podIp]: true });
      const iproute2Check = new NetlinkPodNetwork({ executor: exec, hostNetns: node });
      assert.deepEqual(await iproute2Check.checkPod(spec), [], 'the iproute2 wiring finds nothing amiss either');

      const [del, again, after] = await rtnl(
        node,
        { op: 'teardown', spec, prepared: true },
        { op: 'teardown', spec },
        { op: 'check', spec },
      );
      assert.deepEqual([del?.ok, again?.ok, del?.socketsOpenedLater], [true, true, 0]);
      const afterDel = await podState(exec, node);
      assert.deepEqual(
        { ...afterDel, links: nodeBefore.links, neighbours: nodeBefore.neighbours },
        nodeBefore,
        'no route or rule of the pod (what the veth learned goes with it)',
      );
      const name = (link: string): string => link.split(' ')[0] ?? '';
      assert.deepEqual(
        afterDel.links.map(name),
        [...nodeBefore.links.map(name), VETH],
        'DEL leaves the veth to the namespace removal, as the reference does',
      );
      assert.deepEqual(after?.value, await iproute2Check.checkPod(spec), 'the same differences as iproute2 reports');
      const [undo] = await rtnl(node, { op: 'teardown', spec: { ...spec, removeVeth: true } });
      assert.equal(undo?.ok, true, JSON.stringify(undo?.error));
      assert.deepEqual(await podState(exec, node), nodeBefore);
      assert.deepEqual((await podState(exec, pod)).links, [], 'the container end went with the host veth');
    });
  }

  it('CHECK reports a drift as the iproute2 wiring does; DEL removes every rule 1536 of the address', async () => {
    const { node, spec } = await newPair();
    const nodeBefore = await podState(exec, node);
    await rtnl(node, { op: 'setup', spec });
    await exec.batch(
      [
        { args: ['rule', 'del', 'prio', '512', 'to', `${spec.podIp}/32`] },
        { args: ['rule', 'add', 'prio', '1536', 'from', spec.podIp, 'lookup', '9'] },
        { args: ['rule', 'add', 'prio', '1536', 'from', spec.podIp, 'lookup', '10'] },
        { args: ['link', 'set', 'dev', VETH, 'mtu', '1500'] },
      ],
      { netns: node },
    );
    await exec.batch([{ args: ['neigh', 'del', '169.254.1.1', 'dev', 'eth0'] }], { netns: spec.netnsPath });
    const [checked] = await rtnl(node, { op: 'check', spec });
    const expected = await new NetlinkPodNetwork({ executor: exec, hostNetns: node }).checkPod(spec);
    assert.equal(expected.length, 5);
    assert.deepEqual(checked?.value, expected);
    await rtnl(node, { op: 'teardown', spec: { ...spec, removeVeth: true } });
    assert.deepEqual(await podState(exec, node), nodeBefore);
  });

  it('DEL after the runtime deleted the pod namespace, and DEL without ADD or without a veth name, succeed', async () => {
    const { node, pod, spec } = await newPair();
    const nodeBefore = await podState(exec, node);
    const [first, added] = await rtnl(node, { op: 'teardown', spec }, { op: 'setup', spec });
    assert.deepEqual([first?.ok, added?.ok], [true, true]);
    await deleteNamespaces(exec, [pod]);
    const steps = await rtnl(
      node,
      { op: 'teardown', spec },
      { op: 'teardown', spec: { podIp: spec.podIp, routeTableId: spec.routeTableId } },
    );
    assert.deepEqual(
      steps.map((s) => s.ok),
      [true, true],
    );
    assert.deepEqual(await podState(exec, node), nodeBefore);
  });

  it('a missing pod namespace, or a path that is not one, is NETNS_NOT_FOUND with nothing created', async () => {
    const { node, spec } = await newPair();
    const nodeBefore = await podState(exec, node);
    const paths = [`/var/run/netns/${prefix}-gone`, '/proc/999999999/ns/net', '/etc/hostname'];
    for (const netnsPath of paths) {
      const steps = await rtnl(
        node,
        { op: 'setup', spec: { ...spec, netnsPath }, prepared: true },
        { op: 'check', spec: { ...spec, netnsPath } },
      );
      assert.deepEqual(
        steps.map((s) => s.error?.code),
        ['NETNS_NOT_FOUND', 'NETNS_NOT_FOUND'],
        netnsPath,
      );
    }
    assert.deepEqual(await podState(exec, node), nodeBefore);
  });

  it('replaces a stale host veth of the same name; refuses an interface already in the pod, leaving the node clean', async () => {
    const { node, pod, spec } = await newPair();
    const nodeBefore = await podState(exec, node);
    await exec.batch([{ args: ['link', 'add', VETH, 'type', 'veth', 'peer', 'name', 'stale0'] }], { netns: node });
    const [added, checked, deleted] = await rtnl(
      node,
      { op: 'setup', spec },
      { op: 'check', spec },
      { op: 'teardown', spec: { ...spec, removeVeth: true } },
    );
    assert.deepEqual([added?.ok, checked?.value, deleted?.ok], [true, [], true]);
    assert.deepEqual(await podState(exec, node), nodeBefore);

    await exec.batch([{ args: ['link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth9'] }], { netns: pod });
    const [refused] = await rtnl(node, { op: 'setup', spec });
    assert.equal(refused?.error?.code, 'NETLINK_EXISTS');
    assert.match(refused?.error?.message ?? '', /^pod namespace \S+: link add eth0 type veth peer name \S+: /);
    assert.deepEqual(await podState(exec, node), nodeBefore);
    assert.match(
      (await podState(exec, pod)).links.join('|'),
      /^eth9 \S+ mtu 1500 down\|eth0 \S+ mtu 1500 down$/,
      'the pod’s own eth0 is untouched',
    );
  });

  for (const [fault, code] of [
    ['pod-default-route', 'NETLINK_COMMAND_FAILED'],
    ['node-link-up', 'NETLINK_COMMAND_FAILED'],
  ] as const) {
    it(`a failed ADD (${fault}) removes what it created in both namespaces`, async () => {
      const { node, pod, spec } = await newPair();
      const nodeBefore = await podState(exec, node);
      const [failed] = await rtnl(node, { op: 'setup', spec, fault });
      assert.equal(failed?.error?.code, code);
      assert.match(failed?.error?.message ?? '', fault === 'node-link-up' ? /^link set dev/ : /default via/);
      assert.deepEqual(await podState(exec, node), nodeBefore);
      assert.deepEqual((await podState(exec, pod)).links, []);
    });
  }
});
