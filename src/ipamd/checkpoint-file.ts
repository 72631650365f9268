/**
 * The checkpoint file (reference §8, `/var/run/aws-node/ipam.json`): the {@link CheckpointStore} port over one path.
 *
 * A write is atomic: the text goes to `<basename>.tmp<random>` in the same directory (created `wx`, so
 * two writers never share a temp file), is fsynced, renamed over the target (rename(2) within one file system replaces
 * atomically: a reader sees the old file or the new one, never a torn one). The directory is not fsynced, as in the
 * reference: a power loss reboots the node and takes every pod with it (restore then drops them all as stale), so a
 * lost rename costs nothing, while a directory fsync would add ~5–10 ms to every pod ADD and DEL on a disk-backed
 * path. A process crash (kill -9) cannot lose a rename at all. A crash before the rename leaves the old checkpoint
 * intact and a `*.tmp*` file behind, which nothing reads. Writes through one store are serialised in call order (the last call's text wins);
 * a failed write does not block the ones queued after it.
 *
 * The file is created with mode 0600, as the reference's `ioutil.TempFile` + rename leaves it: it lists the node's
 * pods (names, namespaces, container ids, addresses), only ipamd (root) reads it, and nothing else needs to.
 * The parent directory is created 0755 when missing (the reference's host path `/var/run/aws-node`).
 *
 * @example
 * const store = new FileCheckpointStore('/var/run/aws-node/ipam.json');
 * const text = await store.read();            // undefined on a fresh node
 * await store.write(serializeCheckpoint(data));
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { VpcCniError, type CniCode } from '../errors.js';
import type { CheckpointStore } from './ports.js';

/** Error codes of the checkpoint file (CNI code 5: I/O failure). */
export const CHECKPOINT_FILE_ERRORS = {
  CHECKPOINT_READ_FAILED: { cniCode: 5, summary: 'The checkpoint file exists but cannot be read (a directory, no permission, I/O error).' },
  CHECKPOINT_WRITE_FAILED: {
    cniCode: 5,
    summary: 'The checkpoint file could not be written, synced or renamed into place; the previous checkpoint is unchanged.',
  },
} as const satisfies Record<string, { cniCode: CniCode; summary: string }>;

export type CheckpointFileErrorCode = keyof typeof CHECKPOINT_FILE_ERRORS;

/** A failed read or write of the checkpoint file; `details` has the path, the errno code and the syscall. */
export class CheckpointFileError extends VpcCniError {
  declare readonly code: CheckpointFileErrorCode;

  constructor(code: CheckpointFileErrorCode, message: string, details: Record<string, unknown>, cause?: unknown) {
    super(code, message, { cniCode: CHECKPOINT_FILE_ERRORS[code].cniCode, details, cause });
  }
}

/** Mode of the checkpoint file (see the module comment). */
export const CHECKPOINT_FILE_MODE = 0o600;
const DIRECTORY_MODE = 0o755;

function errnoDetails(path: string, error: unknown): Record<string, unknown> {
  const e = error as NodeJS.ErrnoException;
  return { path, errno: e.code, syscall: e.syscall };
}

/** {@link CheckpointStore} over one file path. */
export class FileCheckpointStore implements CheckpointStore {
  readonly path: string;
  #queue: Promise<void> = Promise.resolve();

  constructor(path: string) {
    this.path = path;
  }

  /** The temp-file prefix of a write in progress (or of one a crash interrupted): `<basename>.tmp`. */
  get tempPrefix(): string {
    return `${basename(this.path)}.tmp`;
  }

  async read(): Promise<string | undefined> {
    try {
      return await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new CheckpointFileError('CHECKPOINT_READ_FAILED', `cannot read checkpoint ${this.path}: ${(error as Error).message}`, errnoDetails(this.path, error), error);
    }
  }

  write(text: string): Promise<void> {
    const result = this.#queue.then(() => this.#write(text));
    this.#queue = result.catch(() => undefined);
    return result;
  }

  async #write(text: string): Promise<void> {
    const dir = dirname(this.path);
    const temp = `${dir}/${this.tempPrefix}${randomBytes(6).toString('hex')}`;
    let step = 'mkdir';
    try {
      await mkdir(dir, { recursive: true, mode: DIRECTORY_MODE });
      step = 'write';
      const file = await open(temp, 'wx', CHECKPOINT_FILE_MODE);
      try {
        await file.writeFile(text, 'utf8');
        await file.sync();
      } finally {
        await file.close();
      }
      step = 'rename';
      await rename(temp, this.path);
    } catch (error) {
      await unlink(temp).catch(() => undefined);
      throw new CheckpointFileError(
        'CHECKPOINT_WRITE_FAILED',
        `cannot write checkpoint ${this.path} (${step}): ${(error as Error).message}`,
        { ...errnoDetails(this.path, error), step, temp },
        error,
      );
    }
  }
}
