import { defineConfig } from 'vite';
import { resolve } from 'node:path';

// `vite build` builds the demo; `vite build --mode lib` the library (dist/lib/inpage-recorder.js),
// whose worker and worklet are separate files resolved relative to the module.
export default defineConfig(({ mode }) => ({
  base: './',
  worker: { format: 'es' },
  server: { host: '127.0.0.1', port: 5173 },
  preview: { host: '127.0.0.1', port: 4173 },
  build:
    mode === 'lib'
      ? {
          outDir: 'dist/lib',
          emptyOutDir: true,
          target: 'es2022',
          lib: { entry: resolve(import.meta.dirname, 'src/index.ts'), formats: ['es'], fileName: () => 'inpage-recorder.js' },
        }
      : { outDir: 'dist/demo', emptyOutDir: true, target: 'es2022' },
}));
