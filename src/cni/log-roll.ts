/**
 * The plugin's log roll-over. Many short-lived plugin processes append to one file at once, each line a single
 * `write(2)` on an O_APPEND descriptor (log.ts), so lines never tear or interleave. The process whose write takes the
 * file to `maxBytes` renames it to a backup ([behaviour §2.1] names and limits, src/obs/log-files.ts) and prunes;
 * processes holding the old file open finish their line into the backup, so a rename loses nothing.
 *
 * Two processes finding the file full at once must not both rename: the second would move the fresh file the first
 * just started, leaving a tiny backup and pushing a real one out of the count. So rolling takes a lock file
 * (`<file>.lock`, created exclusively) and re-reads the size under it; a process that finds the lock taken skips,
 * and a later line tries again. A lock left by a process killed mid-roll (older than {@link STALE_LOCK_MS}, when a
 * roll takes milliseconds) is moved aside by the first process to see it, and checked to be the stale one.
 *
 * @example
 * if (size >= rotation.maxBytes) rollLog(fs, '/var/log/aws-routed-eni/plugin.log', rotation, new Date());
 */
import type * as NodeFs from 'node:fs';
import type { LogRotation } from '../config/log-rotation.js';
import { nextBackupName, pruneBackups, type PruneFs } from '../obs/log-files.js';

/** A lock this old is left over from a process that died rolling (a roll renames one file and deletes a few). */
export const STALE_LOCK_MS = 30_000;

export type RollFs = PruneFs & Pick<typeof NodeFs, 'openSync' | 'closeSync' | 'renameSync' | 'linkSync'>;

const codeOf = (error: unknown): string | undefined => (error as NodeJS.ErrnoException | undefined)?.code;

/** Takes the lock file, or takes over a stale one; false when another process holds it (or it cannot be made). */
function takeLock(fs: RollFs, lock: string, nowMs: number): boolean {
  try {
    fs.closeSync(fs.openSync(lock, 'wx'));
    return true;
  } catch (error) {
    if (codeOf(error) !== 'EEXIST') return false;
  }
  let held: NodeFs.Stats;
  try {
    held = fs.statSync(lock);
  } catch {
    return false; // released meanwhile: the next line will find the file rolled, or roll it
  }
  if (nowMs - held.mtimeMs < STALE_LOCK_MS) return false;
  // Moved aside rather than deleted, so that only one process takes over, and only the lock it judged stale.
  const aside = `${lock}.${process.pid}`;
  try {
    fs.renameSync(lock, aside);
  } catch {
    return false;
  }
  const moved = fs.statSync(aside, { throwIfNoEntry: false });
  if (moved !== undefined && moved.ino !== held.ino) {
    // Another process released the stale lock and took a fresh one in between: give it back.
    try {
      fs.linkSync(aside, lock);
    } catch {
      // a third one holds it now; the holder whose lock this was goes on either way
    }
    fs.unlinkSync(aside);
    return false;
  }
  fs.unlinkSync(aside);
  return takeLock(fs, lock, Number.NEGATIVE_INFINITY);
}

/**
 * Renames `file` to a new backup if it still holds `maxBytes` or more, then deletes the backups beyond the limits.
 * Returns true when this call rolled the file. Never throws: logging must not fail a CNI call.
 */
export function rollLog(fs: RollFs, file: string, rotation: LogRotation, now: Date): boolean {
  const lock = `${file}.lock`;
  try {
    if (!takeLock(fs, lock, now.getTime())) return false;
  } catch {
    return false;
  }
  try {
    const size = fs.statSync(file, { throwIfNoEntry: false })?.size ?? 0;
    if (size < rotation.maxBytes) return false; // rolled by another process since this one wrote
    fs.renameSync(file, nextBackupName(fs, file, now));
    pruneBackups(fs, file, rotation, now.getTime());
    return true;
  } catch {
    return false;
  } finally {
    try {
      fs.unlinkSync(lock);
    } catch {
      // taken over as stale (this process was stopped for half a minute): the lock is the other's now
    }
  }
}
