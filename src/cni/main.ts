/**
 * Composition root of the aws-cni plugin: reads the CNI environment and stdin, builds the real ports (the RPC clients
 * of ipamd and of the network-policy agent, the pod wiring in the namespace the plugin runs in, the log file) and
 * prints the result. Bundled into a standalone executable (`bun build --compile`). The plugin starts once per CNI
 * call, so it loads as little as it can: under Bun, Bun's own stdin, stdout and stat (node:fs only once the log
 * writes, while ipamd works), rtnetlink in-process through bun:ffi (loaded while ipamd works; no process spawned), no
 * node:crypto, node:net or node:fs/promises; under Node (the fallback build), node:fs loaded on first use and
 * iproute2 for the wiring.
 */
import { readCniEnvironment } from '../config/cni-env.js';
import { NetlinkExecutor } from '../netlink/exec.js';
import { NetlinkPodNetwork } from '../netlink/pod-network.js';
import type { PodNetwork, WiringPrestart } from '../netlink/port.js';
import { loadLibcNetns } from '../netlink/rtnl/ffi.js';
import { RtnlPodNetwork } from '../netlink/rtnl/pod-network.js';
import { createRpcClient } from '../rpc/client.js';
import { createNpAgentClient } from '../rpc/np-client.js';
import { createFileLog } from './log.js';
import { runPlugin } from './plugin.js';
import { RPC_CLIENT_VERSION as PLUGIN_VERSION } from '../version.js';
const RPC_TIMEOUT_MS = 15_000;

/** statfs(2) f_type of a namespace file (a bind mount under /var/run/netns, or /proc/PID/ns/net). */
const NSFS_MAGIC = 0x6e736673;

/** The process's own I/O: stdin, stdout/stderr, and the netns check of CNI_NETNS. */
interface PluginIo {
  /** All of stdin (the runtime closes it after the config); '' when there is none. */
  readStdin(): Promise<string>;
  /** Writes all of `text` (a pipe may take it in several writes). */
  write(fd: 1 | 2, text: string): Promise<void>;
  /** True when the path is a namespace file; an error other than "not there" cannot tell, and lets the wiring decide. */
  isNetns(path: string): Promise<boolean>;
}

const isMissing = (error: unknown): boolean => {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
};

/** The part of Bun's API used here (the project does not depend on Bun's types). */
interface BunApi {
  readonly stdin: { text(): Promise<string> };
  readonly stdout: object;
  readonly stderr: object;
  write(destination: object, data: string): Promise<number>;
  file(path: string): { stat(): Promise<{ readonly dev: number }> };
}

/**
 * Under Bun: its own stdin, stdout and stat, so that node:fs (~1 ms of the compiled plugin's start-up) is loaded only
 * when the log first writes, which the verbs arrange for while ipamd works. A namespace file is told by its device:
 * every namespace file lives on the one nsfs, the device /proc/self/ns/net is on.
 */
function bunIo(bun: BunApi): PluginIo {
  return {
    readStdin: () => bun.stdin.text(),
    async write(fd, text) {
      await bun.write(fd === 1 ? bun.stdout : bun.stderr, text);
    },
    async isNetns(path) {
      try {
        const target = await bun.file(path).stat();
        const nsfs = await bun.file('/proc/self/ns/net').stat();
        return target.dev === nsfs.dev;
      } catch (error) {
        return !isMissing(error);
      }
    },
  };
}

/** Under Node (the fallback build): node:fs, loaded on first use. */
function nodeIo(): PluginIo {
  return {
    async readStdin() {
      const { readFileSync } = await import('node:fs');
      try {
        return readFileSync(0, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EAGAIN' || (error as NodeJS.ErrnoException).code === 'EOF')
          return '';
        throw error;
      }
    },
    async write(fd, text) {
      const { writeSync } = await import('node:fs');
      const bytes = new TextEncoder().encode(text);
      for (let offset = 0; offset < bytes.length;) {
        try {
          offset += writeSync(fd, bytes, offset);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
        }
      }
    },
    async isNetns(path) {
      const { statfsSync } = await import('node:fs');
      try {
        return statfsSync(path).type === NSFS_MAGIC;
      } catch (error) {
        return !isMissing(error);
      }
    },
  };
}

const bun = (globalThis as { Bun?: BunApi }).Bun;
const io: PluginIo = bun === undefined ? nodeIo() : bunIo(bun);

/**
 * One CNI call. No top-level await: the plugin is compiled to bytecode (bun build --bytecode), which needs a CommonJS
 * bundle. Exits as soon as the answer is written: everything is written synchronously, and waiting for the event loop
 * to drain (the closing ipamd socket) would only add to the runtime's wait.
 */
async function main(): Promise<number> {
  const env = readCniEnvironment();
  const stdin = env['CNI_COMMAND'] === 'VERSION' || env['CNI_COMMAND'] === undefined ? '' : await io.readStdin();
  const pods: PodNetwork & WiringPrestart =
    bun === undefined
      ? new NetlinkPodNetwork({ executor: new NetlinkExecutor() })
      : new RtnlPodNetwork({ system: loadLibcNetns });
  const output = await runPlugin({
    env,
    stdin,
    deps: {
      ipam: (socketPath) => createRpcClient({ socketPath, timeoutMs: RPC_TIMEOUT_MS, clientVersion: PLUGIN_VERSION }),
      npAgent: (socketPath) => createNpAgentClient({ socketPath }),
      pods,
      prestart: pods,
      isNetns: (path) => io.isNetns(path),
      openLog: (settings) => createFileLog(settings),
      clientVersion: PLUGIN_VERSION,
    },
  });
  if (output.stdout !== '') await io.write(1, output.stdout);
  if (output.stderr !== '') await io.write(2, output.stderr);
  return output.exitCode;
}

main().then(
  (code) => process.exit(code),
  async (error: unknown) => {
    // runPlugin never throws; this is a bug or a broken stdout. Say so on stderr, exit non-zero.
    await io
      .write(2, `aws-cni: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
      .catch(() => undefined);
    process.exit(1);
  },
);
