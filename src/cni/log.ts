/**
 * The plugin's logger: a tiny interface and a JSON-lines file writer. Not pino: the plugin starts on every CNI call
 * and exits right after answering, so it loads nothing it can avoid. Lines are kept in memory until node:fs is loaded
 * (importing it costs the compiled plugin ~1 ms, a fifth of its start-up), which {@link FileLog.flush} does: the
 * verbs call it once their request is on its way to ipamd, so the load overlaps ipamd's work, and the plugin calls it
 * again before it exits (nothing is lost at exit). From then on each line is one synchronous append. stdout carries
 * the CNI result, so logs never go there: the reference's `pluginLogFile: "stdout"` is redirected to stderr.
 *
 * Many plugin processes append to the one file at once: each append is a single write(2) on an O_APPEND descriptor,
 * so lines never tear or interleave, and the write that fills the file to its size limit rolls it (log-roll.ts).
 *
 * @example
 * const log = createFileLog({ file: '/var/log/aws-routed-eni/plugin.log', level: 'debug' });
 * bindLog(log, { containerId }).info('ADD done', { ip: '10.0.1.23' });
 * await log.flush(); // before exit
 */
import type * as NodeFs from 'node:fs';
import { dirname } from 'node:path';
import { DEFAULT_LOG_ROTATION, type LogRotation } from '../config/log-rotation.js';
import { rollLog } from './log-roll.js';

export type PluginLogLevel = 'debug' | 'info' | 'warn' | 'error';

export type LogFields = Readonly<Record<string, unknown>>;

/** What the plugin's code logs through; one method per level, a message and optional structured fields. */
export interface PluginLog {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** Writes the lines kept so far (loading what writing needs); never rejects. Optional: a log may write at once. */
  flush?(): Promise<void>;
}

/** Where and how much to log: the netconf's `pluginLogFile`, `pluginLogLevel` and rotation limits. */
export interface PluginLogSettings {
  /** A file path, or `stderr` (`stdout` also means stderr: stdout is the result channel). */
  readonly file: string;
  readonly level: PluginLogLevel;
  /** When the file is rolled over; the reference's limits when absent. */
  readonly rotation?: LogRotation;
}

/** The reference's defaults (conflist template, [behaviour §2.9]; rotation [behaviour §2.1]). */
export const DEFAULT_LOG_SETTINGS: PluginLogSettings = {
  file: '/var/log/aws-routed-eni/plugin.log',
  level: 'debug',
  rotation: DEFAULT_LOG_ROTATION,
};

const RANK: Record<PluginLogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** The level named by a netconf `pluginLogLevel` ("Debug", "INFO", "warning", ...), or undefined. */
export function parseLogLevel(text: string): PluginLogLevel | undefined {
  const lower = text.trim().toLowerCase();
  if (lower === 'warning') return 'warn';
  return lower in RANK ? (lower as PluginLogLevel) : undefined;
}

/** A logger that drops everything. */
export const silentLog: PluginLog = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/** A logger that adds `bindings` to every line (caller fields win on a clash). */
export function bindLog(log: PluginLog, bindings: LogFields): PluginLog {
  return {
    debug: (msg, fields) => log.debug(msg, { ...bindings, ...fields }),
    info: (msg, fields) => log.info(msg, { ...bindings, ...fields }),
    warn: (msg, fields) => log.warn(msg, { ...bindings, ...fields }),
    error: (msg, fields) => log.error(msg, { ...bindings, ...fields }),
    flush: () => log.flush?.() ?? Promise.resolve(),
  };
}

export interface FileLogOptions {
  /** The time of a line; injected by tests. */
  readonly now?: () => Date;
}

/** A {@link PluginLog} whose lines may wait in memory until {@link flush}. */
export interface FileLog extends PluginLog {
  flush(): Promise<void>;
}

type Fs = typeof NodeFs;
let fsModule: Fs | undefined;
let fsLoading: Promise<Fs | undefined> | undefined;

/** node:fs, imported once; undefined if it cannot be (then lines go nowhere rather than throw). */
function loadFs(): Promise<Fs | undefined> {
  fsLoading ??= import('node:fs').then(
    (fs) => (fsModule = fs),
    () => undefined,
  );
  return fsLoading;
}

/**
 * Appends `text` to `file` with one write(2) (O_APPEND: the kernel places it at the end, whole, whatever other
 * processes append meanwhile); returns the file's size after it, which counts their lines too.
 */
function append(fs: Fs, file: string, text: string): number {
  const fd = fs.openSync(file, 'a');
  try {
    const bytes = Buffer.from(text);
    // A regular file takes the whole buffer in one write; the loop is for a full disk's short write.
    for (let offset = 0; offset < bytes.length;) offset += fs.writeSync(fd, bytes, offset);
    return fs.fstatSync(fd).size;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * A logger appending one JSON object per line (`{"level","time","msg",...fields}`) to `settings.file`, creating its
 * directory on first need, and rolling the file over at its size limit; lines logged before node:fs is loaded wait
 * for {@link FileLog.flush}. A failing write falls back to stderr; logging never throws.
 */
export function createFileLog(settings: PluginLogSettings, options: FileLogOptions = {}): FileLog {
  const now = options.now ?? (() => new Date());
  const toStderr = settings.file === 'stderr' || settings.file === 'stdout' || settings.file === '';
  const threshold = RANK[settings.level];
  const rotation = settings.rotation ?? DEFAULT_LOG_ROTATION;
  let madeDir = false;
  let waiting = '';

  const appendAndRoll = (fs: Fs, text: string): void => {
    if (append(fs, settings.file, text) >= rotation.maxBytes) rollLog(fs, settings.file, rotation, new Date());
  };

  const writeWith = (fs: Fs, text: string): void => {
    if (!toStderr) {
      try {
        appendAndRoll(fs, text);
        return;
      } catch (error) {
        if (!madeDir && (error as NodeJS.ErrnoException).code === 'ENOENT') {
          madeDir = true;
          try {
            fs.mkdirSync(dirname(settings.file), { recursive: true });
            appendAndRoll(fs, text);
            return;
          } catch {
            // fall through to stderr
          }
        }
      }
    }
    try {
      fs.writeSync(2, text);
    } catch {
      // nowhere left to log
    }
  };

  // Behind kept lines a new one waits too (the order of the file is the order of the calls).
  const write = (line: string): void => {
    if (fsModule === undefined || waiting !== '') waiting += line;
    else writeWith(fsModule, line);
  };

  const flush = async (): Promise<void> => {
    const fs = await loadFs();
    if (fs === undefined || waiting === '') return;
    const text = waiting;
    waiting = '';
    writeWith(fs, text);
  };

  const emit =
    (level: PluginLogLevel) =>
    (msg: string, fields?: LogFields): void => {
      if (RANK[level] < threshold) return;
      let line: string;
      try {
        line = JSON.stringify({ level, time: now().toISOString(), msg, ...fields });
      } catch {
        line = JSON.stringify({ level, time: now().toISOString(), msg, fields: '[unserialisable]' });
      }
      write(`${line}\n`);
    };
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error'), flush };
}
