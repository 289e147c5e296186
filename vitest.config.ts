import { defineConfig } from 'vitest/config';
import { aacWasmModule } from './vite.config.js';

export default defineConfig({
  // The encode worker's AAC encoder loads the wasm build through the same plugin as the app.
  plugins: [aacWasmModule()],
  test: { include: ['tests/unit/**/*.test.ts'], environment: 'node' },
});
