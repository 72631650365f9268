import { test, describe } from 'node:test';
import * as assert from 'node:assert/strict';
// eslint-disable-next-line no-restricted-imports -- one end-to-end test runs the real bin/vpc-cni executable
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assertFailed, runCli } from '../run.test-util.js';
import { eniMaxPods } from '../../ipam/max-pods.js';
import { listInstanceTypes, requireInstanceLimits } from '../../limits/index.js';

describe('vpc-cni max-pods: the calculator numbers', () => {
  const cases: [string[], string][] = [
    [['--instance-type', 'm5.large', '--show-max-allowed'], '29'],
    [['--instance-type', 'm5.large'], '29'],
    [['--instance-type', 't3.medium'], '17'],
    [['--instance-type', 'm5.large', '--cni-custom-networking-enabled'], '20'],
    [['--instance-type', 'm5.large', '--cni-prefix-delegation-enabled'], '110'],
    [['--instance-type', 'm5.large', '--cni-prefix-delegation-enabled', '--show-max-allowed'], '434'],
    [['--instance-type', 'm5.large', '--cni-prefix-delegation-enabled', '--cni-version', '1.8.0'], '29'],
    [['--instance-type', 't2.micro', '--cni-prefix-delegation-enabled'], '4'],
    [['--instance-type', 'm5.xlarge', '--cni-max-eni', '1', '--cni-custom-networking-enabled'], '2'],
    [['--instance-type', 'm5.24xlarge'], '250'],
    [['--instance-type', 'm5.24xlarge', '--show-max-allowed'], '737'],
    [['--instance-type', 'm5.metal', '--cni-prefix-delegation-enabled', '--show-max-allowed'], '737'],
    [['--instance-type', 'c6in.32xlarge', '--show-max-allowed'], '394'],
    [['--instance-type', 'p5.48xlarge', '--cni-prefix-delegation-enabled', '--cni-custom-networking-enabled'], '250'],
    [['--show-max-allowed', '--cni-version=1.10.0', '--instance-type=t3.nano'], '4'],
  ];
  for (const [args, expected] of cases) {
    test(`${args.join(' ')} → ${expected}`, async () => {
      assert.deepEqual(await runCli('max-pods', ...args), { code: 0, stdout: `${expected}\n`, stderr: '' });
    });
  }
});

describe('vpc-cni max-pods: several types and formats', () => {
  test('several types print eni-max-pods.txt lines, in the order given', async () => {
    const run = await runCli(
      'max-pods',
      '--instance-type',
      't3.medium',
      '--instance-type',
      'm5.large',
      '--cni-custom-networking-enabled',
    );
    assert.deepEqual(run, { code: 0, stdout: 't3.medium 12\nm5.large 20\n', stderr: '' });
  });

  test('--all --show-max-allowed is eni-max-pods.txt: every type, uncapped default formula, by name', async () => {
    const run = await runCli('max-pods', '--all', '--show-max-allowed');
    assert.equal(run.code, 0);
    const lines = run.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 1391);
    assert.deepEqual(
      lines,
      listInstanceTypes().map((type) => `${type} ${eniMaxPods(requireInstanceLimits(type))}`),
    );
    for (const line of ['m5.large 29', 't3.small 11', 'm4.4xlarge 234', 'm5.24xlarge 737', 'p5.48xlarge 100']) {
      assert.ok(lines.includes(line), line);
    }
  });

  test('--all applies the cap', async () => {
    const lines = (await runCli('max-pods', '--all')).stdout.split('\n');
    assert.ok(
      lines.includes('m5.24xlarge 250') && lines.includes('m5.4xlarge 110') && lines.includes('c5.9xlarge 234'),
    );
  });

  test('--output json is an array of {instanceType, maxPods}', async () => {
    const one = await runCli('max-pods', '--instance-type', 'm5.large', '--output', 'json');
    assert.equal(one.code, 0);
    assert.deepEqual(JSON.parse(one.stdout), [{ instanceType: 'm5.large', maxPods: 29 }]);
    const two = await runCli(
      'max-pods',
      '--instance-type',
      'm5.large',
      '--instance-type',
      't2.micro',
      '--output=json',
      '--cni-prefix-delegation-enabled',
    );
    assert.deepEqual(JSON.parse(two.stdout), [
      { instanceType: 'm5.large', maxPods: 110 },
      { instanceType: 't2.micro', maxPods: 4 },
    ]);
  });

  for (const flag of ['--help', '-h']) {
    test(`${flag} prints the usage on stdout and exits 0`, async () => {
      const run = await runCli('max-pods', flag);
      assert.equal(run.code, 0);
      assert.match(run.stdout, /^Usage: vpc-cni max-pods/);
      assert.match(run.stdout, /--cni-prefix-delegation-enabled/);
      assert.equal(run.stderr, '');
    });
  }
});

