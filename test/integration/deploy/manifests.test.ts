// deploy/: the manifests a user applies to run vpc-cni instead of the reference, the Helm chart and the image. No
// cluster and no helm here, so the files are checked as data: every document parses and is a plausible Kubernetes
// object, the CRD is what src/eniconfig reads, every env name is in the configuration schema, the chart's values
// cover what its templates use, and the image runs commands that exist. chart-sync.test.ts renders the chart and
// compares it with the plain manifests; scripts/image-test.sh builds and runs the image.
import { strict as assert } from 'node:assert';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse, parseAllDocuments } from 'yaml';
import { CONFIG_VARIABLES } from '../../../src/config/index.js';
import { ENICONFIG_GROUP, ENICONFIG_KIND, ENICONFIG_PLURAL, ENICONFIG_VERSION } from '../../../src/eniconfig/types.js';
import { COMMANDS } from '../../../src/cli/commands/index.js';

const REPO = new URL('../../../../../', import.meta.url).pathname;
const DEPLOY = join(REPO, 'deploy');
const CHART = join(DEPLOY, 'helm', 'vpc-cni');
const KNOWN_ENV = new Set<string>(CONFIG_VARIABLES.map((v) => v.name));

type Obj = Record<string, unknown>;
const rec = (v: unknown): Obj => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? (v as unknown[]) : []);
const at = (v: unknown, ...path: (string | number)[]): unknown =>
  path.reduce<unknown>((o, k) => (typeof k === 'number' ? arr(o)[k] : rec(o)[k]), v);

function documents(file: string): Obj[] {
  return parseAllDocuments(readFileSync(file, 'utf8')).map((doc) => {
    assert.deepEqual(doc.errors, [], `${file}: YAML errors`);
    return rec(doc.toJS());
  });
}

const manifests = readdirSync(join(DEPLOY, 'kubernetes'))
  .filter((f) => f.endsWith('.yaml'))
  .flatMap((f) => documents(join(DEPLOY, 'kubernetes', f)));
const byKind = (kind: string): Obj[] => manifests.filter((m) => m['kind'] === kind);
const one = (kind: string): Obj => {
  const [found] = byKind(kind);
  assert.ok(found, `a ${kind} in deploy/kubernetes`);
  return found;
};
const crdNamed = (name: string): Obj => {
  const found = byKind('CustomResourceDefinition').find((m) => at(m, 'metadata', 'name') === name);
  assert.ok(found, `the CRD ${name} in deploy/kubernetes`);
  return found;
};
const envNames = (container: unknown): string[] => arr(at(container, 'env')).map((e) => String(at(e, 'name')));

