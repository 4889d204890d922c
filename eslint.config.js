// Lint rules of mmflow. The pure core (core/) may not import I/O, Temporal, ccxt or Node's built-in
// modules, nor read the wall clock, start timers, draw unseeded random numbers or reach the network;
// everything else depends on core, never the reverse. test/infra/core-purity-lint.test.ts checks that
// each of these rules fires.
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';

const CLOCK = 'core/ is pure: take time from the injected Clock port (core/ports.ts) or the event stamps.';
const RANDOM = 'core/ is deterministic: draw from the seeded PRNG, core/random/xoshiro.ts (createStream).';
const TIMERS =
  'core/ schedules nothing itself: timers belong to the driver (native/, workflows), which calls core with the time.';

const coreForbidden = {
  // Built-ins imported without the `node:` prefix (`fs`, `crypto`, `timers`, …).
  paths: builtinModules.map((name) => ({
    name,
    message: 'core/ is pure: no I/O, Temporal, ccxt or node modules.',
  })),
  patterns: [
    {
      group: ['node:*', 'pg', 'pg-*', '@temporalio/*', 'ccxt', 'onnxruntime-node', 'pino'],
      message: 'core/ is pure: no I/O, Temporal, ccxt or node modules.',
    },
    {
      group: [
        '**/activities/**',
        '**/workflows/**',
        '**/native/**',
        '**/db/**',
        '**/infra/**',
        '**/venues/**',
        '**/cli/**',
      ],
      message: 'core/ depends on nothing outside core/.',
    },
  ],
};

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', '.mmflow/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { 'import-x': importX },
    settings: { 'import-x/ignore': ['node_modules'] },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
    },
  },
  {
    files: ['core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', coreForbidden],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: CLOCK },
        { object: 'performance', property: 'now', message: CLOCK },
        { object: 'Math', property: 'random', message: RANDOM },
        { object: 'crypto', property: 'randomUUID', message: RANDOM },
        { object: 'crypto', property: 'getRandomValues', message: RANDOM },
      ],
      'no-restricted-globals': [
        'error',
        {
          name: 'process',
          message: 'core/ is pure: configuration arrives as arguments, parsed at the edge.',
        },
        { name: 'setTimeout', message: TIMERS },
        { name: 'setInterval', message: TIMERS },
        { name: 'setImmediate', message: TIMERS },
        { name: 'queueMicrotask', message: TIMERS },
        {
          name: 'fetch',
          message: 'core/ does no I/O: the adapters in venues/, native/ and activities/ fetch.',
        },
        {
          name: 'globalThis',
          message: 'core/ is pure: globalThis would reach the clock, timers and I/O around these rules.',
        },
      ],
      'no-restricted-syntax': [
        'error',
        // `new Date(ms)` and `Date.UTC(…)` convert given instants and stay allowed.
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: CLOCK },
        { selector: "CallExpression[callee.name='Date']", message: CLOCK },
        { selector: 'ImportExpression', message: 'core/ loads no modules at run time: import statically.' },
      ],
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                'node:*',
                'pg',
                '@temporalio/client',
                '@temporalio/worker',
                '@temporalio/activity',
                'ccxt',
              ],
              message: 'Workflows are deterministic: no I/O; import activities as types only.',
            },
          ],
        },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'Use Temporal time only.' },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
);