describe('vpc-cni max-pods: bad command lines exit 2 with the usage', () => {
  const cases: [string[], RegExp][] = [
    [['--instance-type', 'm5.large', '--bogus'], /Unknown option '--bogus'/],
    [['--instance-type'], /argument missing/],
    [['--instance-type', 'm5.large', '--cni-max-eni', 'two'], /--cni-max-eni must be a positive integer, not 'two'/],
    [['--instance-type', 'm5.large', '--cni-max-eni', '0'], /--cni-max-eni must be a positive integer, not '0'/],
    [['--instance-type', 'm5.large', '--cni-max-eni', '1.5'], /positive integer/],
    [['--instance-type', 'm5.large', '--output', 'yaml'], /--output must be text or json, not 'yaml'/],
    [[], /--instance-type TYPE or --all is required/],
    [['--show-max-allowed'], /--instance-type TYPE or --all is required/],
    [['--all', '--instance-type', 'm5.large'], /either --instance-type or --all, not both/],
    [['--instance-type-from-imds'], /--instance-type-from-imds is not supported/],
    [['m5.large'], /Unexpected argument 'm5.large'/],
    [['--all=yes'], /does not take an argument/],
  ];
  for (const [args, message] of cases) {
    test(`${args.join(' ') || '(no arguments)'}`, async () => {
      assertFailed(await runCli('max-pods', ...args), 2, /^vpc-cni max-pods: /, message, /\n\nUsage: vpc-cni max-pods/);
    });
  }
});

describe('vpc-cni max-pods: failed requests exit 1', () => {
  test('an unknown type names the closest known ones', async () => {
    assertFailed(
      await runCli('max-pods', '--instance-type', 'm5.larg'),
      1,
      /^vpc-cni max-pods: unknown instance type 'm5.larg' .*did you mean m5.large,.* \[UNKNOWN_INSTANCE_TYPE\]\n$/,
    );
  });

  test('one unknown type among several prints nothing on stdout', async () => {
    assertFailed(
      await runCli('max-pods', '--instance-type', 'm5.large', '--instance-type', 'm5.huge'),
      1,
      /'m5.huge'.*m5.xlarge/,
    );
  });

  test('a bad CNI version says what it expects', async () => {
    const run = await runCli('max-pods', '--instance-type', 'm5.large', '--cni-version', 'banana');
    assert.equal(run.code, 1);
    assert.equal(
      run.stderr,
      "vpc-cni max-pods: invalid CNI version 'banana' (expected X.Y.Z, e.g. 1.23.1) [INVALID_MAX_PODS_INPUT]\n",
    );
  });
});

test('bin/vpc-cni prints 29 for m5.large --show-max-allowed', (t) => {
  let root = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(root, 'package.json'))) root = dirname(root);
  if (!existsSync(join(root, 'dist', 'cli', 'main.js'))) return t.skip('dist/ is absent: run npm run build');
  const bin = join(root, 'bin', 'vpc-cni');
  const ok = spawnSync(process.execPath, [bin, 'max-pods', '--instance-type', 'm5.large', '--show-max-allowed'], {
    encoding: 'utf8',
  });
  assert.deepEqual([ok.status, ok.stdout, ok.stderr], [0, '29\n', '']);
  const unknown = spawnSync(process.execPath, [bin, 'max-pods', '--instance-type', 'm5.larg'], { encoding: 'utf8' });
  assert.equal(unknown.status, 1);
  assert.match(unknown.stderr, /did you mean m5.large/);
});
