// Type-aware lint plus the architecture's boundaries, enforced mechanically (src/lint-boundaries.test.ts proves each
// one bites):
// - node:child_process only in the networking adapter (src/netlink/);
// - process.env only in src/config/;
// - the pure core (src/ipam/, src/limits/) imports no adapter, reads no clock and does no I/O;
// - adapters (cloud, netlink, eniconfig, k8s, rpc, sim, obs, config) import no program (ipamd, cni, cli, demo,
//   custom-networking): ports live beside the adapters that implement them;
// - outside src/sim/, the embedded VPC is reached through src/sim/index.ts only;
// - shipped code imports no test machinery (test/);
// - shipped code throws catalogue errors (src/errors.ts), never a bare Error or an Error subclass of its own;
// - no console in src/ (programs log through pino or write to their own streams);
// - tests, benchmarks (bench/) and scripts (scripts/) may spawn processes and read the environment, but reach the
//   embedded VPC through src/sim/index.ts too.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const childProcess = [
  { name: 'node:child_process', message: 'Only the networking adapter (src/netlink/) spawns processes.' },
  { name: 'child_process', message: 'Only the networking adapter (src/netlink/) spawns processes.' },
];

const processEnv = {
  selector: "MemberExpression[object.name='process'][property.name='env']",
  message: 'Only src/config/ reads the environment; take a Config instead.',
};

const wallClock = [
  {
    selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']",
    message: 'Use the injected Clock.',
  },
  { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'Use the injected Clock.' },
];

const plainErrors = [
  {
    selector: "NewExpression[callee.name='Error']",
    message:
      "Throw a catalogue error (src/errors.ts: every error a user can meet has a stable code); RangeError/TypeError only for a caller's programming mistake.",
  },
  {
    selector: 'ClassDeclaration[superClass.name=/^(Error|TypeError|RangeError)$/]',
    message: "Declare a layer's errors with catalogueError (src/errors.ts), not as a subclass of Error.",
  },
];

const ioModules = [
  'fs',
  'fs/promises',
  'net',
  'http',
  'https',
  'dgram',
  'dns',
  'os',
  'child_process',
  'worker_threads',
];

const PROGRAMS = ['ipamd', 'cni', 'cli', 'demo', 'custom-networking'];
const ADAPTERS = ['cloud', 'netlink', 'eniconfig', 'k8s', 'rpc', 'sim', 'obs', 'config'];

const simEntry = {
  group: ['**/sim/**', '!**/sim/index.js'],
  message: 'Outside src/sim/, import the embedded VPC from src/sim/index.js (its public entry).',
};
const noTestMachinery = {
  group: ['**/test/**'],
  message: 'Shipped code imports no test machinery (test/ is not built into dist/).',
};
const noProgram = {
  group: PROGRAMS.map((p) => `**/${p}/**`),
  message:
    'An adapter imports no program (ipamd, cni, cli, demo, custom-networking); define the port beside the adapter.',
};

/** The one no-restricted-imports option of a file group (a later config object replaces, never merges, a rule). */
const restrictImports = ({ paths = [], patterns = [] }) => ['error', { paths, patterns }];

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'build/**',
      'node_modules/**',
      'bin/**',
      'eslint.config.js',
      // Build output (scripts/inline-assets.ts, scripts/gen-errors.ts); their sources are linted or parsed strictly.
      'src/**/*.generated.ts',
    ],
  },
  {
    files: ['**/*.ts'],
    extends: [js.configs.recommended, ...tseslint.configs.recommendedTypeChecked],
    languageOptions: { parserOptions: { project: './tsconfig.spec.json', tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          // node:test tracks the promises its describe/it/test return.
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite'] },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
      'no-duplicate-imports': 'error',
      'no-restricted-imports': restrictImports({ paths: childProcess, patterns: [simEntry] }),
      'no-restricted-syntax': ['error', processEnv],
    },
  },
  {
    // Shipped code: no test machinery, no error outside the catalogues; programs may use any adapter.
    files: ['src/**/*.ts'],
    ignores: ['**/*.test.ts', '**/*.test-util.ts'],
    rules: {
      'no-restricted-imports': restrictImports({ paths: childProcess, patterns: [simEntry, noTestMachinery] }),
      'no-restricted-syntax': ['error', processEnv, ...plainErrors],
    },
  },
  {
    files: ADAPTERS.map((a) => `src/${a}/**/*.ts`),
    ignores: ['**/*.test.ts', '**/*.test-util.ts'],
    rules: {
      'no-restricted-imports': restrictImports({
        paths: childProcess,
        patterns: [simEntry, noTestMachinery, noProgram],
      }),
    },
  },
  {
    files: ['src/sim/**/*.ts'],
    ignores: ['**/*.test.ts', '**/*.test-util.ts'],
    rules: {
      'no-restricted-imports': restrictImports({ paths: childProcess, patterns: [noTestMachinery, noProgram] }),
    },
  },
  {
    files: ['src/netlink/**/*.ts'],
    ignores: ['**/*.test.ts', '**/*.test-util.ts'],
    rules: { 'no-restricted-imports': restrictImports({ patterns: [simEntry, noTestMachinery, noProgram] }) },
  },
  {
    files: [
      'src/netlink/**/*.test.ts',
      'src/netlink/**/*.test-util.ts',
      'src/sim/**/*.test.ts',
      'src/sim/**/*.test-util.ts',
    ],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    // Tests, benchmarks and scripts drive real programs (the AWS CLI, the built plugin, Bun, node --test) and set
    // their environment.
    files: ['test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts'],
    rules: { 'no-restricted-imports': restrictImports({ patterns: [simEntry] }), 'no-restricted-syntax': 'off' },
  },
  { files: ['src/config/**/*.ts'], rules: { 'no-restricted-syntax': ['error', ...plainErrors] } },
  { files: ['src/config/**/*.test.ts'], rules: { 'no-restricted-syntax': 'off' } },
  {
    // The dashboard's browser script, inlined into its page as it is: a classic script (no module, no build), so
    // plain JavaScript rules and only the browser globals it uses.
    files: ['src/ipamd/introspect/dashboard/dashboard.js'],
    extends: [js.configs.recommended],
    languageOptions: {
      ecmaVersion: 2020,
      sourceType: 'script',
      globals: { document: 'readonly', fetch: 'readonly', setTimeout: 'readonly' },
    },
    rules: { 'no-console': 'error' },
  },
  {
    files: ['src/ipam/**/*.ts', 'src/limits/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': restrictImports({
        paths: ioModules.flatMap((m) => [
          { name: m, message: 'The core is pure: no I/O.' },
          { name: `node:${m}`, message: 'The core is pure: no I/O.' },
        ]),
        patterns: [
          {
            group: [
              '**/cloud/**',
              '**/netlink/**',
              '**/sim/**',
              '**/ipamd/**',
              '**/cni/**',
              '**/cli/**',
              '**/config/**',
              '**/obs/**',
              '**/test/**',
            ],
            message: 'The core (src/ipam, src/limits) imports no adapter or program.',
          },
        ],
      }),
      'no-restricted-syntax': ['error', processEnv, ...wallClock, ...plainErrors],
    },
  },
);
