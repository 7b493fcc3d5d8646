// Whether dist/ was built from the current sources, by modification times: `npm start` rebuilds only
// when a file under src/ (tests aside) or a tsconfig is newer than the last complete build, instead of
// running tsc on every start.
//
//   node scripts/dist-freshness.mjs           build (`npm run build`) if dist/ is missing or older than the sources
//   node scripts/dist-freshness.mjs --begin   the first step of `npm run build`: note when it started
//   node scripts/dist-freshness.mjs --record  its last step: dist/ holds the sources as they were at --begin
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
// One per build: `--begin` and `--record` are children of the same `sh -c` of `npm run build`.
const STARTED = join(ROOT, 'dist', `.build-started-${process.ppid}`);
/** Its modification time is when the last complete build started: a file edited during a build counts as newer. */
const STAMP = join(ROOT, 'dist', '.build-complete');

/** Newest modification time among the build's inputs; folders count too, so a deleted file is seen. */
function newestInput() {
  let newest = 0;
  const visit = (dir) => {
    newest = Math.max(newest, statSync(dir).mtimeMs);
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) visit(path);
      else if (!entry.name.endsWith('.test.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
    }
  };
  visit(join(ROOT, 'src'));
  for (const name of readdirSync(ROOT)) {
    if (/^tsconfig.*\.json$/.test(name)) newest = Math.max(newest, statSync(join(ROOT, name)).mtimeMs);
  }
  return newest;
}

function builtAt() {
  try {
    return statSync(STAMP).mtimeMs;
  } catch {
    return undefined;
  }
}

if (process.argv.includes('--begin')) {
  mkdirSync(dirname(STARTED), { recursive: true });
  writeFileSync(STARTED, `${new Date().toISOString()}\n`);
} else if (process.argv.includes('--record')) {
  renameSync(STARTED, STAMP);
} else {
  const built = builtAt();
  if (built === undefined || newestInput() > built) {
    process.stderr.write(
      built === undefined ? 'dist/ has not been built: building\n' : 'sources changed since the last build: rebuilding\n',
    );
    const npm = process.env.npm_execpath;
    const build = npm
      ? spawnSync(process.execPath, [npm, 'run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' })
      : spawnSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });
    process.exit(build.status ?? 1);
  }
}
