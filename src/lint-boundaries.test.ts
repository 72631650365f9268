// The architecture's boundaries are enforced by ESLint (eslint.config.js). These cases prove the rules bite: a
// boundary that silently stopped being checked would let the core grow I/O or the environment leak everywhere.
import { strict as assert } from 'node:assert';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { ESLint } from 'eslint';

const root = fileURLToPath(new URL('../../../', import.meta.url));

const CASES: readonly { name: string; file: string; code: string; rules: readonly string[] }[] = [
  {
    name: 'the core does no I/O and reads no wall clock',
    file: 'src/ipam/cidr.ts',
    code: "import { readFileSync } from 'node:fs';\nexport const x = Date.now() + readFileSync('x').length;\n",
    rules: ['no-restricted-imports', 'no-restricted-syntax'],
  },
  {
    name: 'the core imports no adapter',
    file: 'src/ipam/cidr.ts',
    code: "import { NETLINK_ERRORS } from '../netlink/errors.js';\nexport const x = NETLINK_ERRORS;\n",
    rules: ['no-restricted-imports'],
  },
  {
    name: 'only src/netlink spawns processes and only src/config reads the environment',
    file: 'src/cli/main.ts',
    code: "import { execFile } from 'node:child_process';\nexport const y = process.env['A'] ?? execFile;\n",
    rules: ['no-restricted-imports', 'no-restricted-syntax'],
  },
  {
    name: 'floating promises are errors',
    file: 'src/cli/main.ts',
    code: 'async function f(): Promise<void> {}\nf();\n',
    rules: ['@typescript-eslint/no-floating-promises'],
  },
  {
    name: 'an adapter imports no program (ports live beside their adapters)',
    file: 'src/cloud/ec2/client.ts',
    code: "import type { IpamdDeps } from '../../ipamd/context.js';\nexport type X = IpamdDeps;\n",
    rules: ['no-restricted-imports'],
  },
  {
    name: 'the networking adapter may spawn, but imports no program either',
    file: 'src/netlink/exec.ts',
    code: "import { execFile } from 'node:child_process';\nimport type { VerbDeps } from '../cni/deps.js';\nexport const y = [execFile];\nexport type X = VerbDeps;\n",
    rules: ['no-restricted-imports'],
  },
  {
    name: 'a program may use an adapter',
    file: 'src/ipamd/main.ts',
    code: "import type { Ec2Api } from '../cloud/ec2/port.js';\nexport type X = Ec2Api;\n",
    rules: [],
  },
  {
    name: 'outside src/sim, the embedded VPC is reached through its public entry',
    file: 'test/support/virtual/world.ts',
    code: "import { VpcStore } from '../../../src/sim/state/store.js';\nexport const X = VpcStore;\n",
    rules: ['no-restricted-imports'],
  },
  {
    name: 'the public entry of the embedded VPC is allowed',
    file: 'test/support/virtual/world.ts',
    code: "import { VpcStore } from '../../../src/sim/index.js';\nexport const X = VpcStore;\n",
    rules: [],
  },
  {
    name: 'shipped code imports no test machinery',
    file: 'src/demo/cluster.ts',
    code: "import type { World } from '../../test/support/virtual/world.js';\nexport type X = World;\n",
    rules: ['no-restricted-imports'],
  },
  {
    name: "the dashboard's browser script is linted: no console, only the browser globals it declares",
    file: 'src/ipamd/introspect/dashboard/dashboard.js',
    code: "'use strict';\nconsole.log(localStorage.getItem('x'));\n",
    rules: ['no-console', 'no-undef'],
  },
  {
    name: 'benchmarks and scripts may spawn processes and read the environment',
    file: 'scripts/run-tests.ts',
    code: "import { execFile } from 'node:child_process';\nexport const y = process.env['A'] ?? execFile;\n",
    rules: [],
  },
  {
    name: 'a benchmark reaches the embedded VPC through its public entry too',
    file: 'bench/sim-ec2.ts',
    code: "import { VpcStore } from '../src/sim/state/store.js';\nexport const X = VpcStore;\n",
    rules: ['no-restricted-imports'],
  },
  {
    name: 'src/config may read the environment',
    file: 'src/config/load.ts',
    code: "export const y = process.env['A'];\n",
    rules: [],
  },
];

describe('lint boundaries', () => {
  // typescript-eslint infers a single run under CI=true and then lints files as they are on disk, not the text given
  // to lintText; these cases need the given text.
  const eslint = new ESLint({
    cwd: root,
    overrideConfig: { languageOptions: { parserOptions: { disallowAutomaticSingleRunInference: true } } },
  });
  for (const c of CASES) {
    it(c.name, async () => {
      const [result] = await eslint.lintText(c.code, { filePath: `${root}${c.file}` });
      const fired = [...new Set(result?.messages.map((m) => m.ruleId ?? `fatal: ${m.message}`))].sort();
      assert.deepEqual(fired, [...c.rules].sort());
    });
  }
});
