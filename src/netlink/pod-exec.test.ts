// The plugin's process runner: NetlinkExecutor's contract (argv per namespace kind, batch failures tolerated or
// thrown with their class, timeouts) over an injected spawn function, and node:child_process as that function.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { isNetlinkError } from './errors.js';
import { bunSpawn, nodeSpawn, type SpawnFn, type SpawnResult } from './pod-exec.js';
import { NetlinkExecutor } from './exec.js';

interface Call {
  readonly argv: readonly string[];
  /** The input written; 'cancelled' for a prestarted process closed unused. */
  input: string | undefined;
  /** True while a prestarted process waits for its input. */
  waiting: boolean;
}

function fake(answer: (argv: readonly string[], input: string | undefined) => Partial<SpawnResult>): {
  spawn: SpawnFn;
  calls: Call[];
} {
  const calls: Call[] = [];
  const spawn: SpawnFn = async (argv, options) => {
    const call: Call = { argv, input: undefined, waiting: options.input instanceof Promise };
    calls.push(call);
    const input = await options.input;
    call.waiting = false;
    call.input = input === undefined && options.input instanceof Promise ? 'cancelled' : input;
    return { stdout: '', stderr: '', exitCode: 0, timedOut: false, ...answer(argv, input) };
  };
  return { spawn, calls };
}

describe("NetlinkExecutor over an injected spawn (the plugin's Bun.spawn)", () => {
  it('runs ip in its own namespace, by name (ip -n) or by path (nsenter), batches on stdin', async () => {
    const { spawn, calls } = fake(() => ({}));
    const exec = new NetlinkExecutor({ spawn });
    await exec.batch([{ args: ['link', 'set', 'lo', 'up'] }]);
    await exec.batch([{ args: ['link', 'set', 'lo', 'up'] }], { netns: 'vcni-1-1-n1' });
    await exec.batch([{ args: ['link', 'set', 'lo', 'up'] }], { netns: '/proc/42/ns/net' });
    assert.deepEqual(
      calls.map((c) => c.argv.join(' ')),
      [
        'ip -force -batch -',
        'ip -n vcni-1-1-n1 -force -batch -',
        'nsenter --net=/proc/42/ns/net -- ip -force -batch -',
      ],
    );
    assert.equal(calls[0]?.input, 'link set lo up\n');
    assert.equal(exec.spawnCount, 3);
    assert.equal(exec.confined, false);
  });

  it('tolerates the failures a command allows and throws the first it does not, classified', async () => {
    const stderr =
      'RTNETLINK answers: No such file or directory\nCommand failed -:1\nCannot find device "eni0"\nCommand failed -:2\n';
    const { spawn } = fake(() => ({ exitCode: 1, stderr }));
    const exec = new NetlinkExecutor({ spawn });
    const tolerated = await exec.batch([
      { args: ['rule', 'del', 'prio', '512'], tolerate: ['not-found'] },
      { args: ['link', 'del', 'eni0'], tolerate: ['no-device'] },
    ]);
    assert.deepEqual(
      tolerated.tolerated.map((f) => [f.line, f.kind]),
      [
        [1, 'not-found'],
        [2, 'no-device'],
      ],
    );
    await assert.rejects(
      exec.batch([
        { args: ['rule', 'del', 'prio', '512'], tolerate: ['not-found'] },
        { args: ['link', 'del', 'eni0'] },
      ]),
      (e) => isNetlinkError(e, 'LINK_NOT_FOUND') && e.details['line'] === 2,
    );
  });

  it('classifies a failed program, parses ip -json, and reports a timeout', async () => {
    const exec = new NetlinkExecutor({
      spawn: fake((argv) => {
        if (argv.includes('-json')) return { stdout: '[{"ifname":"lo"}]\n' };
        if (argv[0] === 'nsenter')
          return { exitCode: 1, stderr: 'nsenter: cannot open /var/run/netns/x: No such file or directory' };
        return { exitCode: 137, timedOut: true };
      }).spawn,
    });
    assert.deepEqual(await exec.ipJson({ args: ['link', 'show'] }, { netns: 'n1' }), [{ ifname: 'lo' }]);
    await assert.rejects(exec.run({ file: 'nsenter', args: ['--net=/var/run/netns/x', '--', 'ip', 'link'] }), (e) =>
      isNetlinkError(e, 'NETNS_NOT_FOUND'),
    );
    await assert.rejects(exec.batch([{ args: ['link', 'show'] }], { timeoutMs: 5 }), (e) =>
      isNetlinkError(e, 'NETLINK_TIMEOUT'),
    );
  });

  it('nodeSpawn runs a real program, feeds its stdin and reports exit codes; a missing program is SPAWN_FAILED', async () => {
    const spawn = nodeSpawn();
    assert.deepEqual(await spawn(['cat'], { input: 'hello', timeoutMs: 5000 }), {
      stdout: 'hello',
      stderr: '',
      exitCode: 0,
      timedOut: false,
    });
    assert.equal((await spawn(['sh', '-c', 'exit 3'], { timeoutMs: 5000 })).exitCode, 3);
    assert.equal((await spawn(['sleep', '5'], { timeoutMs: 50 })).timedOut, true);
    await assert.rejects(spawn(['vcni-no-such-program'], { timeoutMs: 5000 }), (e) =>
      isNetlinkError(e, 'NETLINK_SPAWN_FAILED'),
    );
  });

  it('bunSpawn is only offered under Bun', () => {
    assert.equal(bunSpawn(), undefined);
  });
});

