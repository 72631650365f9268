import { strict as assert } from 'node:assert';
import { statfsSync, watch } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CHECKPOINT_FILE_MODE, CheckpointFileError, FileCheckpointStore } from './file.js';

const TEXT = '{"version":"vpc-cni-ipam/1","allocations":[]}\n';

describe('FileCheckpointStore', () => {
  let root = '';
  let n = 0;
  /** A fresh path `<root>/<n>/aws-node/ipam.json` whose directories do not exist yet. */
  const freshPath = (): string => join(root, String((n += 1)), 'aws-node', 'ipam.json');

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'vcni-checkpoint-'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('reads undefined when there is no checkpoint (nor its directory)', async () => {
    assert.equal(await new FileCheckpointStore(freshPath()).read(), undefined);
  });

  it('creates the directory 0755 and the file 0600, and reads back exactly what it wrote', async () => {
    const path = freshPath();
    const store = new FileCheckpointStore(path);
    await store.write(TEXT);
    assert.equal(await store.read(), TEXT);
    assert.equal((await stat(path)).mode & 0o777, CHECKPOINT_FILE_MODE);
    assert.equal(CHECKPOINT_FILE_MODE, 0o600);
    assert.equal((await stat(join(path, '..'))).mode & 0o777, 0o755 & ~process.umask());
    await store.write('');
    assert.equal(await store.read(), '');
  });

  it('writes through a same-directory temp file renamed over the target (a new inode, nothing left behind)', async () => {
    const path = freshPath();
    const store = new FileCheckpointStore(path);
    await store.write(TEXT);
    const dir = join(path, '..');
    const seen = new Set<string>();
    const watcher = watch(dir, (_event, name) => {
      if (name !== null) seen.add(name);
    });
    const inode = (await stat(path)).ino;
    try {
      await store.write('{"second":true}\n');
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      watcher.close();
    }
    const temps = [...seen].filter((name) => name !== 'ipam.json');
    assert.equal(temps.length, 1, `one temp file: ${[...seen].join(', ')}`);
    assert.match(temps[0] ?? '', /^ipam\.json\.tmp[0-9a-f]{12}$/);
    assert.equal(store.tempPrefix, 'ipam.json.tmp');
    assert.notEqual((await stat(path)).ino, inode, 'renamed into place, not rewritten in place');
    assert.deepEqual(await readdir(dir), ['ipam.json']);
  });

  it('a crash between write and rename leaves the old checkpoint readable (the temp file is never read)', async () => {
    const path = freshPath();
    const store = new FileCheckpointStore(path);
    await store.write(TEXT);
    // What a crash before rename(2) leaves: a half-written temp file next to the intact checkpoint.
    const leftover = join(path, '..', `${store.tempPrefix}0123456789ab`);
    await writeFile(leftover, '{"version":"vpc-cni-ip');
    assert.equal(await new FileCheckpointStore(path).read(), TEXT);
    await store.write('{"next":1}\n');
    assert.equal(await store.read(), '{"next":1}\n');
    assert.deepEqual((await readdir(join(path, '..'))).sort(), ['ipam.json', 'ipam.json.tmp0123456789ab']);
  });

  it('a directory in place of the file is a typed error, for reads and for writes (no temp left)', async () => {
    const path = freshPath();
    await mkdir(join(path, 'sub'), { recursive: true });
    const store = new FileCheckpointStore(path);
    await assert.rejects(
      store.read(),
      (e) =>
        e instanceof CheckpointFileError &&
        e.code === 'CHECKPOINT_READ_FAILED' &&
        e.details['errno'] === 'EISDIR' &&
        e.cniCode === 5,
    );
    await assert.rejects(
      store.write(TEXT),
      (e) => e instanceof CheckpointFileError && e.code === 'CHECKPOINT_WRITE_FAILED' && e.details['step'] === 'rename',
    );
    assert.deepEqual(await readdir(join(path, '..')), ['ipam.json']);
    // A failed write does not block the queue.
    await rm(path, { recursive: true });
    await store.write(TEXT);
    assert.equal(await store.read(), TEXT);
  });

  it('a parent that is a file fails at mkdir, typed', async () => {
    const parent = join(root, 'plain-file');
    await writeFile(parent, 'x');
    await assert.rejects(
      new FileCheckpointStore(join(parent, 'ipam.json')).write(TEXT),
      (e) => e instanceof CheckpointFileError && e.details['step'] === 'mkdir',
    );
  });

  it('serialises concurrent writes in call order: the last call wins and no temp file is left', async () => {
    const path = freshPath();
    const store = new FileCheckpointStore(path);
    const done: number[] = [];
    await Promise.all(Array.from({ length: 25 }, (_, i) => store.write(`{"n":${i}}\n`).then(() => done.push(i))));
    assert.deepEqual(
      done,
      Array.from({ length: 25 }, (_, i) => i),
    );
    assert.equal(await store.read(), '{"n":24}\n');
    assert.deepEqual(await readdir(join(path, '..')), ['ipam.json']);
  });

  it('two stores on one path (two writers) never tear the file', async () => {
    const path = freshPath();
    const a = new FileCheckpointStore(path);
    const b = new FileCheckpointStore(path);
    const big = (tag: string): string => `${JSON.stringify({ tag, pad: tag.repeat(100_000) })}\n`;
    await Promise.all([a.write(big('a')), b.write(big('b')), a.write(big('c')), b.write(big('d'))]);
    const text = (await a.read()) ?? '';
    assert.ok([big('c'), big('d')].includes(text), 'one whole write, the last of one of the writers');
    assert.deepEqual(await readdir(join(path, '..')), ['ipam.json']);
  });

  it('group commit on a disk: writes arriving during a write are done as one write of the newest text', async () => {
    const path = freshPath();
    const store = new FileCheckpointStore(path);
    await Promise.all(Array.from({ length: 25 }, (_, i) => store.write(`{"n":${i}}\n`)));
    assert.equal(store.medium, 'disk');
    assert.equal(store.writes, 2, 'the first write, then one for the 24 that gathered behind it');
    assert.equal(await store.read(), '{"n":24}\n');
    await store.write(TEXT);
    assert.equal(store.writes, 3);
  });

  it('a failed group write fails every caller of the group, typed; the next write is tried afresh', async () => {
    const dir = join(root, String((n += 1)));
    await writeFile(dir, 'not a directory');
    const store = new FileCheckpointStore(join(dir, 'ipam.json'));
    const results = await Promise.allSettled(Array.from({ length: 5 }, (_, i) => store.write(`{"n":${i}}\n`)));
    for (const r of results)
      assert.ok(
        r.status === 'rejected' &&
          r.reason instanceof CheckpointFileError &&
          r.reason.code === 'CHECKPOINT_WRITE_FAILED',
      );
    await rm(dir);
    await store.write(TEXT);
    assert.equal(await store.read(), TEXT);
  });
});

