import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { loadConfig } from '../../config/index.js';
import { Datastore } from '../../ipam/datastore.js';
import { manualClock } from '../../ipam/clock.js';
import { INTROSPECTION_PATHS, introspectionRoutes, type IntrospectionSource, type PoolDocument } from './introspect.js';
import { encodeGoJson, goTime, ipMaskBase64 } from './json.js';
import { planSummary } from './pool.js';
import {
  CONTAINER_1,
  CONTAINER_2,
  ENIS_GOLDEN,
  PRIMARY_ENI,
  SNAPSHOT,
  fixtureSource,
  poolReport,
  snapshotOf,
} from './introspect.test-util.js';

function get(source: IntrospectionSource, path: string): { status: number; body: string } {
  const route = introspectionRoutes(source).get(path);
  assert.ok(route, `no route ${path}`);
  return route();
}

describe('Go JSON encoding', () => {
  it('sorts map keys byte-wise, keeps struct order, escapes like Go', () => {
    const cards = new Map([
      ['2', 1],
      ['10', 2],
      ['0', 3],
      ['1', 4],
    ]);
    assert.equal(encodeGoJson(cards), '{"0":3,"1":4,"10":2,"2":1}');
    assert.equal(encodeGoJson({ b: 1, a: [true, null] }), '{"b":1,"a":[true,null]}');
    assert.equal(encodeGoJson('<a&b>\u2028'), '"\\u003ca\\u0026b\\u003e\\u2028"');
    assert.throws(() => encodeGoJson(Number.NaN), RangeError);
  });

  it('writes times as RFC3339Nano UTC and the zero time for unset', () => {
    assert.equal(goTime(undefined), '0001-01-01T00:00:00Z');
    assert.equal(goTime(Date.UTC(2024, 0, 2, 3, 4, 5, 0)), '2024-01-02T03:04:05Z');
    assert.equal(goTime(Date.UTC(2024, 0, 2, 3, 4, 5, 100)), '2024-01-02T03:04:05.1Z');
    assert.equal(goTime(Date.UTC(2024, 0, 2, 3, 4, 5, 7)), '2024-01-02T03:04:05.007Z');
  });

  it('encodes masks as base64 bytes', () => {
    assert.equal(ipMaskBase64('10.0.1.23/32'), '/////w==');
    assert.equal(ipMaskBase64('10.0.4.16/28'), '////8A==');
    assert.equal(ipMaskBase64('2001:db8::/80'), '/////////////wAAAAAAAA==');
    assert.throws(() => ipMaskBase64('10.0.0.0/33'), RangeError);
  });
});

