import { defineConfig } from 'vite';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { VitePWA } from 'vite-plugin-pwa';
import { tusDevEndpoint } from './server/tus.mjs';

/**
 * The demo as an installable offline app: a web app manifest and a Workbox service worker that
 * precaches the whole build (page, library, encode worker, capture worklet, and any wasm such as
 * the export engine), so after one online visit it loads, records, exports and downloads offline.
 * Active in the built demo (`vite build`, `vite preview`); `vite` (dev) serves modules unbundled
 * and registers no service worker.
 */
function demoPwa() {
  return VitePWA({
    registerType: 'autoUpdate',
    injectRegister: 'script',
    includeAssets: ['icon.svg'],
    manifest: {
      name: 'inpage-recorder',
      short_name: 'Recorder',
      description: 'Record camera and microphone in the browser. Works offline; nothing leaves the device unless you upload it.',
      start_url: './',
      scope: './',
      display: 'standalone',
      background_color: '#1b1b1b',
      theme_color: '#1b1b1b',
      icons: [
        { src: 'icon-192.png', sizes: '192x192', type: 'image/png' },
        { src: 'icon-512.png', sizes: '512x512', type: 'image/png' },
        { src: 'icon-maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
        { src: 'icon.svg', sizes: 'any', type: 'image/svg+xml' },
      ],
    },
    workbox: {
      globPatterns: ['**/*.{html,js,mjs,css,svg,png,ico,webmanifest,wasm}'],
      // The demo is never cross-origin isolated, so it only ever loads the single-thread export core:
      // precaching the multi-thread one (another 32 MB) would be download for nothing.
      globIgnores: ['**/ffmpeg-core-mt-*'],
      // The export engine's wasm core is ~30 MB; the default 2 MiB limit would leave it out.
      maximumFileSizeToCacheInBytes: 64 * 1024 ** 2,
      clientsClaim: true,
      skipWaiting: true,
      cleanupOutdatedCaches: true,
      // Uploads go to the network (and resume when it is back), never to the page fallback.
      navigateFallbackDenylist: [/^\/files\//],
    },
  });
}

/**
 * `virtual:aac-wasm`: the wasm AAC encoder of @mediabunny/aac-encoder as an ES module, for the
 * encode worker to run in its own thread (workers/encode/aac-encoder.ts). The package ships that
 * Emscripten build (wasm embedded) as CommonJS syntax around `import.meta.url` and runs it only in a
 * worker of its own; this turns its one export into a default export. The package version is
 * pinned: the build fails, naming the file, if the shape it relies on changes.
 */
export function aacWasmModule() {
  const pkg = createRequire(import.meta.url).resolve('@mediabunny/aac-encoder');
  const file = resolve(dirname(pkg), '../modules/build/aac.js');
  const head = 'Object.defineProperty(exports, "__esModule", { value: true });';
  const tail = 'exports.default = Module;';
  return {
    name: 'aac-wasm-module',
    enforce: 'pre' as const,
    resolveId: (id: string) => (id === 'virtual:aac-wasm' ? '\0aac-wasm' : null),
    load(id: string) {
      if (id !== '\0aac-wasm') return null;
      const src = readFileSync(file, 'utf8');
      if (!src.includes(head) || !src.includes(tail)) throw new Error(`${file}: not the Emscripten module this build expects`);
      return src.replace('"use strict";', '').replace(head, '').replace(tail, 'export default Module;');
    },
  };
}

// `vite build` builds the demo; `vite build --mode lib` the library (dist/lib/inpage-recorder.js),
// whose worker and worklet are separate files resolved relative to the module.
export default defineConfig(({ mode }) => ({
  base: './',
  worker: { format: 'es', plugins: () => [aacWasmModule()] },
  // A tus endpoint at /files/ (uploads under .tus-uploads/), so `npm start` can upload out of the box.
  plugins: [
    aacWasmModule(),
    ...(mode === 'lib'
      ? []
      : [
          tusDevEndpoint({ directory: resolve(import.meta.dirname, '.tus-uploads'), maxSize: 8 * 1024 ** 3 }),
          // Manifest, icons and service worker of the demo app (not part of the library build).
          demoPwa(),
        ]),
  ],
  // public/ holds the demo app's icons: the library build leaves them out.
  ...(mode === 'lib' ? { publicDir: false as const } : {}),
  // ffmpeg.wasm resolves its worker and core relative to its own modules: pre-bundling would move them.
  optimizeDeps: { exclude: ['@ffmpeg/ffmpeg', '@ffmpeg/util'] },
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
      : {
          outDir: 'dist/demo',
          emptyOutDir: true,
          target: 'es2022',
          // The multi-thread export core keeps a name of its own, so the service worker can leave it out.
          rollupOptions: {
            output: {
              assetFileNames: (asset: { originalFileNames?: string[] }) =>
                asset.originalFileNames?.some((n) => n.includes('@ffmpeg/core-mt')) ? 'assets/ffmpeg-core-mt-[hash][extname]' : 'assets/[name]-[hash][extname]',
            },
          },
        },
}));
