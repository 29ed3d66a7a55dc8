// The admin console (src/interfaces/console/web) built into dist/console, served by seatgate at
// /console. Vite 8's built-in oxc transform compiles TSX with React's automatic JSX runtime, so
// no plugin is needed (decision 0007).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('./src/interfaces/console/web', import.meta.url));

export default defineConfig({
  root,
  base: '/console/',
  logLevel: 'warn',
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: fileURLToPath(new URL('./dist/console', import.meta.url)),
    emptyOutDir: true,
    sourcemap: true,
    // No inline assets: the Content-Security-Policy allows only same-origin files.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
});
