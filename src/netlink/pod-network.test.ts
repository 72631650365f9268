// NetlinkPodNetwork against real namespaces: a node namespace (the node's address on lo) and a pod namespace per
// test, wired as the plugin's ADD does, checked against the reference's [behaviour §7.10] example, torn down.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import type { PodSpec } from './port.js';
import { EXAMPLE_POD } from './example.test-util.js';
import type { IpCommand, ProgramCommand } from './commands.js';
import { NetlinkError, isNetlinkError } from './errors.js';
import { NetlinkExecutor, type BatchResult, type IpOptions, type RunOptions, type RunResult } from './exec.js';
import { createNamespace, createNamespaces, deleteNamespaces, newRunPrefix } from './netns.js';
import { guardIsolation, netnsSkipReason, podState, reach } from './netns.test-util.js';
import { NetlinkPodNetwork, podStateDifferences } from './pod-network.js';

const skip = await netnsSkipReason();

// The plugin's situation: a process inside the node namespace, with an unconfined executor and no hostNetns.
const CHILD = `
const [execUrl, podUrl, op, specJson] = process.argv.slice(1);
const { NetlinkExecutor } = await import(execUrl);
const { NetlinkPodNetwork } = await import(podUrl);
const exec = new NetlinkExecutor();
const pods = new NetlinkPodNetwork({ executor: exec });
const spec = JSON.parse(specJson);
const result = op === 'setup' ? await pods.setupPod(spec) : await pods.teardownPod(spec);
const spawns = exec.spawnCount;
const diffs = op === 'setup' ? await pods.checkPod(spec) : [];
process.stdout.write(JSON.stringify({ result, spawns, diffs }));
`;

async function productionChild(
  exec: NetlinkExecutor,
  node: string,
  op: 'setup' | 'teardown',
  spec: PodSpec,
): Promise<{ result?: { hostVethMac: string }; spawns: number; diffs: string[] }> {
  const urls = [new URL('./exec.js', import.meta.url).href, new URL('./pod-network.js', import.meta.url).href];
  const args = [
    `--net=/var/run/netns/${node}`,
    '--',
    process.execPath,
    '--input-type=module',
    '-e',
    CHILD,
    ...urls,
    op,
    JSON.stringify(spec),
  ];
  const { stdout } = await exec.run({ file: 'nsenter', args }, { timeoutMs: 20_000 });
  return JSON.parse(stdout) as { result?: { hostVethMac: string }; spawns: number; diffs: string[] };
}
const VETH = EXAMPLE_POD.hostVethName;
const NODE_IP = '10.0.97.5';

describe('NetlinkPodNetwork: validation happens before any process', () => {
  const spec = EXAMPLE_POD;
  const hostile: [string, Partial<PodSpec>][] = [
    ['host veth name with a blank', { hostVethName: 'eni 1' }],
    ['host veth name of 16 bytes', { hostVethName: 'eni1a2b3c4d5e6f7' }],
    ['container interface with a slash', { containerIfName: 'eth/0' }],
    ['relative netns path', { netnsPath: 'netns/x' }],
    ['netns path with a newline (a second batch line)', { netnsPath: '/var/run/netns/x\nlink del eth0' }],
    ['IPv6 pod address', { podIp: '2600::1' }],
    ['pod address with words after it', { podIp: '10.0.97.30 table 7' }],
    ['MTU of 65536', { mtu: 65536 }],
    ['route table 2^32', { routeTableId: 2 ** 32 }],
  ];
  for (const [name, change] of hostile) {
    it(`refuses a ${name} for setup, check and teardown`, async () => {
      const exec = new NetlinkExecutor({ confined: true });
      const pods = new NetlinkPodNetwork({ executor: exec, hostNetns: 'vcni-0-0-never' });
      const bad = { ...spec, ...change };
      await assert.rejects(pods.setupPod(bad), (e) => isNetlinkError(e, 'NETLINK_INVALID_ARGUMENT'));
      await assert.rejects(pods.checkPod(bad), (e) => isNetlinkError(e, 'NETLINK_INVALID_ARGUMENT'));
      if ('podIp' in change || 'hostVethName' in change) {
        await assert.rejects(pods.teardownPod(bad), (e) => isNetlinkError(e, 'NETLINK_INVALID_ARGUMENT'));
      }
      assert.equal(exec.spawnCount, 0);
    });
  }
});