describe('NetlinkExecutor.prestart: processes started before their input is known', () => {
  const POD_BATCH = { file: 'ip', args: ['-n', 'vcni-1-1-p1', '-batch', '-'] };

  it('the next run of the same program takes the prestarted process and writes its input then', async () => {
    const { spawn, calls } = fake(() => ({}));
    const exec = new NetlinkExecutor({ spawn });
    const cancel = exec.prestart(POD_BATCH);
    assert.equal(calls.length, 1, 'spawned at once');
    assert.equal(calls[0]?.waiting, true, 'waiting for its input');
    assert.equal(exec.parked, 1);
    await exec.run(POD_BATCH, { input: 'link add eth0 type veth\n' });
    assert.deepEqual(
      calls.map((c) => [c.argv.join(' '), c.input]),
      [['ip -n vcni-1-1-p1 -batch -', 'link add eth0 type veth\n']],
    );
    assert.equal(exec.spawnCount, 1);
    assert.equal(exec.parked, 0);
    cancel(); // a no-op once used
    assert.equal(calls[0]?.input, 'link add eth0 type veth\n');
  });

  it('a batch takes a prestarted batch process and still reports failed lines with their commands', async () => {
    const { spawn, calls } = fake((_argv, input) =>
      input?.includes('eniX') === true
        ? { exitCode: 1, stderr: 'Cannot find device "eniX"\nCommand failed -:2\n' }
        : {},
    );
    const exec = new NetlinkExecutor({ spawn });
    exec.prestartBatch();
    await assert.rejects(
      exec.batch([{ args: ['link', 'set', 'lo', 'up'] }, { args: ['link', 'set', 'eniX', 'up'] }]),
      (e) => isNetlinkError(e, 'LINK_NOT_FOUND') && e.details['line'] === 2,
    );
    assert.deepEqual(
      calls.map((c) => c.argv.join(' ')),
      ['ip -force -batch -'],
    );
  });

  it('cancel closes the unused process empty; another program or a later run spawns its own', async () => {
    const { spawn, calls } = fake(() => ({}));
    const exec = new NetlinkExecutor({ spawn });
    const cancel = exec.prestart(POD_BATCH);
    await exec.run({ file: 'ip', args: ['-n', 'vcni-1-1-p2', '-batch', '-'] }, { input: 'link show\n' });
    cancel();
    await new Promise((resolve) => setImmediate(resolve));
    await exec.run(POD_BATCH, { input: 'link show\n' });
    assert.deepEqual(
      calls.map((c) => [c.argv[2], c.input]),
      [
        ['vcni-1-1-p1', 'cancelled'],
        ['vcni-1-1-p2', 'link show\n'],
        ['vcni-1-1-p1', 'link show\n'],
      ],
    );
    assert.equal(exec.parked, 0);
  });

  it('a confined executor refuses to prestart a batch outside a namespace', () => {
    const { spawn, calls } = fake(() => ({}));
    const exec = new NetlinkExecutor({ spawn, confined: true });
    assert.throws(
      () => exec.prestartBatch(),
      (e) => isNetlinkError(e, 'NETLINK_INVALID_ARGUMENT'),
    );
    exec.prestartBatch({ netns: 'vcni-1-1-n1' })();
    assert.equal(calls.length, 1);
  });

  it('nodeSpawn waits for a promised input before spawning, and spawns nothing when it is cancelled', async () => {
    const spawn = nodeSpawn();
    const exec = new NetlinkExecutor({ spawn });
    exec.prestart({ file: 'cat', args: [] });
    assert.equal((await exec.run({ file: 'cat', args: [] }, { input: 'later' })).stdout, 'later');
    const cancelled = spawn(['vcni-no-such-program'], { input: Promise.resolve(undefined), timeoutMs: 5000 });
    assert.deepEqual(await cancelled, { stdout: '', stderr: '', exitCode: 0, timedOut: false });
  });
});
