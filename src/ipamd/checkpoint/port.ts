/** Where the checkpoint text lives; the real adapter writes atomically (temp file, fsync, rename). */
export interface CheckpointStore {
  /** undefined when there is no checkpoint yet. */
  read(): Promise<string | undefined>;
  write(text: string): Promise<void>;
}
