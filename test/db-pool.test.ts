// The connection pool on the database under test: statements marked with `preparedStatement` are
// prepared once per connection, while every other way of querying a connection (pg-pool's own
// `query`, which passes a callback, as the embedded database's health probe does) works unchanged.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPool, preparedStatement, type ConnectionPool } from '../src/db/pool.js';
import { quietLogger } from './helpers/database-urls.js';
import { cloneTemplate, TEST_POOL, type TestDatabaseLocation } from './helpers/test-database.js';

const MARKED = preparedStatement('db_pool_test_sum', 'SELECT $1::int + $2::int AS sum');

let location: TestDatabaseLocation;
let pool: ConnectionPool;
beforeAll(async () => {
  location = await cloneTemplate();
  pool = await openPool({
    databaseUrl: location.databaseUrl,
    dataDir: location.dataDir,
    pool: { ...TEST_POOL, min: 0, max: 1 },
    logger: quietLogger,
  });
}, 60_000);
afterAll(async () => {
  await pool?.pg.end();
  await pool?.close();
  await location?.drop();
});

/** Rejects instead of hanging when a query never answers. */
function within<T>(promise: Promise<T>, ms = 5_000): Promise<T> {
  return Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms))]);
}

describe('the connection pool', () => {
  it('prepares a marked statement once on a connection, and sends anything else as it comes', async () => {
    const client = await pool.forKysely(() => false).connect();
    try {
      const prepared = async () =>
        (
          await client.query<{ name: string; runs: number }>(
            `SELECT name, (generic_plans + custom_plans)::int AS runs FROM pg_prepared_statements ORDER BY name`,
            [],
          )
        ).rows;
      expect(await prepared()).toEqual([]);
      expect((await client.query<{ sum: number }>(MARKED, [2, 3])).rows).toEqual([{ sum: 5 }]);
      expect((await client.query<{ sum: number }>(MARKED, [4, 5])).rows).toEqual([{ sum: 9 }]);
      expect(await prepared()).toEqual([{ name: 'db_pool_test_sum', runs: 2 }]);
      // The same text unmarked, with other spacing, is not prepared.
      expect((await client.query<{ sum: number }>('SELECT $1::int  + $2::int AS sum', [1, 1])).rows).toEqual([{ sum: 2 }]);
      expect((await prepared()).map((r) => r.name)).toEqual(['db_pool_test_sum']);
    } finally {
      client.release();
    }
  });

  it("still answers pg-pool's own callback-style queries on a connection that prepares", async () => {
    // max 1: this is the connection the test above checked out and prepared on.
    const { rows } = await within(pool.pg.query<{ one: number }>('SELECT 1 AS one'));
    expect(rows).toEqual([{ one: 1 }]);
    const marked = await within(pool.pg.query<{ sum: number }>(MARKED, [20, 22]));
    expect(marked.rows).toEqual([{ sum: 42 }]);
    const answered = await within(
      new Promise<number>((resolve, reject) =>
        pool.pg.query<{ sum: number }>(MARKED, [1, 2], (err, result) => (err ? reject(err) : resolve(result.rows[0]!.sum))),
      ),
    );
    expect(answered).toBe(3);
  });

  it('refuses to prepare two texts under one name, or one text under two names', () => {
    expect(preparedStatement('db_pool_test_sum', 'SELECT $1::int + $2::int AS sum')).toBe(MARKED);
    expect(() => preparedStatement('db_pool_test_sum', 'SELECT 2')).toThrow(/prepared twice/);
    expect(() => preparedStatement('db_pool_test_other', MARKED)).toThrow(/prepared twice/);
  });
});
