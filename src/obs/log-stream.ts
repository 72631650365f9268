/**
 * ipamd's log file, rotated by size as the reference's is [behaviour §2.1]: rotating-file-stream appends to the file,
 * and once it holds `maxBytes` renames it to a backup (named as lumberjack names them, log-files.ts) and starts a new
 * one; a single write never straddles two files. After each rotation, and once at opening, the backups beyond the
 * count or the age limit are deleted. A file that cannot be written (a read-only or full disk) does not stop ipamd:
 * its lines, those it had queued included, go to stderr from then on, with a line saying why.
 *
 * @example
 * const stream = openRotatingLog('/host/var/log/aws-routed-eni/ipamd.log', config.logging.rotation);
 * const logger = pino(options, stream);
 * await stream.close(); // at exit: the lines written so far are on disk, the file is closed
 */
import * as fs from 'node:fs';
import { basename, dirname, sep } from 'node:path';
import type { DestinationStream } from 'pino';
import { createStream } from 'rotating-file-stream';
import type { LogRotation } from '../config/index.js';
import { nextBackupName, pruneBackups } from './log-files.js';

/** A pino destination that can be flushed and closed. */
export interface LogFileStream extends DestinationStream {
  /** Calls back once every line written before it is in the file (or has gone to stderr). */
  flush(callback: (error?: Error) => void): void;
  /** Flushes and closes the file; later lines go to stderr. Never rejects. */
  close(): Promise<void>;
}

export interface RotatingLogOptions {
  /** Where lines go once the file fails, and the line saying why. Default: process.stderr. */
  readonly fallback?: { write(text: string): unknown };
}

/**
 * A rotating log file at `file` (its directory is created when missing).
 *
 * @example
 * openRotatingLog('/tmp/ipamd.log', { maxBytes: 4096, maxBackups: 5, maxAgeMs: 0 }).write('{"msg":"hi"}\n');
 */
export function openRotatingLog(file: string, rotation: LogRotation, options: RotatingLogOptions = {}): LogFileStream {
  const fallback = options.fallback ?? process.stderr;
  const name = basename(file);
  pruneBackups(fs, file, rotation, Date.now());
  // The generator gives the live file's name for a null time, else a backup name no file has yet.
  const stream = createStream((time) => (time ? basename(nextBackupName(fs, file, new Date(time))) : name), {
    path: `${dirname(file)}${sep}`,
    size: `${rotation.maxBytes}B`,
  });
  let failed = false;
  let closed = false;
  stream.on('error', (error) => {
    if (failed) return;
    failed = true;
    fallback.write(
      `${JSON.stringify({ level: 'error', time: new Date().toISOString(), msg: `log file ${file} failed, logging to stderr: ${error.message}` })}\n`,
    );
  });
  stream.on('rotated', () => pruneBackups(fs, file, rotation, Date.now()));
  // Not rotation failures: a backup already gone when pruned, and the like.
  stream.on('warning', () => undefined);

  return {
    write(line: string) {
      // A line the file did not take (it failed with this line in its queue) goes to the fallback as well.
      if (failed || closed || stream.destroyed) fallback.write(line);
      else stream.write(line, (error) => (error ? fallback.write(line) : undefined));
    },
    flush(callback) {
      if (failed || closed || stream.destroyed) callback();
      else stream.write('', () => callback());
    },
    close() {
      if (closed) return Promise.resolve();
      closed = true;
      return new Promise((resolve) => {
        if (failed) resolve();
        else stream.end(() => resolve());
      });
    },
  };
}
