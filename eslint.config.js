// Lint rules of mmflow. The pure core (core/) may not import I/O, Temporal, ccxt or node:* modules,
// nor read the wall clock; everything else depends on core, never the reverse.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';

const coreForbidden = {
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
        { object: 'Date', property: 'now', message: 'core/ gets time from the injected Clock.' },
        { object: 'performance', property: 'now', message: 'core/ gets time from the injected Clock.' },
      ],
      'no-restricted-globals': ['error', { name: 'process', message: 'core/ is pure.' }],
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
