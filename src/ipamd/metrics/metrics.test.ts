import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { createIpamdMetrics, startMetricsServer } from './metrics.js';
import type { Ec2Subnet } from '../../cloud/ec2/port.js';
import { PRIMARY_ENI, SECONDARY_ENI, poolReport, snapshotOf } from '../introspect/introspect.test-util.js';

/** Every metric of the reference [behaviour §6], with its type. */
const REFERENCE_METRICS: Readonly<Record<string, string>> = {
  awscni_build_info: 'gauge',
  awscni_ipamd_error_count: 'counter',
  awscni_ipamd_action_inprogress: 'gauge',
  awscni_eni_max: 'gauge',
  awscni_ip_max: 'gauge',
  awscni_reconcile_count: 'counter',
  awscni_add_ip_req_count: 'counter',
  awscni_del_ip_req_count: 'counter',
  awscni_pod_eni_error_count: 'counter',
  awscni_aws_api_latency_ms: 'summary',
  awscni_aws_api_error_count: 'counter',
  awscni_aws_utils_error_count: 'counter',
  awscni_ec2api_req_count: 'counter',
  awscni_ec2api_error_count: 'counter',
  awscni_eni_allocated: 'gauge',
  awscni_total_ip_addresses: 'gauge',
  awscni_assigned_ip_addresses: 'gauge',
  awscni_force_removed_enis: 'counter',
  awscni_force_removed_ips: 'counter',
  awscni_total_ipv4_prefixes: 'gauge',
  awscni_assigned_ip_per_cidr: 'gauge',
  awscni_no_available_ip_addresses: 'counter',
  awscni_assigned_ip_per_eni: 'gauge',
  awscni_ipamd_startup_duration_seconds: 'histogram',
  awscni_ipamd_node_initialization_duration_seconds: 'histogram',
  awscni_connmark_backend: 'gauge',
  awscni_connmark_reconcile_total: 'counter',
};

function setup(): { registry: Registry; metrics: ReturnType<typeof createIpamdMetrics> } {
  const registry = new Registry();
  return { registry, metrics: createIpamdMetrics(registry, { version: '1.2.3', defaultMetrics: false }) };
}

function subnet(id: string, cidr: string, free: number): Ec2Subnet {
  return { id, vpcId: 'vpc-1', cidr, availabilityZone: 'us-west-2a', availableIpAddressCount: free, tags: {} };
}

