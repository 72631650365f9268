import { test, describe } from 'node:test';
import * as assert from 'node:assert/strict';
import { assertFailed, runCli } from '../run.test-util.js';

interface ModeJson {
  maxPods: number;
  maxAllowed: number;
  formula: string;
  cap: number | null;
  prefixDelegationApplied: boolean;
  prefixDelegationIgnoredReason?: string;
  note?: string;
}

interface LimitsJson {
  instanceType: string;
  maxEnis: number;
  ipv4PerEni: number;
  ipv6PerEni: number | null;
  hypervisor: string;
  bareMetal: boolean;
  networkCards: { index: number; maxEnis: number }[];
  branchInterfaces: number | null;
  vcpus: number | null;
  prefixDelegationSupported: boolean;
  eniMaxPods: number;
  cniVersion: string;
  maxPods: Record<'default' | 'customNetworking' | 'prefixDelegation' | 'prefixDelegationCustomNetworking', ModeJson>;
}

async function json(...args: string[]): Promise<LimitsJson[]> {
  const run = await runCli('limits', ...args, '--output', 'json');
  assert.equal(run.code, 0, run.stderr);
  return JSON.parse(run.stdout) as LimitsJson[];
}

describe('vpc-cni limits: text', () => {
  test('m5.large: facts and the four modes, aligned', async () => {
    const run = await runCli('limits', 'm5.large');
    assert.equal(run.code, 0);
    assert.equal(run.stderr, '');
    const expectedLines = [
      /^m5\.large$/m,
      /^ {2}ENIs \(default card\) {2}3$/m,
      /^ {2}IPv4 per ENI {9}10$/m,
      /^ {2}IPv6 per ENI {9}-$/m,
      /^ {2}Hypervisor {11}nitro$/m,
      /^ {2}Bare metal {11}no$/m,
      /^ {2}Network cards {8}1 \(card 0: 3 ENIs\)$/m,
      /^ {2}Branch interfaces {4}9$/m,
      /^ {2}vCPUs {16}2$/m,
      /^ {2}Prefix delegation {4}supported \(nitro\)$/m,
      /^ {2}Max pods \(CNI 1\.23\.1\) {3}max pods {2}max allowed {2}formula$/m,
      /^ {2}default {23}29 {11}29 {2}3 × \(10 − 1\) \+ 2 = 29$/m,
      /^ {2}custom networking {13}20 {11}20 {2}\(3 − 1\) × \(10 − 1\) \+ 2 = 20$/m,
      /^ {2}prefix delegation {12}110 {10}434 {2}3 × \(\(10 − 1\) × 16\) \+ 2 = 434$/m,
      /^ {2}PD \+ custom networking {7}110 {10}290 {2}\(3 − 1\) × \(\(10 − 1\) × 16\) \+ 2 = 290$/m,
      /Note: .*2 vCPUs ≤ 30: cap 110/,
    ];
    for (const line of expectedLines) assert.match(run.stdout, line);
    assert.ok(run.stdout.endsWith('\n') && !run.stdout.endsWith('\n\n'));
  });

  test('several types are separate blocks, in the order given', async () => {
    const run = await runCli('limits', 't2.micro', 'c6in.32xlarge');
    assert.equal(run.code, 0);
    assert.match(run.stdout, /^t2\.micro\n[\s\S]*\n\nc6in\.32xlarge\n/);
    assert.match(run.stdout, /Network cards +2 \(card 0: 8 ENIs, card 1: 8 ENIs\)/);
    assert.match(run.stdout, /default +250 +394 /);
    assert.match(run.stdout, /Hypervisor +xen/);
    assert.match(run.stdout, /Prefix delegation +not supported \(xen, not bare metal\)/);
    assert.match(run.stdout, /Note: the calculator ignores prefix delegation: the type is not nitro/);
  });

  test('many equal cards are summarised; bare metal and unknown vCPUs are explained', async () => {
    assert.match((await runCli('limits', 'p5.48xlarge')).stdout, /Network cards +32 \(2 ENIs each\)/);
    const metal = (await runCli('limits', 'bmn-sf1.metal')).stdout;
    assert.match(metal, /Prefix delegation +supported by ipamd \(bare metal\), ignored by the EKS calculator/);
    assert.match(metal, /vCPUs +-/);
    assert.match(metal, /default +110 +737 /);
    assert.match(metal, /Note: the limits table has no vCPU count/);
  });

  test('--cni-version 1.8 turns prefix delegation off', async () => {
    const run = await runCli('limits', 'm5.large', '--cni-version', '1.8.0');
    assert.match(run.stdout, /prefix delegation +29 +29 /);
    assert.match(run.stdout, /Note: prefix delegation needs CNI 1\.9 or later, not 1\.8\.0/);
  });

  test('--help prints the usage and exits 0', async () => {
    const run = await runCli('limits', '--help');
    assert.equal(run.code, 0);
    assert.match(run.stdout, /^Usage: vpc-cni limits TYPE/);
  });
});

