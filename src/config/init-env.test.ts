// The init container's variables: only its own, parsed strictly, without ipamd's cross-variable rules.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from './errors.js';
import { INIT_VARIABLES, loadInitConfig, type InitConfig } from './init-env.js';
import { configVariable } from './variables.js';

const DEFAULTS: InitConfig = {
  disableTcpEarlyDemux: false,
  ipv6: false,
  v6Egress: false,
  hostCniBinDir: '/host/opt/cni/bin',
  imds: undefined,
  hostNetns: undefined,
};

describe('loadInitConfig', () => {
  const valid: [string, Record<string, string>, Partial<InitConfig>][] = [
    ['nothing set: the reference defaults', {}, {}],
    ['empty values count as unset', { DISABLE_TCP_EARLY_DEMUX: '', ENABLE_IPv6: '' }, {}],
    ['DISABLE_TCP_EARLY_DEMUX=true', { DISABLE_TCP_EARLY_DEMUX: 'true' }, { disableTcpEarlyDemux: true }],
    [
      'Go spellings of booleans',
      { DISABLE_TCP_EARLY_DEMUX: 'T', ENABLE_V6_EGRESS: '1' },
      { disableTcpEarlyDemux: true, v6Egress: true },
    ],
    // ipamd refuses ENABLE_IPv6 without prefix delegation; the init container does not get that variable.
    ['ENABLE_IPv6=true alone, as the reference manifest gives it', { ENABLE_IPv6: 'true' }, { ipv6: true }],
    [
      'paths and endpoints',
      {
        HOST_CNI_BIN_PATH: '/tmp/x/bin',
        VPC_CNI_HOST_NETNS: '/var/run/netns/n1',
        AWS_EC2_METADATA_SERVICE_ENDPOINT: 'http://127.0.0.1:1234',
      },
      { hostCniBinDir: '/tmp/x/bin', hostNetns: '/var/run/netns/n1', imds: 'http://127.0.0.1:1234' },
    ],
    ["ipamd's variables are not read", { WARM_IP_TARGET: '-1', AWS_VPC_K8S_CNI_VETHPREFIX: 'toolong' }, {}],
  ];
  for (const [name, env, expected] of valid) {
    it(name, () => assert.deepEqual(loadInitConfig(env), { ...DEFAULTS, ...expected }));
  }

  const invalid: [string, Record<string, string>, RegExp[]][] = [
    [
      'a bad boolean names the variable',
      { DISABLE_TCP_EARLY_DEMUX: 'maybe' },
      [/DISABLE_TCP_EARLY_DEMUX='maybe': expected a boolean/],
    ],
    [
      'every problem at once',
      { ENABLE_IPv6: 'yes', HOST_CNI_BIN_PATH: 'relative/bin', AWS_EC2_METADATA_SERVICE_ENDPOINT: 'ftp://x' },
      [/ENABLE_IPv6='yes'/, /HOST_CNI_BIN_PATH='relative\/bin'/, /AWS_EC2_METADATA_SERVICE_ENDPOINT='ftp:\/\/x'/],
    ],
    ['control characters are shown escaped', { DISABLE_TCP_EARLY_DEMUX: 'tr\nue' }, [/'tr\\u000aue'/]],
  ];
  for (const [name, env, patterns] of invalid) {
    it(name, () => {
      const error = (() => {
        try {
          loadInitConfig(env);
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      assert.ok(error instanceof ConfigError, 'a ConfigError');
      assert.equal(error.details.problems.length, patterns.length);
      for (const pattern of patterns) assert.match(error.message, pattern);
    });
  }

  it('the result is frozen', () => assert.ok(Object.isFrozen(loadInitConfig({}))));

  it('every variable it reads is documented as used by init', () => {
    for (const name of INIT_VARIABLES) assert.ok(configVariable(name).components.includes('init'), name);
  });
});
