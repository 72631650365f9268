// NetlinkHostNetwork against real namespaces: each test gets its own node namespace and a "fabric" namespace
// holding the far end of a veth whose node end (eth2, with the ENI's MAC) stands in for a hot-plugged ENI.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { EXAMPLE_ENI } from './example.test-util.js';
import { linkAddVeth, ruleAdd } from './commands.js';
import { isNetlinkError } from './errors.js';
import { NetlinkExecutor } from './exec.js';
import { NetlinkHostNetwork } from './host-network.js';
import { createNamespace, createNamespaces, newRunPrefix } from './netns.js';
import { guardIsolation, netnsSkipReason } from './netns.test-util.js';

const SPEC = EXAMPLE_ENI;

const skip = await netnsSkipReason();

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

describe('NetlinkHostNetwork: no namespace with a confined executor', () => {
  it('refuses before spawning anything (never configures the caller’s namespace)', async () => {
    const exec = new NetlinkExecutor({ confined: true });
    const host = new NetlinkHostNetwork({ executor: exec });
    const spec = {
      primaryIp: '10.0.0.10',
      primaryInterface: 'eth0',
      vpcCidrs: ['10.0.0.0/16'],
      excludeSnatCidrs: [],
      externalSnat: false,
      randomizeSnat: 'prng',
      nodePortSupport: true,
      connmark: 0x80,
      vethPrefix: 'eni',
    } as const;
    for (const call of [
      () => host.setupSnat(spec),
      () => host.setupEni(SPEC),
      () => host.teardownEni(SPEC),
      () => host.deletePodRules('10.0.0.20'),
      () => host.setupExternalServiceRules([]),
      () => host.linkNames(),
    ]) {
      await assert.rejects(call(), (e) => isNetlinkError(e, 'NETLINK_INVALID_ARGUMENT'));
    }
    assert.equal(exec.spawnCount, 0);
  });
});