describe('vpc-cni limits: json', () => {
  test('m5.large carries the limits and every mode, capped and uncapped', async () => {
    const [entry, ...rest] = await json('m5.large');
    assert.equal(rest.length, 0);
    assert.ok(entry !== undefined);
    assert.deepEqual(
      [
        entry.instanceType,
        entry.maxEnis,
        entry.ipv4PerEni,
        entry.ipv6PerEni,
        entry.hypervisor,
        entry.bareMetal,
        entry.vcpus,
      ],
      ['m5.large', 3, 10, null, 'nitro', false, 2],
    );
    assert.deepEqual(entry.networkCards, [{ index: 0, maxEnis: 3 }]);
    assert.equal(entry.prefixDelegationSupported, true);
    assert.equal(entry.eniMaxPods, 29);
    assert.equal(entry.cniVersion, '1.23.1');
    const modes = Object.fromEntries(
      Object.entries(entry.maxPods).map(([mode, m]) => [mode, [m.maxPods, m.maxAllowed]]),
    );
    assert.deepEqual(modes, {
      default: [29, 29],
      customNetworking: [20, 20],
      prefixDelegation: [110, 434],
      prefixDelegationCustomNetworking: [110, 290],
    });
    assert.equal(entry.maxPods.prefixDelegation.formula, '3 × ((10 − 1) × 16) + 2 = 434');
    assert.equal(entry.maxPods.prefixDelegation.cap, 110);
  });

  test('m5.metal: ipamd supports PD, the calculator ignores it', async () => {
    const [entry] = await json('m5.metal');
    assert.equal(entry?.prefixDelegationSupported, true);
    assert.equal(entry?.maxPods.prefixDelegation.prefixDelegationIgnoredReason, 'not-nitro');
    assert.equal(entry?.maxPods.prefixDelegation.maxAllowed, 737);
  });

  test('several types keep their order', async () => {
    assert.deepEqual(
      (await json('t3.nano', 'p5.48xlarge')).map((e) => [e.instanceType, e.maxPods.prefixDelegation.maxPods]),
      [
        ['t3.nano', 34],
        ['p5.48xlarge', 250],
      ],
    );
  });
});

describe('vpc-cni limits: errors', () => {
  const usage: [string[], RegExp][] = [
    [[], /at least one instance type is required/],
    [['--output', 'json'], /at least one instance type is required/],
    [['m5.large', '--output', 'yaml'], /--output must be text or json, not 'yaml'/],
    [['m5.large', '--bogus'], /Unknown option '--bogus'/],
    [['m5.large', '--cni-version'], /argument missing/],
  ];
  for (const [args, message] of usage) {
    test(`${args.join(' ') || '(no arguments)'} → 2`, async () => {
      assertFailed(await runCli('limits', ...args), 2, message, /\n\nUsage: vpc-cni limits TYPE/);
    });
  }

  test('an unknown type exits 1 with suggestions', async () => {
    assertFailed(
      await runCli('limits', 'm5.large', 'c6in.32'),
      1,
      /^vpc-cni limits: unknown instance type 'c6in.32' .*did you mean c6in.32xlarge\? \[UNKNOWN_INSTANCE_TYPE\]\n$/,
    );
  });

  test('a bad CNI version exits 1', async () => {
    const run = await runCli('limits', 'm5.large', '--cni-version', 'banana');
    assert.equal(run.code, 1);
    assert.match(
      run.stderr,
      /invalid CNI version 'banana' \(expected X\.Y\.Z, e\.g\. 1\.23\.1\) \[INVALID_MAX_PODS_INPUT\]/,
    );
  });
});
