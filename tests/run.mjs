// `npm test`: unit tests (vitest), then browser tests (node:test + playwright-core driving the
// system Chromium) against the dev server, with native ffprobe/ffmpeg judging the files.
// Usage: npm test [-- name-filter …]   e.g. npm test -- recording pause
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from 'vite';
import { requireTools } from './support/tools.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const filters = process.argv.slice(2);
const tools = requireTools();

function run(cmd, args, env = {}) {
  return new Promise((resolve) => {
    let out = '';
    const child = spawn(cmd, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (d) => { process.stdout.write(d); out += d; });
    child.stderr.on('data', (d) => { process.stderr.write(d); out += d; });
    child.on('close', (code) => resolve({ code, out }));
  });
}
const strip = (s) => s.replace(/\x1b\[[0-9;]*m/g, '');

let passed = 0;
let failed = 0;
let ok = true;

if (!filters.length || filters.includes('unit')) {
  const unit = await run(process.execPath, [join(root, 'node_modules/vitest/vitest.mjs'), 'run'], { FORCE_COLOR: '0' });
  const m = /Tests\s+(?:(\d+) failed \| )?(\d+) passed/.exec(strip(unit.out));
  if (m) { failed += Number(m[1] ?? 0); passed += Number(m[2]); }
  if (unit.code !== 0) ok = false;
}

const specs = readdirSync(join(root, 'tests/e2e'))
  .filter((f) => f.endsWith('.spec.mjs'))
  .filter((f) => !filters.length || filters.some((x) => f.includes(x)))
  .map((f) => join('tests/e2e', f));

if (specs.length) {
  const server = await createServer({ root, configFile: join(root, 'vite.config.ts'), logLevel: 'warn', server: { port: 0, host: '127.0.0.1', strictPort: false, hmr: false, ws: false, watch: null } });
  await server.listen();
  const addr = server.httpServer.address();
  const base = `http://127.0.0.1:${addr.port}`;
  console.log(`browser tests with ${tools.chrome}, ${tools.ffprobe}; library served at ${base}`);
  const e2e = await run(process.execPath, ['--test', '--test-concurrency=1', '--test-reporter=spec', ...specs], { IPR_BASE_URL: base });
  const s = strip(e2e.out);
  passed += Number(/ℹ pass (\d+)/.exec(s)?.[1] ?? 0);
  failed += Number(/ℹ fail (\d+)/.exec(s)?.[1] ?? 0);
  if (e2e.code !== 0) ok = false;
  await server.close();
}

console.log(`\n${passed} passed, ${failed} failed`);
process.exit(ok && failed === 0 ? 0 : 1);