describe('podStateDifferences (CHECK, pure)', () => {
  const spec = EXAMPLE_POD;
  const mac = '02:aa:00:00:00:01';
  const pod = {
    links: [
      { ifname: 'eth0', mtu: 9001, flags: ['UP'], addr_info: [{ family: 'inet', local: '10.0.97.30', prefixlen: 32 }] },
    ],
    routes: [
      { dst: 'default', gateway: '169.254.1.1', dev: 'eth0' },
      { dst: '169.254.1.1', dev: 'eth0', scope: 'link' },
    ],
    neighbours: [{ dst: '169.254.1.1', dev: 'eth0', lladdr: mac.toUpperCase(), state: ['PERMANENT'] }],
  };
  const host = {
    links: [{ ifname: VETH, mtu: 9001, flags: ['UP', 'LOWER_UP'], address: mac }],
    routes: [{ dst: '10.0.97.30', dev: VETH, scope: 'link' }],
    rules: [
      { priority: 512, src: 'all', dst: '10.0.97.30', table: 'main' },
      { priority: 1536, src: '10.0.97.30', table: '3' },
    ],
  };

  it('is empty for what ADD leaves', () => {
    assert.deepEqual(podStateDifferences(spec, pod, host), []);
  });

  it('names a down interface, a wrong MTU, a missing address, a neighbour to another MAC, a /31 rule', () => {
    const drifted = podStateDifferences(
      spec,
      {
        ...pod,
        links: [{ ifname: 'eth0', mtu: 1500, flags: [], addr_info: [] }],
        neighbours: [{ ...pod.neighbours[0], lladdr: '02:00:00:00:00:09' }],
      },
      {
        ...host,
        rules: [{ priority: 512, src: 'all', dst: '10.0.97.30', dstlen: 31, table: 'main' }, ...host.rules.slice(1)],
      },
    );
    assert.deepEqual(drifted, [
      'pod: eth0 is down',
      'pod: eth0 has MTU 1500, expected 9001',
      'pod: eth0 lacks 10.0.97.30/32',
      `pod: no permanent neighbour 169.254.1.1 lladdr ${mac} dev eth0`,
      'node: no rule 512: from all to 10.0.97.30 lookup main',
    ]);
  });
});

/** Fails the node-side batch of ADD (the one that brings the host veth up), or corrupts one line of the pod batch. */
class FaultyExecutor extends NetlinkExecutor {
  constructor(readonly fault: 'node-batch' | 'pod-line-4') {
    super({ confined: true });
  }

  override async batch(commands: readonly IpCommand[], options?: IpOptions): Promise<BatchResult> {
    if (this.fault === 'node-batch' && commands[0]?.args.slice(0, 2).join(' ') === 'link set') {
      throw new NetlinkError('NETLINK_COMMAND_FAILED', 'injected failure');
    }
    return super.batch(commands, options);
  }

  override run(program: ProgramCommand, options?: RunOptions): Promise<RunResult> {
    const input = options?.input;
    if (this.fault === 'pod-line-4' && input?.startsWith('link add') === true) {
      return super.run(program, {
        ...options,
        input: input.replace('default via 169.254.1.1', 'default via 169.254.9.9'),
      });
    }
    return super.run(program, options);
  }
}

