// A fresh database per test file, cloned from the migrated template: a copied PGlite data
// directory, or (with TEST_DATABASE_URL) `CREATE DATABASE … TEMPLATE` on PostgreSQL.
import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';
import type { QueryType } from '../../src/core/metrics.js';
import { openDatabase, type Database } from '../../src/db/database.js';
import { LOCK_FILE } from '../../src/db/data-dir-lock.js';
import { adminUrl, quietLogger, withDatabase } from './database-urls.js';

export type DatabaseKind = 'pglite' | 'postgres';

/** The kind this run tests: PostgreSQL when TEST_DATABASE_URL is set, else embedded PGlite. */
export const TEST_DATABASE_KIND: DatabaseKind = process.env.TEST_DATABASE_URL ? 'postgres' : 'pglite';

export interface TestDatabaseLocation {
  kind: DatabaseKind;
  /** A private DATA_DIR (holds the PGlite copy, or stays empty on PostgreSQL). */
  dataDir: string;
  /** Set on PostgreSQL. */
  databaseUrl: string | undefined;
  drop(): Promise<void>;
}

/** Clones the template without opening it (child-process tests open it themselves). */
export async function cloneTemplate(): Promise<TestDatabaseLocation> {
  const dataDir = await mkdtemp(join(tmpdir(), 'beta-suite-test-'));
  const url = process.env.TEST_DATABASE_URL;
  const template = inject('postgresTemplate');
  if (url && template) {
    const name = `beta_suite_test_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: adminUrl(url) });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${name} TEMPLATE ${template}`);
    } finally {
      await admin.end();
    }
    return {
      kind: 'postgres',
      dataDir,
      databaseUrl: withDatabase(url, name),
      async drop() {
        const a = new pg.Client({ connectionString: adminUrl(url) });
        await a.connect();
        await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await a.end();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  }
  await cp(inject('pgliteTemplateDir'), dataDir, { recursive: true, filter: (src) => !src.endsWith(LOCK_FILE) });
  return {
    kind: 'pglite',
    dataDir,
    databaseUrl: undefined,
    drop: () => rm(dataDir, { recursive: true, force: true }),
  };
}

export interface TestDatabase extends TestDatabaseLocation {
  database: Database;
  /** Closes the connection and removes the clone. */
  destroy(): Promise<void>;
}

export const TEST_POOL = { min: 1, max: 5, idleMs: 10_000, recycleS: 3600, acquireTimeoutMs: 5_000 };

export async function createTestDatabase(onQuery?: (type: QueryType, ms: number, failed: boolean) => void): Promise<TestDatabase> {
  const location = await cloneTemplate();
  const database = await openDatabase({
    databaseUrl: location.databaseUrl,
    dataDir: location.dataDir,
    pool: TEST_POOL,
    logger: quietLogger,
    onQuery,
  });
  return {
    ...location,
    database,
    async destroy() {
      await database.close();
      await location.drop();
    },
  };
}
