import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { loadConfig } from '../config/load.js';
import { CniInstallError, conflistSettings, renderConflist, type ConflistSettings } from './conflist.js';

/** A conflist exactly as the reference writes it (src/cni/testdata/; this file runs from build/spec/src/cni/). */
const golden = (name: string): string =>
  readFileSync(new URL(`../../../../src/cni/testdata/${name}`, import.meta.url), 'utf8');

// The reference's misc/10-aws.conflist with its entrypoint's defaults substituted (an IPv4 cluster, no IPv6 egress).
const DEFAULT_IPV4 = golden('default-ipv4.conflist');
// Go's json.MarshalIndent of the reference's NetConfList after chaining bandwidth and tuning: struct field order,
// empty nodeIP dropped (omitempty), portmap's snat dropped (not a NetConf field), subnet printed by net.IPNet.
const CHAINED_IPV4 = golden('chained-ipv4.conflist');

const IPV6_ENV = {
  ENABLE_IPv6: 'true',
  ENABLE_IPv4: 'false',
  ENABLE_PREFIX_DELEGATION: 'true',
  WARM_PREFIX_TARGET: '1',
};

describe('10-aws.conflist', () => {
  const defaults = conflistSettings(loadConfig({}).config, undefined);

  it('with default settings is the reference template, byte for byte', () => {
    assert.deepEqual(defaults.warnings, []);
    assert.equal(renderConflist(defaults.settings), DEFAULT_IPV4);
  });

  it('chaining bandwidth and tuning re-marshals as Go does', () => {
    const { settings } = conflistSettings(
      loadConfig({ ENABLE_BANDWIDTH_PLUGIN: 'true', DISABLE_POD_V6: 'true' }).config,
      undefined,
    );
    assert.equal(renderConflist(settings), CHAINED_IPV4);
  });

  it('bandwidth alone is appended after portmap; tuning alone likewise', () => {
    const names = (s: Partial<ConflistSettings>): unknown[] =>
      (JSON.parse(renderConflist({ ...defaults.settings, ...s })) as { plugins: { type: string }[] }).plugins.map(
        (p) => p.type,
      );
    assert.deepEqual(names({ bandwidthPlugin: true }), ['aws-cni', 'egress-cni', 'portmap', 'bandwidth']);
    assert.deepEqual(names({ podIpv6Disabled: true }), ['aws-cni', 'egress-cni', 'portmap', 'tuning']);
  });

  it('an IPv6 cluster gets IPv4 egress (on by default) SNATed to the node IPv4', () => {
    const { settings } = conflistSettings(
      loadConfig({ ...IPV6_ENV, POD_MTU: '1500', AWS_VPC_K8S_PLUGIN_LOG_LEVEL: 'INFO' }).config,
      '10.0.0.5',
    );
    const expected = DEFAULT_IPV4.replaceAll('"9001"', '"1500"')
      .replaceAll('"Debug"', '"Info"')
      .replace('"enabled": "false"', '"enabled": "true"')
      .replace('"nodeIP": ""', '"nodeIP": "10.0.0.5"')
      .replace('fd00::ac:00/118', '169.254.172.0/22')
      .replace('"::/0"', '"0.0.0.0/0"')
      .replace('/run/cni/v4pd/egress-v6-ipam', '/run/cni/v6pd/egress-v4-ipam')
      .replace('egress-v6-plugin.log', 'egress-v4-plugin.log');
    assert.equal(renderConflist(settings), expected);
  });

  it('an IPv6 cluster without the node IPv4 address is an error', () => {
    assert.throws(
      () => conflistSettings(loadConfig(IPV6_ENV).config, undefined),
      (e) => e instanceof CniInstallError && e.code === 'CONFLIST_INVALID',
    );
  });

  it('IPv6 egress in an IPv4 cluster takes the node IPv6, or is turned off with a warning when there is none', () => {
    const config = loadConfig({ ENABLE_V6_EGRESS: 'true' }).config;
    const on = conflistSettings(config, '2600:1F14:0:0::5');
    assert.equal(on.settings.egressEnabled, true);
    assert.match(
      renderConflist(on.settings),
      /"enabled": "true",\n {6}"randomizeSNAT": "prng",\n {6}"nodeIP": "2600:1F14:0:0::5",/,
    );
    const chained = JSON.parse(renderConflist({ ...on.settings, bandwidthPlugin: true })) as {
      plugins: { nodeIP?: string }[];
    };
    assert.equal(chained.plugins[1]?.nodeIP, '2600:1f14::5', 'Go prints net.IP canonically');
    const off = conflistSettings(config, undefined);
    assert.equal(off.settings.egressEnabled, false);
    assert.equal(off.settings.nodeIp, '');
    assert.equal(off.warnings.length, 1);
  });

  it('the re-marshal escapes <, > and & as Go does; empty strings are dropped (omitempty)', () => {
    const text = renderConflist({
      ...defaults.settings,
      pluginLogFile: '/var/log/a&b<c>.log',
      bandwidthPlugin: true,
      randomizeSnat: '',
    });
    assert.match(text, /"pluginLogFile": "\/var\/log\/a\\u0026b\\u003cc\\u003e.log"/);
    assert.doesNotMatch(text, /randomizeSNAT/);
    assert.equal(
      (JSON.parse(text) as { plugins: { pluginLogFile?: string }[] }).plugins[0]?.pluginLogFile,
      '/var/log/a&b<c>.log',
    );
  });

  it('refuses values that would break the template, a bad node IP and a bad MTU', () => {
    for (const change of [
      { vethPrefix: 'e"ni' },
      { pluginLogFile: 'C:\\log' },
      { pluginLogLevel: 'Debug\n' },
      { nodeIp: '10.0.0' },
      { mtu: 0 },
      { mtu: 1.5 },
    ]) {
      assert.throws(
        () => renderConflist({ ...defaults.settings, ...change }),
        (e) => e instanceof CniInstallError && e.code === 'CONFLIST_INVALID',
      );
    }
  });
});