describe('NetlinkPodNetwork (real namespaces)', { skip, timeout: 120_000 }, () => {
  const exec = new NetlinkExecutor({ confined: true });
  const prefix = newRunPrefix('vcni');
  let count = 0;
  guardIsolation(exec, prefix);

  /** A node namespace (with the node's address) and an empty pod namespace. */
  async function newPair(): Promise<{ node: string; pod: string; podPath: string; spec: PodSpec }> {
    count += 1;
    const node = `${prefix}-n${count}`;
    const pod = `${prefix}-p${count}`;
    await createNamespace(exec, node, { 'net.ipv4.conf.all.rp_filter': 2 });
    // The node's address on lo (the kernel has no dummy driver here): a source address for node → pod.
    await exec.batch([{ args: ['addr', 'add', `${NODE_IP}/32`, 'dev', 'lo'] }], { netns: node });
    await createNamespaces(exec, [pod]);
    const podPath = `/var/run/netns/${pod}`;
    return {
      node,
      pod,
      podPath,
      spec: {
        hostVethName: VETH,
        containerIfName: 'eth0',
        netnsPath: podPath,
        podIp: '10.0.97.30',
        mtu: 9001,
        routeTableId: 3,
      },
    };
  }

  it('wires the [behaviour §7.10] example in three processes, reachable both ways; CHECK is clean; DEL twice leaves only the veth', async () => {
    const { node, pod, podPath, spec } = await newPair();
    const nodeBefore = await podState(exec, node);
    const pods = new NetlinkPodNetwork({ executor: exec, hostNetns: node });
    const spawns = exec.spawnCount;
    const { hostVethMac, containerMac } = await pods.setupPod(spec);
    assert.equal(exec.spawnCount - spawns, 3, 'pod batch, nsenter sysctl, node batch');
    assert.match(hostVethMac, /^[0-9a-f][26ae](:[0-9a-f]{2}){5}$/);

    assert.deepEqual(await podState(exec, pod), {
      links: [`eth0 ${containerMac} mtu 9001 up 10.0.97.30/32`],
      routes: ['default via 169.254.1.1 dev eth0', '169.254.1.1 dev eth0 scope link'],
      neighbours: [`169.254.1.1 lladdr ${hostVethMac} PERMANENT`],
      rules: ['0 lookup local', '32766 lookup main', '32767 lookup default'],
    });
    assert.deepEqual(await podState(exec, node), {
      links: [`${VETH} ${hostVethMac} mtu 9001 up`],
      routes: [`10.0.97.30 dev ${VETH} scope link`],
      neighbours: [],
      rules: [
        '0 lookup local',
        '512 to 10.0.97.30 lookup main',
        '1536 from 10.0.97.30 lookup 3',
        '32766 lookup main',
        '32767 lookup default',
      ],
    });
    const sysctl = await exec.run({
      file: 'nsenter',
      args: [
        `--net=/var/run/netns/${node}`,
        '--',
        'sysctl',
        '-n',
        ...['accept_ra', 'accept_redirects', 'forwarding'].map((k) => `net/ipv6/conf/${VETH}/${k}`),
      ],
    });
    assert.deepEqual(sysctl.stdout.trim().split('\n'), ['0', '1', '0']);

    assert.deepEqual(await reach(exec, podPath, [NODE_IP]), { [NODE_IP]: true }, 'pod → node');
    assert.deepEqual(await reach(exec, `/var/run/netns/${node}`, ['10.0.97.30']), { '10.0.97.30': true }, 'node → pod');
    assert.deepEqual(await pods.checkPod(spec), []);

    const before = exec.spawnCount;
    await pods.teardownPod(spec);
    assert.equal(exec.spawnCount - before, 1, 'one batch');
    await pods.teardownPod(spec);
    const afterDel = await podState(exec, node);
    // What the veth learned (the pod's neighbour entry) goes with it.
    assert.deepEqual(
      { ...afterDel, links: nodeBefore.links, neighbours: nodeBefore.neighbours },
      nodeBefore,
      'no route or rule of the pod',
    );
    assert.deepEqual(
      afterDel.links.filter((l) => !nodeBefore.links.includes(l)),
      [`${VETH} ${hostVethMac} mtu 9001 up`],
      'DEL leaves the veth to the namespace removal, as the reference does',
    );
    assert.equal((await pods.checkPod(spec)).length, 3, 'the pod side is intact; the host route and rules are gone');
    await pods.teardownPod({ ...spec, removeVeth: true });
    assert.deepEqual(await podState(exec, node), nodeBefore);
    assert.deepEqual((await podState(exec, pod)).links, [], 'the container end went with the host veth');
    assert.equal((await pods.checkPod(spec)).length, 8);
  });

  it('prepareSetup/prepareTeardown start the processes setupPod/teardownPod then use; a cancelled preparation changes nothing', async () => {
    const { node, pod, spec } = await newPair();
    const nodeBefore = await podState(exec, node);
    const pods = new NetlinkPodNetwork({ executor: exec, hostNetns: node });
    const unused = pods.prepareSetup(spec.netnsPath);
    assert.equal(exec.parked, 0, 'nothing starts before start()');
    unused.start();
    unused.cancel();
    assert.equal(exec.parked, 0);
    assert.deepEqual(await podState(exec, node), nodeBefore);
    assert.deepEqual((await podState(exec, pod)).links, []);

    const spawns = exec.spawnCount;
    const prepared = pods.prepareSetup(spec.netnsPath);
    prepared.start();
    prepared.start();
    assert.equal(exec.parked, 1, 'the pod batch, once (the node batch starts while the pod batch runs)');
    await pods.setupPod(spec);
    prepared.cancel();
    assert.equal(exec.spawnCount - spawns, 3, 'the two batches and nsenter sysctl: nothing more');
    assert.equal(exec.parked, 0);
    assert.deepEqual(await pods.checkPod(spec), []);
    const beforeDel = exec.spawnCount;
    const teardown = pods.prepareTeardown();
    teardown.start();
    await pods.teardownPod({ ...spec, removeVeth: true });
    teardown.cancel();
    assert.equal(exec.spawnCount - beforeDel, 1, 'the teardown used the prestarted batch');
    assert.deepEqual(await podState(exec, node), nodeBefore);
    assert.throws(
      () => pods.prepareSetup('/var/run/netns/x\nlink del eth0'),
      (e) => isNetlinkError(e, 'NETLINK_INVALID_ARGUMENT'),
    );
  });

  it('a pod on the primary ENI (table 254) gets rule 512 only; CHECK reports what is missing or extra', async () => {
    const { node, spec: base } = await newPair();
    const spec = { ...base, routeTableId: 254 };
    const pods = new NetlinkPodNetwork({ executor: exec, hostNetns: `/var/run/netns/${node}` });
    const { hostVethMac } = await pods.setupPod(spec);
    assert.deepEqual((await podState(exec, node)).rules, [
      '0 lookup local',
      '512 to 10.0.97.30 lookup main',
      '32766 lookup main',
      '32767 lookup default',
    ]);
    assert.deepEqual(await pods.checkPod(spec), []);
    await exec.batch(
      [
        { args: ['rule', 'del', 'prio', '512', 'to', '10.0.97.30/32'] },
        { args: ['rule', 'add', 'prio', '1536', 'from', '10.0.97.30', 'lookup', '9'] },
      ],
      { netns: node },
    );
    await exec.batch([{ args: ['neigh', 'del', '169.254.1.1', 'dev', 'eth0'] }], { netns: base.netnsPath });
    assert.deepEqual(await pods.checkPod(spec), [
      `pod: no permanent neighbour 169.254.1.1 lladdr ${hostVethMac} dev eth0`,
      'node: no rule 512: from all to 10.0.97.30 lookup main',
      'node: unexpected rule 1536: from 10.0.97.30 lookup 9',
    ]);
    await pods.teardownPod(spec);
    assert.deepEqual(
      (await podState(exec, node)).rules,
      ['0 lookup local', '32766 lookup main', '32767 lookup default'],
      'every 1536 rule of the address',
    );
  });

  it('DEL after the runtime deleted the pod namespace, and DEL that never saw an ADD, succeed', async () => {
    const { node, pod, spec } = await newPair();
    const nodeBefore = await podState(exec, node);
    const pods = new NetlinkPodNetwork({ executor: exec, hostNetns: node });
    await pods.teardownPod(spec);
    await pods.setupPod(spec);
    await deleteNamespaces(exec, [pod]);
    await pods.teardownPod(spec);
    await pods.teardownPod({ podIp: spec.podIp, routeTableId: spec.routeTableId });
    assert.deepEqual(await podState(exec, node), nodeBefore);
  });

  it('a missing pod namespace is NETNS_NOT_FOUND (CNI code 3) after the pod batch, with nothing created', async () => {
    const { node, spec } = await newPair();
    const nodeBefore = await podState(exec, node);
    const pods = new NetlinkPodNetwork({ executor: exec, hostNetns: node });
    for (const netnsPath of [`/var/run/netns/${prefix}-gone`, `/proc/999999999/ns/net`]) {
      const spawns = exec.spawnCount;
      await assert.rejects(
        pods.setupPod({ ...spec, netnsPath }),
        (e) => isNetlinkError(e, 'NETNS_NOT_FOUND') && e.cniCode === 3,
      );
      // The pod batch, and the node batch started meanwhile and cancelled unused.
      assert.equal(exec.spawnCount - spawns, 2);
      await assert.rejects(pods.checkPod({ ...spec, netnsPath }), (e) => isNetlinkError(e, 'NETNS_NOT_FOUND'));
    }
    assert.deepEqual(await podState(exec, node), nodeBefore);
  });

  it('replaces a stale host veth of the same name; refuses an interface already in the pod and leaves the node clean', async () => {
    const { node, pod, spec } = await newPair();
    const nodeBefore = await podState(exec, node);
    await exec.batch([{ args: ['link', 'add', VETH, 'type', 'veth', 'peer', 'name', 'stale0'] }], { netns: node });
    const pods = new NetlinkPodNetwork({ executor: exec, hostNetns: node });
    await pods.setupPod(spec);
    assert.deepEqual(await pods.checkPod(spec), []);
    await pods.teardownPod({ ...spec, removeVeth: true });

    await exec.batch([{ args: ['link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth9'] }], { netns: pod });
    await assert.rejects(pods.setupPod(spec), (e) => isNetlinkError(e, 'NETLINK_EXISTS') && /line 1/.test(e.message));
    assert.deepEqual(await podState(exec, node), nodeBefore);
    assert.match(
      (await podState(exec, pod)).links.join('|'),
      /^eth9 \S+ mtu 1500 down\|eth0 \S+ mtu 1500 down$/,
      'the pod’s own eth0 is untouched',
    );
  });

  for (const fault of ['node-batch', 'pod-line-4'] as const) {
    it(`a failed ADD (${fault}) removes what it created in both namespaces`, async () => {
      const { node, pod, spec } = await newPair();
      const nodeBefore = await podState(exec, node);
      const pods = new NetlinkPodNetwork({ executor: new FaultyExecutor(fault), hostNetns: node });
      await assert.rejects(
        pods.setupPod(spec),
        (e) => isNetlinkError(e) && (fault === 'node-batch' || e.details['line'] === 4),
      );
      assert.deepEqual(await podState(exec, node), nodeBefore);
      assert.deepEqual((await podState(exec, pod)).links, []);
    });
  }

  it('inside the node namespace (hostNetns undefined, as the plugin runs): two processes, sysctls written in-process', async () => {
    const { node, pod, podPath, spec } = await newPair();
    const nodeBefore = await podState(exec, node);
    const added = await productionChild(exec, node, 'setup', spec);
    assert.equal(added.spawns, 2);
    assert.deepEqual(added.diffs, []);
    assert.deepEqual((await podState(exec, pod)).neighbours, [
      `169.254.1.1 lladdr ${added.result?.hostVethMac ?? ''} PERMANENT`,
    ]);
    const sysctl = await exec.run({
      file: 'nsenter',
      args: [`--net=/var/run/netns/${node}`, '--', 'sysctl', '-n', `net/ipv6/conf/${VETH}/accept_ra`],
    });
    assert.equal(sysctl.stdout.trim(), '0');
    assert.deepEqual(await reach(exec, podPath, [NODE_IP]), { [NODE_IP]: true });
    const deleted = await productionChild(exec, node, 'teardown', spec);
    assert.equal(deleted.spawns, 1);
    const after = await podState(exec, node);
    assert.deepEqual([after.routes, after.rules], [nodeBefore.routes, nodeBefore.rules]);
    assert.deepEqual(
      after.links.map((l) => l.split(' ')[0]),
      [...nodeBefore.links.map((l) => l.split(' ')[0]), VETH],
      'only the veth stays, for the namespace removal',
    );
  });
});
