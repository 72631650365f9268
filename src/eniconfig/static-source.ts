/**
 * The static {@link NodeInfoSource}, for hosts without a Kubernetes API server: the node's labels and annotations
 * come from a node file (node-file.ts) and/or options (flags), the ENIConfigs from every `*.yaml`, `*.yml` and
 * `*.json` file of a directory. Same semantics as the cluster: a name defined twice or an invalid document makes
 * that name unusable (with the error naming the files), the other ENIConfigs still work.
 *
 * The files are re-read every `pollMs` (default 2 s; polling is reliable on every filesystem and with editors that
 * replace files); a change calls the watchers. A node file that stops parsing keeps the last good facts (logged).
 *
 * @example
 * const source = await createStaticNodeInfoSource({ nodeName: 'node-1', nodeFile: '/etc/vpc-cni/nodes.yaml', eniConfigDir: '/etc/vpc-cni/eniconfigs' });
 * await source.eniConfig('us-west-2a'); // { apiVersion: 'crd.k8s.amazonaws.com/v1alpha1', kind: 'ENIConfig', ... }
 * await source.close();
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { silentLogger, type Logger } from '../obs/logger.js';
import { collectEniConfigs, parseEniConfigText, type EniConfigCatalogue } from './documents.js';
import { asError } from '../errors.js';
import { EniConfigError } from './errors.js';
import { parseNodeInfoText } from './node-file.js';
import type { NodeInfoSource, NodeProblem } from './port.js';
import type { EniConfig, NodeInfo } from './types.js';

export interface StaticSourceOptions {
  readonly nodeName: string;
  /** Node file with this node's labels/annotations (other nodes in it are ignored). */
  readonly nodeFile?: string;
  /** Given directly (flags); they override the file's entries of the same key. */
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly capacityPods?: number;
  /** Directory of ENIConfig documents; absent = no ENIConfig exists. */
  readonly eniConfigDir?: string;
  /** Re-read interval; 0 = never re-read. */
  readonly pollMs?: number;
  readonly log?: Logger;
}

export interface StaticNodeInfoSource extends NodeInfoSource {
  /** The ENIConfig documents as last read (errors and warnings included), for `validate` and logs. */
  catalogue(): EniConfigCatalogue;
  /** Re-reads the files now; resolves true when something changed (watchers were called). */
  reload(): Promise<boolean>;
}

const DOCUMENT = /\.(ya?ml|json)$/i;

/** The value, or the exception as a rejection (never a synchronous throw from a promise-returning method). */
function settle<T>(run: () => T): Promise<T> {
  try {
    return Promise.resolve(run());
  } catch (error) {
    return Promise.reject(asError(error));
  }
}

interface Snapshot {
  readonly nodeText: string | undefined;
  readonly files: readonly { readonly path: string; readonly text: string }[];
}

async function readSnapshot(options: StaticSourceOptions): Promise<Snapshot> {
  const nodeText = options.nodeFile === undefined ? undefined : await readFile(options.nodeFile, 'utf8');
  const files: { path: string; text: string }[] = [];
  if (options.eniConfigDir !== undefined) {
    const names = (await readdir(options.eniConfigDir, { withFileTypes: true }))
      .filter((e) => e.isFile() && DOCUMENT.test(e.name))
      .map((e) => e.name);
    for (const name of names.sort()) {
      const path = join(options.eniConfigDir, name);
      // A file removed between readdir and readFile is simply gone.
      const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) =>
        error.code === 'ENOENT' ? undefined : Promise.reject(error),
      );
      if (text !== undefined) files.push({ path, text });
    }
  }
  return { nodeText, files };
}

function sameSnapshot(a: Snapshot, b: Snapshot): boolean {
  return (
    a.nodeText === b.nodeText &&
    a.files.length === b.files.length &&
    a.files.every((f, i) => f.path === b.files[i]?.path && f.text === b.files[i]?.text)
  );
}

