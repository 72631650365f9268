// Captures the rtnetlink messages iproute2 sends (and the kernel's replies) for the commands the pod wiring uses, as
// hex, into src/netlink/rtnl/testdata/iproute2.json: the codec's unit tests compare their encodings with these
// bytes, the reply decoder's tests and fuzz target read the replies. Each command runs under
// `strace -e write=FD -e read=FD` inside throwaway namespaces (`<tag>-<pid>-…`, deleted at the end, also on failure);
// nothing touches the machine's own namespace.
//
//   npx tsx test/support/rtnl/capture-iproute2.ts     (root; iproute2 and strace installed)
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const OUT = fileURLToPath(new URL('../../../src/netlink/rtnl/testdata/iproute2.json', import.meta.url));
const NODE = `vcni-${process.pid}-cap-n`;
const POD = `vcni-${process.pid}-cap-p`;
const HOST_VETH = 'eni1a2b3c4d5e6';
const HOST_MAC = '02:aa:bb:cc:dd:ee';

/** One netlink message as strace dumped it: the fd, the direction, the bytes in hex. */
interface Chunk {
  readonly fd: number;
  readonly dir: 'sent' | 'received';
  readonly hex: string;
}

export interface Capture {
  readonly command: string;
  readonly exitCode: number;
  readonly stderr: string;
  readonly chunks: readonly Chunk[];
}

/** Parses strace's `-e write=/-e read=` hex dumps, each after the syscall line that names its fd and direction. */
function parseStrace(text: string): Chunk[] {
  const chunks: Chunk[] = [];
  let current: { fd: number; dir: Chunk['dir'] } | undefined;
  let hex = '';
  const flush = (): void => {
    // A sent buffer may be larger than its message (iproute2 sends from a fixed-size request struct): keep nlmsg_len.
    if (current?.dir === 'sent' && hex.length >= 8) hex = hex.slice(0, 2 * Buffer.from(hex, 'hex').readUInt32LE(0));
    if (current !== undefined && hex !== '') chunks.push({ ...current, hex });
    hex = '';
  };
  for (const line of text.split('\n')) {
    const call = /^(?:\[pid\s+\d+\] )?(sendmsg|sendto|recvmsg|recvfrom)\((\d+),/.exec(line);
    if (call !== null) {
      flush();
      current = { fd: Number(call[2]), dir: call[1]?.startsWith('send') === true ? 'sent' : 'received' };
      continue;
    }
    if (/^ \* \d+ bytes in buffer/.test(line)) {
      flush();
      continue;
    }
    const dump = /^ \| [0-9a-f]{5} {2}((?:[0-9a-f]{2} {1,2}){1,16})/.exec(line);
    if (dump?.[1] !== undefined) hex += dump[1].replace(/\s+/g, '');
  }
  flush();
  return chunks;
}

function capture(netns: string, args: string): Capture {
  const argv = ['-n', netns, ...args.split(' ')];
  const run = spawnSync(
    'strace',
    ['-qq', '-s', '65535', '-e', 'trace=sendmsg,sendto,recvmsg', '-e', 'write=3,4', '-e', 'read=3,4', 'ip', ...argv],
    { encoding: 'utf8' },
  );
  const lines = run.stderr.split('\n');
  const ipStderr = lines.filter((l) => !/^( \||\s\*|sendmsg|sendto|recvmsg|\+\+\+)/.test(l) && l !== '').join('\n');
  return {
    command: `ip -n ${netns === NODE ? 'NODE' : 'POD'} ${args.replaceAll(NODE, 'NODE').replaceAll(POD, 'POD')}`,
    exitCode: run.status ?? -1,
    stderr: ipStderr,
    chunks: parseStrace(run.stderr),
  };
}

const ip = (...args: string[]): void => void execFileSync('ip', args, { stdio: 'inherit' });

const CASES: [string, string][] = [
  [
    POD,
    `link add eth0 address 02:11:22:33:44:55 mtu 9001 up type veth peer name ${HOST_VETH} address ${HOST_MAC} mtu 9001 netns ${NODE}`,
  ],
  [POD, 'addr replace 10.0.97.30/32 dev eth0'],
  [POD, 'route replace 169.254.1.1 dev eth0 scope link'],
  [POD, 'route replace default via 169.254.1.1 dev eth0'],
  [POD, `neigh replace 169.254.1.1 lladdr ${HOST_MAC} dev eth0 nud permanent`],
  [NODE, `link set dev ${HOST_VETH} up`],
  [NODE, `route replace 10.0.97.30/32 dev ${HOST_VETH} scope link`],
  [NODE, `route replace 10.0.97.31/32 dev ${HOST_VETH} scope link table 1000`],
  [NODE, 'rule add prio 512 to 10.0.97.30/32 lookup main'],
  [NODE, 'rule add prio 1536 from 10.0.97.30/32 lookup 3'],
  [NODE, 'rule add prio 1536 from 10.0.97.30/32 lookup 1000'],
  [NODE, 'rule add prio 1536 from 10.0.97.30/32 lookup 3'],
  [POD, 'addr add 10.0.97.30/32 dev eth0'],
  [POD, 'addr show'],
  [POD, 'route show table main'],
  [POD, 'neigh show'],
  [NODE, 'link show'],
  [NODE, 'route show table main'],
  [NODE, 'rule show'],
  [NODE, 'rule del prio 512 to 10.0.97.30/32'],
  [NODE, 'rule del prio 1536 from 10.0.97.30/32'],
  [NODE, 'rule del prio 1536 from 10.0.97.30/32'],
  [NODE, 'rule del prio 1536 from 10.0.97.30/32'],
  [NODE, `route del 10.0.97.30/32 dev ${HOST_VETH} scope link`],
  [NODE, 'route del 10.0.97.30/32 scope link'],
  [NODE, `link del dev ${HOST_VETH}`],
  [NODE, `link del dev ${HOST_VETH}`],
];

try {
  ip('netns', 'add', NODE);
  ip('netns', 'add', POD);
  ip('-n', NODE, 'link', 'set', 'lo', 'up');
  ip('-n', POD, 'link', 'set', 'lo', 'up');
  const captures = CASES.map(([netns, args]) => capture(netns, args));
  writeFileSync(
    OUT,
    `${JSON.stringify({ iproute2: execFileSync('ip', ['-V'], { encoding: 'utf8' }).trim(), captures }, null, 2)}\n`,
  );
  process.stdout.write(`wrote ${captures.length} captures to ${OUT}\n`);
} finally {
  spawnSync('ip', ['netns', 'del', NODE]);
  spawnSync('ip', ['netns', 'del', POD]);
}
