import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DescribeInstancesCommand, DescribeInstanceTypesCommand, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { manualClock } from '../../ipam/clock.js';
import { Params } from '../ec2/params.js';
import {
  instanceWorld,
  rejection,
  startInstanceServer,
  type InstanceServer,
} from '../ec2/handlers/instances.test-util.js';
import { createGate, type SimGate } from './index.js';

describe('createGate', () => {
  it('throttles before faults: a throttled request neither waits nor fails with the fault', async () => {
    const slept: number[] = [];
    const gate = createGate({
      clock: manualClock(0),
      throttle: { overrides: { RunInstances: { capacity: 1, refillPerSecond: 0 } } },
      faults: { rules: { RunInstances: { code: 'InternalError', latencyMs: 25, probability: 1 } } },
      sleep: (ms) => {
        slept.push(ms);
        return Promise.resolve();
      },
    });
    const params = Params.fromRecord({});
    await assert.rejects(Promise.resolve(gate.admit('RunInstances', params)), { code: 'InternalError' });
    assert.deepEqual(slept, [25]);
    await assert.rejects(Promise.resolve(gate.admit('RunInstances', params)), { code: 'RequestLimitExceeded' });
    assert.deepEqual(slept, [25]);
  });

  it('admits when nothing is configured', async () => {
    const gate = createGate({ clock: manualClock(0) });
    await gate.admit('DescribeInstances', Params.fromRecord({}));
  });
});

describe('the gate in front of the EC2 server, seen by the SDK', () => {
  let gate: SimGate;
  let retrying: InstanceServer;
  let once: InstanceServer;

  before(async () => {
    const world = instanceWorld();
    gate = createGate({ clock: world.clock });
    retrying = await startInstanceServer(world.store, { gate, maxAttempts: 3 });
    once = await startInstanceServer(world.store, { gate, maxAttempts: 1 });
  });
  after(async () => {
    await retrying.close();
    await once.close();
  });

  it('an injected RequestLimitExceeded is retried by the SDK (attempts > 1) and then succeeds', async () => {
    gate.faults.configure({
      rules: { DescribeInstanceTypes: { code: 'RequestLimitExceeded', probability: 1, count: 1 } },
    });
    const out = await retrying.client.send(new DescribeInstanceTypesCommand({ InstanceTypes: ['m5.large'] }));
    assert.equal(out.$metadata.attempts, 2);
    assert.equal(out.InstanceTypes?.[0]?.InstanceType, 'm5.large');
    gate.faults.clear();
  });

  it('an empty bucket answers RequestLimitExceeded 503; the SDK retries until its attempts run out', async () => {
    gate.throttle.drain('DescribeInstances');
    const failure = await rejection(once.client.send(new DescribeInstancesCommand({})));
    assert.equal(failure.name, 'RequestLimitExceeded');
    assert.equal(failure.status, 503);
    assert.equal(failure.attempts, 1);
    gate.throttle.reset();
    await once.client.send(new DescribeInstancesCommand({}));
  });

  it('injected client errors are not retried', async () => {
    gate.faults.configure({
      rules: {
        RunInstances: {
          code: 'InsufficientInstanceCapacity',
          message: 'We currently do not have sufficient m5.large capacity.',
          probability: 1,
        },
      },
    });
    const failure = await rejection(
      retrying.client.send(new RunInstancesCommand({ InstanceType: 'm5.large', MinCount: 1, MaxCount: 1 })),
    );
    assert.equal(failure.name, 'InsufficientInstanceCapacity');
    assert.equal(failure.message, 'We currently do not have sufficient m5.large capacity.');
    assert.equal(failure.status, 400);
    assert.equal(failure.attempts, 1);
    gate.faults.clear();
  });
});
