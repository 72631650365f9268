// The loader as a whole: frozen results, hostile input, the variables table, effective settings.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { effectiveSettings } from './effective.js';
import { ConfigError } from './errors.js';
import { K8S_ENV_VARIABLES } from './k8s-env.js';
import { loadConfig, loadConfigFromProcess, type Environment } from './load.js';
import { DEPRECATED_VARIABLES } from './rules.js';
import { ENV_NAMES } from './schema.js';
import { CONFIG_VARIABLES, configVariable } from './variables.js';

/** Loads, or returns the ConfigError; anything else thrown fails the test. */
function attempt(env: Environment): ReturnType<typeof loadConfig> | ConfigError {
  try {
    return loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
}

const FULL: Environment = {
  ADDITIONAL_ENI_TAGS: '{"team":"net"}',
  AWS_EXTERNAL_SERVICE_CIDRS: '10.1.0.0/16',
  AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS: '10.0.0.0/8,192.168.0.0/16',
  AWS_VPC_K8S_PLUGIN_LOG_FILE: '',
  AWS_VPC_K8S_CNI_LOG_FILE: 'stdout',
  AWS_VPC_K8S_CNI_CONNMARK: '0x40',
  ENABLE_PREFIX_DELEGATION: 'true',
  WARM_PREFIX_TARGET: '1',
  MAX_ENI: '2',
  ENABLE_IMDS_ONLY_MODE: 'true',
  INTROSPECTION_BIND_ADDRESS: '[::1]:61679',
  NETWORK_POLICY_ENFORCING_MODE: 'standard',
  AWS_ENDPOINT_URL_EC2: 'http://127.0.0.1:4566',
  MY_NODE_NAME: 'node-1',
  IP_COOLDOWN_PERIOD: '0',
};

describe('the loaded config', () => {
  it('is deeply frozen: every mutation throws', () => {
    const loaded = loadConfig(FULL);
    const { config } = loaded;
    const mutations: readonly (() => void)[] = [
      () => Object.assign(config, { ipFamily: 'ipv6' }),
      () => Object.assign(config.pool, { warmIpTarget: 3 }),
      () => (config.networking.excludeSnatCidrs as string[]).push('1.2.3.4/32'),
      () => Object.assign(config.node.additionalEniTags, { evil: 'x' }),
      () => Object.assign(config.servers.introspectionBindAddress, { port: 1 }),
      () => Object.assign(config.logging.ipamdLog, { to: 'stderr' }),
      () => (loaded.warnings as string[]).push('x'),
      () => Object.assign(loaded, { config: {} }),
    ];
    for (const mutate of mutations) assert.throws(mutate, TypeError);
  });

  it('finds the API server in the same environment, never in the process', () => {
    assert.deepEqual(loadConfig({ KUBECONFIG: '/k/config' }).kubeTarget, { kind: 'kubeconfig', path: '/k/config' });
    assert.equal(loadConfig({}).kubeTarget, undefined);
  });

  it('lists the variables the environment gave (empty ones count as unset)', () => {
    const loaded = loadConfig({ AWS_MANAGE_ENIS_NON_SCHEDULABLE: 'false', WARM_IP_TARGET: '', UNRELATED: 'x' });
    assert.deepEqual(loaded.given, ['AWS_MANAGE_ENIS_NON_SCHEDULABLE']);
    assert.deepEqual(loadConfig({}).given, []);
  });

  it('shares nothing mutable between loads (defaults stay pristine)', () => {
    const first = loadConfig({});
    assert.throws(() => (first.config.networking.externalServiceCidrs as string[]).push('1.0.0.0/8'), TypeError);
    assert.deepEqual(loadConfig({}).config, first.config);
  });

  it('ignores inherited properties and unknown variables', () => {
    const env = Object.create({ WARM_IP_TARGET: '-1' }) as Record<string, string>;
    env['SOMETHING_ELSE'] = 'x';
    assert.equal(loadConfig(env).config.pool.warmIpTarget, 0);
  });

  it('reports non-string values instead of crashing', () => {
    const env = { WARM_IP_TARGET: 5, MAX_ENI: null } as unknown as Environment;
    const result = attempt(env);
    assert.ok(result instanceof ConfigError);
    assert.deepEqual(result.details.problems, [
      'MAX_ENI: expected a string, got null',
      'WARM_IP_TARGET: expected a string, got number',
    ]);
  });
});

describe('hostile input never crashes the loader', () => {
  const hostile = [
    'x'.repeat(1_000_000),
    '🙂'.repeat(10_000),
    '\u0000\u0001\u001b[31m',
    '\ud800',
    '__proto__',
    '{"__proto__":{"polluted":"yes"}}',
    '{"__proto__":"x","constructor":"y"}',
    '['.repeat(10_000),
    '1'.repeat(400),
    '0x' + 'f'.repeat(100),
    ',,,,',
    'unix:',
    'http://',
  ];
  for (const value of hostile) {
    it(`every variable set to ${JSON.stringify(value.slice(0, 16))}…`, () => {
      for (const name of ENV_NAMES) {
        const result = attempt({ [name]: value });
        if (result instanceof ConfigError) {
          assert.equal(result.details.problems.length, 1);
          assert.ok(result.details.problems[0]?.startsWith(`${name}`), result.details.problems[0]);
          assert.ok(result.message.length < 600, `${name}: message of ${result.message.length} characters`);
        }
      }
      assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
    });
  }

  it('all variables hostile at once: one problem per invalid variable', () => {
    const env = Object.fromEntries(ENV_NAMES.map((name) => [name, '\u202e' + 'z'.repeat(5000)]));
    const result = attempt(env);
    assert.ok(result instanceof ConfigError);
    assert.ok(result.details.problems.length >= ENV_NAMES.length - DEPRECATED_VARIABLES.length - 1);
  });
});

describe('CONFIG_VARIABLES', () => {
  it('names exactly the variables the loader reads (observed through a Proxy)', () => {
    const read = new Set<string>();
    const note = (key: string | symbol): void => {
      if (typeof key === 'string') read.add(key);
    };
    const target: Record<string, string | undefined> = {};
    const env = new Proxy(target, {
      get: (t, key): string | undefined => (note(key), typeof key === 'string' ? t[key] : undefined),
      getOwnPropertyDescriptor: (t, key) => (note(key), Reflect.getOwnPropertyDescriptor(t, key)),
      has: (t, key) => (note(key), Reflect.has(t, key)),
    });
    loadConfig(env);
    // Plus where the API server is (k8s-env.ts): Kubernetes' own variables, not vpc-cni settings.
    const k8s = new Set<string>(K8S_ENV_VARIABLES);
    assert.deepEqual([...read].filter((name) => k8s.has(name)).sort(), [...K8S_ENV_VARIABLES].sort());
    assert.deepEqual([...read].filter((name) => !k8s.has(name)).sort(), CONFIG_VARIABLES.map((v) => v.name).sort());
  });

  it('has one row per schema variable, without duplicates', () => {
    const names = CONFIG_VARIABLES.map((v) => v.name);
    assert.equal(new Set(names).size, names.length);
    assert.deepEqual([...names].sort(), [...ENV_NAMES].sort());
  });

  it('documents defaults that match the effective settings of an empty environment', () => {
    const settings: Readonly<Record<string, string>> = effectiveSettings(loadConfig({}).config);
    const derived = new Set(['ENABLE_IPv4', 'POD_MTU']);
    for (const v of CONFIG_VARIABLES) {
      if (v.deprecated || derived.has(v.name)) continue;
      assert.equal(settings[v.name], v.default, v.name);
    }
  });

  it('describes every variable and gives every live one a component', () => {
    for (const v of CONFIG_VARIABLES) {
      assert.ok(v.description.length > 10, v.name);
      assert.equal(v.components.length === 0, v.deprecated, v.name);
      assert.ok(Object.isFrozen(v) && Object.isFrozen(v.components), v.name);
    }
    assert.deepEqual(
      CONFIG_VARIABLES.filter((v) => v.deprecated).map((v) => v.name),
      DEPRECATED_VARIABLES.map(([n]) => n),
    );
    assert.deepEqual(configVariable('WARM_IP_TARGET').components, ['entrypoint', 'ipamd']);
    assert.equal(configVariable('AWS_REGION').origin, 'project');
  });
});

describe('effectiveSettings', () => {
  it('covers every variable except the deprecated ones', () => {
    const deprecated = new Set<string>(DEPRECATED_VARIABLES.map(([n]) => n));
    assert.deepEqual(
      Object.keys(effectiveSettings(loadConfig({}).config)).sort(),
      ENV_NAMES.filter((n) => !deprecated.has(n)).sort(),
    );
  });

  it('shows effective values in the reference spelling', () => {
    const settings = effectiveSettings(loadConfig(FULL).config);
    assert.equal(settings.DISABLE_NETWORK_RESOURCE_PROVISIONING, 'true');
    assert.equal(settings.DISABLE_LEAKED_ENI_CLEANUP, 'true');
    assert.equal(settings.AWS_VPC_K8S_CNI_CONNMARK, '0x40');
    assert.equal(settings.AWS_VPC_K8S_PLUGIN_LOG_FILE, 'stderr');
    assert.equal(settings.AWS_VPC_K8S_CNI_LOGLEVEL, 'DEBUG');
    assert.equal(settings.AWS_EC2_ENDPOINT, 'http://127.0.0.1:4566');
    assert.equal(settings.IP_COOLDOWN_PERIOD, '0');
    assert.equal(settings.INTROSPECTION_BIND_ADDRESS, '[::1]:61679');
    assert.ok(Object.isFrozen(settings));
  });

  const envs: readonly Environment[] = [
    {},
    FULL,
    { ENABLE_IPv6: 'true', ENABLE_PREFIX_DELEGATION: 'true', POD_MTU: '1500' },
  ];
  envs.forEach((env, i) => {
    it(`round-trips: loading the effective settings gives the same config (#${i})`, () => {
      const { config } = loadConfig(env);
      const again = loadConfig(effectiveSettings(config));
      assert.deepEqual(again.config, config);
      assert.deepEqual(again.warnings, []);
    });
  });
});

describe('loadConfigFromProcess', () => {
  it('loads this process environment (or explains why not)', () => {
    try {
      assert.equal(typeof loadConfigFromProcess().config.ipFamily, 'string');
    } catch (error) {
      assert.ok(error instanceof ConfigError, String(error));
    }
  });
});
