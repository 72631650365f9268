/**
 * Installs the CNI plugin binaries and `10-aws.conflist` on the node, as the reference's entrypoint does once ipamd is
 * healthy: kubelet treats a conflist in its conf dir as "the network is ready", so nothing is written before the
 * health check passes, the binaries go first and the conflist last (kubelet never sees a conflist whose plugin is
 * missing).
 *
 * Every file is written atomically: copied to a temporary name in the destination directory, fsynced, given its mode
 * and renamed over the old one. A runtime executing the old plugin keeps its inode (writing into a running
 * executable fails with ETXTBSY, and a half-copied file could be executed); a reader sees the old file or the new
 * one, never a mix; a failure leaves the old file in place and removes the temporary one.
 *
 * @example
 * await installCni({ binDir: config.paths.hostCniBinDir, confDir: config.paths.hostCniConfDir,
 *   binaries: [{ source: '/app/aws-cni', name: 'aws-cni' }, { source: '/app/egress-cni', name: 'egress-cni' }],
 *   conflist: renderConflist(settings), healthy: () => ipamd.isServing() });
 */
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { CONFLIST_FILE_NAME, CniInstallError } from './conflist.js';

export interface CniBinary {
  /** The file to install (absolute path). */
  readonly source: string;
  /** Its name in the bin dir (the conflist's plugin `type`), a plain file name. */
  readonly name: string;
}

export interface InstallOptions {
  /** HOST_CNI_BIN_PATH, e.g. /host/opt/cni/bin. */
  readonly binDir: string;
  /** HOST_CNI_CONFDIR_PATH, e.g. /host/etc/cni/net.d. */
  readonly confDir: string;
  readonly binaries: readonly CniBinary[];
  /** The rendered conflist (renderConflist); must be JSON. */
  readonly conflist: string;
  /** Default `10-aws.conflist`. */
  readonly conflistName?: string;
  /** Asked once before anything is written; false or a throw refuses the install. */
  readonly healthy: () => boolean | Promise<boolean>;
}

export interface InstallResult {
  /** Installed binary paths, in order. */
  readonly binaries: readonly string[];
  readonly conflist: string;
}

function checkFileName(name: string): string {
  if (name === '' || name === '.' || name === '..' || basename(name) !== name || name.includes('\0')) {
    throw new CniInstallError('CNI_INSTALL_FAILED', `not a plain file name: ${JSON.stringify(name)}`, { name });
  }
  return name;
}

/** Writes `path` through a temporary sibling; `fill` creates the temporary file. */
async function atomically(path: string, mode: number, fill: (temp: string) => Promise<void>): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await fill(temp);
    const handle = await open(temp, 'r+');
    try {
      await handle.chmod(mode);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    const code = (error as NodeJS.ErrnoException).code;
    throw new CniInstallError(
      'CNI_INSTALL_FAILED',
      `installing ${path}: ${(error as Error).message}`,
      { path, errno: code },
      error,
    );
  }
  // Make the rename itself durable; some filesystems (overlay, tmpfs) refuse to fsync a directory, which is harmless.
  const dir = await open(dirname(path), 'r').catch(() => undefined);
  await dir?.sync().catch(() => undefined);
  await dir?.close();
}

/** A fresh node may not have the directories yet (kubelet creates them lazily); 0755 as the CNI conventions have. */
async function makeDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true, mode: 0o755 });
  } catch (error) {
    throw new CniInstallError(
      'CNI_INSTALL_FAILED',
      `cannot create ${dir}: ${(error as Error).message}`,
      { path: dir },
      error,
    );
  }
}

async function copyBinaries(
  binDir: string,
  binaries: readonly CniBinary[],
  names: readonly string[],
): Promise<string[]> {
  await makeDir(binDir);
  const installed: string[] = [];
  for (const [index, binary] of binaries.entries()) {
    const path = join(binDir, names[index] ?? binary.name);
    await atomically(path, 0o755, (temp) => copyFile(binary.source, temp));
    installed.push(path);
  }
  return installed;
}

/**
 * Installs binaries only (mode 0755, each atomically), with no health check: what the init container does with the
 * upstream CNI plugins (loopback, portmap, host-local, ...), which are inert until a conflist names them. Returns
 * the installed paths. Throws `CNI_INSTALL_FAILED`.
 *
 * @example
 * await installBinaries('/host/opt/cni/bin', [{ source: '/app/cni-plugins/portmap', name: 'portmap' }]);
 */
export async function installBinaries(binDir: string, binaries: readonly CniBinary[]): Promise<string[]> {
  return copyBinaries(
    binDir,
    binaries,
    binaries.map((b) => checkFileName(b.name)),
  );
}

/**
 * Installs the binaries (mode 0755) and then the conflist (0644) when `healthy()` says so. Throws
 * `CNI_INSTALL_UNHEALTHY` (nothing written), `CONFLIST_INVALID` (not JSON) or `CNI_INSTALL_FAILED`.
 */
export async function installCni(options: InstallOptions): Promise<InstallResult> {
  const conflistName = checkFileName(options.conflistName ?? CONFLIST_FILE_NAME);
  const names = options.binaries.map((b) => checkFileName(b.name));
  try {
    JSON.parse(options.conflist);
  } catch (error) {
    throw new CniInstallError('CONFLIST_INVALID', `the conflist is not JSON: ${(error as Error).message}`, {}, error);
  }
  let healthy: boolean;
  try {
    healthy = await options.healthy();
  } catch (error) {
    throw new CniInstallError('CNI_INSTALL_UNHEALTHY', `health check failed: ${(error as Error).message}`, {}, error);
  }
  if (!healthy)
    throw new CniInstallError('CNI_INSTALL_UNHEALTHY', 'health check failed; CNI binaries and conflist not installed');

  await makeDir(options.confDir);
  const installed = await copyBinaries(options.binDir, options.binaries, names);
  const conflist = join(options.confDir, conflistName);
  await atomically(conflist, 0o644, async (temp) => {
    const handle = await open(temp, 'wx', 0o644);
    try {
      await handle.writeFile(options.conflist, 'utf8');
    } finally {
      await handle.close();
    }
  });
  return { binaries: installed, conflist };
}