const shm = (() => {
  try {
    return statfsSync('/dev/shm').type === 0x01021994 ? '/dev/shm' : undefined;
  } catch {
    return undefined;
  }
})();

describe('FileCheckpointStore on a tmpfs', { skip: shm === undefined ? 'no tmpfs at /dev/shm' : false }, () => {
  let root = '';
  before(async () => {
    root = await mkdtemp(join(shm ?? '/dev/shm', 'vcni-checkpoint-'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('writes synchronously, one file write per call, atomically (0600, no temp left), recreating a removed directory', async () => {
    const path = join(root, 'aws-node', 'ipam.json');
    const store = new FileCheckpointStore(path);
    await store.write(TEXT);
    assert.equal(store.medium, 'tmpfs');
    const pending = Array.from({ length: 10 }, (_, i) => store.write(`{"n":${i}}\n`));
    assert.equal(store.writes, 11, 'each write happened before write() returned');
    await Promise.all(pending);
    assert.equal(await store.read(), '{"n":9}\n');
    assert.equal((await stat(path)).mode & 0o777, CHECKPOINT_FILE_MODE);
    assert.deepEqual(await readdir(join(path, '..')), ['ipam.json']);
    await rm(join(root, 'aws-node'), { recursive: true });
    await store.write(TEXT);
    assert.equal(await store.read(), TEXT);
  });

  it('a failed tmpfs write is a typed error and leaves the old checkpoint', async () => {
    const path = join(root, 'dir-in-the-way', 'ipam.json');
    const store = new FileCheckpointStore(path);
    await store.write(TEXT);
    await rm(path);
    await mkdir(path);
    await assert.rejects(
      store.write('{}\n'),
      (e) => e instanceof CheckpointFileError && e.code === 'CHECKPOINT_WRITE_FAILED' && e.details['step'] === 'rename',
    );
    assert.deepEqual(await readdir(join(path, '..')), ['ipam.json']);
  });
});
