/**
 * The log rotation settings [behaviour §2.1] in one place, free of the schema library: the environment schema takes
 * the variables' defaults and ranges from here, and so does the plugin, which reads the same limits from its
 * network config.
 *
 * @example
 * logRotation({ maxSizeMb: 100, maxBackups: 5, maxAgeDays: 30 }); // { maxBytes: 104857600, maxBackups: 5, maxAgeMs: 2592000000 }
 */

/** When a log file is rotated and how many of its backups are kept [behaviour §2.1]. */
export interface LogRotation {
  /** VPC_CNI_LOG_MAX_SIZE_MB, in bytes: a file this big is renamed to a backup and a new one started. */
  readonly maxBytes: number;
  /** VPC_CNI_LOG_MAX_BACKUPS: backups kept, the newest; 0 = all. */
  readonly maxBackups: number;
  /** VPC_CNI_LOG_MAX_AGE_DAYS, in milliseconds: backups last written longer ago are deleted; 0 = no age limit. */
  readonly maxAgeMs: number;
}

/**
 * The settings in the units users write them (VPC_CNI_LOG_MAX_SIZE_MB, _BACKUPS, _AGE_DAYS and the conflist's
 * pluginLogMaxSizeMB, pluginLogMaxBackups, pluginLogMaxAgeDays): default and accepted range of each.
 */
export const LOG_ROTATION_SETTINGS = Object.freeze({
  maxSizeMb: { default: 100, min: 1, max: 1_048_576 },
  maxBackups: { default: 5, min: 0, max: 100_000 },
  maxAgeDays: { default: 30, min: 0, max: 36_500 },
});

/** lumberjack's megabyte, and a day, in the units of {@link LogRotation}. */
export const MIB = 1024 * 1024;
export const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The limits from the settings in user units.
 *
 * @example
 * logRotation({ maxSizeMb: 100, maxBackups: 5, maxAgeDays: 30 }); // DEFAULT_LOG_ROTATION
 */
export function logRotation(settings: { maxSizeMb: number; maxBackups: number; maxAgeDays: number }): LogRotation {
  return {
    maxBytes: settings.maxSizeMb * MIB,
    maxBackups: settings.maxBackups,
    maxAgeMs: settings.maxAgeDays * DAY_MS,
  };
}

/** The reference's limits: 100 MB, 5 backups, 30 days. */
export const DEFAULT_LOG_ROTATION: LogRotation = Object.freeze(
  logRotation({
    maxSizeMb: LOG_ROTATION_SETTINGS.maxSizeMb.default,
    maxBackups: LOG_ROTATION_SETTINGS.maxBackups.default,
    maxAgeDays: LOG_ROTATION_SETTINGS.maxAgeDays.default,
  }),
);
