// Node files for the static source: every accepted shape, precise refusals, and a round trip through the writer.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { isEniConfigError } from './errors.js';
import { formatNodeInfoFile, parseNodeInfoText } from './node-file.js';
import { nodeInfoFromKubernetes } from './node-object.js';

describe('node files', () => {
  it('reads a single node, a nodes: list, a Kubernetes Node and a NodeList', () => {
    const text = [
      'name: n1\nlabels: { topology.kubernetes.io/zone: us-west-2a }\ncapacityPods: 20\n',
      'nodes:\n  - name: n2\n    annotations: { k8s.amazonaws.com/eniConfig: pods-b }\n',
      'apiVersion: v1\nkind: Node\nmetadata: { name: n3, labels: { a: b } }\nstatus: { capacity: { pods: "110" } }\n',
      'apiVersion: v1\nkind: NodeList\nitems:\n  - metadata: { name: n4 }\n',
    ].join('---\n');
    assert.deepEqual(parseNodeInfoText(text, 'nodes.yaml'), [
      { name: 'n1', labels: { 'topology.kubernetes.io/zone': 'us-west-2a' }, annotations: {}, capacityPods: 20 },
      { name: 'n2', labels: {}, annotations: { 'k8s.amazonaws.com/eniConfig': 'pods-b' } },
      { name: 'n3', labels: { a: 'b' }, annotations: {}, capacityPods: 110 },
      { name: 'n4', labels: {}, annotations: {} },
    ]);
    assert.deepEqual(parseNodeInfoText('{"name":"j","labels":{"x":"y"}}', 'node.json'), [
      { name: 'j', labels: { x: 'y' }, annotations: {} },
    ]);
  });

  const REFUSED: readonly [string, string, RegExp][] = [
    ['no name', 'labels: {}\n', /^n\.yaml: name is required/],
    ['a typo in a field', 'name: a\nannotation: {}\n', /unknown field annotation/],
    ['a label that is not a string', 'name: a\nlabels: { x: 1 }\n', /labels\.x must be a string, got 1/],
    ['capacity not a number', 'name: a\ncapacityPods: many\n', /capacityPods must be a whole number/],
    ['another kind', 'kind: Pod\nmetadata: { name: a }\n', /kind "Pod" is not a Node/],
    ['broken YAML', 'name: [a\nlabels: {}\n', /not valid YAML/],
    ['the second document', 'name: a\n---\nlabels: {}\n', /^n\.yaml \(document 2\): name is required/],
  ];
  for (const [name, text, message] of REFUSED) {
    it(`refuses ${name}`, () => {
      assert.throws(
        () => parseNodeInfoText(text, 'n.yaml'),
        (e: unknown) => isEniConfigError(e, 'NODE_INFO_INVALID') && message.test(e.message),
      );
    });
  }

  it('writes what it reads', () => {
    const nodes = [
      {
        name: 'ip-10-11-16-31.ap-northeast-2.compute.internal',
        labels: {},
        annotations: { 'k8s.amazonaws.com/eniConfig': 'ap-northeast-2a' },
        capacityPods: 20,
      },
      { name: 'n2', labels: { 'topology.kubernetes.io/zone': 'ap-northeast-2b' }, annotations: {} },
    ];
    const text = formatNodeInfoFile(nodes);
    assert.match(text, /^# vpc-cni node facts/);
    assert.deepEqual(parseNodeInfoText(text, 'nodes.yaml'), nodes);
  });

  it('maps a Node object from the API', () => {
    assert.deepEqual(
      nodeInfoFromKubernetes(
        { metadata: { name: 'n', labels: { a: 'b' }, annotations: { c: 'd' } }, status: { capacity: { pods: '29' } } },
        'API',
      ),
      { name: 'n', labels: { a: 'b' }, annotations: { c: 'd' }, capacityPods: 29 },
    );
    assert.throws(() => nodeInfoFromKubernetes({ metadata: {} }, 'API'), /API: a Node needs metadata\.name/);
  });

  it('refuses a YAML alias bomb with NODE_INFO_INVALID instead of a ReferenceError (found by test/fuzz)', () => {
    const bomb =
      'a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n';
    assert.throws(
      () => parseNodeInfoText(bomb, 'n.yaml'),
      (e: unknown) =>
        isEniConfigError(e) &&
        e.code === 'NODE_INFO_INVALID' &&
        /n\.yaml: not valid YAML: Excessive alias count/.test(e.message),
    );
  });
});