describe('deploy/kubernetes manifests', () => {
  it('every document is a plausible Kubernetes object', () => {
    assert.ok(manifests.length >= 5);
    for (const m of manifests) {
      assert.match(
        String(m['apiVersion']),
        /^([a-z0-9.-]+\/)?v\d+(alpha\d+|beta\d+)?$/,
        JSON.stringify(m).slice(0, 80),
      );
      assert.match(String(m['kind']), /^[A-Z][A-Za-z]+$/);
      assert.match(String(at(m, 'metadata', 'name')), /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/);
    }
    assert.deepEqual(manifests.map((m) => m['kind']).sort(), [
      'ClusterRole',
      'ClusterRoleBinding',
      'CustomResourceDefinition',
      'DaemonSet',
      'ServiceAccount',
    ]);
  });

  it('the CRD is the one the ENIConfig parser and the Kubernetes adapter read', () => {
    const crd = crdNamed(`${ENICONFIG_PLURAL}.${ENICONFIG_GROUP}`);
    assert.equal(at(crd, 'spec', 'group'), ENICONFIG_GROUP);
    assert.equal(at(crd, 'spec', 'scope'), 'Cluster');
    assert.equal(at(crd, 'spec', 'names', 'kind'), ENICONFIG_KIND);
    assert.equal(at(crd, 'spec', 'names', 'plural'), ENICONFIG_PLURAL);
    const [version] = arr(at(crd, 'spec', 'versions'));
    assert.equal(at(version, 'name'), ENICONFIG_VERSION);
    assert.equal(at(version, 'served'), true);
    assert.equal(at(version, 'storage'), true);
    const spec = at(version, 'schema', 'openAPIV3Schema', 'properties', 'spec');
    assert.deepEqual(at(spec, 'required'), ['subnet']);
    assert.equal(at(spec, 'properties', 'subnet', 'type'), 'string');
    assert.equal(at(spec, 'properties', 'securityGroups', 'type'), 'array');
    assert.equal(at(spec, 'properties', 'securityGroups', 'items', 'type'), 'string');
    assert.deepEqual(
      parse(readFileSync(join(CHART, 'crds', 'customresourcedefinition.yaml'), 'utf8')),
      crd,
      'the chart ships the same CRD',
    );
  });

  it('the CNINode CRD [cninode §1.1] is the resource ipamd reads and patches (src/k8s/cninode.ts)', () => {
    // Optional: the VPC resource controller (and EKS) installs it; kept for clusters that run the controller without it.
    const [crd] = documents(join(DEPLOY, 'kubernetes', 'optional', 'cninode-crd.yaml'));
    assert.ok(crd !== undefined && at(crd, 'metadata', 'name') === 'cninodes.vpcresources.k8s.aws');
    assert.equal(at(crd, 'spec', 'group'), 'vpcresources.k8s.aws');
    assert.equal(at(crd, 'spec', 'scope'), 'Cluster');
    assert.deepEqual(at(crd, 'spec', 'names'), {
      kind: 'CNINode',
      listKind: 'CNINodeList',
      plural: 'cninodes',
      singular: 'cninode',
      shortNames: ['cnd'],
    });
    const [version] = arr(at(crd, 'spec', 'versions'));
    assert.deepEqual([at(version, 'name'), at(version, 'served'), at(version, 'storage')], ['v1alpha1', true, true]);
    assert.equal(at(version, 'subresources'), undefined);
    assert.equal(at(version, 'additionalPrinterColumns', 0, 'jsonPath'), '.spec.features');
    const feature = at(version, 'schema', 'openAPIV3Schema', 'properties', 'spec', 'properties', 'features', 'items');
    assert.deepEqual(
      [at(feature, 'properties', 'name', 'type'), at(feature, 'properties', 'value', 'type'), at(feature, 'required')],
      ['string', 'string', undefined],
    );
  });

  it('the DaemonSet is aws-node-compatible: host network, privileged init, the reference host paths', () => {
    const ds = one('DaemonSet');
    assert.equal(at(ds, 'metadata', 'name'), 'aws-node');
    assert.equal(at(ds, 'metadata', 'namespace'), 'kube-system');
    const pod = at(ds, 'spec', 'template', 'spec');
    assert.equal(at(pod, 'hostNetwork'), true);
    assert.equal(at(pod, 'priorityClassName'), 'system-node-critical');
    assert.equal(at(pod, 'initContainers', 0, 'securityContext', 'privileged'), true);
    assert.deepEqual(at(pod, 'containers', 0, 'securityContext', 'capabilities', 'add'), ['NET_ADMIN', 'NET_RAW']);
    const volumes = arr(at(pod, 'volumes')).map((v) => [at(v, 'hostPath', 'path'), at(v, 'hostPath', 'type') ?? null]);
    assert.deepEqual(volumes.sort(), [
      ['/etc/cni/net.d', null],
      ['/opt/cni/bin', null],
      ['/run/xtables.lock', 'FileOrCreate'],
      ['/var/log/aws-routed-eni', 'DirectoryOrCreate'],
      ['/var/run/aws-node', 'DirectoryOrCreate'],
    ]);
    const names = new Set(arr(at(pod, 'volumes')).map((v) => at(v, 'name')));
    for (const c of [...arr(at(pod, 'initContainers')), ...arr(at(pod, 'containers'))]) {
      for (const m of arr(at(c, 'volumeMounts')))
        assert.ok(names.has(at(m, 'name')), `volume ${String(at(m, 'name'))}`);
    }
    assert.equal(at(pod, 'serviceAccountName'), at(one('ServiceAccount'), 'metadata', 'name'));
    assert.deepEqual(at(pod, 'initContainers', 0, 'args'), ['init']);
    assert.deepEqual(at(pod, 'containers', 0, 'args'), ['aws-node']);
    assert.deepEqual(at(pod, 'containers', 0, 'livenessProbe', 'exec', 'command'), [
      '/app/bin/vpc-cni',
      'health',
      '--live',
    ]);
    assert.deepEqual(at(pod, 'containers', 0, 'readinessProbe', 'exec', 'command'), [
      '/app/bin/vpc-cni',
      'health',
      '--ready',
    ]);
  });

  it('every env name of the DaemonSet (and of the network-policy agent patch) is in the configuration schema', () => {
    const pod = at(one('DaemonSet'), 'spec', 'template', 'spec');
    const patch = documents(join(DEPLOY, 'kubernetes', 'optional', 'network-policy-agent.yaml'))[0];
    const patchContainers = arr(at(patch, 'spec', 'template', 'spec', 'containers'));
    const names = [...arr(at(pod, 'initContainers')), ...arr(at(pod, 'containers')), ...patchContainers].flatMap(
      envNames,
    );
    assert.ok(names.includes('NETWORK_POLICY_ENFORCING_MODE'), 'the patch sets the enforcing mode');
    assert.ok(!envNames(at(pod, 'containers', 0)).includes('NETWORK_POLICY_ENFORCING_MODE'), 'not without the agent');
    assert.ok(names.includes('AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG') && names.includes('MY_NODE_NAME'));
    assert.deepEqual(
      names.filter((n) => !KNOWN_ENV.has(n)),
      [],
    );
  });

  it('RBAC grants what ipamd and the custom-networking source read, bound to the aws-node service account', () => {
    const role = one('ClusterRole');
    const allows = (group: string, resource: string, verb: string): boolean =>
      arr(role['rules']).some(
        (r) =>
          arr(at(r, 'apiGroups')).includes(group) &&
          arr(at(r, 'resources')).includes(resource) &&
          arr(at(r, 'verbs')).includes(verb),
      );
    for (const verb of ['get', 'list', 'watch']) {
      assert.ok(allows(ENICONFIG_GROUP, ENICONFIG_PLURAL, verb), `eniconfigs ${verb}`);
      assert.ok(allows('', 'nodes', verb), `nodes ${verb}`);
    }
    assert.ok(allows('', 'events', 'create'));
    assert.ok(!allows('', 'pods', 'patch'), 'pod patch is not granted by default, as in the reference');
    const binding = one('ClusterRoleBinding');
    assert.equal(at(binding, 'roleRef', 'name'), at(role, 'metadata', 'name'));
    assert.deepEqual(at(binding, 'subjects', 0), {
      kind: 'ServiceAccount',
      name: 'aws-node',
      namespace: 'kube-system',
    });
  });
});

