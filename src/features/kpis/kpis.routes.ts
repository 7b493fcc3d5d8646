// GET /api/admin/kpis (the success metrics over a window) and GET /api/admin/alerts.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { KpisService } from './kpis.service.js';

export interface KpisRouteDeps {
  kpis: KpisService;
}

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);

const Kpi = Type.Object({
  key: Type.String(),
  label: Type.String(),
  value: Nullable(Type.Number()),
  unit: Type.String(),
  target: Type.String(),
  status: Type.Union([Type.Literal('pass'), Type.Literal('warn'), Type.Literal('fail'), Type.Literal('no_data')]),
  series: Type.Array(Type.Object({ t: Type.String(), v: Nullable(Type.Number()) })),
});

const KpiReport = Type.Object({
  window: Type.String(),
  from: Type.String(),
  to: Type.String(),
  kpis: Type.Array(Kpi),
  instances: Type.Array(Type.Object({ instance_id: Type.String(), uptime_pct: Nullable(Type.Number()), samples: Type.Integer() })),
  flags: Type.Array(
    Type.Object({ name: Type.String(), evaluations: Type.Number(), true_share: Nullable(Type.Number()), testers_reached: Type.Integer() }),
  ),
  console_usage: Type.Array(Type.Object({ email: Type.String(), day: Type.String(), page_views: Type.Number(), actions: Type.Number() })),
});

const Alert = Type.Object({
  id: Type.String(),
  rule: Type.String(),
  instance_id: Type.String(),
  state: Type.Union([Type.Literal('open'), Type.Literal('resolved')]),
  value: Type.Number(),
  threshold: Type.Number(),
  message: Type.String(),
  first_seen: Type.String(),
  last_seen: Type.String(),
  resolved_at: Nullable(Type.String()),
});

/** Alerts listed at most, newest first. */
const ALERT_LIST_LIMIT = 200;

export async function kpisRoutes(fastify: FastifyInstance, deps: KpisRouteDeps): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    '/api/admin/kpis',
    {
      schema: {
        querystring: Type.Object(
          { window: Type.Union([Type.Literal('24h'), Type.Literal('7d'), Type.Literal('30d')], { default: '24h' }) },
          { additionalProperties: false },
        ),
        response: { 200: KpiReport },
      },
    },
    async (request, reply) => {
      void reply.header('cache-control', 'no-store');
      return deps.kpis.report(request.query.window);
    },
  );

  app.get(
    '/api/admin/alerts',
    {
      schema: {
        querystring: Type.Object(
          { state: Type.Union([Type.Literal('open'), Type.Literal('resolved'), Type.Literal('all')], { default: 'all' }) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ alerts: Type.Array(Alert) }) },
      },
    },
    async (request, reply) => {
      void reply.header('cache-control', 'no-store');
      const rows = await deps.kpis.alerts(request.query.state, ALERT_LIST_LIMIT);
      return {
        alerts: rows.map((r) => ({
          ...r,
          first_seen: r.first_seen.toISOString(),
          last_seen: r.last_seen.toISOString(),
          resolved_at: r.resolved_at?.toISOString() ?? null,
        })),
      };
    },
  );
}
