/**
 * Text tables as kubectl prints them: Go's tabwriter with kubectl's settings (minimum cell width 6, padding 3,
 * spaces), so every column but the last is as wide as its longest cell plus three, and the last is not padded.
 * Plus kubectl's AGE (apimachinery's `duration.HumanDuration`).
 *
 * @example
 * formatTable(['NAME', 'IP'], [['web-0', '10.11.0.4']]);
 * // 'NAME    IP\nweb-0   10.11.0.4\n'
 * humanDuration(91 * 3600_000); // '3d19h'
 */

const MIN_WIDTH = 6;
const PADDING = 3;

/** Display width: code points (the tables hold ASCII, pod names and `<none>`; no wide characters). */
const widthOf = (text: string): number => [...text].length;

/** Rows under a header, aligned as kubectl aligns them; every row ends with a newline. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const all = [header, ...rows];
  const columns = Math.max(...all.map((row) => row.length));
  const widths: number[] = [];
  for (let c = 0; c < columns - 1; c++) {
    widths.push(Math.max(MIN_WIDTH, ...all.map((row) => widthOf(row[c] ?? '') + PADDING)));
  }
  return all
    .map((row) => {
      const cells = Array.from({ length: columns }, (_, c) => row[c] ?? '');
      const padded = cells.map((cell, c) =>
        c < columns - 1 ? cell + ' '.repeat((widths[c] ?? 0) - widthOf(cell)) : cell,
      );
      return `${padded.join('').trimEnd()}\n`;
    })
    .join('');
}

/**
 * kubectl's AGE: `45s`, `2m3s`, `15m`, `4h5m`, `3d19h`, `2y40d` — apimachinery's `duration.HumanDuration`,
 * including its tolerance of clock skew (a second in the future is `0s`).
 */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.trunc(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.trunc(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  const days = Math.trunc(hours / 24);
  if (hours < 24 * 8) return hours % 24 === 0 ? `${days}d` : `${days}d${hours % 24}h`;
  if (hours < 24 * 365 * 2) return `${days}d`;
  const years = Math.trunc(days / 365);
  if (hours < 24 * 365 * 8) return days % 365 === 0 ? `${years}y` : `${years}y${days % 365}d`;
  return `${years}y`;
}

/** One row of `kubectl get pods --all-namespaces -o wide`. */
export interface PodRow {
  readonly namespace: string;
  readonly name: string;
  /** `Running`, `ContainerCreating`, `Terminating`. */
  readonly status: string;
  /** Absent until the pod has an address (printed `<none>`). */
  readonly ip?: string;
  /** The node's name (the EC2 private DNS name, as EKS names nodes). */
  readonly node: string;
  /** When the pod was created (ms since the epoch). */
  readonly createdAt: number;
}

export const POD_TABLE_HEADER = [
  'NAMESPACE',
  'NAME',
  'READY',
  'STATUS',
  'RESTARTS',
  'AGE',
  'IP',
  'NODE',
  'NOMINATED NODE',
  'READINESS GATES',
] as const;

/**
 * The table `kubectl get pods --all-namespaces -o wide` prints for these pods, sorted as kubectl sorts them
 * (namespace, then name); kubectl's `No resources found` when there are none.
 *
 * @example
 * podTable([{ namespace: 'default', name: 'web-0', status: 'Running', ip: '10.11.0.4', node: 'ip-10-11-16-31...', createdAt }], now);
 */
export function podTable(pods: readonly PodRow[], now: number): string {
  if (pods.length === 0) return 'No resources found\n';
  const sorted = [...pods].sort((a, b) =>
    a.namespace === b.namespace ? compareNames(a.name, b.name) : a.namespace < b.namespace ? -1 : 1,
  );
  const rows = sorted.map((pod) => [
    pod.namespace,
    pod.name,
    pod.status === 'Running' ? '1/1' : '0/1',
    pod.status,
    '0',
    humanDuration(now - pod.createdAt),
    pod.ip ?? '<none>',
    pod.node,
    '<none>',
    '<none>',
  ]);
  return formatTable(POD_TABLE_HEADER, rows);
}

/** Plain string order, as kubectl's default sort (by namespace/name) — `web-10` after `web-1`, before `web-2`. */
function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
