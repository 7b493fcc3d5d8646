// The migrated PGlite cluster built with the package (`scripts/build-pglite-template.mjs`, run by
// `npm run build`): a fresh DATA_DIR starts as a copy of it instead of running initdb, which takes
// seconds and leaves the process about 800 MB large (WebAssembly memory never shrinks).
import { chmodSync, cpSync, existsSync, readFileSync, readdirSync, renameSync, rmdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { restrictDataDirContents } from './private-data-dir.js';

/** Where the build puts the cluster: `dist/pglite-template`, from both `src/db` and `dist/db`. */
export const SHIPPED_TEMPLATE_DIR = fileURLToPath(new URL('../../dist/pglite-template', import.meta.url));

/** What the build records beside the cluster (`key.json`). */
export interface TemplateKey {
  /** The PGlite version that made it: another one may not read its files. */
  pglite: string;
  /** Hash of the compiled migrations it holds (the build's staleness check). */
  migrations: string;
}

export type SeedResult =
  | { seeded: true; from: string }
  | { seeded: false; reason: 'existing cluster' | 'files without a cluster' | 'no shipped cluster' | 'made by another PGlite version' };

export function installedPgliteVersion(): string {
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  // …/node_modules/@electric-sql/pglite/dist/index.cjs
  const manifest = JSON.parse(readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8')) as { version: string };
  return manifest.version;
}

function readKey(templateDir: string): TemplateKey | undefined {
  try {
    return JSON.parse(readFileSync(join(templateDir, 'key.json'), 'utf8')) as TemplateKey;
  } catch {
    return undefined;
  }
}

/**
 * Copies the shipped cluster into `pgdata` when that holds no cluster yet. The copy is made beside it
 * and renamed into place, so a start interrupted half-way leaves no half cluster behind; the template
 * itself is only read. The caller holds the DATA_DIR lock.
 */
export function seedFromTemplate(pgdata: string, templateDir = SHIPPED_TEMPLATE_DIR): SeedResult {
  if (existsSync(join(pgdata, 'PG_VERSION'))) return { seeded: false, reason: 'existing cluster' };
  // Whatever is there (an initdb that never finished) is left to PGlite, as before.
  if (existsSync(pgdata) && readdirSync(pgdata).length > 0) return { seeded: false, reason: 'files without a cluster' };
  const source = join(templateDir, 'pgdata');
  const key = readKey(templateDir);
  if (key === undefined || !existsSync(join(source, 'PG_VERSION'))) return { seeded: false, reason: 'no shipped cluster' };
  if (key.pglite !== installedPgliteVersion()) return { seeded: false, reason: 'made by another PGlite version' };
  const partial = `${pgdata}.partial`;
  rmSync(partial, { recursive: true, force: true });
  try {
    cpSync(source, partial, { recursive: true, errorOnExist: true, force: false });
    // The template is readable by all; its copy is the owner's alone before it holds any data.
    chmodSync(partial, 0o700);
    restrictDataDirContents(partial);
    // An empty `pgdata` would block the rename (rmdir removes only an empty folder).
    if (existsSync(pgdata)) rmdirSync(pgdata);
    renameSync(partial, pgdata);
  } finally {
    rmSync(partial, { recursive: true, force: true });
  }
  return { seeded: true, from: templateDir };
}
