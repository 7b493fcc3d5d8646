// Health endpoints for load balancers (/healthz, /livez), people (/health/detailed) and
// monitoring systems (/health/metrics, /metrics).
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Metrics } from '../../core/metrics.js';
import { can, requireCapability } from '../../core/principal.js';
import type { PoolState, ProbeState } from '../../db/database.js';
import { buildHealthDocument } from './health-report.js';
import { ErrorShape, HealthDocumentSchema, MetricsReport, MetricsSeries, MetricsText, SeriesQuery, Verdict } from './health.schemas.js';
import type { HealthService } from './health.service.js';
import type { SystemSampler } from './system-stats.js';

export interface HealthRouteDeps {
  metrics: Metrics;
  sampler: SystemSampler;
  poolState(): PoolState;
  probeState(): ProbeState;
  /** True once shutdown has begun. */
  shuttingDown(): boolean;
  version: string;
  instanceId: string;
  /** Where rate-limit counters live now (memory while a configured Redis is unreachable). */
  rateLimitState?(): { store: 'redis' | 'memory'; fallback: boolean };
}

export async function healthRoutes(fastify: FastifyInstance, deps: HealthRouteDeps): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  // Answered from in-memory state only: the database probe runs in the background.
  app.get('/healthz', { schema: { tags: ['health'], response: { 200: Verdict, 503: Verdict } } }, async (_request, reply) => {
    void reply.header('cache-control', 'no-store');
    const ok = !deps.shuttingDown() && deps.probeState().reachable !== false;
    if (!ok) void reply.header('retry-after', '5');
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'pass' : 'fail' });
  });

  app.get('/livez', { schema: { tags: ['health'], response: { 200: Verdict } } }, async (_request, reply) => {
    void reply.header('cache-control', 'no-store');
    return { status: 'pass' as const };
  });

  app.get(
    '/health/detailed',
    { schema: { tags: ['health'], response: { 200: HealthDocumentSchema, 503: HealthDocumentSchema } } },
    async (request, reply) => {
      const withDetails = can(await request.principal().catch(() => undefined), 'monitor');
      const probe = deps.probeState();
      const document = buildHealthDocument(
        {
          now: new Date(),
          shuttingDown: deps.shuttingDown(),
          database: { kind: deps.poolState().kind, reachable: probe.reachable, latencyMs: probe.latencyMs, checkedAt: probe.checkedAt },
          pool: deps.poolState(),
          system: await deps.sampler.sample(),
          version: deps.version,
          instanceId: deps.instanceId,
          rateLimit: deps.rateLimitState?.(),
        },
        withDetails,
      );
      void reply.header('cache-control', 'no-store');
      return reply
        .code(document.status === 'fail' ? 503 : 200)
        .type('application/health+json')
        .send(document);
    },
  );

  app.get(
    '/health/metrics',
    {
      preHandler: requireCapability('monitor'),
      schema: { tags: ['health'], response: { 200: MetricsReport, 401: ErrorShape, 403: ErrorShape } },
    },
    async (_request, reply) => {
      const now = new Date();
      const snapshot = deps.metrics.snapshot(now.getTime());
      const probe = deps.probeState();
      const system = await deps.sampler.sample();
      void reply.header('cache-control', 'no-store');
      return {
        time: now.toISOString(),
        windowSeconds: snapshot.windowSeconds,
        requests: snapshot.requests,
        database: {
          kind: deps.poolState().kind,
          reachable: probe.reachable ?? null,
          probeLatencyMs: probe.latencyMs ?? null,
          total: snapshot.database.total,
          errors: snapshot.database.errors,
          queryTimeMs: snapshot.database.all,
          perType: snapshot.database.perType,
          pool: deps.poolState(),
        },
        system: { ...system, diskPercent: system.diskPercent ?? null, diskFreeBytes: system.diskFreeBytes ?? null },
      };
    },
  );

  app.get(
    '/metrics',
    {
      preHandler: requireCapability('monitor'),
      schema: { tags: ['health'], response: { 200: MetricsText, 401: ErrorShape, 403: ErrorShape } },
    },
    async (_request, reply) => {
      const body = await deps.metrics.registry.metrics();
      return reply.header('cache-control', 'no-store').type(deps.metrics.registry.contentType).send(body);
    },
  );
}

/** GET /api/admin/metrics/series: the collected `system_metrics` over the last hour, day or week, all instances together. */
export async function metricsSeriesRoutes(fastify: FastifyInstance, deps: { health: HealthService }): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/api/admin/metrics/series',
    { schema: { querystring: SeriesQuery, response: { 200: MetricsSeries } } },
    async (request, reply) => {
      void reply.header('cache-control', 'no-store');
      return deps.health.series(request.query.range);
    },
  );
}
