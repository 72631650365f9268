// EC2 failing under ipamd, injected through the embedded VPC's admin API (PUT /_sim/faults): throttling, 5xx,
// insufficient addresses, failed attaches. ipamd survives each one — retrying what is transient, backing off where
// the reference does — and an AddNetwork it cannot serve is answered success=false with an error code and a
// message saying why, never a crash or a hang. Once EC2 recovers, so does the node, with nothing leaked.
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { netnsSkipReason } from '../../../src/netlink/netns.test-util.js';
import type { AddNetworkReply } from '../../../src/rpc/types.js';
import {
  FAST_RETRY,
  FAST_TIMINGS,
  addRequest,
  assertConsistent,
  card0,
  getEnis,
  eventually,
  ipamdEnv,
  settle,
  sleep,
  startIpamd,
  startVpc,
  type RunningIpamd,
  type TestVpc,
} from '../support/index.js';

const BACKOFF_MS = 2_000;

describe('ipamd under EC2 faults (m5.large, WARM_IP_TARGET=1)', { skip: await netnsSkipReason() }, () => {
  let vpc: TestVpc;
  let ipamd: RunningIpamd;
  const live = new Map<string, string>();
  let next = 0;

  before(async () => {
    vpc = await startVpc();
    ipamd = await startIpamd(await ipamdEnv(vpc, { WARM_IP_TARGET: '1', IP_COOLDOWN_PERIOD: '1' }), {
      timings: { ...FAST_TIMINGS, addWaitMs: 1_500, insufficientAddressBackoffMs: BACKOFF_MS },
      ec2Retry: FAST_RETRY,
    });
  });
  after(async () => {
    const code = await ipamd?.stop();
    await vpc?.close();
    assert.equal(code, 0, 'ipamd is still running at the end and stops cleanly');
  });

  async function faults(rules: Record<string, unknown>): Promise<Record<string, { fired: number }>> {
    const response = await fetch(`${vpc.sim.ec2Url}/_sim/faults`, {
      method: rules === CLEAR ? 'DELETE' : 'PUT',
      ...(rules === CLEAR ? {} : { body: JSON.stringify({ rules }) }),
    });
    const body = (await response.json()) as { rules: Record<string, { fired: number }> };
    assert.equal(response.status, 200, JSON.stringify(body));
    return body.rules;
  }
  const CLEAR: Record<string, unknown> = {};

  async function firedCounts(): Promise<Record<string, { fired: number }>> {
    return (
      (await (await fetch(`${vpc.sim.ec2Url}/_sim/faults`)).json()) as { rules: Record<string, { fired: number }> }
    ).rules;
  }

  /**
   * With the pool settled (one warm address), injects the faults, then adds pods until one is refused: the warm
   * address and whatever EC2 still grants go first, the next pod needs the failing call.
   */
  async function injectAndFill(rules: Record<string, unknown>): Promise<AddNetworkReply> {
    await settle(vpc, ipamd, (d) => card0(d).TotalIPs - card0(d).AssignedIPs === 1, 600);
    await faults(rules);
    for (let i = 0; i < 12; i++) {
      const started = Date.now();
      const reply = await add(`f-${next++}`);
      if (reply.success) continue;
      assert.ok(Date.now() - started < 5_000, 'the refusal comes within the ADD wait, not after a hang');
      return reply;
    }
    throw new Error('no AddNetwork was refused');
  }

  async function add(pod: string): Promise<AddNetworkReply> {
    const reply = await ipamd.client.addNetwork(addRequest(pod));
    const ip = reply.ipAllocationMetadata[0]?.ipv4Addr;
    if (reply.success && ip !== undefined) live.set(pod, ip);
    return reply;
  }

  async function recovered(pod: string): Promise<void> {
    const reply = await add(pod);
    assert.ok(reply.success, `after the fault: ${reply.errorCode}: ${reply.errorMessage}`);
    await settle(vpc, ipamd, (d) => card0(d).TotalIPs - card0(d).AssignedIPs === 1, 600);
    await assertConsistent(vpc, ipamd, live);
  }

  it('retries throttled calls and serves the pod when EC2 relents within the retries', async () => {
    await settle(vpc, ipamd, (d) => card0(d).TotalIPs - card0(d).AssignedIPs === 1, 600);
    await faults({ AssignPrivateIpAddresses: { code: 'RequestLimitExceeded', probability: 1, count: 2 } });
    for (const pod of [`f-${next++}`, `f-${next++}`]) {
      const reply = await add(pod);
      assert.ok(reply.success, `${reply.errorCode}: ${reply.errorMessage}`);
    }
    await eventually('the throttled attempts', async () =>
      (await firedCounts())['AssignPrivateIpAddresses']?.fired === 2 ? true : undefined,
    );
    await faults(CLEAR);
    await settle(vpc, ipamd, (d) => card0(d).TotalIPs - card0(d).AssignedIPs === 1, 600);
    await assertConsistent(vpc, ipamd, live);
  });

  const cases: { name: string; rules: Record<string, unknown>; why: RegExp }[] = [
    {
      name: 'throttling (RequestLimitExceeded, 503) that outlasts the retries',
      rules: { AssignPrivateIpAddresses: { code: 'RequestLimitExceeded', probability: 1 } },
      why: /^no free address: \d+ of \d+ in use; EC2 is throttling ipamd \(RequestLimitExceeded on AssignPrivateIpAddresses at /,
    },
    {
      name: 'a 5xx (InternalError, 500)',
      rules: { AssignPrivateIpAddresses: { code: 'InternalError', probability: 1 } },
      why: /^no free address: \d+ of \d+ in use; AssignPrivateIpAddresses failed: InternalError: /,
    },
    {
      name: 'an unexpected 4xx (UnauthorizedOperation, 403)',
      rules: { AssignPrivateIpAddresses: { code: 'UnauthorizedOperation', probability: 1 } },
      why: /^no free address: \d+ of \d+ in use; AssignPrivateIpAddresses failed: UnauthorizedOperation: /,
    },
  ];
  for (const c of cases) {
    it(`answers ${c.name} with a typed failure, then recovers`, async () => {
      const reply = await injectAndFill(c.rules);
      assert.equal(reply.errorCode, 'NO_AVAILABLE_ADDRESS');
      assert.match(reply.errorMessage, c.why);
      await faults(CLEAR);
      await recovered(`f-${next++}`);
    });
  }

  it('backs off after InsufficientFreeAddressesInSubnet, says until when, and grows again after the back-off', async () => {
    const reply = await injectAndFill({
      AssignPrivateIpAddresses: { code: 'InsufficientFreeAddressesInSubnet', probability: 1 },
      CreateNetworkInterface: { code: 'InsufficientFreeAddressesInSubnet', probability: 1 },
    });
    const subnetId = vpc.sim.store.instances.get(vpc.node.instanceId)?.subnetId ?? '?';
    assert.equal(reply.errorCode, 'NO_AVAILABLE_ADDRESS');
    assert.match(
      reply.errorMessage,
      new RegExp(`subnet ${subnetId} is full \\(InsufficientFreeAddressesInSubnet at \\S+; retry after \\S+\\)`),
    );
    // EC2 has room again, but the reference waits out its back-off before asking: so does ipamd.
    await faults(CLEAR);
    const during = await add(`f-${next}`);
    assert.equal(during.success, false, 'no growth during the back-off');
    assert.match(during.errorMessage, /is full \(InsufficientFreeAddressesInSubnet/);
    await sleep(BACKOFF_MS);
    await recovered(`f-${next++}`);
  });

  it('deletes an ENI whose attach failed (no leak), says why the pod waits, and attaches one once EC2 recovers', async () => {
    // The attached ENIs grow to their 9 addresses each (an m5.large); the pod after that needs a new ENI.
    const enisBefore = new Set(vpc.sim.store.enis.keys());
    const reply = await injectAndFill({ AttachNetworkInterface: { code: 'InternalError', probability: 1 } });
    const full = card0(await getEnis(ipamd.introspection));
    const attached = Object.keys(full.ENIs).length;
    assert.ok(attached < 3, 'room for one more ENI');
    assert.equal(full.AssignedIPs, 9 * attached, 'refused once the attached ENIs were full');
    assert.equal(reply.errorCode, 'NO_AVAILABLE_ADDRESS');
    assert.match(reply.errorMessage, /AttachNetworkInterface failed: InternalError/);
    assert.ok(((await firedCounts())['AttachNetworkInterface']?.fired ?? 0) >= 1);
    await faults(CLEAR);
    const ok = await add(`f-${next++}`);
    assert.ok(ok.success, `${ok.errorCode}: ${ok.errorMessage}`);
    assert.equal(ok.ipAllocationMetadata[0]?.deviceNumber, attached, 'on the new ENI');
    await settle(vpc, ipamd, (d) => Object.keys(card0(d).ENIs).length === attached + 1, 600);
    await assertConsistent(vpc, ipamd, live);
    // Every ENI ipamd created for the failed attaches was deleted again: the only new one is attached.
    const created = [...vpc.sim.store.enis.values()].filter((eni) => !enisBefore.has(eni.id));
    assert.deepEqual(
      created.map((eni) => eni.attachment?.instanceId),
      [vpc.node.instanceId],
    );
  });
});
