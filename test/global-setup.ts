// Once per test run: a migrated PGlite data directory (copied by each test file instead of
// initialising a new one) and, with TEST_DATABASE_URL, a migrated PostgreSQL template database.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { openDatabase } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { TEMPLATE_DATABASE, adminUrl, quietLogger, withDatabase } from './helpers/database-urls.js';

declare module 'vitest' {
  export interface ProvidedContext {
    pgliteTemplateDir: string;
    postgresTemplate: string | null;
  }
}

const POOL = { min: 0, max: 2, idleMs: 10_000, recycleS: 3600, acquireTimeoutMs: 10_000 };

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const root = await mkdtemp(join(tmpdir(), 'beta-suite-template-'));
  const template = await openDatabase({ databaseUrl: undefined, dataDir: root, pool: POOL, logger: quietLogger });
  await migrateToLatest(template.db);
  await template.close();
  project.provide('pgliteTemplateDir', root);

  const url = process.env.TEST_DATABASE_URL;
  let templateName: string | null = null;
  if (url) {
    templateName = `${TEMPLATE_DATABASE}_${process.pid}`;
    const admin = new pg.Client({ connectionString: adminUrl(url) });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${templateName}`);
    await admin.query(`CREATE DATABASE ${templateName}`);
    await admin.end();
    const db = await openDatabase({ databaseUrl: withDatabase(url, templateName), dataDir: root, pool: POOL, logger: quietLogger });
    await migrateToLatest(db.db);
    await db.close();
  }
  project.provide('postgresTemplate', templateName);

  return async () => {
    await rm(root, { recursive: true, force: true });
    if (url && templateName) {
      const admin = new pg.Client({ connectionString: adminUrl(url) });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS ${templateName} WITH (FORCE)`);
      await admin.end();
    }
  };
}
