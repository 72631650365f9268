// ENIConfig documents: strict checks naming the document and field, Lists and JSON, and the seed's duplicate-name
// bug (three files, one name) reported with every file.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { collectEniConfigs, findDuplicateNames, parseEniConfigText } from './documents.js';
import { isEniConfigError } from './errors.js';

const SUBNET = 'subnet-0ef2de2d3c6504a3f';
const SG1 = 'sg-0db3cb147dca2658b';
const SG2 = 'sg-0df26a1d81042cc02';

function doc(name: string, subnet = SUBNET, extra = ''): string {
  return `apiVersion: crd.k8s.amazonaws.com/v1alpha1\nkind: ENIConfig\nmetadata:\n  name: ${name}\nspec:\n  subnet: ${subnet}\n  securityGroups:\n    - ${SG1}\n    - ${SG2}\n${extra}`;
}

describe('parseEniConfigText', () => {
  it('reads a valid document', () => {
    const [checked] = parseEniConfigText(doc('us-west-2a'), 'a.yaml');
    assert.deepEqual(checked?.problems, []);
    assert.deepEqual(checked?.config, {
      apiVersion: 'crd.k8s.amazonaws.com/v1alpha1',
      kind: 'ENIConfig',
      metadata: { name: 'us-west-2a' },
      spec: { subnet: SUBNET, securityGroups: [SG1, SG2] },
    });
  });

  it('reads several documents and skips empty ones', () => {
    const checked = parseEniConfigText(`${doc('a')}---\n${doc('b')}---\n`, 'multi.yaml');
    assert.deepEqual(
      checked.map((c) => [c.name, c.origin.index]),
      [
        ['a', 0],
        ['b', 1],
      ],
    );
  });

  it('reads a List (kubectl get -o yaml) and JSON', () => {
    const list = {
      apiVersion: 'v1',
      kind: 'List',
      items: [
        {
          apiVersion: 'crd.k8s.amazonaws.com/v1alpha1',
          kind: 'ENIConfig',
          metadata: { name: 'x' },
          spec: { subnet: SUBNET },
        },
      ],
    };
    const [fromYaml] = parseEniConfigText(JSON.stringify(list), 'list.yaml');
    assert.equal(fromYaml?.config?.metadata.name, 'x');
    assert.deepEqual(fromYaml?.origin, { source: 'list.yaml', index: 0, item: 0 });
    const [fromJson] = parseEniConfigText(JSON.stringify(list.items[0]), 'x.json');
    assert.equal(fromJson?.config?.spec.subnet, SUBNET);
    assert.match(parseEniConfigText('{ nope', 'bad.json')[0]?.problems[0] ?? '', /^not valid JSON/);
  });

  it('names the line of a YAML syntax error', () => {
    const [checked] = parseEniConfigText('apiVersion: [crd\nkind: ENIConfig\n', 'broken.yaml');
    assert.equal(checked?.config, undefined);
    assert.match(checked?.problems[0] ?? '', /^not valid YAML: .*line 2, column 1/);
  });

  const PROBLEMS: readonly [string, string, RegExp][] = [
    [
      'missing spec.subnet',
      'apiVersion: crd.k8s.amazonaws.com/v1alpha1\nkind: ENIConfig\nmetadata: { name: a }\nspec: { securityGroups: [] }\n',
      /spec\.subnet is required/,
    ],
    [
      'missing spec',
      'apiVersion: crd.k8s.amazonaws.com/v1alpha1\nkind: ENIConfig\nmetadata: { name: a }\n',
      /spec is required/,
    ],
    [
      'wrong apiVersion',
      doc('a').replace('crd.k8s.amazonaws.com/v1alpha1', 'v1'),
      /apiVersion must be crd\.k8s\.amazonaws\.com\/v1alpha1, got string "v1"/,
    ],
    [
      'wrong kind',
      doc('a').replace('kind: ENIConfig', 'kind: ConfigMap'),
      /kind must be ENIConfig, got string "ConfigMap"/,
    ],
    ['missing name', doc('a').replace('  name: a\n', '  labels: {}\n'), /metadata\.name is required/],
    ['bad name', doc('Group_1'), /metadata\.name 'Group_1' is not a valid Kubernetes name/],
    ['subnet not an id', doc('a', 'my-subnet'), /spec\.subnet 'my-subnet' is not a subnet id/],
    [
      'group not an id',
      doc('a').replace(SG2, 'default'),
      /spec\.securityGroups\[1\] 'default' is not a security group id/,
    ],
    [
      'groups not a list',
      'apiVersion: crd.k8s.amazonaws.com/v1alpha1\nkind: ENIConfig\nmetadata: { name: a }\nspec: { subnet: subnet-0123456789abcdef0, securityGroups: sg-0123456789abcdef0 }\n',
      /spec\.securityGroups must be a list/,
    ],
    ['not a mapping', '- a\n- b\n', /must be a mapping, not a list/],
  ];
  for (const [name, text, problem] of PROBLEMS) {
    it(`refuses: ${name}`, () => {
      const [checked] = parseEniConfigText(text, 'f.yaml');
      assert.equal(checked?.config, undefined);
      assert.ok(
        checked?.problems.some((p) => problem.test(p)),
        `${JSON.stringify(checked?.problems)} should match ${problem}`,
      );
    });
  }

  it('warns about unknown spec fields with a guess (securityGroup → securityGroups)', () => {
    const text =
      'apiVersion: crd.k8s.amazonaws.com/v1alpha1\nkind: ENIConfig\nmetadata: { name: a, namespace: kube-system }\nspec:\n  subnet: subnet-0123456789abcdef0\n  securityGroup: [sg-0123456789abcdef0]\n';
    const [checked] = parseEniConfigText(text, 'typo.yaml');
    assert.deepEqual(checked?.problems, []);
    assert.ok(checked?.config);
    assert.deepEqual(checked?.warnings, [
      'metadata.namespace is ignored: ENIConfig is cluster-scoped',
      'spec.securityGroup is not an ENIConfig field and is ignored (did you mean spec.securityGroups?)',
    ]);
  });

  it('refuses a YAML alias bomb as a problem of its document instead of throwing (found by test/fuzz)', () => {
    const bomb =
      'a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n';
    const checked = parseEniConfigText(`${bomb}---\n${doc('us-west-2a')}`, 'bomb.yaml');
    assert.deepEqual(
      checked.map((c) => c.origin.index),
      [0, 1],
    );
    assert.match(checked[0]?.problems[0] ?? '', /^not valid YAML: Excessive alias count/);
    assert.equal(checked[1]?.config?.metadata.name, 'us-west-2a');
  });
});

