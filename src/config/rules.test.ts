// Cross-variable rules, derived settings, warnings, and reporting every problem at once.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from './errors.js';
import { problems } from './config.test-util.js';
import { loadConfig, type Environment } from './load.js';
import { ipFamilyChoice } from './rules.js';

const PD = { ENABLE_PREFIX_DELEGATION: 'true' };
const V6 = { ENABLE_IPv6: 'true', ...PD };

describe('address family (departure: IPv4 when neither is set)', () => {
  const matrix: readonly (readonly [string | undefined, string | undefined, string])[] = [
    [undefined, undefined, 'ipv4'],
    ['true', undefined, 'ipv4'],
    [undefined, 'false', 'ipv4'],
    ['true', 'false', 'ipv4'],
    [undefined, 'true', 'ipv6'],
    ['false', 'true', 'ipv6'],
    [
      'true',
      'true',
      "ENABLE_IPv4='true' and ENABLE_IPv6='true': exactly one of them must be true (dual stack is not supported)",
    ],
    [
      'false',
      'false',
      "ENABLE_IPv4='false' and ENABLE_IPv6='false': exactly one of them must be true (pods need an address family)",
    ],
    [
      'false',
      undefined,
      "ENABLE_IPv4='false' and ENABLE_IPv6 unset: exactly one of them must be true (pods need an address family)",
    ],
    ['0', '', "ENABLE_IPv4='0' and ENABLE_IPv6 unset: exactly one of them must be true (pods need an address family)"],
  ];
  for (const [v4, v6, expected] of matrix) {
    it(`ENABLE_IPv4=${String(v4)} ENABLE_IPv6=${String(v6)} → ${expected.slice(0, 4)}`, () => {
      const env: Record<string, string> = { ...PD, WARM_PREFIX_TARGET: '1' };
      if (v4 !== undefined) env['ENABLE_IPv4'] = v4;
      if (v6 !== undefined) env['ENABLE_IPv6'] = v6;
      if (expected.startsWith('ipv')) assert.equal(loadConfig(env).config.ipFamily, expected);
      else assert.deepEqual(problems(env), [expected]);
    });
  }
  it('ipFamilyChoice covers the undefined cases', () => {
    assert.equal(ipFamilyChoice(undefined, undefined), 'ipv4');
    assert.equal(ipFamilyChoice(undefined, true), 'ipv6');
  });
});

describe('cross-variable rules', () => {
  const cases: readonly (readonly [string, Environment, readonly string[]])[] = [
    [
      'IPv6 needs prefix delegation',
      { ENABLE_IPv6: 'true' },
      ["ENABLE_IPv6='true' requires ENABLE_PREFIX_DELEGATION=true (IPv6 pods get addresses from a /80 prefix)"],
    ],
    [
      'IPv6 excludes custom networking',
      { ...V6, AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG: 'T' },
      [
        "ENABLE_IPv6='true' cannot be combined with AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG='T': custom networking is IPv4 only",
      ],
    ],
    [
      'IPv6 MTU floor',
      { ...V6, AWS_VPC_ENI_MTU: '1279', POD_MTU: '1000' },
      [
        "AWS_VPC_ENI_MTU='1279': expected an integer from 1280 to 9001 in IPv6 mode",
        "POD_MTU='1000': expected an integer from 1280 to 9001 in IPv6 mode",
      ],
    ],
    [
      'IPv6 POD_MTU inherits a too-small ENI MTU only once',
      { ...V6, AWS_VPC_ENI_MTU: '1000' },
      ["AWS_VPC_ENI_MTU='1000': expected an integer from 1280 to 9001 in IPv6 mode"],
    ],
    [
      'prefix delegation with no target at all',
      PD,
      [
        "ENABLE_PREFIX_DELEGATION='true' with WARM_PREFIX_TARGET unset and neither WARM_IP_TARGET nor MINIMUM_IP_TARGET set " +
          'keeps no free prefix ready for new pods: set WARM_PREFIX_TARGET=1 (the manifest value), or WARM_IP_TARGET and/or MINIMUM_IP_TARGET',
      ],
    ],
    [
      'prefix delegation with WARM_PREFIX_TARGET=0',
      { ...PD, WARM_PREFIX_TARGET: '0', WARM_IP_TARGET: '0' },
      [
        "ENABLE_PREFIX_DELEGATION='true' with WARM_PREFIX_TARGET='0' and neither WARM_IP_TARGET nor MINIMUM_IP_TARGET set " +
          'keeps no free prefix ready for new pods: set WARM_PREFIX_TARGET=1 (the manifest value), or WARM_IP_TARGET and/or MINIMUM_IP_TARGET',
      ],
    ],
    ['prefix delegation with a warm prefix', { ...PD, WARM_PREFIX_TARGET: '1' }, []],
    ['prefix delegation with WARM_IP_TARGET', { ...PD, WARM_IP_TARGET: '5' }, []],
    ['prefix delegation with MINIMUM_IP_TARGET', { ...PD, MINIMUM_IP_TARGET: '10' }, []],
    [
      'prefix delegation under the adaptive pool policy needs no target',
      { ...PD, VPC_CNI_POOL_POLICY: 'adaptive' },
      [],
    ],
    ['the prefix-target rule does not apply in IPv6 mode (no warm pool)', V6, []],
    [
      'two different EC2 endpoints',
      { AWS_EC2_ENDPOINT: 'http://a:1', AWS_ENDPOINT_URL_EC2: 'http://b:1' },
      ["AWS_EC2_ENDPOINT='http://a:1' and AWS_ENDPOINT_URL_EC2='http://b:1' disagree: set only one"],
    ],
    ['the same EC2 endpoint twice', { AWS_EC2_ENDPOINT: 'http://a:1', AWS_ENDPOINT_URL_EC2: 'http://a:1' }, []],
  ];
  for (const [title, env, expected] of cases) {
    it(title, () => assert.deepEqual(problems(env), expected));
  }

  it('uses whichever EC2 endpoint spelling is set', () => {
    assert.equal(loadConfig({ AWS_ENDPOINT_URL_EC2: 'http://sdk:1' }).config.endpoints.ec2, 'http://sdk:1');
    assert.equal(loadConfig({ AWS_EC2_ENDPOINT: 'http://ref:1' }).config.endpoints.ec2, 'http://ref:1');
  });

  it('POD_MTU defaults to AWS_VPC_ENI_MTU', () => {
    const { networking } = loadConfig({ AWS_VPC_ENI_MTU: '1500' }).config;
    assert.deepEqual([networking.eniMtu, networking.podMtu], [1500, 1500]);
  });
});

