// Type-aware lint plus the architecture's boundaries, enforced mechanically:
// - node:child_process only in the networking adapter (src/netlink/);
// - process.env only in src/config/;
// - the pure core (src/ipam/, src/limits/) imports no adapter, reads no clock and does no I/O;
// - no console in src/ (programs log through pino or write to their own streams).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const childProcess = {
  paths: [
    { name: 'node:child_process', message: 'Only the networking adapter (src/netlink/) spawns processes.' },
    { name: 'child_process', message: 'Only the networking adapter (src/netlink/) spawns processes.' },
  ],
};

const processEnv = {
  selector: "MemberExpression[object.name='process'][property.name='env']",
  message: 'Only src/config/ reads the environment; take a Config instead.',
};

const wallClock = [
  { selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']", message: 'Use the injected Clock.' },
  { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'Use the injected Clock.' },
];

const ioModules = ['fs', 'fs/promises', 'net', 'http', 'https', 'dgram', 'dns', 'os', 'child_process', 'worker_threads'];

export default tseslint.config(
  { ignores: ['dist/**', 'build/**', 'node_modules/**', 'bin/**', 'scripts/**', 'bench/**', 'eslint.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { project: './tsconfig.spec.json', tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': ['error', {
        // node:test tracks the promises its describe/it/test return.
        allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite'] }],
      }],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
      'no-restricted-imports': ['error', childProcess],
      'no-restricted-syntax': ['error', processEnv],
    },
  },
  {
    files: ['src/netlink/**/*.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    // Integration tests drive real programs (the AWS CLI, the built plugin) and set their environment.
    files: ['test/**/*.ts'],
    rules: { 'no-restricted-imports': 'off', 'no-restricted-syntax': 'off' },
  },
  {
    files: ['src/config/**/*.ts'],
    rules: { 'no-restricted-syntax': 'off' },
  },
  {
    files: ['src/ipam/**/*.ts', 'src/limits/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: ioModules.flatMap((m) => [
          { name: m, message: 'The core is pure: no I/O.' },
          { name: `node:${m}`, message: 'The core is pure: no I/O.' },
        ]),
        patterns: [
          { group: ['**/cloud/**', '**/netlink/**', '**/sim/**', '**/ipamd/**', '**/cni/**', '**/cli/**', '**/config/**', '**/obs/**'],
            message: 'The core (src/ipam, src/limits) imports no adapter or program.' },
        ],
      }],
      'no-restricted-syntax': ['error', processEnv, ...wallClock],
    },
  },
);
