// Part of `npm run build`: makes dist/pglite-template, the migrated PGlite cluster that a fresh DATA_DIR
// is copied from instead of running initdb (src/db/pglite-template.ts). It is made by the product
// itself (`node dist/main.js migrate` on an empty DATA_DIR), so the migrations run unchanged, and is
// made again only when the PGlite version or the compiled migrations change (key.json records both).
//
//   node scripts/build-pglite-template.mjs [--force]
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DIST = join(ROOT, 'dist');
const TARGET = join(DIST, 'pglite-template');
const MIGRATIONS = join(DIST, 'db', 'migrations');

function pgliteVersion() {
  const entry = createRequire(join(ROOT, 'package.json')).resolve('@electric-sql/pglite');
  return JSON.parse(readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8')).version;
}

function migrationsHash() {
  const hash = createHash('sha256');
  for (const name of readdirSync(MIGRATIONS)
    .filter((n) => n.endsWith('.js'))
    .sort()) {
    hash
      .update(`${name}\0`)
      .update(readFileSync(join(MIGRATIONS, name)))
      .update('\0');
  }
  return hash.digest('hex');
}

function readKey() {
  try {
    return JSON.parse(readFileSync(join(TARGET, 'key.json'), 'utf8'));
  } catch {
    return undefined;
  }
}

/** Readable by whoever runs the product (a copy is made private in DATA_DIR); nothing in it is secret. */
function openUp(path) {
  const stat = statSync(path);
  chmodSync(path, stat.isDirectory() ? 0o755 : 0o644);
  if (stat.isDirectory()) for (const name of readdirSync(path)) openUp(join(path, name));
}

const key = { pglite: pgliteVersion(), migrations: migrationsHash() };
const current = readKey();
if (!process.argv.includes('--force') && current?.pglite === key.pglite && current?.migrations === key.migrations) process.exit(0);

const work = mkdtempSync(join(DIST, '.pglite-template-'));
try {
  const started = performance.now();
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'development', LOG_LEVEL: 'error', DATA_DIR: join(work, 'data') };
  const run = spawnSync(process.execPath, [join(DIST, 'main.js'), 'migrate'], { env, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`beta-suite migrate failed (${run.status ?? run.signal}):\n${run.stderr}`);
  const pgdata = join(work, 'data', 'pgdata');
  if (!existsSync(join(pgdata, 'PG_VERSION'))) throw new Error(`no cluster in ${pgdata}`);
  rmSync(join(pgdata, 'postmaster.pid'), { force: true });
  const next = join(work, 'pglite-template');
  mkdirSync(next);
  renameSync(pgdata, join(next, 'pgdata'));
  writeFileSync(join(next, 'key.json'), `${JSON.stringify(key, null, 2)}\n`);
  openUp(next);
  // Swap: a product starting meanwhile finds the old template, the new one, or none (and runs initdb).
  if (existsSync(TARGET)) renameSync(TARGET, join(work, 'old'));
  try {
    renameSync(next, TARGET);
  } catch (err) {
    // Another build (run at the same time) has just put its own in place: fine if it is the same.
    const theirs = readKey();
    if (theirs?.pglite !== key.pglite || theirs?.migrations !== key.migrations) throw err;
  }
  process.stderr.write(`pglite-template: built in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
