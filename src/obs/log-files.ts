/**
 * Rotated log files, named and pruned as the reference's logger (lumberjack) does [behaviour §2.1]: a full log is
 * renamed to `<name>-<UTC time>.<ext>` beside it (`ipamd.log` → `ipamd-2026-12-07T21-30-00.000.log`), and after each
 * rotation the backups beyond the count, or last written longer ago than the age limit, are deleted. Shared by
 * ipamd's rotating stream and the plugin's own roll-over, so both leave the same files behind.
 *
 * node:fs is a parameter: the plugin loads it lazily (its start-up is measured), so this module imports none.
 *
 * @example
 * backupName('/var/log/aws-routed-eni/ipamd.log', new Date('2026-12-07T21:30:00Z'));
 * // '/var/log/aws-routed-eni/ipamd-2026-12-07T21-30-00.000.log'
 * pruneBackups(fs, '/var/log/aws-routed-eni/ipamd.log', config.logging.rotation, Date.now()); // paths deleted
 */
import type * as NodeFs from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import type { LogRotation } from '../config/log-rotation.js';

export type { LogRotation };

/** What pruning needs of node:fs. */
export type PruneFs = Pick<typeof NodeFs, 'readdirSync' | 'statSync' | 'unlinkSync'>;

/** lumberjack's backup time format, `2006-01-02T15-04-05.000`, in UTC. */
function stamp(time: Date): string {
  return time.toISOString().slice(0, -1).replaceAll(':', '-');
}

function parts(file: string): { dir: string; stem: string; ext: string } {
  const base = basename(file);
  const ext = extname(base);
  return { dir: dirname(file), stem: base.slice(0, base.length - ext.length), ext };
}

/**
 * The backup path for `file` rotated at `time`. `index` > 1 tells apart two rotations in the same millisecond
 * (`ipamd-2026-12-07T21-30-00.000-2.log`); lumberjack would overwrite the first.
 */
export function backupName(file: string, time: Date, index = 1): string {
  const { dir, stem, ext } = parts(file);
  return join(dir, `${stem}-${stamp(time)}${index > 1 ? `-${index}` : ''}${ext}`);
}

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export interface Backup {
  readonly path: string;
  /** The rotation time in the name, as written (sorts as it orders). */
  readonly stamp: string;
  readonly index: number;
}

/** The backups of `file` in its directory, oldest first; none when the directory cannot be read. */
export function listBackups(fs: Pick<PruneFs, 'readdirSync'>, file: string): Backup[] {
  const { dir, stem, ext } = parts(file);
  const pattern = new RegExp(
    `^${escape(stem)}-(\\d{4}-\\d\\d-\\d\\dT\\d\\d-\\d\\d-\\d\\d\\.\\d{3})(?:-(\\d{1,6}))?${escape(ext)}$`,
  );
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const backups: Backup[] = [];
  for (const name of names) {
    const match = pattern.exec(name);
    if (match?.[1] !== undefined)
      backups.push({ path: join(dir, name), stamp: match[1], index: Number(match[2] ?? 1) });
  }
  return backups.sort((a, b) => (a.stamp === b.stamp ? a.index - b.index : a.stamp < b.stamp ? -1 : 1));
}

/**
 * The name for a backup of `file` made at `time`: {@link backupName}, numbered after the backups of the same
 * millisecond still there, so that the newest always sorts last (pruning may have deleted the first ones).
 */
export function nextBackupName(fs: Pick<PruneFs, 'readdirSync'>, file: string, time: Date): string {
  const same = stamp(time);
  const taken = listBackups(fs, file).filter((backup) => backup.stamp === same);
  return backupName(file, time, Math.max(0, ...taken.map((backup) => backup.index)) + 1);
}

/**
 * Deletes the backups of `file` last modified more than `maxAgeMs` before `nowMs`, then the oldest beyond
 * `maxBackups` (0 = no limit, for either, as in lumberjack). Files that vanish meanwhile (another process pruned them)
 * are skipped; nothing throws. Returns the paths deleted.
 */
export function pruneBackups(fs: PruneFs, file: string, rotation: LogRotation, nowMs: number): string[] {
  const deleted: string[] = [];
  const remove = (path: string): void => {
    try {
      fs.unlinkSync(path);
      deleted.push(path);
    } catch {
      // gone already, or not ours to delete: either way not a reason to stop logging
    }
  };
  let kept = listBackups(fs, file);
  if (rotation.maxAgeMs > 0) {
    kept = kept.filter((backup) => {
      let mtimeMs: number;
      try {
        mtimeMs = fs.statSync(backup.path).mtimeMs;
      } catch {
        return false;
      }
      if (nowMs - mtimeMs <= rotation.maxAgeMs) return true;
      remove(backup.path);
      return false;
    });
  }
  if (rotation.maxBackups > 0) for (const backup of kept.slice(0, -rotation.maxBackups)) remove(backup.path);
  return deleted;
}
