import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';

/** main/electron/main.ts → out/main/index.js, main/service-host/entry.ts → out/main/service-host.js, preload → out/preload/index.cjs, renderer/ → out/renderer/. */
export default defineConfig({
  main: {
    build: {
      rollupOptions: {
        // The window's process, and the case service it starts as a utility process.
        input: { index: resolve(__dirname, 'main/electron/main.ts'), 'service-host': resolve(__dirname, 'main/service-host/entry.ts') },
        // Native and heavy Node packages load from node_modules at run time.
        external: ['@duckdb/node-api', '@duckdb/node-bindings', 'yauzl', 'tar-stream', 'csv-parse', 'yaml', 'playwright-core'],
      },
    },
  },
  preload: {
    build: {
      rollupOptions: {
        input: { index: resolve(__dirname, 'main/electron/preload.ts') },
        // A sandboxed preload runs as CommonJS and can require nothing but electron.
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(__dirname, 'renderer'),
    plugins: [react()],
    build: {
      rollupOptions: { input: { index: resolve(__dirname, 'renderer/index.html') } },
    },
  },
});
