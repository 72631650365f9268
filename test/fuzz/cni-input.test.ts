// Fuzz: hostile CNI calls (CNI_* environment + network config on stdin) into the plugin in-process (runPlugin with
// the stateful fakes of src/cni/cni.test-util.ts), and into its parse/validate layer directly. Every call must end
// in a CNI error JSON with a documented stable code, or a well-formed success; a failed call must leave nothing
// behind (no address held in ipamd, no wiring), and a validation error must come before ipamd is asked.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { parseCniArgs } from '../../src/cni/args.js';
import { harness, NETNS, rpcUnavailable } from '../../src/cni/cni.test-util.js';
import { CniError } from '../../src/cni/errors.js';
import { dummyInterfaceName, hostVethName } from '../../src/cni/names.js';
import { configVersion, decodeStdin, parseNetConf } from '../../src/cni/netconf.js';
import { runPlugin } from '../../src/cni/plugin.js';
import { readPrevResult, podFromResult } from '../../src/cni/result.js';
import { MAX_IFNAME_LENGTH, readCmdArgs, readCommand } from '../../src/cni/skel.js';
import {
  cniOutputProblem,
  documentedCodes,
  generateEnv,
  generateStdin,
  PREV_RESULT,
  seedConfigs,
  VALIDATION_CODES,
} from './cni-gen.js';
import { mutateJson, randomString } from './mutate.js';
import { fuzzCases, runCases, within } from './prng.js';

const KNOWN = documentedCodes();
const SEEDS = seedConfigs();

/** Runs a parse step: a value, or a CniError; anything else thrown fails the case. */
function typed<T>(what: string, run: () => T): T | CniError {
  try {
    return run();
  } catch (error) {
    assert.ok(
      error instanceof CniError,
      `${what} threw an untyped ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
    );
    assert.notEqual(error.message, '');
    return error;
  }
}

describe('fuzz: CNI calls in-process', () => {
  it('hostile environments and configs → a documented CNI error or a valid result; failures leave no address and no wiring', async () => {
    const codes = new Map<string, number>();
    await runCases('cni-input/runPlugin', fuzzCases(4000), async (rng, note) => {
      const h = harness();
      const ipamdUp = rng.chance(0.5);
      if (!ipamdUp) {
        h.ipam.addError = rpcUnavailable();
        h.ipam.delError = rpcUnavailable();
        h.ipam.healthError = rpcUnavailable();
      }
      const env = generateEnv(rng, NETNS);
      const stdin = generateStdin(rng, SEEDS);
      note('ipamd', ipamdUp ? 'up' : 'absent');
      note('env', env);
      note('stdin', stdin);
      const out = await within(runPlugin({ env, stdin, deps: h.deps }), 5_000, 'runPlugin');
      note('output', out);
      const verdict = cniOutputProblem(env, out, KNOWN);
      assert.ok(typeof verdict !== 'string', verdict as string);
      if (verdict === undefined) {
        codes.set('ok', (codes.get('ok') ?? 0) + 1);
        // A success may hold an address and wiring only for ADD; nothing else creates any.
        if (env['CNI_COMMAND'] !== 'ADD')
          assert.equal(h.pods.methods().filter((m) => m === 'setupPod').length, 0, 'no wiring outside ADD');
        return;
      }
      const { stable } = verdict.error;
      codes.set(stable, (codes.get(stable) ?? 0) + 1);
      assert.equal(h.ipam.assigned.size, 0, 'a failed call holds no address in ipamd');
      assert.equal(h.pods.wired.size, 0, 'a failed call leaves no pod wired');
      assert.equal(h.pods.rules.size, 0, 'a failed call leaves no rules');
      if (VALIDATION_CODES.has(stable)) {
        assert.equal(h.ipamCreated(), 0, `${stable}: ipamd was asked before the call was validated`);
        assert.deepEqual(h.pods.calls, [], `${stable}: the wiring was touched before the call was validated`);
      }
    });
    // The generator must reach deep: validation errors of every layer, and calls that got to ipamd.
    for (const code of [
      'CNI_INVALID_ENV',
      'CNI_MISSING_ENV',
      'CNI_DECODE_FAILED',
      'CNI_INVALID_CONFIG',
      'CNI_INCOMPATIBLE_VERSION',
      'CNI_IPAMD_UNREACHABLE',
      'ok',
    ]) {
      assert.ok(
        (codes.get(code) ?? 0) > 0 || fuzzCases(4000) < 1000,
        `no case ended in ${code}: ${JSON.stringify([...codes])}`,
      );
    }
  });

  it('the parse layer alone: stdin, cniVersion, netconf, CNI_COMMAND, CNI_* variables, CNI_ARGS, prevResult → value or CniError', async () => {
    await runCases('cni-input/parse', fuzzCases(3000), (rng, note) => {
      const stdin = generateStdin(rng, SEEDS);
      note('stdin', stdin);
      const raw = typed('decodeStdin', () => decodeStdin(stdin));
      if (!(raw instanceof CniError)) {
        typed('configVersion', () => configVersion(raw));
        const lenient = rng.chance(0.5);
        const parsed = typed('parseNetConf', () => parseNetConf(raw, { lenient }));
        if (!(parsed instanceof CniError)) {
          const { conf } = parsed;
          assert.ok(conf.mtu >= 576 && conf.mtu <= 9001, `mtu ${conf.mtu}`);
          assert.match(conf.vethPrefix, /^[A-Za-z0-9_.-]{1,4}$/);
          assert.ok(conf.ipamdSocket.startsWith('/') && !conf.ipamdSocket.includes('\0'));
          assert.match(conf.name, /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/);
        }
      }
      const env = generateEnv(rng, NETNS);
      note('env', env);
      const command = typed('readCommand', () => readCommand(env));
      if (typeof command === 'string') {
        const cmd = typed('readCmdArgs', () => readCmdArgs(env, command));
        if (!(cmd instanceof CniError) && (command === 'ADD' || command === 'CHECK')) {
          assert.match(cmd.ifName, /^[A-Za-z0-9][A-Za-z0-9_.-]{0,14}$/, 'an ADD/CHECK ifName is batch-safe');
          assert.match(cmd.netns, /^\/[A-Za-z0-9_.:@+/-]+$/, 'an ADD/CHECK netns is batch-safe');
        }
      }
      const args = typed('parseCniArgs', () => parseCniArgs(env['CNI_ARGS'] ?? ''));
      if (!(args instanceof CniError)) {
        for (const value of [args.podName, args.podNamespace]) assert.match(value, /^([A-Za-z0-9][A-Za-z0-9._-]*)?$/);
        const veth = hostVethName('eni', args.podNamespace, args.podName);
        assert.ok(veth.length <= MAX_IFNAME_LENGTH && /^eni[0-9a-f]{11}$/.test(veth), veth);
        assert.match(dummyInterfaceName(args.podNamespace, args.podName), /^dummy[0-9a-f]{11}$/);
      }
      const prev = mutateJson(rng, PREV_RESULT, 3);
      note('prevResult', prev);
      const result = typed('readPrevResult', () => readPrevResult(prev));
      if (!(result instanceof CniError)) typed('podFromResult', () => podFromResult(result, 'dummy8ea2c11fe35'));
    });
  });

  it('host veth names stay kernel-sized for any pod identity (hashing never throws)', async () => {
    await runCases('cni-input/names', fuzzCases(300), (rng, note) => {
      const [ns, name] = [randomString(rng), randomString(rng)];
      note('pod', [ns, name]);
      assert.match(hostVethName('eni', ns, name, rng.int(3)), /^eni[0-9a-f]{11}$/);
    });
  });
});
