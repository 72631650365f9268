/**
 * CNI_ARGS: `KEY=VALUE` pairs separated by `;`, in any order (containerd shuffles them on every call). The plugin
 * reads the keys the reference reads [behaviour §7.1]: K8S_POD_NAME, K8S_POD_NAMESPACE, K8S_POD_INFRA_CONTAINER_ID,
 * K8S_POD_UID. As libcni's `LoadArgs`: a pair without exactly one `=` is an error, and an unknown key is an error
 * unless `IgnoreUnknown` is true ("1"/"true", any case), which every runtime sets. Unlike LoadArgs, empty pairs
 * (a trailing `;`) are skipped.
 *
 * Pod names end up in the host veth name only through a SHA-1 hash, but they also reach ipamd and the logs, so
 * hostile values (slashes, spaces, control characters, absurd lengths) are refused with code 4.
 */
import { CniError } from './errors.js';

/** The Kubernetes facts a runtime passes in CNI_ARGS; '' when absent. */
export interface K8sArgs {
  readonly podName: string;
  readonly podNamespace: string;
  readonly infraContainerId: string;
  readonly podUid: string;
}

const KNOWN = {
  K8S_POD_NAME: 'podName',
  K8S_POD_NAMESPACE: 'podNamespace',
  K8S_POD_INFRA_CONTAINER_ID: 'infraContainerId',
  K8S_POD_UID: 'podUid',
} as const satisfies Record<string, keyof K8sArgs>;

type KnownKey = keyof typeof KNOWN;

function isKnown(key: string): key is KnownKey {
  return Object.hasOwn(KNOWN, key);
}

/** Value rules: Kubernetes object names are DNS subdomains (≤ 253), namespaces DNS labels (≤ 63). */
const RULES: Record<KnownKey, { readonly pattern: RegExp; readonly max: number; readonly what: string }> = {
  K8S_POD_NAME: {
    pattern: /^[A-Za-z0-9][A-Za-z0-9._-]*$/,
    max: 253,
    what: 'a Kubernetes pod name (letters, digits, ".", "-", "_")',
  },
  K8S_POD_NAMESPACE: {
    pattern: /^[A-Za-z0-9][A-Za-z0-9._-]*$/,
    max: 63,
    what: 'a Kubernetes namespace (letters, digits, "-")',
  },
  K8S_POD_INFRA_CONTAINER_ID: { pattern: /^[A-Za-z0-9][A-Za-z0-9._-]*$/, max: 256, what: 'a container id' },
  K8S_POD_UID: { pattern: /^[A-Za-z0-9-]+$/, max: 64, what: 'a UID (letters, digits, "-")' },
};

function printable(value: string): string {
  const shown = value.length > 40 ? `${value.slice(0, 40)}…` : value;
  return JSON.stringify(shown);
}

function parseBool(value: string): boolean {
  const lower = value.toLowerCase();
  if (lower === '1' || lower === 'true') return true;
  if (lower === '0' || lower === 'false') return false;
  throw new CniError(
    'CNI_INVALID_ENV',
    `CNI_ARGS: IgnoreUnknown=${printable(value)} is not a boolean (1, true, 0, false)`,
  );
}

/**
 * Parses CNI_ARGS. Throws CNI_INVALID_ENV (4) naming the pair or key at fault.
 *
 * @example
 * parseCniArgs('IgnoreUnknown=1;K8S_POD_NAME=web-0;K8S_POD_NAMESPACE=default').podName; // 'web-0'
 */
export function parseCniArgs(text: string): K8sArgs {
  const values: Record<keyof K8sArgs, string> = { podName: '', podNamespace: '', infraContainerId: '', podUid: '' };
  const unknown: string[] = [];
  let ignoreUnknown = false;
  for (const pair of text.split(';')) {
    if (pair === '') continue;
    const kv = pair.split('=');
    const [key, value] = kv;
    if (kv.length !== 2 || key === undefined || value === undefined || key === '') {
      throw new CniError('CNI_INVALID_ENV', `CNI_ARGS: invalid pair ${printable(pair)} (expected KEY=VALUE)`, { pair });
    }
    if (key === 'IgnoreUnknown') ignoreUnknown = parseBool(value);
    else if (isKnown(key)) values[KNOWN[key]] = value;
    else unknown.push(key);
  }
  if (unknown.length > 0 && !ignoreUnknown) {
    throw new CniError(
      'CNI_INVALID_ENV',
      `CNI_ARGS: unknown keys ${unknown.map(printable).join(', ')} (set IgnoreUnknown=1 to allow them)`,
      { keys: unknown },
    );
  }
  for (const key of Object.keys(KNOWN) as KnownKey[]) {
    const value = values[KNOWN[key]];
    if (value === '') continue;
    const rule = RULES[key];
    if (value.length > rule.max || !rule.pattern.test(value)) {
      throw new CniError(
        'CNI_INVALID_ENV',
        `CNI_ARGS: ${key}=${printable(value)} is not ${rule.what} of at most ${rule.max} characters`,
        { key },
      );
    }
  }
  return values;
}

/**
 * Throws CNI_MISSING_ENV (4) unless CNI_ARGS named the pod: ADD and CHECK need it, because the host veth name is a
 * hash of "<namespace>.<name>" and two unnamed pods would fight over one veth.
 */
export function requirePodIdentity(args: K8sArgs): void {
  const missing = [
    ...(args.podNamespace === '' ? ['K8S_POD_NAMESPACE'] : []),
    ...(args.podName === '' ? ['K8S_POD_NAME'] : []),
  ];
  if (missing.length > 0) {
    throw new CniError(
      'CNI_MISSING_ENV',
      `CNI_ARGS lacks ${missing.join(' and ')}: the pod's host veth is named after them`,
      { variables: missing },
    );
  }
}
