// Finds the browser and native ffmpeg the tests need; on a Debian machine running as root it
// installs what is missing, elsewhere it says in one line what to install.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

function which(cmd) {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

export function findChrome() {
  if (process.env.CHROME_PATH && existsSync(process.env.CHROME_PATH)) return process.env.CHROME_PATH;
  for (const p of ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable', '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome']) {
    if (existsSync(p)) return p;
  }
  return which('chromium') ?? which('google-chrome') ?? null;
}

export function findFfmpeg() {
  const ffmpeg = which('ffmpeg');
  const ffprobe = which('ffprobe');
  return ffmpeg && ffprobe ? { ffmpeg, ffprobe } : null;
}

/** Returns { chrome, ffmpeg, ffprobe } or exits with one line saying what to install. */
export function requireTools() {
  let chrome = findChrome();
  let ff = findFfmpeg();
  if ((!chrome || !ff) && process.platform === 'linux' && process.getuid?.() === 0 && existsSync('/usr/bin/apt-get')) {
    const pkgs = [!chrome && 'chromium', !ff && 'ffmpeg'].filter(Boolean);
    console.log(`installing ${pkgs.join(' ')} with apt-get …`);
    execFileSync('sh', ['-c', `apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${pkgs.join(' ')} >/dev/null`], { stdio: 'inherit' });
    chrome = findChrome();
    ff = findFfmpeg();
  }
  if (!chrome) {
    console.error('No Chromium found: install it (Debian: apt-get install chromium) or set CHROME_PATH to a Chrome/Chromium binary.');
    process.exit(1);
  }
  if (!ff) {
    console.error('No native ffmpeg/ffprobe found: install ffmpeg (Debian: apt-get install ffmpeg) to check recorded files.');
    process.exit(1);
  }
  return { chrome, ...ff };
}
