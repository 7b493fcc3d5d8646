// Query timing and row counts as the metrics and observers see them, on a pool of one connection so
// that queries queue for it, on PGlite or (with TEST_DATABASE_URL) PostgreSQL.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quietLogger } from '../../test/helpers/database-urls.js';
import { cloneTemplate, type TestDatabaseLocation } from '../../test/helpers/test-database.js';
import { openDatabase, type Database, type QueryEvent } from './database.js';
import { DIAGNOSTIC_QUERY_MARKER } from './query-instrumentation.js';

describe('query instrumentation', () => {
  let location: TestDatabaseLocation;
  let database: Database;
  const metrics: Array<{ type: string; failed: boolean; sql: string }> = [];

  beforeAll(async () => {
    location = await cloneTemplate();
    database = await openDatabase({
      databaseUrl: location.databaseUrl,
      dataDir: location.dataDir,
      pool: { min: 0, max: 1, idleMs: 10_000, recycleS: 3600, acquireTimeoutMs: 10_000 },
      logger: quietLogger,
      onQuery: (type, _ms, failed, text) => metrics.push({ type, failed, sql: text }),
    });
    await sql`CREATE TABLE instrumented (id int PRIMARY KEY)`.execute(database.db);
  });
  afterAll(async () => {
    await database?.close();
    await location?.drop();
  });

  async function observe(run: () => Promise<unknown>): Promise<QueryEvent[]> {
    const events: QueryEvent[] = [];
    const stop = database.observeQueries((e) => events.push(e));
    try {
      await run();
    } finally {
      stop();
    }
    return events;
  }

  it('counts rows returned by reads and rows affected by writes', async () => {
    const events = await observe(async () => {
      await sql`SELECT g FROM generate_series(1, 3) g`.execute(database.db);
      await sql`INSERT INTO instrumented VALUES (1), (2)`.execute(database.db);
      await sql`UPDATE instrumented SET id = id + 10`.execute(database.db);
    });
    expect(events.map((e) => [e.type, e.rows, e.failed])).toEqual([
      ['SELECT', 3, false],
      ['INSERT', 2, false],
      ['UPDATE', 2, false],
    ]);
  });

  it('reports failed queries, without a row count, to the metrics and observers', async () => {
    metrics.length = 0;
    const events = await observe(() => sql`SELECT no_such_column FROM instrumented`.execute(database.db).catch(() => undefined));
    expect(events).toMatchObject([{ type: 'SELECT', failed: true, rows: undefined }]);
    expect(metrics).toMatchObject([{ type: 'SELECT', failed: true }]);
  });

  it('reports the transaction statements the driver sends itself', async () => {
    const events = await observe(() => database.db.transaction().execute((trx) => sql`SELECT 1`.execute(trx)));
    expect(events.map((e) => e.sql.toLowerCase())).toEqual(['begin', 'select 1', 'commit']);
  });

  it('times the statement alone, not the wait for a connection', async () => {
    const events = await observe(() =>
      Promise.all([sql`SELECT pg_sleep(0.3)`.execute(database.db), sql`SELECT 2 AS queued`.execute(database.db)]),
    );
    const queued = events.find((e) => e.sql.includes('queued'));
    expect(events.find((e) => e.sql.includes('pg_sleep'))!.durationMs).toBeGreaterThanOrEqual(290);
    expect(queued!.durationMs).toBeLessThan(150);
  });

  it('leaves diagnostic queries out of the metrics but shows them to observers', async () => {
    metrics.length = 0;
    const events = await observe(() => sql.raw(`${DIAGNOSTIC_QUERY_MARKER} SELECT 1`).execute(database.db));
    expect(events).toHaveLength(1);
    expect(metrics).toEqual([]);
  });

  it('stops calling an observer once it stops observing', async () => {
    const events: QueryEvent[] = [];
    database.observeQueries((e) => events.push(e))();
    await sql`SELECT 1`.execute(database.db);
    expect(events).toEqual([]);
  });
});
