// The machine and software a run measured on, and the exact versions of the recorders compared.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { findChrome } from '../../tests/support/tools.mjs';
import { root } from '../lib/harness.mjs';

const run = (cmd, args) => {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
};

const version = (pkg) => {
  const p = join(root, 'node_modules', pkg, 'package.json');
  return existsSync(p) ? JSON.parse(readFileSync(p, 'utf8')).version : null;
};

export function machine() {
  const osRelease = existsSync('/etc/os-release') ? /PRETTY_NAME="?([^"\n]+)/.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] : null;
  const cpuinfo = existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '';
  const commit = run('git', ['-C', root, 'rev-parse', '--short', 'HEAD']);
  const dirty = run('git', ['-C', root, 'status', '--porcelain', '--', 'src', 'workers']);
  return {
    cpu: /model name\s*:\s*(.+)/.exec(cpuinfo)?.[1] ?? cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    ramGB: totalmem() / 2 ** 30,
    os: `${osRelease ?? process.platform}, kernel ${release()}`,
    chromium: run(findChrome(), ['--version']),
    node: process.version,
    ffmpeg: run('ffmpeg', ['-version'])?.split('\n')[0].split(' ').slice(0, 3).join(' ') ?? null,
    loadAtStart: loadavg(),
    versions: {
      'inpage-recorder': `${JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version}${commit ? ` (${commit}${dirty ? ', with local changes' : ''})` : ''}`,
      mediabunny: version('mediabunny'),
      '@mediabunny/aac-encoder': version('@mediabunny/aac-encoder'),
      recordrtc: version('recordrtc'),
      'fix-webm-duration': version('fix-webm-duration'),
    },
  };
}
