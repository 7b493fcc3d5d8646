import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetrics } from '../../core/metrics.js';
import { systemMetricsRow } from '../../../test/helpers/system-metrics.js';
import { createTestDatabase, type TestDatabase } from '../../../test/helpers/test-database.js';
import { createCollector } from './collector.js';
import { createSystemSampler, type SystemSampler, type SystemStats } from './system-stats.js';

const silent = { warn: () => undefined, debug: () => undefined };
const DAY_MS = 86_400_000;

/** A sampler reading fixed figures, so the stored row can be checked value by value. */
const fixedSampler = (stats: Partial<SystemStats> = {}): SystemSampler => ({
  sample: () =>
    Promise.resolve({
      cpuPercent: 12.5,
      processCpuPercent: 3,
      memoryPercent: 43.2,
      memoryTotalBytes: 8e9,
      rssBytes: 123_456_789,
      heapUsedBytes: 23_456_789,
      diskPercent: 67.8,
      diskFreeBytes: 1e9,
      eventLoopLagMs: 1,
      eventLoopLagP99Ms: 3.4,
      uptimeSeconds: 60,
      ...stats,
    }),
  stop: () => undefined,
});

describe('metrics collector', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
    await t.database.probe();
  });
  afterAll(() => t.destroy());

  it('stores a system_metrics row per interval with request and pool figures', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const collector = createCollector({
      db: t.database.db,
      metrics,
      sampler: fixedSampler(),
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
    const [first, second] = await rows();
    expect(first).toMatchObject({
      request_count: 2,
      error_count: 1,
      db_reachable: true,
      cpu_percent: 12.5,
      memory_percent: 43.2,
      disk_percent: 67.8,
      event_loop_lag_ms: 3.4,
      http_p95_ms: 8,
    });
    expect(Number(first!.rss_bytes)).toBe(123_456_789);
    expect(Number(first!.heap_used_bytes)).toBe(23_456_789);
    // Requests are counted once: the next row holds only those since the first.
    expect(second).toMatchObject({ request_count: 0, error_count: 0 });
    const count = (await rows()).length;
    await new Promise((r) => setTimeout(r, 300));
    expect((await rows()).length).toBe(count);
  });

  it('prunes rows older than the retention period and keeps those within it', async () => {
    const now = new Date('2026-06-10T12:00:00.000Z');
    await t.database.db
      .insertInto('system_metrics')
      .values([
        systemMetricsRow('past-retention', new Date(now.getTime() - 2 * DAY_MS - 60_000)),
        systemMetricsRow('within-retention', new Date(now.getTime() - 2 * DAY_MS + 60_000)),
      ])
      .execute();
    const collector = createCollector({
      db: t.database.db,
      metrics: createMetrics({ defaultMetrics: false }),
      sampler: fixedSampler(),
      poolState: () => t.database.poolState(),
      probeState: () => t.database.probeState(),
      instanceId: 'pruner',
      intervalMs: 60_000,
      retentionMs: 2 * DAY_MS,
      logger: silent,
      now: () => now,
    });
    await collector.collect();
    const remaining = await t.database.db
      .selectFrom('system_metrics')
      .select('instance_id')
      .where('instance_id', 'in', ['past-retention', 'within-retention', 'pruner'])
      .orderBy('recorded_at')
      .execute();
    expect(remaining.map((r) => r.instance_id)).toEqual(['within-retention', 'pruner']);
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
