/**
 * The static source as a {@link Target}: without a cluster, `apply --static-dir DIR` writes what ipamd's static
 * node source (src/eniconfig/static-source.ts) reads —
 *
 * - `DIR/eniconfigs/<zone>.yaml`: one ENIConfig per zone (its `eniConfigDir`);
 * - `DIR/nodes.yaml`: the node mapping (its `nodeFile`): per node the annotation (or `--label-key` label) naming
 *   the zone's ENIConfig, and `capacityPods` = max pods under custom networking; other nodes and keys are kept;
 * - `DIR/aws-node.env`: the DaemonSet env change (`AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG=true`, ...), KEY=VALUE lines.
 *
 * A file is written only when its content differs, atomically (temporary file, rename). An ENIConfig name defined
 * twice in the directory — the seed's three `group1-pod-netconfig` files copied in, or a zone defined in another
 * file — is refused before anything is written.
 *
 * @example
 * const target = staticTarget('/etc/vpc-cni');
 * await target.inspect(plan); // { eniConfigs: [{ name: 'ap-northeast-2a', action: 'create' }, ...], ... }
 * await target.write(plan, (line) => io.stderr.write(`${line}\n`));
 */
import { mkdir, readFile, readdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { findDuplicateNames, parseEniConfigText } from '../eniconfig/documents.js';
import { formatNodeInfoFile, parseNodeInfoText } from '../eniconfig/node-file.js';
import { describeOrigin, type NodeInfo } from '../eniconfig/types.js';
import { CustomNetworkingError, fileError } from './errors.js';
import type { Plan } from './plan-types.js';
import { makeTarget, planEniConfigs, type Target, type TargetAction, type TargetChanges } from './target.js';

export interface StaticLayout {
  readonly dir: string;
  readonly eniConfigDir: string;
  readonly nodeFile: string;
  readonly envFile: string;
}

/**
 * Where the files of the static source live under `dir`.
 *
 * @example
 * staticLayout('/etc/vpc-cni').nodeFile; // '/etc/vpc-cni/nodes.yaml'
 */
export function staticLayout(dir: string): StaticLayout {
  return {
    dir,
    eniConfigDir: join(dir, 'eniconfigs'),
    nodeFile: join(dir, 'nodes.yaml'),
    envFile: join(dir, 'aws-node.env'),
  };
}

const DOCUMENT = /\.(ya?ml|json)$/i;

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw fileError('CN_STATIC_DIR_FAILED', 'read', path, error);
  }
}

async function atomicWrite(path: string, text: string): Promise<void> {
  const temp = `${path}.tmp-${process.pid}`;
  try {
    await writeFile(temp, text, { mode: 0o644 });
    await rename(temp, path);
  } catch (error) {
    throw fileError('CN_STATIC_DIR_FAILED', 'write', path, error);
  }
}

/**
 * The YAML of one ENIConfig file.
 *
 * @example
 * eniConfigFileText(eniConfig('ap-northeast-2a', { subnet })); // '# written by ...\napiVersion: ...'
 */
export function eniConfigFileText(doc: object): string {
  return `# written by vpc-cni custom-networking apply\n${stringify(doc)}`;
}

/**
 * The aws-node.env text: sorted KEY=VALUE lines.
 *
 * @example
 * envFileText({ AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG: 'true' }); // 'AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG=true\n'
 */
