// Node initialisation [behaviour §2.3] against the embedded VPC: limits, tags, ENI set-up, pre-scaling, failures.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { ENI_TAG } from '../eni/setup.js';
import { IpamdError } from '../errors.js';
import { assertInSync, buildWorld, datastoreCidrs, NODE_IP, withIpamd } from '../../../test/support/virtual/world.js';

describe('node initialisation', () => {
  it('[behaviour §2.3; behaviour §3.5]: m5.large with defaults ends init with 9 warm secondary IPs on the primary ENI', async () => {
    const world = buildWorld();
    await withIpamd(world, (ipamd) => {
      const ctx = ipamd.context();
      assert.ok(ctx);
      assert.deepEqual(ctx.node.limits, {
        maxEnis: 3,
        maxIpsPerEni: 9,
        ipv4PerEni: 10,
        maxPods: 29,
        trunkCompatible: true,
      });
      const snapshot = ipamd.snapshots().get(0);
      assert.equal(snapshot?.enis.length, 1);
      assert.equal(snapshot?.enis[0]?.id, world.instance.primaryEniId);
      assert.equal(snapshot?.enis[0]?.routeTableId, 254);
      assert.equal(snapshot?.stats.totalIPs, 9);
      assertInSync(world, ipamd);
      assert.equal(ctx.node.primaryEni.primaryIp, NODE_IP);
      assert.deepEqual(ctx.node.vpcCidrs, ['10.11.0.0/16']);
      assert.equal(world.metrics.startups[0]?.success, true);
    });
  });

  it('[behaviour §4.4; behaviour §12]: under custom networking max pods counts one ENI fewer (m5.large: 20), as the EKS calculator does', async () => {
    const world = buildWorld({ env: { AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG: 'true' } });
    const ipamd = world.ipamd();
    await ipamd.start().catch(() => undefined);
    assert.equal(ipamd.context()?.node.limits.maxPods, 20);
    await ipamd.stop();
  });

  it('[behaviour §2.3] step 9/[behaviour §2.7]: tags the primary ENI with the instance id (and cluster tags with CLUSTER_NAME)', async () => {
    const world = buildWorld({ env: { CLUSTER_NAME: 'eksworkshop', ADDITIONAL_ENI_TAGS: '{"team":"net"}' } });
    await withIpamd(world, () => {
      const tags = world.store.eni(world.instance.primaryEniId).tags;
      assert.equal(tags.get(ENI_TAG.instanceId), world.instance.id);
      assert.equal(tags.get(ENI_TAG.clusterName), 'eksworkshop');
      assert.equal(tags.get(ENI_TAG.owner), 'amazon-vpc-cni');
      assert.equal(tags.get('team'), 'net');
    });
    // A restart finds every tag in place and sends no CreateTags.
    const before = world.ec2.count('CreateTags');
    await withIpamd(world, () => {
      assert.equal(world.ec2.count('CreateTags'), before);
    });
  });

  it('[behaviour §2.3] step 7-8: SNAT is programmed with the VPC CIDRs and the primary link gets the ENI MTU', async () => {
    const world = buildWorld({ env: { AWS_VPC_ENI_MTU: '1500' } });
    await withIpamd(world, () => {
      assert.deepEqual(world.host.ops('setMtu'), [['eth0', 1500]]);
      const [snat] = world.host.ops('setupSnat');
      assert.deepEqual((snat?.[0] as { vpcCidrs: string[] }).vpcCidrs, ['10.11.0.0/16']);
    });
  });

  it('[behaviour §2.3] step 1: MAX_ENI caps the ENI count; PD uses /28 prefixes', async () => {
    const world = buildWorld({ env: { MAX_ENI: '2', ENABLE_PREFIX_DELEGATION: 'true', WARM_PREFIX_TARGET: '1' } });
    await withIpamd(world, (ipamd) => {
      const ctx = ipamd.context();
      assert.equal(ctx?.node.limits.maxEnis, 2);
      assert.equal(ctx?.node.prefixDelegation, true);
      const cidrs = datastoreCidrs(ipamd);
      assert.equal(cidrs.length, 1);
      assert.match(cidrs[0] ?? '', /\/28$/);
      assertInSync(world, ipamd);
    });
  });

  it('[behaviour §2.3] step 6: an ENI tagged no_manage=true is left alone and still holds a slot', async () => {
    const world = buildWorld();
    // Attach a user ENI marked no_manage before ipamd starts.
    const { createEni, attachEni } = await import('../../sim/state/ops-eni.js');
    const user = createEni(world.store, {
      subnetId: world.instance.subnetId,
      tags: [{ key: ENI_TAG.noManage, value: 'true' }],
    });
    attachEni(world.store, { eniId: user.id, instanceId: world.instance.id, deviceIndex: 1 });
    await withIpamd(world, (ipamd) => {
      const ctx = ipamd.context();
      assert.equal(ctx?.node.unmanaged.get(user.id), 0);
      assert.equal(
        ipamd
          .snapshots()
          .get(0)
          ?.enis.some((e) => e.id === user.id),
        false,
      );
      assert.equal(ipamd.pool()?.cards[0]?.unmanagedEnis, 1);
    });
  });

  it('fails with IPAMD_INIT_FAILED and a reason naming the step when IMDS fails; the backend says why', async () => {
    const world = buildWorld();
    world.imds.failNext('identity', 'IMDS_ERROR', 'ECONNREFUSED');
    const ipamd = world.ipamd();
    await assert.rejects(
      ipamd.start(),
      (error: unknown) =>
        error instanceof IpamdError && error.code === 'IPAMD_INIT_FAILED' && /instance identity/.test(error.message),
    );
    assert.equal(ipamd.phase, 'failed');
    assert.equal(world.metrics.startups[0]?.success, false);
    const { addRequest } = await import('../../../test/support/virtual/world.js');
    const reply = await ipamd.backend.addNetwork(addRequest('web'));
    assert.equal(reply.errorCode, 'IPAMD_NOT_READY');
    assert.match(reply.errorMessage, /failed to initialise/);
  });

  it('rejects IPv6 mode clearly (not supported yet)', async () => {
    const world = buildWorld({ env: { ENABLE_IPv6: 'true', ENABLE_IPv4: 'false', ENABLE_PREFIX_DELEGATION: 'true' } });
    await assert.rejects(world.ipamd().start(), /IPv6 mode is not supported/);
  });

  it('[behaviour §2.3]: DISABLE_NETWORK_RESOURCE_PROVISIONING makes no EC2 change at all, and an ADD on the empty pool says why', async () => {
    const world = buildWorld({ env: { DISABLE_NETWORK_RESOURCE_PROVISIONING: 'true' } });
    await withIpamd(world, async (ipamd) => {
      const { addRequest } = await import('../../../test/support/virtual/world.js');
      const reply = await ipamd.backend.addNetwork(addRequest('web'));
      assert.equal(reply.errorCode, 'NO_AVAILABLE_ADDRESS');
      assert.match(reply.errorMessage, /not attaching ENIs or addresses: network resource provisioning is off/);
      const mutations = world.ec2.calls.filter((c) => !/^Describe/.test(c.action));
      assert.deepEqual(mutations, []);
    });
  });
});
