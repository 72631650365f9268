import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { manualClock } from '../../ipam/clock.js';
import { Params } from '../ec2/params.js';
import { classify, Throttle } from './throttle.js';

const plain = Params.fromRecord({});
const filtered = Params.fromRecord({ 'Filter.1.Name': 'vpc-id', 'Filter.1.Value.1': 'vpc-1' });
const paged = Params.fromRecord({ MaxResults: '1000' });
const byId = Params.fromRecord({ 'InstanceId.1': 'i-0abc' });

/** How many requests in a row the bucket admits from full. */
function burst(throttle: Throttle, action: string, params = plain): number {
  let n = 0;
  while (throttle.tryTake(action, params)) n += 1;
  return n;
}

describe('EC2 throttling categories [ec2-imds §4]', () => {
  const cases: [string, Params, string, number, number][] = [
    ['DescribeSubnets', plain, 'non-mutating', 100, 20],
    ['DescribeInstanceTypes', plain, 'non-mutating', 100, 20],
    ['DescribeInstances', filtered, 'non-mutating', 100, 20],
    ['DescribeNetworkInterfaces', paged, 'non-mutating', 100, 20],
    ['DescribeInstances', plain, 'unfiltered-unpaginated', 50, 10],
    ['DescribeInstances', byId, 'unfiltered-unpaginated', 50, 10],
    ['DescribeSecurityGroups', plain, 'unfiltered-unpaginated', 50, 10],
    ['AttachNetworkInterface', plain, 'mutating', 50, 5],
    ['DetachNetworkInterface', plain, 'mutating', 50, 5],
    ['CreateSubnet', plain, 'mutating', 50, 5],
    ['AuthorizeSecurityGroupIngress', plain, 'resource-intensive', 50, 5],
    ['AssignPrivateIpAddresses', plain, 'uncategorized', 100, 5],
    ['UnassignPrivateIpAddresses', plain, 'uncategorized', 100, 5],
    ['CreateNetworkInterface', plain, 'uncategorized', 100, 5],
    ['DeleteNetworkInterface', plain, 'uncategorized', 100, 5],
    ['ModifyNetworkInterfaceAttribute', plain, 'uncategorized', 100, 5],
    ['CreateTags', plain, 'uncategorized', 100, 10],
    ['RunInstances', plain, 'uncategorized', 5, 2],
    ['TerminateInstances', plain, 'uncategorized', 100, 5],
  ];
  for (const [action, params, category, capacity, refill] of cases) {
    it(`${action} (${category}): ${capacity} burst, ${refill}/s`, () => {
      const bucket = classify(action, params);
      assert.equal(bucket.category, category);
      assert.deepEqual(bucket.spec, { capacity, refillPerSecond: refill });
      const clock = manualClock(0);
      const throttle = new Throttle({ clock });
      assert.equal(burst(throttle, action, params), capacity);
      clock.advance(1000);
      assert.equal(burst(throttle, action, params), refill);
    });
  }
});

describe('Throttle', () => {
  it('drains 50 attaches, refuses the 51st with RequestLimitExceeded 503, and admits 5 more a second later', () => {
    const clock = manualClock(0);
    const throttle = new Throttle({ clock });
    for (let i = 0; i < 50; i++) throttle.take('AttachNetworkInterface');
    assert.throws(() => throttle.take('AttachNetworkInterface'), {
      code: 'RequestLimitExceeded',
      status: 503,
      message: 'Request limit exceeded.',
    });
    clock.advance(1000);
    for (let i = 0; i < 5; i++) throttle.take('AttachNetworkInterface');
    assert.throws(() => throttle.take('AttachNetworkInterface'), { code: 'RequestLimitExceeded' });
    clock.advance(200);
    throttle.take('AttachNetworkInterface');
  });

  it('keeps one bucket per action, and the unfiltered Describe variant apart from the filtered one', () => {
    const throttle = new Throttle({ clock: manualClock(0) });
    assert.equal(burst(throttle, 'AttachNetworkInterface'), 50);
    assert.equal(burst(throttle, 'DetachNetworkInterface'), 50);
    assert.equal(burst(throttle, 'DescribeInstances', plain), 50);
    assert.equal(burst(throttle, 'DescribeInstances', filtered), 100);
  });

  it('refills lazily up to capacity only', () => {
    const clock = manualClock(0);
    const throttle = new Throttle({ clock });
    burst(throttle, 'RunInstances');
    clock.advance(3_600_000);
    assert.equal(burst(throttle, 'RunInstances'), 5);
  });

  it('scales capacity and refill, and honours per-action overrides', () => {
    const clock = manualClock(0);
    const scaled = new Throttle({ clock, scale: 2 });
    assert.equal(burst(scaled, 'AttachNetworkInterface'), 100);
    clock.advance(1000);
    assert.equal(burst(scaled, 'AttachNetworkInterface'), 10);
    const overridden = new Throttle({
      clock,
      overrides: { AttachNetworkInterface: { capacity: 3, refillPerSecond: 1 } },
    });
    assert.equal(burst(overridden, 'AttachNetworkInterface'), 3);
    assert.equal(burst(overridden, 'DetachNetworkInterface'), 50);
  });

  it('admits everything when disabled, and starts over full when reconfigured', () => {
    const throttle = new Throttle({ clock: manualClock(0), enabled: false });
    for (let i = 0; i < 1000; i++) throttle.take('RunInstances');
    throttle.configure({ enabled: true });
    assert.equal(burst(throttle, 'RunInstances'), 5);
    throttle.configure({ scale: 1 });
    assert.equal(burst(throttle, 'RunInstances'), 5);
  });

  it('drains one action or all of them, including actions not used yet', () => {
    const clock = manualClock(0);
    const throttle = new Throttle({ clock });
    throttle.drain('CreateTags');
    assert.equal(throttle.tryTake('CreateTags'), false);
    assert.equal(throttle.tryTake('DeleteNetworkInterface'), true);
    throttle.drain('DescribeInstances');
    assert.equal(throttle.tryTake('DescribeInstances', plain), false);
    assert.equal(throttle.tryTake('DescribeInstances', filtered), false);
    throttle.drain();
    assert.equal(throttle.tryTake('DeleteNetworkInterface'), false);
    assert.equal(throttle.tryTake('AssociateRouteTable'), false);
    clock.advance(200);
    assert.equal(throttle.tryTake('AssociateRouteTable'), true);
    throttle.reset();
    assert.equal(burst(throttle, 'CreateTags'), 100);
  });

  it('reports its buckets and rejects bad settings', () => {
    const throttle = new Throttle({ clock: manualClock(0) });
    throttle.take('CreateTags');
    assert.deepEqual(throttle.buckets(), [
      { key: 'CreateTags', category: 'uncategorized', capacity: 100, refillPerSecond: 10, tokens: 99 },
    ]);
    assert.throws(() => throttle.configure({ scale: 0 }), RangeError);
    assert.throws(() => throttle.configure({ overrides: { X: { capacity: 0, refillPerSecond: 1 } } }), RangeError);
  });
});
