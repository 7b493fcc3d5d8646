// `npm start` rebuilds only when the sources changed since the last complete build
// (scripts/dist-freshness.mjs), here on a small project whose build writes a marker file.
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, unlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const SCRIPT = new URL('../scripts/dist-freshness.mjs', import.meta.url);
const run = promisify(execFile);

let root: string;

/** How many times the project's build has run. */
const builds = async () => (await readFile(join(root, 'builds.log'), 'utf8').catch(() => '')).length;

async function start(): Promise<string> {
  const env = { ...process.env };
  delete env.npm_execpath;
  const { stderr } = await run(process.execPath, [join(root, 'scripts', 'dist-freshness.mjs')], { cwd: root, env });
  return stderr;
}

/** `npm run build` as the project defines it: begin, "compile", record. */
async function build(): Promise<void> {
  await run('npm', ['run', 'build', '--silent'], { cwd: root });
}

const past = (seconds: number) => new Date(Date.now() - seconds * 1000);

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'dist-freshness-'));
  await mkdir(join(root, 'scripts'));
  await mkdir(join(root, 'src', 'core'), { recursive: true });
  await copyFile(SCRIPT, join(root, 'scripts', 'dist-freshness.mjs'));
  const compile = `node -e "require('fs').appendFileSync('builds.log', 'b')"`;
  const scripts = { build: `node scripts/dist-freshness.mjs --begin && ${compile} && node scripts/dist-freshness.mjs --record` };
  await writeFile(join(root, 'package.json'), JSON.stringify({ name: 'p', version: '1.0.0', private: true, scripts }));
  await writeFile(join(root, 'tsconfig.json'), '{}');
  await writeFile(join(root, 'src', 'main.ts'), 'export {};');
  await writeFile(join(root, 'src', 'core', 'config.ts'), 'export {};');
  // Sources older than the build that follows.
  for (const path of ['tsconfig.json', 'src/main.ts', 'src/core/config.ts', 'src/core', 'src'])
    await utimes(join(root, path), past(60), past(60));
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('dist freshness before npm start', () => {
  it('builds a project that was never built, then starts without building while nothing changed', async () => {
    expect(await start()).toBe('dist/ has not been built: building\n');
    expect(await builds()).toBe(1);
    expect(await start()).toBe('');
    expect(await start()).toBe('');
    expect(await builds()).toBe(1);
  });

  it('rebuilds after a source file or a tsconfig changed', async () => {
    await build();
    expect(await builds()).toBe(1);
    await writeFile(join(root, 'src', 'core', 'config.ts'), 'export const changed = 1;');
    expect(await start()).toBe('sources changed since the last build: rebuilding\n');
    expect(await builds()).toBe(2);
    expect(await start()).toBe('');
    await writeFile(join(root, 'tsconfig.json'), '{ }');
    await start();
    expect(await builds()).toBe(3);
  });

  it('rebuilds after a source file was deleted, but not for a changed test file', async () => {
    await build();
    await writeFile(join(root, 'src', 'core', 'config.test.ts'), 'export {};');
    await utimes(join(root, 'src', 'core'), past(30), past(30));
    expect(await start()).toBe('');
    await unlink(join(root, 'src', 'core', 'config.ts'));
    await start();
    expect(await builds()).toBe(2);
  });
});
