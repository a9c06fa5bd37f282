// Lint: typescript-eslint's recommended rules, plus the workflow determinism guard.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', '.data/', '.venv-tools/', 'dist/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', fetch: 'readonly', AbortSignal: 'readonly' } },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Workflows must stay deterministic: no I/O modules, no wall clock, no randomness.
    files: ['workflows/**/*.ts'],
    rules: {
      // Type-only imports of activities are how workflows get their proxies' signatures.
      '@typescript-eslint/no-restricted-imports': ['error', {
        patterns: [{
          group: ['pg', '@aws-sdk/*', '@azure/*', '@google-cloud/*', 'node:*', 'fs', 'path', '../activities/*', '../store/*'],
          allowTypeImports: true,
        }],
      }],
      'no-restricted-properties': ['error',
        { object: 'Date', property: 'now', message: 'Use workflow time via Temporal APIs.' },
        { object: 'Math', property: 'random', message: 'Workflows must be deterministic.' }],
    },
  },
);