describe('ipamd metrics', () => {
  it('registers every reference metric with its type and the reference labels', async () => {
    const { registry, metrics } = setup();
    metrics.awsCall({ api: 'AssignPrivateIpAddresses', kind: 'ec2', ms: 120, status: 200, attempts: 1 });
    metrics.awsCall({
      api: 'CreateNetworkInterface',
      kind: 'ec2',
      ms: 80,
      error: 'InsufficientFreeAddressesInSubnet',
      status: 400,
      attempts: 1,
    });
    metrics.awsCall({ api: 'GetMACs', kind: 'imds', ms: 3, error: 'TimeoutError', attempts: 2 });
    metrics.ipamdError('increaseIPPoolAllocENI');
    metrics.actionInProgress('nodeInit', 1);
    metrics.reconcile('eniReconcileAdd');
    metrics.addRequest();
    metrics.delRequest('PodDeleted');
    metrics.noAvailableAddress();
    metrics.forceRemoved({ enis: 1, ips: 2 });
    metrics.poolLimits({ maxEnis: 3, maxIps: 27 });
    metrics.datastore(snapshotOf([PRIMARY_ENI, SECONDARY_ENI]));
    metrics.startup(4.2, true, '');
    metrics.nodeInitialization(1.5, true);
    metrics.awsUtilsError('FreeENIDeleteErr', 'InvalidNetworkInterfaceID.NotFound');
    metrics.podEniError('nodeInit');
    metrics.connmarkBackend('nftables');
    const text = await registry.metrics();
    for (const [name, type] of Object.entries(REFERENCE_METRICS))
      assert.match(text, new RegExp(`^# TYPE ${name} ${type}$`, 'm'), name);
    const lines = text.split('\n');
    const has = (line: string): void => assert.ok(lines.includes(line), `missing: ${line}`);
    has(`awscni_build_info{version="1.2.3",goversion="${process.version}"} 1`);
    has('awscni_aws_api_latency_ms_count{api="AssignPrivateIpAddresses",error="false",status="200"} 1');
    has(
      'awscni_aws_api_latency_ms_sum{api="CreateNetworkInterface",error="true",status="InsufficientFreeAddressesInSubnet"} 80',
    );
    has('awscni_aws_api_latency_ms_count{api="GetMetadata",error="true",status=""} 1');
    has('awscni_aws_api_error_count{api="GetMACs",error="TimeoutError"} 1');
    has('awscni_ec2api_req_count{fn="CreateNetworkInterface"} 1');
    has('awscni_ec2api_error_count{fn="CreateNetworkInterface"} 1');
    assert.ok(!text.includes('ec2api_req_count{fn="GetMACs"}'));
    assert.ok(!text.includes('quantile='), 'no quantiles, as client_golang summaries');
    has('awscni_connmark_reconcile_total{result="success"} 0');
    has('awscni_connmark_reconcile_total{result="error"} 0');
    has('awscni_connmark_backend{backend="nftables"} 1');
    has('awscni_connmark_backend{backend="iptables"} 0');
    has('awscni_force_removed_ips 2');
    has('awscni_ip_max 27');
    has('awscni_ipamd_startup_duration_seconds_count{success="true",with_api_server="true",failure_reason=""} 1');
    has(
      'awscni_ipamd_startup_duration_seconds_bucket{le="5",success="true",with_api_server="true",failure_reason=""} 1',
    );
  });

  it('derives the datastore gauges from the snapshot, summed over cards', async () => {
    const { registry, metrics } = setup();
    metrics.datastore(snapshotOf([PRIMARY_ENI, SECONDARY_ENI], 0));
    metrics.datastore(snapshotOf([{ ...SECONDARY_ENI, id: 'eni-1c' }], 1));
    const lines = (await registry.metrics()).split('\n');
    for (const line of [
      'awscni_eni_allocated 3',
      'awscni_total_ip_addresses 49',
      'awscni_assigned_ip_addresses 2',
      'awscni_total_ipv4_prefixes 3',
      'awscni_assigned_ip_per_eni{eni="eni-0a"} 2',
      'awscni_assigned_ip_per_eni{eni="eni-1c"} 0',
      'awscni_assigned_ip_per_cidr{cidr="10.0.1.16/28"} 2',
      'awscni_assigned_ip_per_cidr{cidr="10.0.1.5/32"} 0',
    ]) {
      assert.ok(lines.includes(line), `missing: ${line}`);
    }
  });

  it('deletes the series of vanished ENIs and CIDRs', async () => {
    const { registry, metrics } = setup();
    metrics.datastore(snapshotOf([PRIMARY_ENI, SECONDARY_ENI]));
    metrics.datastore(snapshotOf([{ ...PRIMARY_ENI, cidrs: PRIMARY_ENI.cidrs.slice(1) }]));
    const text = await registry.metrics();
    assert.ok(!text.includes('eni="eni-0b"'));
    assert.ok(!text.includes('cidr="10.0.4.16/28"'));
    assert.ok(!text.includes('cidr="10.0.1.5/32"'));
    assert.ok(text.includes('awscni_assigned_ip_per_eni{eni="eni-0a"} 2'));
    assert.ok(text.includes('awscni_eni_allocated 1'));
  });

  it('publishes per-subnet capacity and forgets subnets no longer used', async () => {
    const { registry, metrics } = setup();
    metrics.subnets([subnet('subnet-0a', '10.0.0.0/24', 17), subnet('subnet-0b', '10.0.16.0/20', 4000)]);
    metrics.subnets([subnet('subnet-0a', '10.0.0.0/24', 3)]);
    const text = await registry.metrics();
    const labels = 'subnet_id="subnet-0a",cidr="10.0.0.0/24",availability_zone="us-west-2a"';
    assert.ok(text.includes(`awscni_subnet_available_ip_addresses{${labels}} 3`));
    assert.ok(text.includes(`awscni_subnet_ip_addresses{${labels}} 251`));
    assert.ok(!text.includes('subnet-0b'));
  });

  it('shows how far the pool is from its IP targets', async () => {
    const { registry, metrics } = setup();
    const state = poolReport().cards[0]?.plan.state;
    assert.ok(state);
    metrics.poolState(0, state);
    const text = await registry.metrics();
    assert.ok(text.includes('awscni_pool_short_ips{network_card="0"} 5'));
    assert.ok(text.includes('awscni_pool_over_ips{network_card="0"} 0'));
  });

  it('adds Node process metrics only when asked, on the given registry only', async () => {
    const registry = new Registry();
    createIpamdMetrics(registry, { version: 'x' });
    assert.match(await registry.metrics(), /^process_cpu_user_seconds_total /m);
    const second = new Registry();
    createIpamdMetrics(second, { version: 'x', defaultMetrics: false });
    assert.doesNotMatch(await second.metrics(), /process_cpu/);
  });
});

describe('metrics server', () => {
  it('serves /metrics in the text format and nothing else', async () => {
    const { registry, metrics } = setup();
    metrics.addRequest();
    const server = await startMetricsServer({ bind: { host: '127.0.0.1', port: 0 }, registry });
    try {
      const ok = await fetch(`${server.url}/metrics?x=1`);
      assert.equal(ok.status, 200);
      assert.equal(ok.headers.get('content-type'), registry.contentType);
      assert.match(await ok.text(), /^awscni_add_ip_req_count 1$/m);
      assert.equal((await fetch(`${server.url}/`)).status, 404);
      assert.equal((await fetch(`${server.url}/metrics`, { method: 'POST' })).status, 405);
      const head = await fetch(`${server.url}/metrics`, { method: 'HEAD' });
      assert.equal(head.status, 200);
      assert.equal(await head.text(), '');
    } finally {
      await server.close();
    }
  });
});
