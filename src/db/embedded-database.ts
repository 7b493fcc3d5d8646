// The embedded database: PGlite (PostgreSQL in WebAssembly) in DATA_DIR/pgdata. Imported only when no
// DATABASE_URL is set, so a PostgreSQL deployment never loads it. A fresh DATA_DIR starts from the
// migrated cluster built with the package, and PostgreSQL's memory settings suit a small host.
import { join } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import type { PGlitePgConfig } from '@electric-sql/pglite/node-postgres';
import { useBaselineWasmTier } from '../core/wasm.js';
import type { DatabaseLogger } from './database-logger.js';
import { lockDataDir } from './data-dir-lock.js';
import { seedFromTemplate } from './pglite-template.js';
import { makeDataDirPrivate, restrictDataDirContents } from './private-data-dir.js';

const PGLITE_SUBDIR = 'pgdata';

/**
 * WebAssembly memory only grows, so whatever PostgreSQL touches once stays resident. Its default
 * 128 MB of shared buffers are touched at start-up (about 140 MB of the process's size); 16 MB hold
 * this product's working set, and the operating system's page cache serves the rest of the files.
 * Sorts and index builds beyond these limits spill to temporary files instead of growing the heap for
 * good. One connection (`--single`) needs no room for a hundred.
 */
export const EMBEDDED_SETTINGS: readonly string[] = [
  'shared_buffers=16MB',
  'work_mem=2MB',
  'maintenance_work_mem=16MB',
  'temp_buffers=2MB',
  'max_connections=4',
];

export interface EmbeddedDatabase {
  pglite: PGlite;
  /** A `pg.Pool` configuration whose connections go to `pglite`. */
  poolConfig: PGlitePgConfig;
  /** Releases DATA_DIR once PGlite is closed. */
  unlock: () => void;
}

/** A new DATA_DIR starts as a copy of the shipped cluster; without a usable one, PGlite runs initdb. */
function seedCluster(pgdata: string, logger: DatabaseLogger): void {
  let reason: string;
  try {
    const seed = seedFromTemplate(pgdata);
    if (seed.seeded) {
      logger.info({ template: seed.from }, 'new embedded database copied from the shipped cluster');
      return;
    }
    if (seed.reason === 'existing cluster') return;
    reason = seed.reason;
  } catch (err) {
    reason = (err as Error).message;
  }
  logger.warn({ reason }, 'new embedded database: running initdb (slower, and about 800 MB of memory at its peak)');
}

export async function openEmbeddedDatabase(dataDir: string, logger: DatabaseLogger): Promise<EmbeddedDatabase> {
  makeDataDirPrivate(dataDir);
  const unlock = lockDataDir(dataDir);
  let pglite: PGlite | undefined;
  try {
    const pgdata = join(dataDir, PGLITE_SUBDIR);
    seedCluster(pgdata, logger);
    useBaselineWasmTier();
    const [{ PGlite }, { createPgConfig }] = await Promise.all([
      import('@electric-sql/pglite'),
      import('@electric-sql/pglite/node-postgres'),
    ]);
    const settings = EMBEDDED_SETTINGS.flatMap((setting) => ['-c', setting]);
    pglite = await PGlite.create(pgdata, { startParams: [...PGlite.defaultStartParams, ...settings] });
    // After every start, not only the first: PGlite rewrites some files with open modes as it starts.
    restrictDataDirContents(dataDir);
    return { pglite, poolConfig: createPgConfig(pglite), unlock };
  } catch (err) {
    await pglite?.close().catch(() => undefined);
    unlock();
    throw err;
  }
}
