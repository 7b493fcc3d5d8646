// Background collection: one `system_metrics` row per interval, rows past retention pruned.
// Failures (a database outage) are logged and the next tick tries again.
import type { Kysely } from 'kysely';
import type { Clock } from '../../core/clock.js';
import { createJob } from '../../core/jobs.js';
import type { Metrics } from '../../core/metrics.js';
import type { PoolState, ProbeState } from '../../db/database.js';
import type { DatabaseSchema } from '../../db/schema.js';
import { insertSystemMetrics, pruneSystemMetrics, type SystemMetricsRow } from './health.repository.js';
import type { SystemSampler } from './system-stats.js';

export interface CollectorDeps {
  db: Kysely<DatabaseSchema>;
  metrics: Metrics;
  sampler: SystemSampler;
  poolState(): PoolState;
  probeState(): ProbeState;
  instanceId: string;
  intervalMs: number;
  retentionMs: number;
  logger: { warn(obj: object, msg: string): void; debug(obj: object, msg: string): void };
  now?: Clock;
  /** Told of every sample taken, whether or not it could be stored (alerting runs on it). */
  onSample?(row: SystemMetricsRow): void;
}

export interface Collector {
  start(): void;
  /** Writes one row now (also used as the final flush at shutdown). */
  collect(): Promise<void>;
  /** Stops the timer and writes a last row. */
  stop(): Promise<void>;
}

export function createCollector(deps: CollectorDeps): Collector {
  const now = deps.now ?? (() => new Date());
  const initial = deps.metrics.snapshot().requests;
  let lastTotals = { requests: initial.total, errors: initial.errors5xx };
  let lastAt = Date.now();

  async function collectOnce(): Promise<void> {
    const at = now();
    const snapshot = deps.metrics.snapshot(at.getTime());
    const system = await deps.sampler.sample();
    const pool = deps.poolState();
    const elapsedS = Math.max(0.001, (Date.now() - lastAt) / 1000);
    const requestCount = snapshot.requests.total - lastTotals.requests;
    const errorCount = snapshot.requests.errors5xx - lastTotals.errors;
    const row: SystemMetricsRow = {
      recorded_at: at,
      instance_id: deps.instanceId,
      cpu_percent: system.cpuPercent,
      memory_percent: system.memoryPercent,
      rss_bytes: system.rssBytes,
      heap_used_bytes: system.heapUsedBytes,
      disk_percent: system.diskPercent ?? null,
      event_loop_lag_ms: system.eventLoopLagP99Ms,
      request_count: requestCount,
      error_count: errorCount,
      request_rate: Math.round((requestCount / elapsedS) * 100) / 100,
      http_p95_ms: snapshot.requests.responseTimeMs.p95,
      http_mean_ms: snapshot.requests.responseTimeMs.mean,
      db_p95_ms: snapshot.database.all.p95,
      db_reachable: deps.probeState().reachable === true,
      pool_total: pool.total,
      pool_idle: pool.idle,
      pool_waiting: pool.waiting,
    };
    try {
      await insertSystemMetrics(deps.db, row);
      lastTotals = { requests: snapshot.requests.total, errors: snapshot.requests.errors5xx };
      lastAt = Date.now();
      const pruned = await pruneSystemMetrics(deps.db, new Date(at.getTime() - deps.retentionMs));
      if (pruned > 0) deps.logger.debug({ pruned }, 'pruned old system metrics');
    } catch (err) {
      deps.logger.warn({ err: { message: (err as Error).message } }, 'metrics collection failed');
    }
    deps.onSample?.(row);
  }

  const job = createJob({ name: 'collect system metrics', intervalMs: deps.intervalMs, run: collectOnce }, deps.logger);
  return {
    start: () => void job.start(),
    collect: () => job.runNow(),
    async stop() {
      await job.stop();
      await job.runNow();
    },
  };
}