describe('deploy/helm/vpc-cni', () => {
  const values = rec(parse(readFileSync(join(CHART, 'values.yaml'), 'utf8')));

  it('Chart.yaml is a v2 application chart at the package version', () => {
    const chart = rec(parse(readFileSync(join(CHART, 'Chart.yaml'), 'utf8')));
    const pkg = rec(JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')));
    assert.equal(chart['apiVersion'], 'v2');
    assert.equal(chart['name'], 'vpc-cni');
    assert.match(String(chart['version']), /^\d+\.\d+\.\d+$/);
    assert.equal(chart['appVersion'], pkg['version']);
  });

  it("values carry the reference chart's main values, and every env name is in the configuration schema", () => {
    for (const key of [
      'image',
      'init',
      'env',
      'eniConfig',
      'resources',
      'serviceAccount',
      'livenessProbe',
      'readinessProbe',
      'updateStrategy',
      'affinity',
      'tolerations',
      'nodeAgent',
      'enableNetworkPolicy',
    ]) {
      assert.ok(key in values, `values.${key}`);
    }
    assert.deepEqual(Object.keys(rec(values['eniConfig'])).sort(), ['create', 'region', 'subnets']);
    const env = [...Object.keys(rec(values['env'])), ...Object.keys(rec(at(values, 'init', 'env')))];
    assert.deepEqual(
      env.filter((n) => !KNOWN_ENV.has(n)),
      [],
    );
    for (const [k, v] of Object.entries(rec(values['env']))) assert.equal(typeof v, 'string', `env.${k} is quoted`);
  });

  it('every .Values path a template uses exists in values.yaml, and the template actions are balanced', () => {
    const optional = new Set(['image.override', 'nodeAgent.image.override', 'env.ANNOTATE_POD_IP']);
    for (const file of readdirSync(join(CHART, 'templates'))) {
      const text = readFileSync(join(CHART, 'templates', file), 'utf8');
      assert.equal(text.split('{{').length, text.split('}}').length, `${file}: {{ }} balanced`);
      for (const [, path] of text.matchAll(/\.Values\.([A-Za-z0-9_.]+)/g)) {
        if (path === undefined || optional.has(path)) continue;
        assert.notEqual(at(values, ...path.split('.')), undefined, `${file}: .Values.${path}`);
      }
    }
  });
});

describe('deploy/docker', () => {
  const dockerfile = readFileSync(join(DEPLOY, 'docker', 'Dockerfile'), 'utf8');

  it('the image: bases and plugins as build arguments, dist, production node_modules, bin/aws-cni, the plugins', () => {
    assert.match(dockerfile, /^ARG BASE=node:20-bookworm-slim$/m);
    assert.match(dockerfile, /^ARG BUILD_BASE=node:20-bookworm$/m);
    assert.match(dockerfile, /^ARG CNI_PLUGINS=release$/m);
    assert.match(dockerfile, /^FROM cni-plugins-\$\{CNI_PLUGINS\} AS cni-plugins$/m);
    assert.match(dockerfile, /npm prune --omit=dev/);
    for (const copied of ['./dist', './node_modules', './bin/', './cni-plugins']) assert.ok(dockerfile.includes(copied), copied);
    assert.match(dockerfile, /\/src\/bin\/aws-cni/);
    assert.match(dockerfile, /^ENTRYPOINT \["\/app\/bin\/vpc-cni"\]$/m);
    assert.match(dockerfile, /^CMD \["aws-node"\]$/m);
  });

  it('every command the manifests run in the image exists', () => {
    const pod = at(one('DaemonSet'), 'spec', 'template', 'spec');
    const commands = [
      ...[...arr(at(pod, 'initContainers')), ...arr(at(pod, 'containers'))].map((c) => String(at(c, 'args', 0))),
      String(at(pod, 'containers', 0, 'livenessProbe', 'exec', 'command', 1)),
      String(at(pod, 'containers', 0, 'readinessProbe', 'exec', 'command', 1)),
    ];
    assert.deepEqual(
      commands.filter((c) => !(c in COMMANDS)),
      [],
    );
  });
});
