// ESLint (flat config): the recommended rules over the repository's JavaScript. Formatting
// is Prettier's (.prettierrc.json); `npm run lint` runs both, `npm run format` rewrites.
import js from '@eslint/js';
import globals from 'globals';

export default [
  {
    ignores: [
      'dist/',
      'build*/',
      'node_modules/',
      'examples/vite/dist/',
      'examples/vite/node_modules/',
      'bench/results/',
    ],
  },
  js.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2024,
      sourceType: 'module',
      // The package, the examples and the tests run in Node, pages and workers.
      globals: { ...globals.node, ...globals.browser, ...globals.worker },
    },
    rules: {
      'no-unused-vars': ['error', { args: 'none', caughtErrors: 'none' }],
    },
  },
];
