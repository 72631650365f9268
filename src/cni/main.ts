/**
 * Composition root of the aws-cni plugin: reads the CNI environment and stdin, builds the real ports (the RPC client
 * to ipamd, iproute2 pod wiring in the namespace the plugin runs in, the log file) and prints the result.
 * Bundled into a standalone executable (`bun build --compile`). The plugin starts once per CNI call, so it loads as
 * little as it can: stdin and stdout through node:fs (no stream machinery), `Bun.spawn` for `ip` when compiled with
 * Bun, no node:crypto, node:net or node:fs/promises.
 */
import { readFileSync, statfsSync, writeSync } from 'node:fs';
import { readCniEnvironment } from '../config/cni-env.js';
import { NetlinkExecutor } from '../netlink/exec.js';
import { bunSpawn, nodeSpawn } from '../netlink/pod-exec.js';
import { NetlinkPodNetwork } from '../netlink/pod-network.js';
import { createRpcClient } from '../rpc/client.js';
import { createFileLog } from './log.js';
import { runPlugin } from './plugin.js';
import { RPC_CLIENT_VERSION as PLUGIN_VERSION } from '../version.js';
const RPC_TIMEOUT_MS = 15_000;

/** statfs(2) f_type of a namespace file (a bind mount under /var/run/netns, or /proc/PID/ns/net). */
const NSFS_MAGIC = 0x6e736673;

/** True when the path is a namespace file; an error other than "not there" cannot tell, and lets the wiring decide. */
const isNetns = (path: string): Promise<boolean> => {
  try {
    return Promise.resolve(statfsSync(path).type === NSFS_MAGIC);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return Promise.resolve(code !== 'ENOENT' && code !== 'ENOTDIR');
  }
};

/** All of stdin (the runtime closes it after the config); '' when there is none. */
function readStdin(): string {
  try {
    return readFileSync(0, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EAGAIN' || (error as NodeJS.ErrnoException).code === 'EOF') return '';
    throw error;
  }
}

/** Writes all of `text` to a file descriptor (a pipe may take it in several writes). */
function writeAll(fd: number, text: string): void {
  const bytes = Buffer.from(text, 'utf8');
  for (let offset = 0; offset < bytes.length; ) {
    try {
      offset += writeSync(fd, bytes, offset);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
    }
  }
}

/**
 * One CNI call. No top-level await: the plugin is compiled to bytecode (bun build --bytecode), which needs a CommonJS
 * bundle. Exits as soon as the answer is written: everything is written synchronously, and waiting for the event loop
 * to drain (the closing ipamd socket) would only add to the runtime's wait.
 */
async function main(): Promise<number> {
  const env = readCniEnvironment();
  const stdin = env['CNI_COMMAND'] === 'VERSION' || env['CNI_COMMAND'] === undefined ? '' : readStdin();
  const output = await runPlugin({
    env,
    stdin,
    deps: {
      ipam: (socketPath) => createRpcClient({ socketPath, timeoutMs: RPC_TIMEOUT_MS, clientVersion: PLUGIN_VERSION }),
      pods: new NetlinkPodNetwork({ executor: new NetlinkExecutor({ spawn: bunSpawn() ?? nodeSpawn() }) }),
      isNetns,
      openLog: (settings) => createFileLog(settings),
      clientVersion: PLUGIN_VERSION,
    },
  });
  if (output.stdout !== '') writeAll(1, output.stdout);
  if (output.stderr !== '') writeAll(2, output.stderr);
  return output.exitCode;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    // runPlugin never throws; this is a bug or a broken stdout. Say so on stderr, exit non-zero.
    writeAll(2, `aws-cni: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
