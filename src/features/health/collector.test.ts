import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetrics } from '../../core/metrics.js';
import { createTestDatabase, type TestDatabase } from '../../../test/helpers/test-database.js';
import { createCollector } from './collector.js';
import { createSystemSampler } from './system-stats.js';

const silent = { warn: () => undefined, debug: () => undefined };

describe('metrics collector', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
    await t.database.probe();
  });
  afterAll(() => t.destroy());

  it('stores a system_metrics row per interval with request and pool figures', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const sampler = createSystemSampler(t.dataDir, 0);
    const collector = createCollector({
      db: t.database.db,
      metrics,
      sampler,
      poolState: () => t.database.poolState(),
      probeState: () => t.database.probeState(),
      instanceId: 'collector-test',
      intervalMs: 100,
      retentionMs: 86_400_000,
      logger: silent,
    });
    metrics.recordRequest({ method: 'GET', route: '/a', status: 200, durationMs: 4 });
    metrics.recordRequest({ method: 'GET', route: '/a', status: 500, durationMs: 8 });
    collector.start();
    const rows = () =>
      t.database.db.selectFrom('system_metrics').selectAll().where('instance_id', '=', 'collector-test').orderBy('recorded_at').execute();
    await expect.poll(async () => (await rows()).length, { timeout: 5000 }).toBeGreaterThanOrEqual(2);
    await collector.stop();
    sampler.stop();
    const [first] = await rows();
    expect(first).toMatchObject({ request_count: 2, error_count: 1, db_reachable: true });
    expect(first!.http_p95_ms).toBe(8);
    expect(first!.memory_percent).toBeGreaterThan(0);
    expect(Number(first!.rss_bytes)).toBeGreaterThan(0);
    const count = (await rows()).length;
    await new Promise((r) => setTimeout(r, 300));
    expect((await rows()).length).toBe(count);
  });

  it('prunes rows older than the retention period', async () => {
    const old = new Date(Date.now() - 3 * 86_400_000);
    await t.database.db
      .insertInto('system_metrics')
      .values({
        recorded_at: old,
        instance_id: 'old',
        cpu_percent: 1,
        memory_percent: 1,
        rss_bytes: 1,
        heap_used_bytes: 1,
        event_loop_lag_ms: 1,
        request_count: 0,
        error_count: 0,
        request_rate: 0,
        http_p95_ms: 0,
        db_p95_ms: 0,
        db_reachable: true,
        pool_total: 0,
        pool_idle: 0,
        pool_waiting: 0,
      })
      .execute();
    const sampler = createSystemSampler(t.dataDir);
    const collector = createCollector({
      db: t.database.db,
      metrics: createMetrics({ defaultMetrics: false }),
      sampler,
      poolState: () => t.database.poolState(),
      probeState: () => t.database.probeState(),
      instanceId: 'pruner',
      intervalMs: 60_000,
      retentionMs: 2 * 86_400_000,
      logger: silent,
    });
    await collector.collect();
    sampler.stop();
    const remaining = await t.database.db
      .selectFrom('system_metrics')
      .select('instance_id')
      .where('instance_id', 'in', ['old', 'pruner'])
      .execute();
    expect(remaining.map((r) => r.instance_id)).toEqual(['pruner']);
  });

  it('hands every sample to onSample, also one it could not store', async () => {
    const sampler = createSystemSampler(t.dataDir);
    const metrics = createMetrics({ defaultMetrics: false });
    const seen: Array<{ request_count: number; http_mean_ms?: number | null; db_reachable: boolean }> = [];
    const warnings: string[] = [];
    const failing = {
      insertInto: () => {
        throw new Error('database unreachable');
      },
    } as unknown as typeof t.database.db;
    const collector = createCollector({
      db: failing,
      metrics,
      sampler,
      poolState: () => t.database.poolState(),
      probeState: () => ({ ...t.database.probeState(), reachable: false }),
      instanceId: 'unstored',
      intervalMs: 60_000,
      retentionMs: 86_400_000,
      logger: { warn: (_obj, msg) => warnings.push(msg), debug: () => undefined },
      onSample: (row) => seen.push(row),
    });
    metrics.recordRequest({ method: 'GET', route: '/a', status: 200, durationMs: 10 });
    metrics.recordRequest({ method: 'GET', route: '/a', status: 200, durationMs: 20 });
    await collector.collect();
    sampler.stop();
    expect(warnings).toEqual(['metrics collection failed']);
    expect(seen).toEqual([expect.objectContaining({ request_count: 2, http_mean_ms: 15, db_reachable: false })]);
  });
});
