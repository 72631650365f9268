// The Helm chart and the plain manifests describe the same objects. helm is not installed (not in Debian bookworm,
// in no npm package), so the chart's templates are rendered by helm-render.ts, a Go-template subset that throws on
// anything it does not implement; the rendered objects are compared with deploy/kubernetes/ as data: the same kinds
// and names, the same DaemonSet (containers, args, env and defaults, probes, volumes and mounts, security), the same
// RBAC rules. Labels are left out (the chart adds Helm's). Three configurations: the defaults; the network-policy
// agent on (= the plain DaemonSet with optional/network-policy-agent.yaml patched in); ANNOTATE_POD_IP set (= pod
// patch granted, as the plain RBAC's comment says to add).
import { strict as assert } from 'node:assert';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse, parseAllDocuments } from 'yaml';
import { renderChart } from './helm-render.js';

const REPO = new URL('../../../../../', import.meta.url).pathname;
const PLAIN = join(REPO, 'deploy', 'kubernetes');
const CHART = join(REPO, 'deploy', 'helm', 'vpc-cni');

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const clone = <T>(v: T): T => structuredClone(v);

function yamlDocs(text: string, what: string): Obj[] {
  return parseAllDocuments(text).flatMap((doc) => {
    assert.deepEqual(doc.errors, [], `${what}: YAML errors`);
    const value: unknown = doc.toJS();
    return isObj(value) ? [value] : [];
  });
}

const plainObjects = (): Obj[] =>
  readdirSync(PLAIN)
    .filter((f) => f.endsWith('.yaml'))
    .flatMap((f) => yamlDocs(readFileSync(join(PLAIN, f), 'utf8'), f));

/** Values merged as `helm --set` / `-f` do: maps deeply, everything else replaced. */
function merge(base: unknown, over: unknown): unknown {
  if (!isObj(base) || !isObj(over)) return clone(over);
  const out: Obj = clone(base);
  for (const [k, v] of Object.entries(over)) out[k] = merge(out[k], v);
  return out;
}

function renderedObjects(overrides: Obj = {}): Obj[] {
  const chart = parse(readFileSync(join(CHART, 'Chart.yaml'), 'utf8')) as Obj;
  const values = merge(parse(readFileSync(join(CHART, 'values.yaml'), 'utf8')), overrides);
  const dir = join(CHART, 'templates');
  const templates = Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
  const root = {
    Values: values,
    Release: { Name: 'vpc-cni', Namespace: 'kube-system' },
    Chart: { Name: chart['name'], Version: chart['version'], AppVersion: chart['appVersion'] },
  };
  const crds = readdirSync(join(CHART, 'crds')).flatMap((f) => yamlDocs(readFileSync(join(CHART, 'crds', f), 'utf8'), f));
  return [...Object.entries(renderChart(templates, root)).flatMap(([f, text]) => yamlDocs(text, f)), ...crds];
}

/**
 * kubectl's strategic merge for what the agent patch uses: maps merge; lists of objects merge by `name` (containers,
 * env, volumes) or `mountPath` (volumeMounts); other lists are replaced.
 */
function strategicMerge(base: unknown, patch: unknown): unknown {
  if (isObj(base) && isObj(patch)) {
    const out: Obj = clone(base);
    for (const [k, v] of Object.entries(patch)) out[k] = strategicMerge(out[k], v);
    return out;
  }
  const entries = Array.isArray(base) && Array.isArray(patch) ? [...(base as unknown[]), ...(patch as unknown[])] : [];
  if (entries.length > 0 && entries.every(isObj)) {
    const key = entries.every((e) => 'name' in e) ? 'name' : 'mountPath';
    const out = clone(base as Obj[]);
    for (const entry of patch as Obj[]) {
      const at = out.findIndex((e) => e[key] === entry[key]);
      if (at >= 0) out[at] = strategicMerge(out[at], entry) as Obj;
      else out.push(clone(entry));
    }
    return out;
  }
  return clone(patch);
}

/** An object without labels (Helm adds its own), env sorted, RBAC rules as sorted group/resource/verb triples. */
function comparable(object: Obj): Obj {
  const out = clone(object);
  const strip = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(strip);
    if (!isObj(v)) return;
    if (isObj(v['metadata'])) delete v['metadata']['labels'];
    // The order of env entries means nothing here (none refers to another): the chart's are sorted by name.
    if (Array.isArray(v['env'])) (v['env'] as Obj[]).sort((a, b) => String(a['name']).localeCompare(String(b['name'])));
    for (const child of Object.values(v)) strip(child);
  };
  strip(out);
  if (Array.isArray(out['rules'])) {
    const triples = (out['rules'] as Obj[]).flatMap((rule) =>
      [...((rule['apiGroups'] as string[] | undefined) ?? ['-'])].flatMap((g) =>
        [...((rule['resources'] as string[] | undefined) ?? (rule['nonResourceURLs'] as string[]))].flatMap((r) =>
          (rule['verbs'] as string[]).map((verb) => `${g}/${r}:${verb}`),
        ),
      ),
    );
    out['rules'] = [...new Set(triples)].sort();
  }
  return out;
}

