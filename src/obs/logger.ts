/**
 * The logger factory: pino, JSON lines, ISO timestamps, level names (not numbers), credentials redacted. Programs
 * build one logger in their composition root and pass it down; components bind context with `log.child(...)`.
 *
 * The CNI plugin must never log to stdout (it carries the CNI result) and exits right after answering, so it
 * uses `sync: true`; ipamd logs asynchronously to a file rotated by size (`rotation`, log-stream.ts) and calls
 * `closeLogger(logger)` before exiting.
 *
 * @example
 * const log = createLogger({ level: config.logging.ipamdLevel, destination: config.logging.ipamdLog, name: 'ipamd' });
 * log.child({ containerId: scrubContainerId(id), ifName }).info('assigned 10.0.1.23 from eni-0a');
 *
 * const { logger, records } = captureLogger();
 * logger.info({ credentials: { secretAccessKey: 'x' } }, 'hi');
 * records()[0]; // { level: 'info', msg: 'hi', credentials: { secretAccessKey: '[REDACTED]' }, ... }
 */
import pino, { type DestinationStream, type Logger as PinoLogger, type LoggerOptions } from 'pino';
import type { LogDestination, LogLevel, LogRotation } from '../config/index.js';
import { openRotatingLog, type LogFileStream } from './log-stream.js';

/** The subset of pino ipamd logs through: one line per decision, structured facts first. */
export interface Logger {
  debug(obj: Record<string, unknown>, msg: string): void;
  info(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
  error(obj: Record<string, unknown>, msg: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

/**
 * A logger adding `fields` to every line, as `child(fields)` would, without creating a child: pino builds a child's
 * bindings (through its redaction) when it is created, which cost ipamd ~0.1 ms per RPC call for a logger that logs
 * one or two lines.
 */
export function withFields(
  logger: Logger,
  fields: Record<string, unknown>,
): Pick<Logger, 'debug' | 'info' | 'warn' | 'error'> {
  return {
    debug: (obj, msg) => logger.debug({ ...fields, ...obj }, msg),
    info: (obj, msg) => logger.info({ ...fields, ...obj }, msg),
    warn: (obj, msg) => logger.warn({ ...fields, ...obj }, msg),
    error: (obj, msg) => logger.error({ ...fields, ...obj }, msg),
  };
}

/** A logger that drops everything (tools and tests that do not care). */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};

/**
 * Paths whose values never reach a log: AWS credentials (at the top level, one level down, and under
 * `credentials`), bearer tokens, the IMDSv2 session token header. pino's redaction is path-based, so values
 * nested deeper than these paths are not caught: log credentials-bearing objects under one of these keys.
 */
export const REDACTED_PATHS: readonly string[] = [
  'secretAccessKey',
  'sessionToken',
  'token',
  'password',
  'authorization',
  '*.secretAccessKey',
  '*.sessionToken',
  '*.token',
  '*.password',
  '*.authorization',
  '*.credentials.secretAccessKey',
  '*.credentials.sessionToken',
  'headers.authorization',
  'headers.Authorization',
  'headers["x-aws-ec2-metadata-token"]',
  '*.headers.authorization',
  '*.headers.Authorization',
  '*.headers["x-aws-ec2-metadata-token"]',
];

export const REDACTED = '[REDACTED]';

export interface CreateLoggerOptions {
  readonly level: LogLevel;
  readonly destination: LogDestination;
  /** The `name` field of every line (`ipamd`, `aws-cni`, ...). */
  readonly name?: string;
  /** Write each line before returning (plugins, which exit immediately). Default false. */
  readonly sync?: boolean;
  /** Rotate a file destination by size (asynchronous loggers only); stdout and stderr are never rotated. */
  readonly rotation?: LogRotation;
}

function loggerOptions(level: LogLevel, name: string | undefined): LoggerOptions {
  return {
    level,
    ...(name === undefined ? {} : { name }),
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: [...REDACTED_PATHS], censor: REDACTED },
  };
}

/**
 * A pino logger writing JSON lines to stdout, stderr or a file (created with its directory if missing).
 *
 * @example
 * const log = createLogger({ level: 'info', destination: { to: 'stderr' }, name: 'aws-cni', sync: true });
 * log.warn({ eniId: 'eni-0a' }, 'ENI has no free slots');
 */
export function createLogger(options: CreateLoggerOptions): PinoLogger {
  const sync = options.sync ?? false;
  const { destination, rotation } = options;
  if (destination.to === 'file' && !sync && rotation !== undefined) {
    const file = openRotatingLog(destination.path, rotation);
    const logger = pino(loggerOptions(options.level, options.name), file);
    fileStreams.set(logger, file);
    return logger;
  }
  const stream =
    destination.to === 'file'
      ? pino.destination({ dest: destination.path, sync, mkdir: true })
      : pino.destination({ dest: destination.to === 'stdout' ? 1 : 2, sync });
  return pino(loggerOptions(options.level, options.name), stream);
}

const fileStreams = new WeakMap<PinoLogger, LogFileStream>();

/**
 * Writes out what `logger` has buffered and closes its rotating file, if it has one (the logger writes to stderr
 * afterwards). Never rejects.
 *
 * @example
 * await closeLogger(logger); // ipamd, before it exits
 */
export async function closeLogger(logger: PinoLogger): Promise<void> {
  const file = fileStreams.get(logger);
  if (file === undefined) logger.flush();
  else await file.close();
}

/** Characters of a container (sandbox) id kept in logs and `/v1/pods`: the short form `docker ps`/crictl print. */
export const CONTAINER_ID_PREFIX = 12;

/**
 * The short, non-secret form of a container id: its first 12 characters. Enough to find the sandbox with
 * `crictl pods | grep`, not enough to forge the CNI key `(network, containerID, ifName)` ipamd's DelNetwork takes.
 *
 * @example
 * scrubContainerId('0b7b3d2485d7fc13746b6fbd95dc2781683dc6ef0102eab5ab966f550455b711'); // '0b7b3d2485d7'
 */
export function scrubContainerId(id: string): string {
  return id.slice(0, CONTAINER_ID_PREFIX);
}

export interface CapturedLogger {
  readonly logger: PinoLogger;
  /** Every line written so far, without the trailing newline. */
  readonly lines: string[];
  /** The lines parsed as JSON objects. */
  readonly records: () => Record<string, unknown>[];
}

/**
 * For tests: a logger with the production options whose lines land, synchronously, in an array.
 *
 * @example
 * const { logger, lines } = captureLogger({ level: 'debug' });
 * logger.debug('x');
 * assert.equal(lines.length, 1);
 */
export function captureLogger(options: { readonly level?: LogLevel; readonly name?: string } = {}): CapturedLogger {
  const lines: string[] = [];
  const sink: DestinationStream = {
    write(line: string) {
      lines.push(line.endsWith('\n') ? line.slice(0, -1) : line);
    },
  };
  const logger = pino(loggerOptions(options.level ?? 'debug', options.name), sink);
  return { logger, lines, records: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}
