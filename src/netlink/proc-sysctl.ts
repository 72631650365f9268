/**
 * sysctls of the caller's own network namespace, written in-process: `/proc/sys/net` shows the namespace of the
 * thread that opens it, so no `sysctl` process is needed when the plugin already runs in the node's namespace.
 *
 * @example
 * await writeProcSysctls({ 'net/ipv6/conf/eni1a2b3c4d5e6/accept_ra': '0' });
 */
import { NetlinkError } from './errors.js';

/**
 * Writes each `/proc/sys/<key>` (keys with slashes: a device name may hold dots). A missing file is skipped: the
 * host veth's IPv6 keys are absent when IPv6 is off on the node, which the reference ignores.
 */
export async function writeProcSysctls(settings: Readonly<Record<string, string>>): Promise<void> {
  // Imported here, not at the top: the plugin's log has usually loaded it by now (while ipamd worked), and the
  // plugin's start-up does not pay for it.
  const { writeFileSync } = await import('node:fs');
  for (const [key, value] of Object.entries(settings)) {
    try {
      // 'r+': never create a file. Synchronous: a few bytes to procfs, and node:fs/promises would be one more module
      // to load per plugin run.
      writeFileSync(`/proc/sys/${key}`, value, { flag: 'r+' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new NetlinkError(
          'NETLINK_COMMAND_FAILED',
          `writing /proc/sys/${key}: ${(error as Error).message}`,
          { key, value },
          error,
        );
      }
    }
  }
}