describe('ENABLE_IMDS_ONLY_MODE', () => {
  it('implies no provisioning and no leaked-ENI cleanup', () => {
    const { config, warnings } = loadConfig({ ENABLE_IMDS_ONLY_MODE: 'true' });
    assert.equal(config.features.networkResourceProvisioning, false);
    assert.equal(config.features.leakedEniCleanup, false);
    assert.deepEqual(warnings, []);
  });
  it('warns when it overrides an explicit choice', () => {
    const { warnings } = loadConfig({
      ENABLE_IMDS_ONLY_MODE: 'true',
      DISABLE_NETWORK_RESOURCE_PROVISIONING: 'false',
      DISABLE_LEAKED_ENI_CLEANUP: 'False',
    });
    assert.deepEqual(warnings, [
      "DISABLE_NETWORK_RESOURCE_PROVISIONING='false' is overridden: ENABLE_IMDS_ONLY_MODE=true implies DISABLE_NETWORK_RESOURCE_PROVISIONING=true",
      "DISABLE_LEAKED_ENI_CLEANUP='False' is overridden: ENABLE_IMDS_ONLY_MODE=true implies DISABLE_LEAKED_ENI_CLEANUP=true",
    ]);
  });
});

describe('warnings', () => {
  it('drops reserved ENI tag keys with a warning', () => {
    const { config, warnings } = loadConfig({ ADDITIONAL_ENI_TAGS: '{"k8s.amazonaws.com/x":"1","team":"a"}' });
    assert.deepEqual(config.node.additionalEniTags, { team: 'a' });
    assert.deepEqual(warnings, [
      "ADDITIONAL_ENI_TAGS: ignoring key 'k8s.amazonaws.com/x' (keys containing k8s.amazonaws.com are reserved for vpc-cni)",
    ]);
  });
  it('has none for a clean environment', () => assert.deepEqual(loadConfig({}).warnings, []));
});

describe('reporting', () => {
  it('lists every problem at once, variables in table order, then the rules', () => {
    assert.deepEqual(
      problems({
        WARM_IP_TARGET: '-1',
        AWS_VPC_K8S_CNI_VETHPREFIX: 'toolong',
        HTTP_TIMEOUT: '5',
        ENABLE_IPv4: 'false',
        AWS_EC2_ENDPOINT: 'http://a:1',
        AWS_ENDPOINT_URL_EC2: 'http://b:1',
      }),
      [
        "AWS_VPC_K8S_CNI_VETHPREFIX='toolong': expected at most 4 characters, not eth/lo/vlan",
        "HTTP_TIMEOUT='5': expected an integer number of seconds from 10 to 2147483",
        "WARM_IP_TARGET='-1': expected an integer ≥ 0",
        "ENABLE_IPv4='false' and ENABLE_IPv6 unset: exactly one of them must be true (pods need an address family)",
        "AWS_EC2_ENDPOINT='http://a:1' and AWS_ENDPOINT_URL_EC2='http://b:1' disagree: set only one",
      ],
    );
  });
  it('skips a rule whose variable is already invalid instead of guessing its value', () => {
    assert.deepEqual(problems({ ...PD, WARM_PREFIX_TARGET: 'one' }), [
      "WARM_PREFIX_TARGET='one': expected an integer ≥ 0",
    ]);
    assert.deepEqual(problems({ ENABLE_IPv6: 'yes', AWS_VPC_ENI_MTU: '1000' }), [
      "ENABLE_IPv6='yes': expected a boolean: true, false, 1, 0, t, f, T, F, TRUE, FALSE, True or False",
    ]);
  });
  it('throws a ConfigError with code INVALID_CONFIG, CNI code 4 and a readable message', () => {
    assert.throws(
      () => loadConfig({ WARM_IP_TARGET: '-1', MAX_ENI: '0' }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.equal(error.code, 'INVALID_CONFIG');
        assert.equal(error.cniCode, 4);
        assert.equal(
          error.message,
          'invalid configuration (2 problems):\n' +
            "  - MAX_ENI='0': expected an integer ≥ 1 (unset it to use the instance limit)\n" +
            "  - WARM_IP_TARGET='-1': expected an integer ≥ 0",
        );
        assert.deepEqual(error.details.problems, [
          "MAX_ENI='0': expected an integer ≥ 1 (unset it to use the instance limit)",
          "WARM_IP_TARGET='-1': expected an integer ≥ 0",
        ]);
        return true;
      },
    );
  });
});
