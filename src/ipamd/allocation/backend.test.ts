// The CNI backend [behaviour §1.6; behaviour §3.8] over a real ipamd and the embedded VPC: waiting for growth,
// actionable failure reasons, idempotency, the checkpoint after every change, and refused requests.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import type { AddNetworkRequest } from '../../rpc/types.js';
import { requestProblem } from '../../rpc/validate.js';
import { delReasonLabel } from './backend.js';
import {
  addPods,
  addRequest,
  addTenthPod,
  assertInSync,
  buildWorld,
  delRequest,
  fillNodeSubnet,
  START,
  withIpamd,
} from '../../../test/support/virtual/world.js';

describe('AddNetwork waits for growth', () => {
  it('ours [pain-points §4]: the 10th pod waits for a new ENI, with IMDS lagging 2 s, and gets an address without a second ADD', async () => {
    const world = buildWorld({ lagMs: 2_000 });
    await withIpamd(world, async (ipamd) => {
      const reply = await addTenthPod(ipamd);
      assert.equal(reply.success, true, reply.errorMessage);
      assert.equal(reply.ipAllocationMetadata[0]?.deviceNumber, 1);
      assert.equal(reply.ipAllocationMetadata[0]?.routeTableId, 2);
      assert.ok(world.clock.now() - START < 10_000, 'within the wait bound');
      assert.ok(world.imds.count('attachedEnis') > 1, 'polled IMDS until the ENI showed');
      assertInSync(world, ipamd);
    });
  });

  it('ours [pain-points §10]: addresses only in cooldown make the waiting tick grow instead of failing', async () => {
    const world = buildWorld({ env: { WARM_IP_TARGET: '1' } });
    await withIpamd(world, async (ipamd) => {
      await addPods(ipamd, 'a', 1);
      await ipamd.backend.delNetwork(delRequest('a-0'));
      const reply = await ipamd.backend.addNetwork(addRequest('b'));
      assert.equal(reply.success, true, reply.errorMessage);
      assert.match(ipamd.pool()?.cards[0]?.plan.resize.reason ?? '', /in cooldown/);
    });
  });

  it('timings.addWaitMs=0 fails at once (the reference) but still starts growing the pool', async () => {
    const world = buildWorld({ env: { WARM_IP_TARGET: '1' }, timings: { addWaitMs: 0 } });
    await withIpamd(world, async (ipamd) => {
      await addPods(ipamd, 'a', 1);
      const reply = await ipamd.backend.addNetwork(addRequest('b'));
      assert.equal(reply.errorCode, 'NO_AVAILABLE_ADDRESS');
      await ipamd.idle();
      assert.equal((await ipamd.backend.addNetwork(addRequest('b'))).success, true);
      assert.equal(world.metrics.count('noAvailableAddress'), 1);
    });
  });
});

describe('AddNetwork concurrency', () => {
  it('ours: concurrent ADDs on an empty pool share one growth tick and each get a distinct address', async () => {
    const world = buildWorld();
    await withIpamd(world, async (ipamd) => {
      await addPods(ipamd, 'web', 9);
      const creates = world.ec2.count('CreateNetworkInterface');
      const replies = await Promise.all([0, 1, 2].map((i) => ipamd.backend.addNetwork(addRequest(`burst-${i}`))));
      assert.ok(replies.every((r) => r.success));
      assert.equal(new Set(replies.map((r) => r.ipAllocationMetadata[0]?.ipv4Addr)).size, 3);
      assert.equal(world.ec2.count('CreateNetworkInterface'), creates + 1);
      assert.deepEqual(world.checkpoint.addresses().length, 12);
    });
  });
});

