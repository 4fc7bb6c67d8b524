import tseslint from 'typescript-eslint';

/** Lint, plus the boundaries the architecture depends on. */
export default tseslint.config(
  { ignores: ['out/**', 'node_modules/**', '.bench/**', 'cases/**', 'scratch/**', 'coverage/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Log content is hostile input: it is never rendered as HTML.
      'no-restricted-syntax': ['error', { selector: "JSXAttribute[name.name='dangerouslySetInnerHTML']", message: 'never render HTML from data; log content is untrusted' }],
    },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/main/**', 'node:*', 'electron', '@duckdb/*'], message: 'the renderer reaches the main side only through window.nhi (shared/api.ts)' }] },
      ],
    },
  },
  {
    files: ['shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/main/**', '**/renderer/**', 'node:*', 'electron', '@duckdb/*'], message: 'shared/ is the contract both sides compile against: no main, renderer or Node code' }] },
      ],
    },
  },
);