/** Where two sets of objects differ: one line per object missing on a side or not deep-equal. */
function differences(chart: readonly Obj[], plain: readonly Obj[]): string[] {
  const key = (o: Obj): string => `${String(o['kind'])}/${String((o['metadata'] as Obj | undefined)?.['name'])}`;
  const left = new Map(chart.map((o) => [key(o), comparable(o)]));
  const right = new Map(plain.map((o) => [key(o), comparable(o)]));
  const out: string[] = [];
  for (const k of new Set([...left.keys(), ...right.keys()])) {
    const [a, b] = [left.get(k), right.get(k)];
    if (a === undefined || b === undefined) out.push(`${k}: only in the ${a === undefined ? 'plain manifests' : 'chart'}`);
    else {
      try {
        assert.deepEqual(a, b);
      } catch (error) {
        out.push(`${k} differs:\n${(error as Error).message}`);
      }
    }
  }
  return out;
}

const daemonSet = (objects: Obj[]): Obj => objects.find((o) => o['kind'] === 'DaemonSet') as Obj;
const podSpec = (objects: Obj[]): Obj => ((daemonSet(objects)['spec'] as Obj)['template'] as Obj)['spec'] as Obj;
const containers = (objects: Obj[]): Obj[] => podSpec(objects)['containers'] as Obj[];

describe('the Helm chart renders the plain manifests', () => {
  it('default values: the same objects', () => {
    const chart = renderedObjects();
    assert.deepEqual(chart.map((o) => o['kind']).sort(), plainObjects().map((o) => o['kind']).sort());
    assert.deepEqual(differences(chart, plainObjects()), []);
    assert.deepEqual(
      containers(chart).map((c) => c['name']),
      ['aws-node'],
      'no network-policy agent by default',
    );
    const env = (containers(chart)[0]?.['env'] as Obj[]).map((e) => e['name']);
    assert.ok(!env.includes('NETWORK_POLICY_ENFORCING_MODE'), 'no enforcing mode without the agent');
  });

  it('nodeAgent.enabled=true: the plain DaemonSet with optional/network-policy-agent.yaml patched in', () => {
    const patch = parse(readFileSync(join(PLAIN, 'optional', 'network-policy-agent.yaml'), 'utf8')) as Obj;
    const plain = plainObjects().map((o) => (o['kind'] === 'DaemonSet' ? (strategicMerge(o, patch) as Obj) : o));
    const chart = renderedObjects({ nodeAgent: { enabled: true } });
    assert.deepEqual(differences(chart, plain), []);
    const [awsNode, agent] = containers(chart);
    assert.equal(agent?.['name'], 'aws-eks-nodeagent');
    assert.ok((awsNode?.['env'] as Obj[]).some((e) => e['name'] === 'NETWORK_POLICY_ENFORCING_MODE'));
    const mounts = (agent?.['volumeMounts'] as Obj[]).map((m) => m['mountPath']);
    assert.ok(mounts.includes('/var/run/aws-node'), 'the agent shares /var/run/aws-node with ipamd');
  });

  it('env.ANNOTATE_POD_IP set: pod patch is granted (as the plain RBAC says to add) and ipamd gets the variable', () => {
    const chart = renderedObjects({ env: { ANNOTATE_POD_IP: 'true' } });
    const role = comparable(chart.find((o) => o['kind'] === 'ClusterRole') as Obj)['rules'] as string[];
    const plainRole = comparable(plainObjects().find((o) => o['kind'] === 'ClusterRole') as Obj)['rules'] as string[];
    assert.deepEqual(role, [...plainRole, '/pods:patch'].sort());
    assert.ok((containers(chart)[0]?.['env'] as Obj[]).some((e) => e['name'] === 'ANNOTATE_POD_IP'));
  });

  it('the comparison catches a change on either side', () => {
    const plain = plainObjects();
    const chart = renderedObjects();
    const mutations: [string, (objects: Obj[]) => void][] = [
      ['an env default', (o) => ((containers(o)[0]?.['env'] as Obj[])[0] as Obj)['value'] = 'changed'],
      ['a volume mount', (o) => (containers(o)[0]?.['volumeMounts'] as Obj[]).pop()],
      ['a probe', (o) => ((containers(o)[0]?.['livenessProbe'] as Obj)['timeoutSeconds'] = 5)],
      ['a container name', (o) => ((containers(o)[0] as Obj)['name'] = 'ipamd')],
      ['an init container arg', (o) => (((podSpec(o)['initContainers'] as Obj[])[0] as Obj)['args'] = ['run'])],
      ['a verb', (o) => ((o.find((x) => x['kind'] === 'ClusterRole')?.['rules'] as Obj[])[0] as Obj)['verbs'] = ['get']],
      ['an object', (o) => o.splice(o.findIndex((x) => x['kind'] === 'ServiceAccount'), 1)],
    ];
    for (const [what, mutate] of mutations) {
      for (const [side, objects] of [
        ['chart', chart],
        ['plain', plain],
      ] as const) {
        const changed = clone(objects);
        mutate(changed);
        const diff = side === 'chart' ? differences(changed, plain) : differences(chart, changed);
        assert.notDeepEqual(diff, [], `${what} changed in the ${side} side goes unnoticed`);
      }
    }
  });
});