describe('AddNetwork failure reasons [pain-points §5]', () => {
  it('[behaviour §3.6]: subnet full → 120 s back-off, and the pod learns the subnet and the retry time', async () => {
    const world = buildWorld();
    await withIpamd(world, async (ipamd) => {
      fillNodeSubnet(world);
      const reply = await addTenthPod(ipamd);
      assert.equal(reply.success, false);
      assert.equal(reply.errorCode, 'NO_AVAILABLE_ADDRESS');
      assert.match(
        reply.errorMessage,
        new RegExp(
          `9 of 9 in use; subnet ${world.instance.subnetId} is full \\(InsufficientFreeAddressesInSubnet at 2024-05-01T12:00:00Z; retry after 2024-05-01T12:02:00Z\\)`,
        ),
      );
      const creates = world.ec2.count('CreateNetworkInterface');
      world.clock.advance(60_000);
      assert.match((await ipamd.runPoolTick())?.plan?.resize.reason ?? '', /back-off/);
      assert.equal(world.ec2.count('CreateNetworkInterface'), creates, 'no EC2 call during the back-off');
      world.clock.advance(61_000);
      await ipamd.runPoolTick();
      assert.equal(world.ec2.count('CreateNetworkInterface'), creates + 1, 'tried again after 120 s');
    });
  });

  it('[behaviour §3.6] hasRoomForEni: MAX_ENI=1 → "ENI limit reached"', async () => {
    const world = buildWorld({ env: { MAX_ENI: '1' } });
    await withIpamd(world, async (ipamd) => {
      const reply = await addTenthPod(ipamd);
      assert.equal(reply.errorCode, 'NO_AVAILABLE_ADDRESS');
      assert.match(
        reply.errorMessage,
        /^no free address: 9 of 9 in use; ENI limit reached: 1 of 1 ENIs attached \(MAX_ENI=1\)/,
      );
    });
  });

  it('[behaviour §3.5]: at max pods', async () => {
    const world = buildWorld({ maxPods: 9 });
    await withIpamd(world, async (ipamd) => {
      const reply = await addTenthPod(ipamd);
      assert.equal(reply.errorMessage, 'no free address: 9 of 9 in use and the node is at max pods (9)');
    });
  });

  it('[behaviour §3.5]: at max pods with every free address cooling down, the pod learns about the cooldown', async () => {
    const world = buildWorld({ maxPods: 9 });
    await withIpamd(world, async (ipamd) => {
      await addPods(ipamd, 'web', 9);
      for (let i = 0; i < 9; i++) await ipamd.backend.delNetwork(delRequest(`web-${i}`));
      const reply = await ipamd.backend.addNetwork(addRequest('web-9'));
      assert.equal(reply.errorCode, 'NO_AVAILABLE_ADDRESS');
      assert.match(
        reply.errorMessage,
        /^no free address: 0 of 9 in use and the node is at max pods \(9\); 9 released addresses are in cooldown \(IP_COOLDOWN_PERIOD 30 s\) until /,
      );
    });
  });

  it('EC2 throttling', async () => {
    const world = buildWorld({ env: { WARM_IP_TARGET: '1' } });
    await withIpamd(world, async (ipamd) => {
      await addPods(ipamd, 'web', 1);
      world.ec2.failNext('AssignPrivateIpAddresses', 'CLOUD_THROTTLED', 'RequestLimitExceeded');
      const reply = await ipamd.backend.addNetwork(addRequest('web-1'));
      assert.match(reply.errorMessage, /EC2 is throttling ipamd \(RequestLimitExceeded on AssignPrivateIpAddresses/);
    });
  });
});

describe('AddNetwork names an EC2 call that is still being retried', () => {
  const cases = [
    {
      code: 'CLOUD_THROTTLED',
      awsCode: 'RequestLimitExceeded',
      expect: /EC2 is throttling ipamd \(RequestLimitExceeded on AssignPrivateIpAddresses at .*; retrying\)/,
    },
    {
      code: 'CLOUD_UNAVAILABLE',
      awsCode: 'InternalError',
      expect: /AssignPrivateIpAddresses is being retried after InternalError at .*: InternalError happened/,
    },
  ];
  for (const c of cases) {
    it(`${c.awsCode}: the pod learns why it waits, not just "the pool is still growing"`, async () => {
      const world = buildWorld({ env: { WARM_IP_TARGET: '1' }, timings: { addWaitMs: 0 } });
      await withIpamd(world, async (ipamd) => {
        await addPods(ipamd, 'web', 1);
        ipamd.noteEc2Retry({
          at: world.clock.now(),
          action: 'AssignPrivateIpAddresses',
          code: c.code,
          awsCode: c.awsCode,
          message: `${c.awsCode} happened`,
        });
        const reply = await ipamd.backend.addNetwork(addRequest('web-1'));
        assert.equal(reply.success, false);
        assert.match(reply.errorMessage, c.expect);
      });
    });
  }
});

describe('AddNetwork / DelNetwork contract', () => {
  it('[behaviour §1.6]: a success reply carries the address, device, table and the legacy VPC/SNAT fields', async () => {
    const world = buildWorld({
      env: { AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS: '192.168.0.0/16', NETWORK_POLICY_ENFORCING_MODE: 'standard' },
    });
    await withIpamd(world, async (ipamd) => {
      const reply = await ipamd.backend.addNetwork(addRequest('web'));
      assert.equal(reply.success, true);
      assert.deepEqual(reply.ipAllocationMetadata[0]?.deviceNumber, 0);
      assert.equal(reply.ipAllocationMetadata[0]?.routeTableId, 254);
      assert.deepEqual(reply.vpcV4Cidrs, ['10.11.0.0/16', '192.168.0.0/16']);
      assert.equal(reply.useExternalSnat, false);
      assert.equal(reply.networkPolicyMode, 'standard');
      assert.equal(reply.errorCode, '');
    });
  });

  it('[behaviour §3.8]: a repeated ADD returns the same address and writes nothing; DEL twice: the second is UNKNOWN_POD (success)', async () => {
    const world = buildWorld();
    await withIpamd(world, async (ipamd) => {
      const writes = world.checkpoint.writes;
      const first = await ipamd.backend.addNetwork(addRequest('web'));
      const again = await ipamd.backend.addNetwork(addRequest('web'));
      assert.equal(again.ipAllocationMetadata[0]?.ipv4Addr, first.ipAllocationMetadata[0]?.ipv4Addr);
      assert.equal(world.checkpoint.writes, writes + 1);
      assert.deepEqual(world.checkpoint.addresses(), [first.ipAllocationMetadata[0]?.ipv4Addr]);
      const del = await ipamd.backend.delNetwork(delRequest('web'));
      assert.equal(del.success, true);
      assert.equal(del.ipAllocationMetadata[0]?.ipv4Addr, first.ipAllocationMetadata[0]?.ipv4Addr);
      assert.equal(world.checkpoint.writes, writes + 2);
      assert.deepEqual(world.checkpoint.addresses(), []);
      const twice = await ipamd.backend.delNetwork(delRequest('web'));
      assert.deepEqual([twice.success, twice.errorCode, twice.ipAllocationMetadata.length], [true, 'UNKNOWN_POD', 0]);
      assert.match(twice.errorMessage, /datastore: unknown pod/);
      assert.equal(world.checkpoint.writes, writes + 2);
    });
  });

  it('[behaviour §3.8]: a failed checkpoint write rolls the ADD and the DEL back', async () => {
    const world = buildWorld();
    await withIpamd(world, async (ipamd) => {
      world.checkpoint.failWrites = true;
      const add = await ipamd.backend.addNetwork(addRequest('web'));
      assert.deepEqual([add.success, add.errorCode], [false, 'CHECKPOINT_WRITE_FAILED']);
      assert.equal(ipamd.snapshots().get(0)?.stats.assignedIPs, 0);
      world.checkpoint.failWrites = false;
      const ok = await ipamd.backend.addNetwork(addRequest('web'));
      world.checkpoint.failWrites = true;
      const del = await ipamd.backend.delNetwork(delRequest('web'));
      assert.deepEqual([del.success, del.errorCode], [false, 'CHECKPOINT_WRITE_FAILED']);
      const kept = ipamd
        .context()
        ?.node.datastore.findByKey({ networkName: 'aws-cni', containerID: 'c-web', ifName: 'eth0' });
      assert.equal(kept?.address, ok.ipAllocationMetadata[0]?.ipv4Addr);
    });
  });

  it('IPAMD_NOT_READY before start', async () => {
    const world = buildWorld();
    const ipamd = world.ipamd();
    const reply = await ipamd.backend.addNetwork(addRequest('web'));
    assert.deepEqual([reply.success, reply.errorCode], [false, 'IPAMD_NOT_READY']);
    assert.equal((await ipamd.backend.delNetwork(delRequest('web'))).errorCode, 'IPAMD_NOT_READY');
  });

  const long = 'x'.repeat(4096);
  const BAD: readonly { name: string; add: Partial<AddNetworkRequest>; why: RegExp }[] = [
    { name: 'empty container id', add: { containerId: '' }, why: /empty ContainerID/ },
    { name: 'empty interface', add: { ifName: '' }, why: /empty IfName/ },
    { name: 'empty network name', add: { networkName: '' }, why: /empty NetworkName/ },
    { name: '4 KiB pod name', add: { k8sPodName: long }, why: /k8sPodName is 4096 characters/ },
    { name: '4 KiB namespace', add: { k8sPodNamespace: long }, why: /k8sPodNamespace is 4096/ },
    { name: '4 KiB container id', add: { containerId: long }, why: /containerId is 4096/ },
    {
      name: 'interface longer than a link name',
      add: { ifName: 'eth0123456789abcdef' },
      why: /ifName is 19 characters/,
    },
    { name: 'control characters', add: { containerId: 'c\n1' }, why: /control characters/ },
    { name: 'multi-NIC', add: { requiresMultiNicAttachment: true }, why: /multi-NIC/ },
  ];
  for (const bad of BAD) {
    it(`refuses a bad request (${bad.name}) with RPC_INVALID_REQUEST (CNI code 4) and changes nothing`, async () => {
      const world = buildWorld();
      await withIpamd(world, async (ipamd) => {
        const writes = world.checkpoint.writes;
        const calls = world.ec2.calls.length;
        const reply = await ipamd.backend.addNetwork(addRequest('web', bad.add));
        assert.deepEqual([reply.success, reply.errorCode, reply.errorCniCode], [false, 'RPC_INVALID_REQUEST', 4]);
        assert.match(reply.errorMessage, bad.why);
        if (!('requiresMultiNicAttachment' in bad.add)) {
          const del = await ipamd.backend.delNetwork(delRequest('web', bad.add));
          assert.equal(del.errorCode, 'RPC_INVALID_REQUEST');
        }
        assert.equal(ipamd.snapshots().get(0)?.stats.assignedIPs, 0);
        assert.equal(world.checkpoint.writes, writes);
        assert.equal(world.ec2.calls.length, calls);
      });
    });
  }

  it('counts DelNetwork by the plugin\'s reasons; any other reason as "other", so clients cannot mint metric series', async () => {
    const world = buildWorld();
    await withIpamd(world, async (ipamd) => {
      for (const reason of ['PodDeleted', 'SetupNSFailed', 'made-up-1', 'made-up-2', 'r'.repeat(4000)]) {
        await ipamd.backend.delNetwork(delRequest('web', { reason }));
      }
      assert.deepEqual(
        [...world.metrics.counts].filter(([name]) => name.startsWith('delRequest:')),
        [
          ['delRequest:PodDeleted', 1],
          ['delRequest:SetupNSFailed', 1],
          ['delRequest:other', 3],
        ],
      );
      assert.equal(delReasonLabel(''), '');
    });
  });

  it('requestProblem accepts an ordinary request', () => {
    assert.equal(requestProblem(addRequest('web')), undefined);
  });
});
