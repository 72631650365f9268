// Ready means ready: with every EC2 call slowed to 1.2 s, node initialisation takes seconds. Until it is done,
// ipamd's health service says NOT_SERVING (so `vpc-cni health --ready` fails and `--live` passes), the introspection
// API answers 503 "initialising" naming the step, an AddNetwork is refused at once with IPAMD_NOT_READY (CNI code 11)
// naming the step, and `vpc-cni install-cni --wait` (started with ipamd, as the entrypoint does) writes nothing.
// Once ipamd is ready, health is SERVING and the conflist appears.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../../src/config/index.js';
import { runIpamd } from '../../../src/ipamd/main.js';
import { createRpcClient } from '../../../src/rpc/client.js';
import { HEALTH_SERVICE_NAME } from '../../../src/rpc/proto.js';
import { RPC_CLIENT_VERSION } from '../../../src/version.js';
import {
  FAST_RETRY,
  FAST_TIMINGS,
  VPC_CNI,
  addRequest,
  cniSkipReason,
  ipamdEnv,
  sleep,
  startVpc,
  trackChild,
  type TestVpc,
} from '../support/index.js';

const EC2_LATENCY_MS = 1_200;

interface Run {
  readonly code: number | null;
  readonly out: string;
}

function vpcCni(args: readonly string[], env: Record<string, string>): { done: Promise<Run> } {
  const child = spawn(process.execPath, [VPC_CNI, ...args], {
    env: { PATH: process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  trackChild(child);
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  return { done: new Promise((resolve) => child.once('exit', (code) => resolve({ code, out }))) };
}

describe('ipamd readiness while EC2 is slow (1.2 s a call)', { skip: await cniSkipReason() }, () => {
  let vpc: TestVpc;
  let env: Record<string, string>;

  before(async () => {
    vpc = await startVpc();
    env = await ipamdEnv(vpc, {
      WARM_IP_TARGET: '1',
      HOST_CNI_BIN_PATH: join(vpc.dir, 'host', 'bin'),
      HOST_CNI_CONFDIR_PATH: join(vpc.dir, 'host', 'net.d'),
    });
    const response = await fetch(`${vpc.sim.ec2Url}/_sim/faults`, {
      method: 'PUT',
      body: JSON.stringify({ rules: { '*': { latencyMs: EC2_LATENCY_MS, probability: 1 } } }),
    });
    assert.equal(response.status, 200, await response.text());
  });
  after(async () => {
    await vpc?.close();
  });

  it('is not SERVING, installs no conflist and refuses pods fast until the node is initialised', async () => {
    const plugin = join(vpc.dir, 'aws-cni-under-test');
    await mkdir(join(vpc.dir, 'host'), { recursive: true });
    await writeFile(plugin, '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    const conflist = join(env['HOST_CNI_CONFDIR_PATH'] ?? '', '10-aws.conflist');
    const controller = new AbortController();
    let readyAt: number | undefined;
    const done = runIpamd(loadConfig(env), {
      signal: controller.signal,
      onReady: () => (readyAt = performance.now()),
      timings: FAST_TIMINGS,
      ec2Retry: FAST_RETRY,
    });
    const install = vpcCni(['install-cni', '--plugin', plugin, '--wait', '120'], env);
    const client = createRpcClient({
      socketPath: env['VPC_CNI_IPAMD_SOCKET'] ?? '',
      timeoutMs: 5_000,
      clientVersion: RPC_CLIENT_VERSION,
    });
    const seen = { notServing: 0, refusedAdds: 0, initialising503: 0, probes: 0 };
    try {
      while (readyAt === undefined) {
        const health = await client.health(HEALTH_SERVICE_NAME).catch(() => 'NO_SOCKET');
        const enis = await fetch(`http://${env['INTROSPECTION_BIND_ADDRESS'] ?? ''}/v1/enis`).catch(() => undefined);
        const body = enis === undefined ? undefined : ((await enis.json()) as Record<string, unknown>);
        const reply = health === 'NO_SOCKET' ? undefined : await client.addNetwork(addRequest('early-pod'));
        if (readyAt !== undefined) break; // ipamd became ready while this round was asking: nothing to conclude
        assert.ok(!existsSync(conflist), 'no conflist is installed before ipamd is ready');
        if (health !== 'NO_SOCKET') {
          assert.equal(health, 'NOT_SERVING', 'health is not SERVING before ipamd is ready');
          seen.notServing++;
        }
        if (enis !== undefined && body !== undefined) {
          assert.equal(enis.status, 503, `/v1/enis answers 503 before ipamd is ready: ${JSON.stringify(body)}`);
          assert.equal(body['status'], 'initialising');
          assert.equal(typeof body['step'], 'string');
          seen.initialising503++;
        }
        if (reply !== undefined) {
          assert.equal(reply.success, false);
          assert.equal(reply.errorCode, 'IPAMD_NOT_READY');
          assert.equal(reply.errorCniCode, 11, 'try again later');
          assert.match(reply.errorMessage, /still initialising the node: \w[^(]+ \(for [\d.]+ s\)/);
          seen.refusedAdds++;
        }
        if (seen.probes === 0 && health === 'NOT_SERVING') {
          const [live, ready] = await Promise.all([
            vpcCni(['health', '--live'], env).done,
            vpcCni(['health', '--ready'], env).done,
          ]);
          if (readyAt === undefined) {
            assert.equal(live.code, 0, `--live passes while initialising: ${live.out}`);
            assert.equal(ready.code, 1, `--ready fails while initialising: ${ready.out}`);
            assert.match(ready.out, /answers NOT_SERVING: ipamd is still initialising the node: /);
            seen.probes++;
          }
        }
        await sleep(100);
      }
      assert.ok(seen.notServing > 0 && seen.refusedAdds > 0 && seen.initialising503 > 0, JSON.stringify(seen));
      assert.equal(seen.probes, 1, 'the probes ran while ipamd was initialising');

      assert.equal(await client.health(HEALTH_SERVICE_NAME), 'SERVING');
      assert.equal((await fetch(`http://${env['INTROSPECTION_BIND_ADDRESS'] ?? ''}/v1/enis`)).status, 200);
      const installed = await install.done;
      assert.equal(installed.code, 0, installed.out);
      assert.ok(existsSync(conflist), 'the conflist is installed once ipamd is ready');
      assert.equal((await vpcCni(['health', '--ready'], env).done).code, 0);
    } finally {
      client.close();
      controller.abort();
      assert.equal(await done, 0);
    }
  });
});
