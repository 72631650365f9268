/**
 * Composition root of the aws-cni plugin: reads the CNI environment and stdin, builds the real ports (the fast RPC
 * client to ipamd, iproute2 pod wiring in the namespace the plugin runs in, the log file) and prints the result.
 * Bundled into a standalone executable (`bun build --compile`) for a ~30 ms exec, as fast as Go's plugins.
 */
import { access } from 'node:fs/promises';
import { readCniEnvironment } from '../config/cni-env.js';
import { NetlinkExecutor } from '../netlink/exec.js';
import { NetlinkPodNetwork } from '../netlink/pod-network.js';
import { createRpcClient } from '../rpc/client.js';
import { createFileLog } from './log.js';
import { runPlugin } from './plugin.js';
import { RPC_CLIENT_VERSION as PLUGIN_VERSION } from '../version.js';
const RPC_TIMEOUT_MS = 15_000;

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const exists = async (path: string): Promise<boolean> => {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
};

const env = readCniEnvironment();
const stdin = env['CNI_COMMAND'] === 'VERSION' || env['CNI_COMMAND'] === undefined ? '' : await readStdin();
const output = await runPlugin({
  env,
  stdin,
  deps: {
    ipam: (socketPath) => createRpcClient({ socketPath, timeoutMs: RPC_TIMEOUT_MS, clientVersion: PLUGIN_VERSION }),
    pods: new NetlinkPodNetwork({ executor: new NetlinkExecutor() }),
    exists,
    openLog: (settings) => createFileLog(settings),
    clientVersion: PLUGIN_VERSION,
  },
});
if (output.stdout !== '') process.stdout.write(output.stdout);
if (output.stderr !== '') process.stderr.write(output.stderr);
process.exitCode = output.exitCode;
