// ADD prepares the wiring's processes (WiringPrestart.prepareSetup), starts them once its request to ipamd is on the
// socket, and always cancels what it did not use: after a success, after a refused or failed RPC, after a failed
// wiring. A netns path the wiring would refuse is refused before ipamd is asked for an address. DEL does the same with
// its teardown (prepareTeardown).
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { NetlinkError } from '../netlink/errors.js';
import { cniEnv, FakePods, harness, netconf, NETNS, rpcUnavailable, type Harness } from './cni.test-util.js';
import { runPlugin, type PluginOutput } from './plugin.js';
import type { PodSpec, PodWiringResult, Preparation, WiringPrestart } from '../netlink/port.js';

/** FakePods that records prepareSetup, its start and its cancel in the same call list. */
class PreparingPods extends FakePods implements WiringPrestart {
  readonly events: string[] = [];
  prepareError?: Error;

  prepareTeardown(): Preparation {
    this.events.push('prepare teardown');
    return this.#preparation();
  }

  #preparation(): Preparation {
    return { start: () => this.events.push('start'), cancel: () => this.events.push('cancel') };
  }

  override teardownPod(spec: Parameters<FakePods['teardownPod']>[0]): Promise<void> {
    this.events.push('teardown');
    return super.teardownPod(spec);
  }

  prepareSetup(netnsPath: string): Preparation {
    if (this.prepareError !== undefined) throw this.prepareError;
    this.events.push(`prepare ${netnsPath}`);
    return this.#preparation();
  }

  override setupPod(spec: PodSpec): Promise<PodWiringResult> {
    this.events.push('setup');
    return super.setupPod(spec);
  }
}

function preparing(): Harness & { prepared: PreparingPods } {
  const h = harness();
  const prepared = new PreparingPods();
  return { ...h, pods: prepared, prepared, deps: { ...h.deps, pods: prepared, prestart: prepared } };
}

async function add(h: Harness): Promise<PluginOutput> {
  return runPlugin({ env: cniEnv(), stdin: netconf(), deps: h.deps });
}

describe('ADD prepares the wiring while ipamd answers', () => {
  it('prepares before the RPC, starts once the request is sent, wires, then cancels what is left', async () => {
    const h = preparing();
    const order: string[] = [];
    const addNetwork = h.ipam.addNetwork.bind(h.ipam);
    h.ipam.addNetwork = (request, onSent) => {
      order.push(...h.prepared.events, 'rpc');
      return addNetwork(request, onSent);
    };
    const out = await add(h);
    assert.equal(out.exitCode, 0, out.stdout);
    assert.deepEqual(order, [`prepare ${NETNS}`, 'rpc']);
    assert.deepEqual(h.prepared.events, [`prepare ${NETNS}`, 'start', 'setup', 'cancel']);
  });

  it('cancels when ipamd is unreachable or refuses, and wires nothing', async () => {
    for (const fail of ['unreachable', 'refused'] as const) {
      const h = preparing();
      if (fail === 'unreachable') h.ipam.addError = rpcUnavailable();
      else
        h.ipam.addReply = {
          success: false,
          errorCode: 'CLOUD_SUBNET_FULL',
          errorCniCode: 11,
          errorMessage: 'subnet-1 has no free addresses',
        };
      const out = await add(h);
      assert.equal(out.exitCode, 1, fail);
      // Unreachable: the request never went out, nothing started. Refused: it did, the start is cancelled.
      assert.deepEqual(
        h.prepared.events,
        fail === 'unreachable' ? [`prepare ${NETNS}`, 'cancel'] : [`prepare ${NETNS}`, 'start', 'cancel'],
        fail,
      );
      assert.deepEqual(h.prepared.methods(), [], fail);
    }
  });

  it('cancels after a failed wiring was undone', async () => {
    const h = preparing();
    h.prepared.setupError = new NetlinkError('NETLINK_COMMAND_FAILED', 'injected');
    const out = await add(h);
    assert.equal(out.exitCode, 1);
    assert.deepEqual(h.prepared.events, [`prepare ${NETNS}`, 'start', 'setup', 'teardown', 'cancel']);
    assert.deepEqual(h.ipam.methods(), ['addNetwork', 'delNetwork']);
  });

  it('a netns path the wiring refuses is reported before ipamd is asked', async () => {
    const h = preparing();
    h.prepared.prepareError = new NetlinkError(
      'NETLINK_INVALID_ARGUMENT',
      `not a namespace path the wiring accepts: ${NETNS}`,
    );
    const out = await add(h);
    assert.equal(out.exitCode, 1);
    assert.match(out.stdout, /CNI_WIRING_FAILED; cause=NETLINK_INVALID_ARGUMENT/);
    assert.equal(h.ipamCreated(), 0, 'ipamd was not asked');
  });
});

describe('DEL prepares its teardown while ipamd answers', () => {
  async function del(h: Harness): Promise<PluginOutput> {
    return runPlugin({ env: cniEnv({ CNI_COMMAND: 'DEL' }), stdin: netconf(), deps: h.deps });
  }

  it('a released address is torn down, then the preparation cancelled; an unknown pod only cancels', async () => {
    const h = preparing();
    assert.equal((await add(h)).exitCode, 0);
    h.prepared.events.length = 0;
    assert.equal((await del(h)).exitCode, 0);
    assert.deepEqual(h.prepared.events, ['prepare teardown', 'start', 'teardown', 'cancel']);
    h.prepared.events.length = 0;
    assert.equal((await del(h)).exitCode, 0, 'DEL twice');
    assert.deepEqual(h.prepared.events, ['prepare teardown', 'start', 'cancel']);
  });

  it('ipamd unreachable without prevResult: the DEL fails and the preparation is cancelled', async () => {
    const h = preparing();
    h.ipam.delError = rpcUnavailable();
    assert.equal((await del(h)).exitCode, 1);
    assert.deepEqual(h.prepared.events, ['prepare teardown', 'cancel']);
  });
});
