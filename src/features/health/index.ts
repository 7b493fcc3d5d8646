// Health monitoring's public surface: one plugin serving the probes, reports and metrics series, and
// running the background collector and the database probe.
import type { FastifyInstance } from 'fastify';
import { Gauge } from 'prom-client';
import type { Clock } from '../../core/clock.js';
import type { Metrics } from '../../core/metrics.js';
import type { Database } from '../../db/database.js';
import { createCollector } from './collector.js';
import type { SystemMetricsRow } from './health.repository.js';
import { healthRoutes, metricsSeriesRoutes } from './health.routes.js';
import { createHealthService } from './health.service.js';
import { createSystemSampler } from './system-stats.js';

export type { SystemMetricsRow } from './health.repository.js';

export interface HealthPluginOptions {
  database: Pick<Database, 'db' | 'poolState' | 'probeState' | 'startProbe'>;
  metrics: Metrics;
  /** True once shutdown has begun (/healthz then fails). */
  shuttingDown: () => boolean;
  version: string;
  instanceId: string;
  rateLimitState: () => { store: 'redis' | 'memory'; fallback: boolean };
  /** The disk holding this directory is the one reported. */
  dataDir: string;
  intervalS: number;
  retentionDays: number;
  probeIntervalMs: number;
  /** Collect samples and probe the database (off in most tests). */
  background: boolean;
  clock: Clock;
  logger: { warn(obj: object, msg: string): void; debug(obj: object, msg: string): void };
  /** Told of every sample taken, stored or not (alerting runs on it). */
  onSample: (row: SystemMetricsRow) => void;
}

export async function healthPlugin(fastify: FastifyInstance, opts: HealthPluginOptions): Promise<void> {
  const { database, metrics } = opts;
  const sampler = createSystemSampler(opts.dataDir);
  registerPoolGauges(opts);
  await fastify.register(healthRoutes, {
    metrics,
    sampler,
    poolState: () => database.poolState(),
    probeState: () => database.probeState(),
    shuttingDown: opts.shuttingDown,
    version: opts.version,
    instanceId: opts.instanceId,
    rateLimitState: opts.rateLimitState,
  });
  await fastify.register(metricsSeriesRoutes, { health: createHealthService({ db: database.db, clock: opts.clock }) });

  const collector = createCollector({
    db: database.db,
    metrics,
    sampler,
    poolState: () => database.poolState(),
    probeState: () => database.probeState(),
    instanceId: opts.instanceId,
    intervalMs: opts.intervalS * 1000,
    retentionMs: opts.retentionDays * 86_400_000,
    logger: opts.logger,
    onSample: opts.onSample,
  });
  if (opts.background) {
    fastify.addHook('onReady', async () => {
      database.startProbe(opts.probeIntervalMs);
      collector.start();
    });
  }
  fastify.addHook('onClose', async () => {
    if (opts.background) await collector.stop();
    sampler.stop();
  });
}

/** Pool and reachability as Prometheus gauges, read at scrape time. */
function registerPoolGauges({ database, metrics }: Pick<HealthPluginOptions, 'database' | 'metrics'>): void {
  new Gauge({
    name: 'db_pool_connections',
    help: 'Database pool connections by state',
    labelNames: ['state'] as const,
    registers: [metrics.registry],
    collect() {
      const pool = database.poolState();
      this.set({ state: 'in_use' }, pool.inUse);
      this.set({ state: 'idle' }, pool.idle);
      this.set({ state: 'waiting' }, pool.waiting);
      this.set({ state: 'max' }, pool.max);
    },
  });
  new Gauge({
    name: 'db_reachable',
    help: '1 while the background probe reaches the database',
    registers: [metrics.registry],
    collect() {
      this.set(database.probeState().reachable === true ? 1 : 0);
    },
  });
}
