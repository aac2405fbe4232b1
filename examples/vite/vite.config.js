import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// An application would `npm install distribution-coder` and import it by name. This example
// lives inside the package's own repository, so the name points at the repository folder
// (the package root): Vite reads its package.json "exports" from there, exactly as it would
// in node_modules. (A file: dependency would tie this lock file to the root's dependencies.)
const packageRoot = fileURLToPath(new URL('../..', import.meta.url));

export default defineConfig({
  base: './', // relative asset URLs: the built folder works from any path
  resolve: {
    alias: [{ find: /^distribution-coder$/, replacement: packageRoot }],
  },
  build: {
    target: 'es2022', // src/main.js uses top-level await (the package itself does not)
  },
});
