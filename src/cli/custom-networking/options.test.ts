import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';

import { parseCustomNetworkingArgs } from './options.js';
import { isCliError } from '../errors.js';

const usage = (pattern: RegExp) => (error: unknown) => isCliError(error, 'CLI_USAGE') && pattern.test(error.message);

describe('parseCustomNetworkingArgs', () => {
  it("has the seed's defaults", () => {
    const { action, options } = parseCustomNetworkingArgs(['plan', '--cluster', 'eksworkshop']);
    assert.equal(action, 'plan');
    assert.equal(options.cidr, '100.64.0.0/16');
    assert.equal(options.subnetSize, 19);
    assert.equal(options.output, 'text');
    assert.equal(options.prefixDelegation, false);
    assert.equal(options.timeoutMs, 300_000);
    assert.deepEqual(options.nodeTags, {});
    assert.equal(options.azs, undefined);
  });

  it('parses lists, repeated pairs and numbers', () => {
    const { options } = parseCustomNetworkingArgs([
      'apply',
      '--vpc-id',
      'vpc-1',
      '--azs',
      'a, b',
      '--subnet',
      'a=subnet-1',
      '--subnet',
      'b=subnet-2',
      '--nodes',
      'alpha.eksctl.io/nodegroup-name=ng1-public',
      '--nodes',
      'owned',
      '--security-groups',
      'sg-1,sg-2',
      '--subnet-size',
      '20',
      '--static-dir',
      '/tmp/x',
      '--timeout',
      '30',
      '--output',
      'json',
    ]);
    assert.deepEqual(options.azs, ['a', 'b']);
    assert.deepEqual(options.subnets, { a: 'subnet-1', b: 'subnet-2' });
    assert.deepEqual(options.nodeTags, { 'alpha.eksctl.io/nodegroup-name': 'ng1-public', owned: undefined });
    assert.deepEqual(options.securityGroups, ['sg-1', 'sg-2']);
    assert.equal(options.subnetSize, 20);
    assert.equal(options.timeoutMs, 30_000);
    assert.equal(options.output, 'json');
  });

  it('validate takes files; help needs nothing', () => {
    assert.deepEqual(parseCustomNetworkingArgs(['validate', 'a.yaml', 'b.yaml']).files, ['a.yaml', 'b.yaml']);
    assert.equal(parseCustomNetworkingArgs(['--help']).action, 'help');
  });

  it('refuses what cannot work', () => {
    assert.throws(() => parseCustomNetworkingArgs([]), usage(/plan, apply or validate is required/));
    assert.throws(() => parseCustomNetworkingArgs(['destroy']), usage(/unknown action 'destroy'/));
    assert.throws(() => parseCustomNetworkingArgs(['plan']), usage(/--cluster NAME or --vpc-id ID is required/));
    assert.throws(
      () => parseCustomNetworkingArgs(['apply', '--cluster', 'x']),
      usage(/--static-dir DIR .* or --kubeconfig PATH/),
    );
    assert.throws(() => parseCustomNetworkingArgs(['validate']), usage(/at least one ENIConfig file/));
    assert.throws(
      () => parseCustomNetworkingArgs(['plan', '--cluster', 'x', 'extra']),
      usage(/unexpected argument 'extra'/),
    );
    assert.throws(
      () => parseCustomNetworkingArgs(['plan', '--cluster', 'x', '--subnet-size', '29']),
      usage(/--subnet-size must be an integer from 16 to 28/),
    );
    assert.throws(
      () => parseCustomNetworkingArgs(['plan', '--cluster', 'x', '--output', 'xml']),
      usage(/text, json or yaml/),
    );
    assert.throws(
      () => parseCustomNetworkingArgs(['plan', '--cluster', 'x', '--subnet', 'nozone']),
      usage(/--subnet expects KEY=VALUE/),
    );
    assert.throws(() => parseCustomNetworkingArgs(['plan', '--cluster', 'x', '--bogus']), usage(/bogus/));
  });
});
