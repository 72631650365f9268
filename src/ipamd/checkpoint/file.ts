/**
 * The checkpoint file ([behaviour §8], `/var/run/aws-node/ipam.json`): the {@link CheckpointStore} port over one path.
 *
 * A write is atomic: the text goes to `<basename>.tmp<random>` in the same directory (created `wx`, so
 * two writers never share a temp file), is fsynced, renamed over the target (rename(2) within one file system replaces
 * atomically: a reader sees the old file or the new one, never a torn one). The directory is not fsynced, as in the
 * reference: a power loss reboots the node and takes every pod with it (restore then drops them all as stale), so a
 * lost rename costs nothing, while a directory fsync would add ~5–10 ms to every pod ADD and DEL on a disk-backed
 * path. A process crash (kill -9) cannot lose a rename at all. A crash before the rename leaves the old checkpoint
 * intact and a `*.tmp*` file behind, which nothing reads.
 *
 * Writes through one store are serialised in call order and the last call's text wins. Group commit: the writes
 * that arrive while one is in flight are done together, as one write of the newest text (each text is a snapshot of
 * the whole datastore taken after its caller's change, so the newest one holds every earlier change), and all those
 * callers learn its outcome. A burst of 50 ADDs costs a few file writes, not 50. A failed write does not block the
 * ones queued after it.
 *
 * On a tmpfs (the node's `/var/run`, where the reference keeps the file) a write is done synchronously and without
 * fsync: tmpfs keeps the data in memory whatever fsync says, and the asynchronous open/write/sync/close/rename chain
 * (six thread-pool round trips) would cost every ADD and DEL far more than the synchronous calls
 * (docs/performance.md).
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
import { closeSync, mkdirSync, openSync, renameSync, statfsSync, unlinkSync, writeSync } from 'node:fs';
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { asError, catalogueError } from '../../errors.js';
import { CHECKPOINT_FILE_ERRORS } from '../../error-codes.generated.js';
import type { CheckpointStore } from './port.js';

/** Error codes of the checkpoint file (CNI code 5: I/O failure): docs/errors.md's "Checkpoint file" table. */
export { CHECKPOINT_FILE_ERRORS };

export type CheckpointFileErrorCode = keyof typeof CHECKPOINT_FILE_ERRORS;

/** A failed read or write of the checkpoint file; `details` has the path, the errno code and the syscall. */
export class CheckpointFileError extends catalogueError(CHECKPOINT_FILE_ERRORS) {}

/** Mode of the checkpoint file (see the module comment). */
export const CHECKPOINT_FILE_MODE = 0o600;
const DIRECTORY_MODE = 0o755;

/** True when `dir` is on a tmpfs; false when it is not or cannot be told. */
function onTmpfs(dir: string): boolean {
  try {
    return statfsSync(dir).type === TMPFS_MAGIC;
  } catch {
    return false;
  }
}

function errnoDetails(path: string, error: unknown): Record<string, unknown> {
  const e = error as NodeJS.ErrnoException;
  return { path, errno: e.code, syscall: e.syscall };
}

/** statfs(2) f_type of a tmpfs. */
const TMPFS_MAGIC = 0x01021994;

/** Callers waiting for the next group write, and the newest text they asked for. */
interface Group {
  text: string;
  readonly done: Promise<void>;
  readonly settle: (error?: unknown) => void;
}

/** {@link CheckpointStore} over one file path. */
export class FileCheckpointStore implements CheckpointStore {
  readonly path: string;
  #inFlight: Promise<void> | undefined;
  #next: Group | undefined;
  #tmpfs: boolean | undefined;
  /** File writes done (a group of callers counts once), for tests and the bench. */
  writes = 0;

  constructor(path: string) {
    this.path = path;
  }

  /** The temp-file prefix of a write in progress (or of one a crash interrupted): `<basename>.tmp`. */
  get tempPrefix(): string {
    return `${basename(this.path)}.tmp`;
  }

  /** 'tmpfs' once a write found the directory on a tmpfs (synchronous writes), 'disk' otherwise, undefined before. */
  get medium(): 'tmpfs' | 'disk' | undefined {
    return this.#tmpfs === undefined ? undefined : this.#tmpfs ? 'tmpfs' : 'disk';
  }

  async read(): Promise<string | undefined> {
    try {
      return await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new CheckpointFileError(
        'CHECKPOINT_READ_FAILED',
        `cannot read checkpoint ${this.path}: ${(error as Error).message}`,
        errnoDetails(this.path, error),
        error,
      );
    }
  }

  write(text: string): Promise<void> {
    if (this.#inFlight === undefined && this.#tmpfs === true) {
      try {
        this.#writeSync(text);
        return Promise.resolve();
      } catch (error) {
        return Promise.reject(asError(error));
      }
    }
    if (this.#inFlight === undefined) return this.#start(text);
    if (this.#next !== undefined) {
      this.#next.text = text;
      return this.#next.done;
    }
    let settle: (error?: unknown) => void = () => undefined;
    const done = new Promise<void>((resolve, reject) => {
      settle = (error) => (error === undefined ? resolve() : reject(asError(error)));
    });
    this.#next = { text, done, settle };
    return done;
  }

  /** One write now; when it ends, the group that gathered meanwhile (if any) is written. */
  #start(text: string): Promise<void> {
    const current = this.#writeOnce(text);
    this.#inFlight = current.then(
      () => this.#afterWrite(),
      () => this.#afterWrite(),
    );
    return current;
  }

  #afterWrite(): void {
    this.#inFlight = undefined;
    const group = this.#next;
    this.#next = undefined;
    if (group === undefined) return;
    this.write(group.text).then(
      () => group.settle(),
      (error: unknown) => group.settle(asError(error)),
    );
  }

  /** The first write learns whether the directory is on a tmpfs (creating it first, so statfs sees the right one). */
  async #writeOnce(text: string): Promise<void> {
    if (this.#tmpfs === undefined) {
      await mkdir(dirname(this.path), { recursive: true, mode: DIRECTORY_MODE }).catch(() => undefined);
      this.#tmpfs = onTmpfs(dirname(this.path));
      if (this.#tmpfs) {
        this.#writeSync(text);
        return;
      }
    }
    await this.#write(text);
  }

  /** The tmpfs write: temp file, one write, rename; synchronous (see the module comment). */
  #writeSync(text: string): void {
    this.writes += 1;
    const dir = dirname(this.path);
    const temp = `${dir}/${this.tempPrefix}${randomBytes(6).toString('hex')}`;
    let step = 'write';
    try {
      let fd: number;
      try {
        fd = openSync(temp, 'wx', CHECKPOINT_FILE_MODE);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        step = 'mkdir';
        mkdirSync(dir, { recursive: true, mode: DIRECTORY_MODE });
        step = 'write';
        fd = openSync(temp, 'wx', CHECKPOINT_FILE_MODE);
      }
      try {
        const bytes = Buffer.from(text, 'utf8');
        for (let offset = 0; offset < bytes.length;) offset += writeSync(fd, bytes, offset);
      } finally {
        closeSync(fd);
      }
      step = 'rename';
      renameSync(temp, this.path);
    } catch (error) {
      try {
        unlinkSync(temp);
      } catch {
        // never created, or already renamed
      }
      throw new CheckpointFileError(
        'CHECKPOINT_WRITE_FAILED',
        `cannot write checkpoint ${this.path} (${step}): ${(error as Error).message}`,
        { ...errnoDetails(this.path, error), step, temp },
        error,
      );
    }
  }

  /** The disk write: temp file, fsync, rename; asynchronous. */
  async #write(text: string): Promise<void> {
    this.writes += 1;
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
