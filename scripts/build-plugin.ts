// Builds bin/aws-cni, the CNI plugin, as one standalone executable with Bun (from the npm package `bun`): a Node
// cold start costs ~110 ms per exec, a Bun-compiled executable ~30 ms — the plugin runs once per pod ADD and DEL.
// Falls back to a Node-run bundle (bin/aws-cni.mjs + a shell launcher) when Bun cannot run here.
//
//   npx tsx scripts/build-plugin.ts   (the second half of `npm run build`)
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bun = `${root}node_modules/.bin/bun`;
const out = `${root}bin/aws-cni`;
const entry = `${root}src/cni/main.ts`;

if (!existsSync(bun)) {
  process.stderr.write('build-plugin: node_modules/.bin/bun is missing; run npm ci\n');
  process.exit(1);
}
rmSync(out, { force: true });
// --bytecode (which needs a CommonJS bundle) saves the ~5 ms per exec that parsing the bundle costs. A compiled Bun
// executable would otherwise look for .env and bunfig.toml in the directory the runtime execs it from, and load them:
// a plugin running as root must take its settings from the CNI call only (and the lookups cost syscalls per exec).
// --compile-jit-policy=50: JavaScriptCore tiers code up 50x later. The plugin lives ~15 ms; tiering up its few warm
// loops (SHA-1, HPACK) only started a JIT thread and compiled code it never ran again (bench/cni-latency --also:
// ADD 0.96x the same build at the default policy).
const flags = [
  '--compile',
  '--bytecode',
  '--format=cjs',
  '--minify',
  '--sourcemap=none',
  '--no-compile-autoload-dotenv',
  '--no-compile-autoload-bunfig',
  '--compile-jit-policy=50',
];
const compiled = spawnSync(bun, ['build', ...flags, entry, '--outfile', out], {
  cwd: root,
  stdio: ['ignore', 'pipe', 'pipe'],
});
if (compiled.status === 0 && existsSync(out)) {
  process.stdout.write(`build-plugin: bin/aws-cni (bun --compile)\n`);
  process.exit(0);
}
process.stderr.write(
  `build-plugin: bun --compile failed (${compiled.stderr.toString().trim()}); bundling for node instead\n`,
);
const bundled = spawnSync(bun, ['build', '--target=node', '--minify', entry, '--outfile', `${out}.mjs`], {
  cwd: root,
  stdio: 'inherit',
});
if (bundled.status !== 0) process.exit(1);
writeFileSync(out, `#!/bin/sh\nexec node "$(dirname "$0")/aws-cni.mjs" "$@"\n`);
chmodSync(out, 0o755);
process.stdout.write('build-plugin: bin/aws-cni (node bundle)\n');