describe('/v1/enis', () => {
  it('matches the reference byte for byte', () => {
    const response = get(fixtureSource(), '/v1/enis');
    assert.equal(response.status, 200);
    assert.equal(response.body, ENIS_GOLDEN);
  });

  it('never shows container ids or interface names', () => {
    const { body } = get(fixtureSource(), '/v1/enis');
    assert.ok(!body.includes(CONTAINER_1.slice(0, 8)));
    assert.ok(!body.includes('eth0'));
  });

  it('keys cards as Go sorts strings and lists IPv6 CIDRs apart', () => {
    const v6 = {
      cidr: '2001:db8:0:1::/80',
      isPrefix: true,
      size: 2 ** 48,
      assignedCount: 0,
      cooldownCount: 0,
      addresses: [],
    };
    const snapshots = new Map([2, 10, 0].map((card) => [card, snapshotOf([{ ...PRIMARY_ENI, cidrs: [v6] }], card)]));
    const parsed = JSON.parse(get(fixtureSource({ snapshots: () => snapshots }), '/v1/enis').body) as Record<
      string,
      unknown
    >;
    const body = get(fixtureSource({ snapshots: () => snapshots }), '/v1/enis').body;
    assert.ok(body.startsWith('{"0":{"TotalIPs":281474976710656,'));
    assert.ok(body.indexOf('"10":') < body.indexOf('"2":'));
    assert.ok(
      body.includes(
        '"AvailableIPv4Cidrs":{},"IPv6Cidrs":{"2001:db8:0:1::/80":{"Cidr":{"IP":"2001:db8:0:1::","Mask":"/////////////wAAAAAAAA=="}',
      ),
    );
    assert.deepEqual(Object.keys(parsed).sort(), ['0', '10', '2']);
  });

  it('renders a real datastore snapshot', () => {
    const clock = manualClock(Date.UTC(2024, 0, 1));
    const ds = new Datastore({ clock, prefixDelegation: false });
    ds.addEni({
      id: 'eni-1',
      deviceNumber: 0,
      isPrimary: true,
      isTrunk: false,
      isEFA: false,
      subnetId: 'subnet-1',
      routeTableId: 254,
    });
    ds.addCidr('eni-1', '10.1.0.10/32');
    ds.addCidr('eni-1', '10.1.0.11/32');
    ds.assign({ networkName: 'aws-cni', containerID: 'c1', ifName: 'eth0' }, { k8sPodName: 'p', k8sPodNamespace: 'n' });
    const { status, body } = get(fixtureSource({ snapshots: () => new Map([[0, ds.snapshot()]]) }), '/v1/enis');
    assert.equal(status, 200);
    assert.match(body, /^\{"0":\{"TotalIPs":2,"AssignedIPs":1,"ENIs":\{"eni-1":\{"ID":"eni-1",/);
    assert.match(body, /"AssignedTime":"2024-01-01T00:00:00Z","UnassignedTime":"0001-01-01T00:00:00Z"/);
  });
});

describe('/v1/pods', () => {
  it('is the v1.6 map with short container ids', () => {
    const { status, body } = get(fixtureSource(), '/v1/pods');
    assert.equal(status, 200);
    assert.equal(
      body,
      `{"web-1_default_${CONTAINER_1.slice(0, 12)}":{"DeviceNumber":0,"IP":"10.0.1.17"},` +
        `"web-2_default_${CONTAINER_2.slice(0, 12)}":{"DeviceNumber":0,"IP":"10.0.1.18"}}`,
    );
  });
});

describe('settings', () => {
  it('/v1/networkutils-env-settings has the reference keys and types', () => {
    assert.equal(
      get(fixtureSource(), '/v1/networkutils-env-settings').body,
      '{"AWS_EXTERNAL_SERVICE_CIDRS":null,"AWS_VPC_CNI_NODE_PORT_SUPPORT":true,"AWS_VPC_ENI_MTU":9001,' +
        '"AWS_VPC_K8S_CNI_CONNMARK":128,"AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS":null,"AWS_VPC_K8S_CNI_EXTERNALSNAT":false,' +
        '"AWS_VPC_K8S_CNI_RANDOMIZESNAT":2,"AWS_VPC_K8S_CNI_VETHPREFIX":"eni"}',
    );
    const { config } = loadConfig({
      AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS: '10.9.0.0/16,192.168.0.0/24',
      AWS_VPC_K8S_CNI_RANDOMIZESNAT: 'hashrandom',
      AWS_VPC_ENI_MTU: '1500',
    });
    const settings = JSON.parse(get(fixtureSource({ config }), '/v1/networkutils-env-settings').body) as Record<
      string,
      unknown
    >;
    assert.deepEqual(settings['AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS'], ['10.9.0.0/16', '192.168.0.0/24']);
    assert.equal(settings['AWS_VPC_K8S_CNI_RANDOMIZESNAT'], 1);
    assert.equal(settings['AWS_VPC_ENI_MTU'], 1500);
    assert.ok(!('AWS_VPC_K8S_CNI_CONFIGURE_RPFILTER' in settings));
  });

  it('/v1/ipamd-env-settings has the reference keys', () => {
    assert.equal(
      get(fixtureSource(), '/v1/ipamd-env-settings').body,
      '{"AWS_MANAGE_ENIS_NON_SCHEDULABLE":false,"AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG":false,' +
        '"ENABLE_SUBNET_DISCOVERY":true,"WARM_ENI_TARGET":1,"WARM_IP_TARGET":0}',
    );
  });
});

describe('/v1/eni-configs', () => {
  it('is a bare JSON string when known', () => {
    assert.deepEqual(get(fixtureSource({ eniConfigName: () => 'us-west-2a' }), '/v1/eni-configs'), {
      status: 200,
      body: '"us-west-2a"',
    });
  });

  it('is 404 with what to do when unknown', () => {
    const off = get(fixtureSource(), '/v1/eni-configs');
    assert.equal(off.status, 404);
    assert.match(off.body, /custom networking is off/);
    const { config } = loadConfig({ AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG: 'true' });
    const on = get(fixtureSource({ config }), '/v1/eni-configs');
    assert.equal(on.status, 404);
    assert.match(on.body, /k8s\.amazonaws\.com\/eniConfig/);
  });
});

describe('before the node is initialised', () => {
  const initialising = fixtureSource({
    readiness: () => ({
      ready: false,
      phase: 'initialising',
      step: 'describing the attached ENIs in EC2',
      since: 1_000,
      reason:
        'ipamd is still initialising the node: describing the attached ENIs in EC2 (for 2.5 s); try again shortly',
    }),
  });
  for (const path of ['/v1/enis', '/v1/pods', '/v1/pool', '/v1/eni-configs']) {
    it(`${path} is 503 "initialising" with the step, not an empty 200`, () => {
      const { status, body } = get(initialising, path);
      assert.equal(status, 503);
      const document = JSON.parse(body) as Record<string, unknown>;
      assert.equal(document['status'], 'initialising');
      assert.equal(document['step'], 'describing the attached ENIs in EC2');
      assert.match(String(document['error']), /still initialising the node: describing/);
    });
  }
  for (const path of ['/v1/networkutils-env-settings', '/v1/ipamd-env-settings']) {
    it(`${path} answers from the configuration alone`, () => {
      assert.equal(get(initialising, path).status, 200);
    });
  }
  it('a failed initialisation says failed', () => {
    const failed = fixtureSource({
      readiness: () => ({ ready: false, phase: 'failed', step: 'x', since: 0, reason: 'ipamd failed to initialise' }),
    });
    assert.equal((JSON.parse(get(failed, '/v1/enis').body) as { status: string }).status, 'failed');
  });
});

describe('/v1/pool', () => {
  it('is 503 before the first pool tick', () => {
    const { status, body } = get(fixtureSource(), '/v1/pool');
    assert.equal(status, 503);
    assert.match(body, /"error":"no pool report yet/);
  });

  it('explains the plan with times and nulls', () => {
    const { status, body } = get(fixtureSource({ pool: poolReport }), '/v1/pool');
    assert.equal(status, 200);
    const doc = JSON.parse(body) as PoolDocument;
    const card = doc.cards[0];
    assert.ok(card);
    assert.equal(card.summary, 'grow: ask EC2 for 1 more prefix on eni-0a (short 5 IPs for WARM_IP_TARGET=5)');
    assert.equal(card.lastInsufficientAt, '2024-05-01T12:00:00Z');
    assert.equal(card.lastDecreaseAt, null);
    assert.equal(card.attachmentBlockedBy, null);
    assert.equal(card.state.target.short, 5);
    assert.equal(doc.recentActions[0]?.errorCode, 'InsufficientCidrBlocks');
    assert.equal(doc.recentErrors[0]?.networkCard, null);
    assert.equal(doc.generatedAt, '2024-05-01T12:00:02.5Z');
  });

  it('summarises every decision kind', () => {
    const base = poolReport().cards[0]?.plan;
    assert.ok(base);
    assert.equal(planSummary({ ...base, resize: { kind: 'steady', reason: 'at target' } }), 'steady: at target');
    assert.equal(
      planSummary({ ...base, resize: { kind: 'allocate-eni', unit: 'ip', count: 9, reason: 'no free slot' } }),
      'grow: attach a new ENI with 9 IPs (no free slot)',
    );
    assert.equal(
      planSummary({
        resize: {
          kind: 'release',
          over: 3,
          cidrs: [{ eniId: 'eni-0b', cidr: '10.0.4.16/28', isPrefix: true }],
          reason: 'over 3',
        },
        freeEni: { kind: 'free-eni', eniId: 'eni-0b', deviceNumber: 1, reason: 'no pods' },
        state: base.state,
      }),
      'shrink: release 1 of 3 surplus CIDRs (over 3); free eni-0b (no pods)',
    );
  });
});

describe('route table', () => {
  it('answers / with every command, ours included', () => {
    const { status, body } = get(fixtureSource(), '/');
    assert.equal(status, 200);
    assert.deepEqual(JSON.parse(body), { AvailableCommands: [...INTROSPECTION_PATHS] });
    assert.ok(INTROSPECTION_PATHS.includes('/v1/pool') && INTROSPECTION_PATHS.includes('/v1/pods'));
  });

  it('turns a throwing source into a 500 that says where to look', () => {
    const source = fixtureSource({
      snapshots: () => {
        throw new Error('datastore locked');
      },
    });
    const { status, body } = get(source, '/v1/enis');
    assert.equal(status, 500);
    assert.equal(body, '{"error":"/v1/enis failed: datastore locked; see ipamd\'s log"}');
  });

  it('serves the snapshot it is given, no more', () => {
    const doc = JSON.parse(get(fixtureSource(), '/v1/enis').body) as Record<string, { AssignedIPs: number }>;
    assert.equal(doc['0']?.AssignedIPs, SNAPSHOT.stats.assignedIPs);
  });
});