export function envFileText(env: Readonly<Record<string, string>>): string {
  return Object.entries(env)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}\n`)
    .join('');
}

/** The node entries after the plan, keeping what the file says about other nodes and keys. */
function mergedNodes(
  plan: Plan,
  existing: readonly NodeInfo[],
): { nodes: NodeInfo[]; actions: { nodeName: string; action: TargetAction }[] } {
  const nodes = existing.map((n) => ({ ...n }));
  const actions = plan.nodes.map((m) => {
    const index = nodes.findIndex((n) => n.name === m.nodeName);
    const before = nodes[index];
    const base: NodeInfo = before ?? { name: m.nodeName, labels: {}, annotations: {} };
    const next: NodeInfo = {
      ...base,
      ...(m.kind === 'label'
        ? { labels: { ...base.labels, [m.key]: m.value } }
        : { annotations: { ...base.annotations, [m.key]: m.value } }),
      capacityPods: m.maxPods,
    };
    if (before === undefined) nodes.push(next);
    else nodes[index] = next;
    const same = before !== undefined && JSON.stringify(before) === JSON.stringify(next);
    const action: TargetAction = before === undefined ? 'create' : same ? 'none' : 'update';
    return { nodeName: m.nodeName, action };
  });
  return { nodes, actions };
}

async function readDirDocuments(layout: StaticLayout): Promise<{ file: string; text: string }[]> {
  let names: string[];
  try {
    names = (await readdir(layout.eniConfigDir, { withFileTypes: true }))
      .filter((e) => e.isFile() && DOCUMENT.test(e.name))
      .map((e) => e.name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw fileError('CN_STATIC_DIR_FAILED', 'read', layout.eniConfigDir, error);
  }
  return Promise.all(
    names
      .sort()
      .map(async (name) => ({ file: name, text: (await readOptional(join(layout.eniConfigDir, name))) ?? '' })),
  );
}

/**
 * The static source under `dir` as a {@link Target}.
 *
 * @example
 * await staticTarget('/etc/vpc-cni').write(plan, (line) => io.stderr.write(`${line}\n`));
 */
export function staticTarget(dir: string): Target {
  const layout = staticLayout(dir);
  const where = `static source in ${dir}`;

  const inspect = async (plan: Plan): Promise<TargetChanges & { nodeText: string; files: Map<string, string> }> => {
    const docs = await readDirDocuments(layout);
    const checked = docs.flatMap((d) => parseEniConfigText(d.text, join(layout.eniConfigDir, d.file)));
    const duplicates = findDuplicateNames(checked);
    for (const config of planEniConfigs(plan)) {
      const elsewhere = checked.filter(
        (c) =>
          c.name === config.metadata.name &&
          c.origin.source !== join(layout.eniConfigDir, `${config.metadata.name}.yaml`),
      );
      if (elsewhere.length > 0)
        duplicates.set(config.metadata.name, [
          ...elsewhere.map((c) => describeOrigin(c.origin)),
          `${config.metadata.name}.yaml (to be written)`,
        ]);
    }
    if (duplicates.size > 0) {
      const list = [...duplicates].map(([name, origins]) => `'${name}' in ${origins.join(', ')}`).join('; ');
      throw new CustomNetworkingError(
        'CN_DUPLICATE_ENICONFIG',
        `duplicate ENIConfig names in ${layout.eniConfigDir}: ${list}; ipamd could use none of them. Remove the extra files (ENIConfigs are named after their zone)`,
        { duplicates: Object.fromEntries(duplicates) },
      );
    }
    const files = new Map<string, string>();
    const eniConfigs = planEniConfigs(plan).map((config) => {
      const file = `${config.metadata.name}.yaml`;
      const text = eniConfigFileText(config);
      files.set(file, text);
      const current = docs.find((d) => d.file === file)?.text;
      const action: TargetAction = current === undefined ? 'create' : current === text ? 'none' : 'update';
      return { name: config.metadata.name, action };
    });
    const nodeText = (await readOptional(layout.nodeFile)) ?? '';
    const existing = nodeText === '' ? [] : parseNodeInfoText(nodeText, layout.nodeFile);
    const { actions } = mergedNodes(plan, existing);
    const envText = await readOptional(layout.envFile);
    const env: TargetAction =
      envText === undefined ? 'create' : envText === envFileText(plan.daemonSetEnv) ? 'none' : 'update';
    return { where, eniConfigs, nodes: actions, env, nodeText, files };
  };

  return makeTarget(where, inspect, async (plan, state, note) => {
    await mkdir(layout.eniConfigDir, { recursive: true }).catch((error: unknown) => {
      throw fileError('CN_STATIC_DIR_FAILED', 'create', layout.eniConfigDir, error);
    });
    let written = 0;
    for (const item of state.eniConfigs.filter((c) => c.action !== 'none')) {
      const file = `${item.name}.yaml`;
      await atomicWrite(join(layout.eniConfigDir, file), state.files.get(file) ?? '');
      note(
        `${item.action === 'create' ? 'wrote' : 'updated'} ENIConfig ${item.name} (${join(layout.eniConfigDir, file)})`,
      );
      written++;
    }
    if (state.nodes.some((n) => n.action !== 'none')) {
      const existing = state.nodeText === '' ? [] : parseNodeInfoText(state.nodeText, layout.nodeFile);
      await atomicWrite(layout.nodeFile, formatNodeInfoFile(mergedNodes(plan, existing).nodes));
      const changed = state.nodes.filter((n) => n.action !== 'none');
      note(`mapped ${changed.length} node(s) in ${layout.nodeFile}`);
      written += changed.length;
    }
    if (state.env !== 'none') {
      await atomicWrite(layout.envFile, envFileText(plan.daemonSetEnv));
      note(`wrote the aws-node env change to ${layout.envFile}`);
      written++;
    }
    return written;
  });
}
