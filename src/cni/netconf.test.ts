import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { isCniError, type CniErrorCode } from './errors.js';
import { configVersion, decodeStdin, logSettingsOf, parseNetConf } from './netconf.js';

const BASE = { cniVersion: '0.4.0', name: 'aws-cni', type: 'aws-cni' };

describe('decodeStdin and configVersion', () => {
  const undecodable = ['', '   ', '{', 'null', '[]', '"aws-cni"', '42'];
  for (const text of undecodable) {
    it(`${JSON.stringify(text)} is a decode failure (6)`, () => {
      assert.throws(
        () => decodeStdin(text),
        (e: unknown) => isCniError(e, 'CNI_DECODE_FAILED') && e.cniCode === 6,
      );
    });
  }

  it('a missing cniVersion is 0.1.0; a non-string one is a decode failure', () => {
    assert.equal(configVersion({ name: 'x' }), '0.1.0');
    assert.equal(configVersion({ cniVersion: '1.0.0' }), '1.0.0');
    assert.throws(
      () => configVersion({ cniVersion: 1 }),
      (e: unknown) => isCniError(e, 'CNI_DECODE_FAILED'),
    );
  });
});

describe('parseNetConf', () => {
  it('applies the reference defaults', () => {
    const { conf, warnings } = parseNetConf(BASE, { lenient: false });
    assert.deepEqual(conf, {
      cniVersion: '0.4.0',
      name: 'aws-cni',
      type: 'aws-cni',
      vethPrefix: 'eni',
      mtu: 9001,
      podSGEnforcingMode: 'strict',
      pluginLogFile: '/var/log/aws-routed-eni/plugin.log',
      pluginLogLevel: 'debug',
      podAnnotations: {},
      ipamdSocket: '/var/run/aws-node/ipamd.sock',
      npAgentSocket: '/var/run/aws-node/npa.sock',
    });
    assert.deepEqual(warnings, []);
  });

  const accepted: readonly {
    field: Record<string, unknown>;
    check: (c: ReturnType<typeof parseNetConf>['conf']) => unknown;
    expected: unknown;
  }[] = [
    { field: { mtu: '1500' }, check: (c) => c.mtu, expected: 1500 },
    { field: { mtu: 576 }, check: (c) => c.mtu, expected: 576 },
    { field: { mtu: '9001' }, check: (c) => c.mtu, expected: 9001 },
    { field: { vethPrefix: 'abcd' }, check: (c) => c.vethPrefix, expected: 'abcd' },
    {
      field: { ipamdSocket: '/run/vpc-cni/n1/ipamd.sock' },
      check: (c) => c.ipamdSocket,
      expected: '/run/vpc-cni/n1/ipamd.sock',
    },
    {
      field: { npAgentSocket: '/run/vpc-cni/n1/npa.sock' },
      check: (c) => c.npAgentSocket,
      expected: '/run/vpc-cni/n1/npa.sock',
    },
    { field: { vethPrefix: 've' }, check: (c) => c.vethPrefix, expected: 've' },
    { field: { pluginLogLevel: 'INFO' }, check: (c) => c.pluginLogLevel, expected: 'info' },
    { field: { podSGEnforcingMode: 'standard' }, check: (c) => c.podSGEnforcingMode, expected: 'standard' },
    {
      field: {
        runtimeConfig: {
          'io.kubernetes.cri.pod-annotations': { 'k8s.amazonaws.com/nicConfig': 'multi-nic-attachment', n: 1 },
        },
      },
      check: (c) => c.podAnnotations,
      expected: { 'k8s.amazonaws.com/nicConfig': 'multi-nic-attachment' },
    },
    // containerd capitalises portMappings' keys; the plugin ignores runtimeConfig.portMappings either way.
    {
      field: { runtimeConfig: { portMappings: [{ HostPort: 80, ContainerPort: 8080 }] } },
      check: (c) => c.podAnnotations,
      expected: {},
    },
    { field: { prevResult: { interfaces: [] } }, check: (c) => c.prevResult, expected: { interfaces: [] } },
    { field: { unknownField: true, capabilities: { x: true } }, check: (c) => c.name, expected: 'aws-cni' },
  ];
  for (const c of accepted) {
    it(`accepts ${JSON.stringify(c.field).slice(0, 80)}`, () => {
      assert.deepEqual(c.check(parseNetConf({ ...BASE, ...c.field }, { lenient: false }).conf), c.expected);
    });
  }

  const refused: readonly { field: Record<string, unknown>; code: CniErrorCode; message: RegExp }[] = [
    { field: { name: undefined }, code: 'CNI_INVALID_CONFIG', message: /missing network name/ },
    { field: { name: '' }, code: 'CNI_INVALID_CONFIG', message: /missing network name/ },
    { field: { name: 'aws cni' }, code: 'CNI_INVALID_CONFIG', message: /invalid characters found in network name/ },
    { field: { cniVersion: '0.5.0' }, code: 'CNI_INCOMPATIBLE_VERSION', message: /config is "0.5.0"/ },
    { field: { vethPrefix: 'abcde' }, code: 'CNI_INVALID_CONFIG', message: /vethPrefix "abcde" must be 1 to 4/ },
    { field: { vethPrefix: 'eth' }, code: 'CNI_INVALID_CONFIG', message: /vethPrefix "eth" is reserved/ },
    {
      field: { ipamdSocket: 'relative.sock' },
      code: 'CNI_INVALID_CONFIG',
      message: /ipamdSocket "relative.sock" must be an absolute path/,
    },
    { field: { ipamdSocket: `/${'x'.repeat(200)}` }, code: 'CNI_INVALID_CONFIG', message: /at most 107 characters/ },
    {
      field: { npAgentSocket: 'npa.sock' },
      code: 'CNI_INVALID_CONFIG',
      message: /npAgentSocket "npa.sock" must be an absolute path/,
    },
    { field: { npAgentSocket: 42 }, code: 'CNI_INVALID_CONFIG', message: /npAgentSocket 42 must be an absolute path/ },
    { field: { vethPrefix: 'lo' }, code: 'CNI_INVALID_CONFIG', message: /reserved/ },
    { field: { vethPrefix: 'vlan' }, code: 'CNI_INVALID_CONFIG', message: /reserved/ },
    { field: { vethPrefix: 'a/b' }, code: 'CNI_INVALID_CONFIG', message: /vethPrefix/ },
    { field: { vethPrefix: 7 }, code: 'CNI_INVALID_CONFIG', message: /vethPrefix/ },
    { field: { mtu: '575' }, code: 'CNI_INVALID_CONFIG', message: /mtu "575" is not an integer from 576 to 9001/ },
    { field: { mtu: 9002 }, code: 'CNI_INVALID_CONFIG', message: /mtu 9002/ },
    { field: { mtu: 'abc' }, code: 'CNI_INVALID_CONFIG', message: /mtu "abc"/ },
    { field: { mtu: '1500.5' }, code: 'CNI_INVALID_CONFIG', message: /mtu/ },
    { field: { mtu: -1 }, code: 'CNI_INVALID_CONFIG', message: /mtu/ },
    { field: { mtu: ' 1500' }, code: 'CNI_INVALID_CONFIG', message: /mtu/ },
    { field: { podSGEnforcingMode: 'loose' }, code: 'CNI_INVALID_CONFIG', message: /podSGEnforcingMode "loose"/ },
    { field: { pluginLogLevel: 'loud' }, code: 'CNI_INVALID_CONFIG', message: /pluginLogLevel "loud"/ },
    { field: { pluginLogFile: 3 }, code: 'CNI_INVALID_CONFIG', message: /pluginLogFile/ },
    { field: { runtimeConfig: 'x' }, code: 'CNI_INVALID_CONFIG', message: /runtimeConfig must be an object/ },
  ];
  for (const c of refused) {
    it(`refuses ${JSON.stringify(c.field)} (${c.code})`, () => {
      assert.throws(
        () => parseNetConf({ ...BASE, ...c.field }, { lenient: false }),
        (e: unknown) => isCniError(e, c.code) && c.message.test(e.message),
      );
    });
  }

  it('lists every problem at once', () => {
    assert.throws(
      () => parseNetConf({ ...BASE, vethPrefix: 'toolong', mtu: 1 }, { lenient: false }),
      (e: unknown) => isCniError(e, 'CNI_INVALID_CONFIG') && /vethPrefix.*; mtu/.test(e.message),
    );
  });

  it('lenient (DEL) falls back to the defaults with warnings, but still needs a name', () => {
    const { conf, warnings } = parseNetConf(
      { ...BASE, vethPrefix: 'toolong', mtu: 1, pluginLogLevel: 'loud' },
      { lenient: true },
    );
    assert.equal(conf.vethPrefix, 'eni');
    assert.equal(conf.mtu, 9001);
    assert.equal(warnings.length, 3);
    assert.throws(
      () => parseNetConf({ ...BASE, name: '' }, { lenient: true }),
      (e: unknown) => isCniError(e, 'CNI_INVALID_CONFIG'),
    );
  });

  const DEFAULT_ROTATION = { maxBytes: 100 * 1024 * 1024, maxBackups: 5, maxAgeMs: 30 * 24 * 3600 * 1000 };

  it('log settings are read before validation, field by field', () => {
    assert.deepEqual(logSettingsOf(undefined), {
      file: '/var/log/aws-routed-eni/plugin.log',
      level: 'debug',
      rotation: DEFAULT_ROTATION,
    });
    assert.deepEqual(logSettingsOf({ pluginLogFile: '/tmp/p.log', pluginLogLevel: 'loud', pluginLogMaxBackups: -1 }), {
      file: '/tmp/p.log',
      level: 'debug',
      rotation: DEFAULT_ROTATION,
    });
    assert.deepEqual(logSettingsOf({ pluginLogLevel: 'Warning', pluginLogMaxSizeMB: '1', pluginLogMaxAgeDays: 0 }), {
      file: '/var/log/aws-routed-eni/plugin.log',
      level: 'warn',
      rotation: { maxBytes: 1024 * 1024, maxBackups: 5, maxAgeMs: 0 },
    });
  });

  const rotationCases: readonly { field: Record<string, unknown>; problem?: RegExp }[] = [
    { field: { pluginLogMaxSizeMB: 1, pluginLogMaxBackups: 0, pluginLogMaxAgeDays: '0' } },
    { field: { pluginLogMaxSizeMB: '1048576', pluginLogMaxBackups: '100000', pluginLogMaxAgeDays: 36500 } },
    { field: { pluginLogMaxSizeMB: 0 }, problem: /pluginLogMaxSizeMB 0 is not an integer from 1 to 1048576/ },
    { field: { pluginLogMaxSizeMB: 1.5 }, problem: /pluginLogMaxSizeMB 1.5/ },
    { field: { pluginLogMaxSizeMB: '100MB' }, problem: /pluginLogMaxSizeMB "100MB"/ },
    { field: { pluginLogMaxBackups: -1 }, problem: /pluginLogMaxBackups -1 is not an integer from 0 to 100000/ },
    { field: { pluginLogMaxBackups: true }, problem: /pluginLogMaxBackups true/ },
    { field: { pluginLogMaxAgeDays: 36501 }, problem: /pluginLogMaxAgeDays 36501 is not an integer from 0 to 36500/ },
    { field: { pluginLogMaxAgeDays: null }, problem: /pluginLogMaxAgeDays null/ },
  ];
  for (const c of rotationCases) {
    it(`${c.problem === undefined ? 'accepts' : 'refuses'} the rotation fields ${JSON.stringify(c.field)}`, () => {
      const parse = (): unknown => parseNetConf({ ...BASE, ...c.field }, { lenient: false });
      if (c.problem === undefined) assert.doesNotThrow(parse);
      else {
        const problem = c.problem;
        assert.throws(parse, (e: unknown) => isCniError(e, 'CNI_INVALID_CONFIG') && problem.test(e.message));
        // DEL: the default, and a warning naming the field.
        const { warnings } = parseNetConf({ ...BASE, ...c.field }, { lenient: true });
        assert.ok(warnings.length === 1 && problem.test(warnings[0] ?? ''), warnings.join('; '));
      }
    });
  }
});