function nodeFrom(options: StaticSourceOptions, nodeText: string | undefined): NodeInfo {
  const fromFile =
    nodeText === undefined || options.nodeFile === undefined
      ? undefined
      : parseNodeInfoText(nodeText, options.nodeFile).find((n) => n.name === options.nodeName);
  const capacityPods = options.capacityPods ?? fromFile?.capacityPods;
  return {
    name: options.nodeName,
    labels: { ...fromFile?.labels, ...options.labels },
    annotations: { ...fromFile?.annotations, ...options.annotations },
    ...(capacityPods === undefined ? {} : { capacityPods }),
  };
}

function catalogueOf(snapshot: Snapshot): EniConfigCatalogue {
  return collectEniConfigs(snapshot.files.flatMap((f) => parseEniConfigText(f.text, f.path)));
}

/**
 * Reads the files once (a node file that does not parse rejects with NODE_INFO_INVALID) and starts polling.
 *
 * @example
 * const source = await createStaticNodeInfoSource({ nodeName: 'n1', annotations: { 'k8s.amazonaws.com/eniConfig': 'a' }, eniConfigDir: dir });
 */
export async function createStaticNodeInfoSource(options: StaticSourceOptions): Promise<StaticNodeInfoSource> {
  const log = (options.log ?? silentLogger).child({ source: 'static' });
  let snapshot = await readSnapshot(options).catch((error: NodeJS.ErrnoException) => {
    throw new EniConfigError(
      'NODE_INFO_INVALID',
      `cannot read the static node source: ${error.message}`,
      { path: error.path },
      error,
    );
  });
  let node = nodeFrom(options, snapshot.nodeText);
  let catalogue = catalogueOf(snapshot);
  const logCatalogue = (): void => {
    for (const error of catalogue.errors) log.error({ code: error.code }, error.message);
    for (const warning of catalogue.warnings) log.warn({}, warning);
  };
  logCatalogue();
  const watchers = new Set<() => void>();
  let closed = false;

  const reload = async (): Promise<boolean> => {
    const next = await readSnapshot(options);
    if (closed || sameSnapshot(snapshot, next)) return false;
    try {
      // An empty node file is one being rewritten in place (truncated, not yet written): not a node without facts.
      if (next.nodeText?.trim() === '') throw new EniConfigError('NODE_INFO_INVALID', 'the file is empty');
      node = nodeFrom(options, next.nodeText);
    } catch (error) {
      log.error(
        { file: options.nodeFile },
        `node file changed but cannot be used; keeping the previous labels and annotations: ${(error as Error).message}`,
      );
    }
    snapshot = next;
    catalogue = catalogueOf(next);
    logCatalogue();
    for (const watcher of [...watchers]) watcher();
    return true;
  };

  const pollMs = options.pollMs ?? 2_000;
  let timer: NodeJS.Timeout | undefined;
  const schedule = (): void => {
    if (closed || pollMs <= 0) return;
    timer = setTimeout(() => {
      reload()
        .catch((error: unknown) =>
          log.warn({}, `re-reading the static node source failed: ${(error as Error).message}`),
        )
        .finally(schedule);
    }, pollMs);
    timer.unref();
  };
  schedule();

  const open = (): void => {
    if (closed) throw new EniConfigError('NODE_INFO_UNAVAILABLE', 'the static node source is closed');
  };
  return {
    kind: 'static',
    node: () =>
      settle(() => {
        open();
        return node;
      }),
    eniConfig: (name: string): Promise<EniConfig | undefined> =>
      settle(() => {
        open();
        return catalogue.lookup(name);
      }),
    watch: (onChange) => {
      watchers.add(onChange);
      return () => watchers.delete(onChange);
    },
    report: (problem: NodeProblem) => {
      log.warn({ reason: problem.reason, node: options.nodeName }, problem.message);
      return Promise.resolve();
    },
    close: () => {
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      watchers.clear();
      return Promise.resolve();
    },
    catalogue: () => catalogue,
    reload,
  };
}
