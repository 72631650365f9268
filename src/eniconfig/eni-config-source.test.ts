// ipamd's ENIConfig source on fakes: the answer for new ENIs, the fall-back groups, precise errors reported once on
// the node, the check cache and its reset on change.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { manualClock } from '../ipam/clock.js';
import type { Ec2Filter, Ec2SecurityGroup } from '../cloud/ec2/port.js';
import { createEniConfigSource } from './eni-config-source.js';
import { isEniConfigError } from './errors.js';
import type { NodeInfoSource, NodeProblem } from './port.js';
import { POD_SUBNET } from './eniconfig.test-util.js';
import { DEFAULT_ENICONFIG_KEY, eniConfig, type EniConfig, type NodeInfo } from './types.js';

const SG: Ec2SecurityGroup = { id: 'sg-00000000000000001', vpcId: 'vpc-1', name: 'pods' };

function fakes(initial: { node: NodeInfo; configs: EniConfig[] }) {
  const state = { node: initial.node, configs: new Map(initial.configs.map((c) => [c.metadata.name, c])) };
  const reports: NodeProblem[] = [];
  const calls: string[] = [];
  let onChange: (() => void) | undefined;
  const source: NodeInfoSource = {
    kind: 'static',
    node: () => Promise.resolve(state.node),
    eniConfig: (name) => Promise.resolve(state.configs.get(name)),
    watch: (cb) => {
      onChange = cb;
      return () => (onChange = undefined);
    },
    report: (p) => {
      reports.push(p);
      return Promise.resolve();
    },
    close: () => Promise.resolve(),
  };
  const ec2 = {
    describeSubnets: (filters: readonly Ec2Filter[]) => {
      calls.push(`subnets ${filters[0]?.values.join(',') ?? ''}`);
      return Promise.resolve([POD_SUBNET].filter((s) => filters[0]?.values.includes(s.id)));
    },
    describeSecurityGroups: (filters: readonly Ec2Filter[]) => {
      calls.push(`groups ${filters[0]?.values.join(',') ?? ''}`);
      return Promise.resolve([SG].filter((g) => filters[0]?.values.includes(g.id)));
    },
  };
  return { state, reports, calls, source, ec2, change: () => onChange?.() };
}

const NODE: NodeInfo = { name: 'node-1', labels: {}, annotations: { [DEFAULT_ENICONFIG_KEY]: 'pods-a' } };
const FACTS = { az: 'us-west-2a', vpcId: 'vpc-1', primaryEniSecurityGroups: ['sg-0000000000000000f'] };

describe('createEniConfigSource', () => {
  it("answers the ENIConfig's subnet and groups, or the primary ENI's groups", async () => {
    const f = fakes({
      node: NODE,
      configs: [
        eniConfig('pods-a', { subnet: POD_SUBNET.id, securityGroups: [SG.id] }),
        eniConfig('bare', { subnet: POD_SUBNET.id }),
      ],
    });
    const cn = createEniConfigSource({ source: f.source, ec2: f.ec2, node: FACTS, keys: {} });
    assert.deepEqual(await cn(), { subnet: POD_SUBNET.id, securityGroups: [SG.id] });
    assert.equal(cn.currentName(), 'pods-a');
    assert.deepEqual(cn.lastChoice(), { name: 'pods-a', source: 'annotation', key: DEFAULT_ENICONFIG_KEY });
    f.state.node = { ...NODE, annotations: { [DEFAULT_ENICONFIG_KEY]: 'bare' } };
    f.change();
    assert.deepEqual(await cn(), { subnet: POD_SUBNET.id, securityGroups: FACTS.primaryEniSecurityGroups });
    assert.equal(cn.currentName(), 'bare');
    cn.close();
  });

  it('a missing ENIConfig is one ENICONFIG_NOT_FOUND naming the rule, reported once on the node', async () => {
    const f = fakes({
      node: { ...NODE, labels: { 'topology.kubernetes.io/zone': 'us-west-2a' }, annotations: {} },
      configs: [],
    });
    const invalid: string[] = [];
    const cn = createEniConfigSource({
      source: f.source,
      ec2: f.ec2,
      node: FACTS,
      keys: { labelKey: 'topology.kubernetes.io/zone' },
      onInvalid: (p) => invalid.push(p.code),
    });
    for (let i = 0; i < 3; i += 1) {
      await assert.rejects(
        cn(),
        (e: unknown) =>
          isEniConfigError(e, 'ENICONFIG_NOT_FOUND') &&
          /^ENIConfig 'us-west-2a' \(node label topology\.kubernetes\.io\/zone\) does not exist/.test(e.message),
      );
    }
    assert.deepEqual(invalid, ['ENICONFIG_NOT_FOUND', 'ENICONFIG_NOT_FOUND', 'ENICONFIG_NOT_FOUND']);
    assert.equal(f.reports.length, 1);
    assert.equal(f.reports[0]?.reason, 'EniConfigNotFound');
    cn.close();
  });

  it('an ENIConfig of another zone is refused with both zones; the check is cached until a change', async () => {
    const clock = manualClock(0);
    const f = fakes({
      node: NODE,
      configs: [eniConfig('pods-a', { subnet: POD_SUBNET.id, securityGroups: [SG.id, 'sg-00000000000000009'] })],
    });
    const cn = createEniConfigSource({
      source: f.source,
      ec2: f.ec2,
      node: () => ({ ...FACTS, az: 'us-west-2b' }),
      keys: {},
      clock,
      reportEveryMs: 1_000,
    });
    await assert.rejects(
      cn(),
      (e: unknown) =>
        isEniConfigError(e, 'ENICONFIG_SUBNET_WRONG_AZ') &&
        /is in us-west-2a but this node is in us-west-2b.*security group sg-00000000000000009 does not exist/.test(
          e.message,
        ),
    );
    await assert.rejects(cn(), (e: unknown) => isEniConfigError(e, 'ENICONFIG_SUBNET_WRONG_AZ'));
    assert.equal(f.calls.length, 2, 'subnets and groups described once');
    assert.deepEqual(
      f.reports.map((r) => r.reason),
      ['EniConfigInvalid'],
    );
    clock.advance(1_000);
    await assert.rejects(cn(), (e: unknown) => isEniConfigError(e, 'ENICONFIG_SUBNET_WRONG_AZ'));
    assert.equal(f.reports.length, 2, 'reported again after reportEveryMs');
    f.change();
    await assert.rejects(cn());
    assert.equal(f.calls.length, 4, 'a change clears the cache');
    cn.close();
  });

  it('without describeSecurityGroups the groups are not checked; source failures are NODE_INFO_UNAVAILABLE', async () => {
    const f = fakes({
      node: NODE,
      configs: [eniConfig('pods-a', { subnet: POD_SUBNET.id, securityGroups: ['sg-00000000000000009'] })],
    });
    const cn = createEniConfigSource({
      source: f.source,
      ec2: { describeSubnets: f.ec2.describeSubnets },
      node: FACTS,
      keys: {},
    });
    assert.deepEqual(await cn(), { subnet: POD_SUBNET.id, securityGroups: ['sg-00000000000000009'] });
    const broken = createEniConfigSource({
      source: { ...f.source, node: () => Promise.reject(new Error('connection refused')) },
      ec2: f.ec2,
      node: FACTS,
      keys: {},
    });
    await assert.rejects(
      broken(),
      (e: unknown) => isEniConfigError(e, 'NODE_INFO_UNAVAILABLE') && /connection refused/.test(e.message),
    );
    assert.equal(broken.currentName(), undefined);
    cn.close();
    broken.close();
  });
});