describe('NetlinkHostNetwork (real namespaces)', { skip, timeout: 120_000 }, () => {
  const exec = new NetlinkExecutor({ confined: true });
  const prefix = newRunPrefix('vcni');
  let count = 0;
  guardIsolation(exec, prefix, { iptables: true });

  /** A node namespace; with `plug`, eth2 (the ENI's MAC) is there already, its far end up in a fabric namespace. */
  async function newNode(
    plug = true,
  ): Promise<{ ns: string; fabric: string; host: NetlinkHostNetwork; plug: () => Promise<void> }> {
    count += 1;
    const ns = `${prefix}-n${count}`;
    const fabric = `${prefix}-f${count}`;
    await createNamespace(exec, ns, { 'net.ipv4.ip_forward': 1 });
    await createNamespaces(exec, [fabric]);
    const plugIt = async (): Promise<void> => {
      await exec.batch([linkAddVeth({ name: 'f2', up: true, peer: { name: 'eth2', netns: ns, mac: SPEC.mac } })], {
        netns: fabric,
      });
    };
    if (plug) await plugIt();
    return {
      ns,
      fabric,
      plug: plugIt,
      host: new NetlinkHostNetwork({ executor: exec, netns: ns, linkWait: { attempts: 5, delayMs: 50 } }),
    };
  }

  /** Routes, rules and eth2's state in the reference's text form. */
  async function state(ns: string): Promise<Record<string, unknown>> {
    const text = async (args: string[]): Promise<string[]> =>
      (await exec.ip({ args, tolerate: ['not-found'] }, { netns: ns }))
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l !== '');
    const links = await exec.ipJson<
      {
        ifname: string;
        mtu: number;
        flags: string[];
        addr_info: { family: string; local: string; prefixlen: number }[];
      }[]
    >({ args: ['addr', 'show', 'dev', 'eth2'] }, { netns: ns });
    const eth2 = links[0];
    return {
      eth2: {
        mtu: eth2?.mtu,
        up: eth2?.flags.includes('UP'),
        inet: eth2?.addr_info.filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen}`),
      },
      table3: await text(['route', 'show', 'table', '3']),
      main: await text(['route', 'show', 'table', 'main']),
      rules: await text(['rule', 'show']),
    };
  }

  const byPriority = (a: string, b: string): number => Number.parseInt(a, 10) - Number.parseInt(b, 10);

  const ENI_STATE = {
    eth2: { mtu: 9001, up: true, inet: ['10.0.97.5/19'] },
    table3: ['default via 10.0.96.1 dev eth2', '10.0.96.1 dev eth2 scope link'],
    main: [],
    rules: [
      '0:\tfrom all lookup local',
      '32765:\tfrom 10.0.97.5 lookup 3',
      '32766:\tfrom all lookup main',
      '32767:\tfrom all lookup default',
    ],
  };

  it('finds links by MAC, lists them, sets the MTU', async () => {
    const { ns, host } = await newNode();
    assert.equal(await host.linkByMac(SPEC.mac.toUpperCase()), 'eth2');
    assert.equal(await host.linkByMac('02:00:00:00:00:99'), undefined);
    assert.deepEqual((await host.linkNames()).sort(), ['eth2', 'lo']);
    await host.setMtu('eth2', 1500);
    await host.setMtu('eth2', 1500);
    const [eth2] = await exec.ipJson<{ mtu: number }[]>({ args: ['link', 'show', 'dev', 'eth2'] }, { netns: ns });
    assert.equal(eth2?.mtu, 1500);
  });

  it('sets up a secondary ENI as in [behaviour §7.10], in 2 processes; re-running changes nothing', async (t) => {
    const { ns, host } = await newNode();
    // What a previous life of the ENI could have left: a stray address in the subnet, one outside it.
    await exec.batch(
      [
        { args: ['addr', 'add', '10.0.97.99/19', 'dev', 'eth2'] },
        { args: ['addr', 'add', '192.168.0.1/24', 'dev', 'eth2'] },
      ],
      { netns: ns },
    );
    const spawns = exec.spawnCount;
    await host.setupEni(SPEC);
    assert.equal(exec.spawnCount - spawns, 2, 'addr dump + one batch');
    assert.deepEqual(await state(ns), ENI_STATE);
    const times: number[] = [];
    for (let i = 0; i < 9; i += 1) {
      const start = performance.now();
      await host.setupEni(SPEC);
      times.push(performance.now() - start);
    }
    t.diagnostic(
      `setupEni (converged): 2 processes, median ${median(times).toFixed(1)} ms, max ${Math.max(...times).toFixed(1)} ms`,
    );
    assert.deepEqual(await state(ns), ENI_STATE);
  });

  it('waits for a link that appears late, and gives up with ENI_LINK_NOT_FOUND', async () => {
    const { ns, host, plug } = await newNode(false);
    const late = new Promise<void>((resolve, reject) => {
      setTimeout(() => void plug().then(resolve, reject), 80);
    });
    await host.setupEni(SPEC);
    await late;
    assert.deepEqual(await state(ns), ENI_STATE);
    const spawns = exec.spawnCount;
    await assert.rejects(
      host.setupEni({ ...SPEC, mac: '02:aa:00:00:00:09' }),
      (e) => isNetlinkError(e, 'ENI_LINK_NOT_FOUND') && e.details['attempts'] === 5,
    );
    assert.equal(exec.spawnCount - spawns, 5);
  });

  it('tears an ENI down (rule 32765 and table), twice', async () => {
    const { ns, host } = await newNode();
    await host.setupEni(SPEC);
    const spawns = exec.spawnCount;
    await host.teardownEni(SPEC);
    assert.equal(exec.spawnCount - spawns, 1);
    await host.teardownEni(SPEC);
    const after = await state(ns);
    assert.deepEqual(after['table3'], []);
    assert.deepEqual(after['rules'], [
      '0:\tfrom all lookup local',
      '32766:\tfrom all lookup main',
      '32767:\tfrom all lookup default',
    ]);
  });

  it('deletes a stale pod’s rules 512 and 1536 (every table) and nothing else', async () => {
    const { ns, host } = await newNode();
    await host.setupEni(SPEC);
    await exec.batch(
      [
        ruleAdd({ priority: 512, to: '10.0.97.30/32', table: 'main' }),
        ruleAdd({ priority: 1536, from: '10.0.97.30/32', table: 3 }),
        ruleAdd({ priority: 1536, from: '10.0.97.30/32', table: 103 }),
        ruleAdd({ priority: 512, to: '10.0.97.31/32', table: 'main' }),
        ruleAdd({ priority: 1536, from: '10.0.97.31/32', table: 3 }),
      ],
      { netns: ns },
    );
    await host.deletePodRules('10.0.97.30');
    await host.deletePodRules('10.0.97.30');
    // The ENI's rules and the other pod's two remain, in priority order.
    const otherPod = ['512:\tfrom all to 10.0.97.31 lookup main', '1536:\tfrom 10.0.97.31 lookup 3'];
    assert.deepEqual((await state(ns))['rules'], [...ENI_STATE.rules, ...otherPod].sort(byPriority));
  });

  it('replaces the external service rules 1535', async () => {
    const { ns, host } = await newNode();
    const rules1535 = async (): Promise<string[]> =>
      ((await state(ns))['rules'] as string[]).filter((r) => r.startsWith('1535:'));
    await host.setupExternalServiceRules(['10.100.0.0/16', '10.200.0.0/16']);
    await host.setupExternalServiceRules(['10.100.0.0/16', '10.200.0.0/16']);
    assert.deepEqual((await rules1535()).sort(), [
      '1535:\tfrom all to 10.100.0.0/16 lookup main',
      '1535:\tfrom all to 10.200.0.0/16 lookup main',
    ]);
    await host.setupExternalServiceRules(['10.200.0.0/16', '172.16.0.0/12']);
    assert.deepEqual((await rules1535()).sort(), [
      '1535:\tfrom all to 10.200.0.0/16 lookup main',
      '1535:\tfrom all to 172.16.0.0/12 lookup main',
    ]);
    await host.setupExternalServiceRules([]);
    assert.deepEqual(await rules1535(), []);
  });
});