describe('collectEniConfigs', () => {
  it("reports the seed's three files that all use the name group1-pod-netconfig", () => {
    const docs = ['group1-pod-netconfig.yaml', 'group2-pod-netconfig.yaml', 'group3-pod-netconfig.yaml'].flatMap(
      (file) => parseEniConfigText(doc('group1-pod-netconfig'), file),
    );
    assert.deepEqual(findDuplicateNames(docs).get('group1-pod-netconfig'), [
      'group1-pod-netconfig.yaml (document 1)',
      'group2-pod-netconfig.yaml (document 1)',
      'group3-pod-netconfig.yaml (document 1)',
    ]);
    const catalogue = collectEniConfigs(docs);
    assert.equal(catalogue.errors.length, 1);
    const [error] = catalogue.errors;
    assert.equal(error?.code, 'ENICONFIG_DUPLICATE_NAME');
    assert.match(
      error?.message ?? '',
      /ENIConfig name 'group1-pod-netconfig' is defined 3 times \(group1-pod-netconfig\.yaml .*group2-pod-netconfig\.yaml .*group3-pod-netconfig\.yaml/,
    );
    assert.equal(catalogue.configs.size, 0);
    assert.throws(
      () => catalogue.lookup('group1-pod-netconfig'),
      (e: unknown) => isEniConfigError(e, 'ENICONFIG_DUPLICATE_NAME'),
    );
  });

  it('keeps the good names usable, makes a broken one throw with its document, and misses the unknown', () => {
    const catalogue = collectEniConfigs([
      ...parseEniConfigText(doc('good'), 'good.yaml'),
      ...parseEniConfigText(doc('broken', 'nope'), 'broken.yaml'),
    ]);
    assert.equal(catalogue.lookup('good')?.spec.subnet, SUBNET);
    assert.equal(catalogue.lookup('absent'), undefined);
    assert.throws(
      () => catalogue.lookup('broken'),
      (e: unknown) =>
        isEniConfigError(e, 'ENICONFIG_INVALID_DOCUMENT') &&
        /^broken\.yaml \(document 1\) \(ENIConfig 'broken'\) is not a valid ENIConfig: spec\.subnet 'nope'/.test(
          e.message,
        ),
    );
    assert.deepEqual(
      catalogue.errors.map((e) => e.code),
      ['ENICONFIG_INVALID_DOCUMENT'],
    );
  });

  it('collects warnings with their origin', () => {
    const catalogue = collectEniConfigs(parseEniConfigText(doc('a', SUBNET, '  subnets: []\n'), 'w.yaml'));
    assert.deepEqual(catalogue.warnings, [
      'w.yaml (document 1): spec.subnets is not an ENIConfig field and is ignored (did you mean spec.subnet?)',
    ]);
  });
});
