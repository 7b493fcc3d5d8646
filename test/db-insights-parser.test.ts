// The SQL parser behind query shapes is not loaded when the database insights start: statements are
// grouped roughly until the first slow statement or the first read of the report loads it, then
// counted under pg_query shapes, those recorded before included. Each test starts from freshly
// evaluated modules, so the parser starts unloaded.
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { quietLogger } from './helpers/database-urls.js';
import type * as Fingerprint from '../src/features/db-insights/fingerprint.js';
import type * as Insights from '../src/features/db-insights/index.js';
import { TEST_DATABASE_KIND, createTestDatabase, type TestDatabase } from './helpers/test-database.js';

describe(`the query parser of the database report (${TEST_DATABASE_KIND})`, () => {
  let testDb: TestDatabase;
  let m: typeof Insights & typeof Fingerprint;

  beforeAll(async () => {
    testDb = await createTestDatabase();
  });
  afterAll(async () => {
    await testDb?.destroy();
  });
  beforeEach(async () => {
    vi.resetModules();
    m = { ...(await import('../src/features/db-insights/index.js')), ...(await import('../src/features/db-insights/fingerprint.js')) };
  });

  async function insightsWith(slowQueryMs: number) {
    const { database } = testDb;
    const insights = await m.createDbInsights({
      db: database.db,
      kind: database.kind,
      poolState: () => database.poolState(),
      slowQueryMs,
      cooldownMs: 3_600_000,
      explainTimeoutMs: 10_000,
      logger: quietLogger,
    });
    const stopObserving = database.observeQueries((event) => insights.record(event));
    return {
      insights,
      stop: async () => {
        stopObserving();
        await insights.stop();
      },
    };
  }

  const audit = (action: string) => sql`SELECT count(*) AS n FROM audit_log WHERE action = ${action}`.execute(testDb.database.db);

  it('is not loaded by creating the insights and recording queries; reading the report loads it', async () => {
    const { insights, stop } = await insightsWith(60_000);
    try {
      await audit('lazy.one');
      await audit('lazy.two');
      await insights.idle();
      expect(m.parserLoaded()).toBe(false);

      const r = await insights.report();
      expect(m.parserLoaded()).toBe(true);
      const shapes = r.top_shapes.filter((s) => s.query.includes('audit_log'));
      expect(shapes.map((s) => [s.query, s.calls])).toEqual([['SELECT count(*) AS n FROM audit_log WHERE action = $1', 2]]);
      expect(shapes[0]!.fingerprint).toMatch(/^[0-9a-f]{16}$/);

      await audit('lazy.three');
      await insights.idle();
      const again = await insights.report();
      expect(again.top_shapes.filter((s) => s.query.includes('audit_log')).map((s) => [s.fingerprint, s.calls])).toEqual([
        [shapes[0]!.fingerprint, 3],
      ]);
    } finally {
      await stop();
    }
  });

  it('is loaded by the first slow statement, which is analysed under its pg_query shape', async () => {
    const { insights, stop } = await insightsWith(0);
    try {
      expect(m.parserLoaded()).toBe(false);
      await audit('lazy.slow');
      await insights.idle();
      expect(m.parserLoaded()).toBe(true);

      const r = await insights.report();
      const slow = r.slow_queries.find((q) => q.query.includes('audit_log'))!;
      expect(slow.fingerprint).toMatch(/^[0-9a-f]{16}$/);
      expect(slow.explained).toBe('analyze');
      expect(r.top_shapes.find((s) => s.fingerprint === slow.fingerprint)).toMatchObject({ calls: 1, slow: 1 });
    } finally {
      await stop();
    }
  });
});
