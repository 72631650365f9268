/**
 * ENIConfig documents from text: multi-document YAML (`---`), JSON, and Lists (`kubectl get eniconfigs -o yaml`),
 * each document checked strictly ({@link validateEniConfigObject}), then gathered into a catalogue that refuses
 * ambiguous names — the seed's three files all named `group1-pod-netconfig` give one ENICONFIG_DUPLICATE_NAME error
 * naming the three files, not a silent "last file wins".
 *
 * @example
 * const catalogue = collectEniConfigs([
 *   ...parseEniConfigText(readFileSync('a.yaml', 'utf8'), 'a.yaml'),
 *   ...parseEniConfigText(readFileSync('b.yaml', 'utf8'), 'b.yaml'),
 * ]);
 * for (const error of catalogue.errors) console.error(error.message);
 * catalogue.lookup('us-west-2a'); // EniConfig | undefined; throws for a duplicate or invalid name
 */
import { EniConfigError } from './errors.js';
import { readTextDocuments } from './text-documents.js';
import { describeOrigin, type DocumentOrigin, type EniConfig } from './types.js';
import { validateEniConfigObject, type CheckedEniConfig } from './validate-object.js';

/** Kinds whose `items` hold ENIConfigs. */
const LIST_KINDS = new Set(['List', 'ENIConfigList']);

function listItems(value: unknown): unknown[] | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const record = value as Record<string, unknown>;
  const items = record['items'];
  return typeof record['kind'] === 'string' && LIST_KINDS.has(record['kind']) && Array.isArray(items)
    ? items
    : undefined;
}

function checkValue(value: unknown, origin: DocumentOrigin): CheckedEniConfig[] {
  const items = listItems(value);
  if (items === undefined) return [validateEniConfigObject(value, origin)];
  return items.map((item, i) => validateEniConfigObject(item, { ...origin, item: i }));
}

/**
 * Every ENIConfig in a file's text. A syntax error yields one entry whose problem names the line and column; empty
 * documents are skipped. `.json` sources are read as strict JSON, everything else as YAML 1.2.
 *
 * @example
 * parseEniConfigText('kind: ENIConfig\n', 'a.yaml')[0]?.problems;
 * // ['apiVersion must be crd.k8s.amazonaws.com/v1alpha1, got undefined', 'metadata must be ...', ...]
 */
export function parseEniConfigText(text: string, source: string): CheckedEniConfig[] {
  return readTextDocuments(text, source).flatMap((doc) => {
    const origin: DocumentOrigin = doc.index === undefined ? { source } : { source, index: doc.index };
    if ('problems' in doc) return [{ origin, problems: [...doc.problems], warnings: [] }];
    return 'empty' in doc ? [] : checkValue(doc.value, origin);
  });
}

/** The checked documents gathered by name. */
export interface EniConfigCatalogue {
  /** Valid ENIConfigs whose name appears exactly once. */
  readonly configs: ReadonlyMap<string, EniConfig>;
  /** One error per invalid document and one per duplicated name, in document order. */
  readonly errors: readonly EniConfigError[];
  /** `origin: warning` lines of the valid documents. */
  readonly warnings: readonly string[];
  /** The ENIConfig of this name, undefined when no document defines it; throws when its definition is unusable. */
  lookup(name: string): EniConfig | undefined;
}

function invalidError(doc: CheckedEniConfig): EniConfigError {
  const what =
    doc.name === undefined ? 'is not a valid ENIConfig' : `(ENIConfig '${doc.name}') is not a valid ENIConfig`;
  return new EniConfigError(
    'ENICONFIG_INVALID_DOCUMENT',
    `${describeOrigin(doc.origin)} ${what}: ${doc.problems.join('; ')}`,
    {
      origin: describeOrigin(doc.origin),
      ...(doc.name === undefined ? {} : { name: doc.name }),
      problems: doc.problems,
    },
  );
}

/**
 * Names defined by more than one document, with where each definition is.
 *
 * @example
 * findDuplicateNames(docs).get('group1-pod-netconfig'); // ['a.yaml', 'b.yaml', 'c.yaml']
 */
export function findDuplicateNames(docs: readonly CheckedEniConfig[]): Map<string, string[]> {
  const byName = new Map<string, string[]>();
  for (const doc of docs) {
    if (doc.name === undefined) continue;
    byName.set(doc.name, [...(byName.get(doc.name) ?? []), describeOrigin(doc.origin)]);
  }
  return new Map([...byName].filter(([, origins]) => origins.length > 1));
}

/**
 * Gathers checked documents (from any number of files) into a {@link EniConfigCatalogue}.
 *
 * @example
 * collectEniConfigs(docs).errors.map((e) => e.code); // ['ENICONFIG_DUPLICATE_NAME']
 */
export function collectEniConfigs(docs: readonly CheckedEniConfig[]): EniConfigCatalogue {
  const duplicates = findDuplicateNames(docs);
  const invalid = new Map<string, EniConfigError>();
  const errors: EniConfigError[] = [];
  const configs = new Map<string, EniConfig>();
  const warnings: string[] = [];
  for (const doc of docs) {
    if (doc.problems.length > 0) {
      const error = invalidError(doc);
      errors.push(error);
      if (doc.name !== undefined) invalid.set(doc.name, error);
    } else if (doc.config !== undefined && !duplicates.has(doc.config.metadata.name)) {
      configs.set(doc.config.metadata.name, doc.config);
    }
    warnings.push(...doc.warnings.map((w) => `${describeOrigin(doc.origin)}: ${w}`));
  }
  const duplicateErrors = new Map<string, EniConfigError>();
  for (const [name, origins] of duplicates) {
    const error = new EniConfigError(
      'ENICONFIG_DUPLICATE_NAME',
      `ENIConfig name '${name}' is defined ${origins.length} times (${origins.join(', ')}); each ENIConfig needs its own name — ` +
        'name them after their availability zone (e.g. us-west-2a) and set ENI_CONFIG_LABEL_DEF=topology.kubernetes.io/zone',
      { name, origins },
    );
    duplicateErrors.set(name, error);
    errors.push(error);
  }
  return {
    configs,
    errors,
    warnings,
    lookup: (name) => {
      const error = duplicateErrors.get(name) ?? invalid.get(name);
      if (error !== undefined) throw error;
      return configs.get(name);
    },
  };
}
