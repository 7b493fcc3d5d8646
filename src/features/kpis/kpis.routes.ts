// GET /api/admin/kpis (the success metrics over a window) and GET /api/admin/alerts.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { AlertList, AlertQuery, KpiQuery, KpiReport } from './kpis.schemas.js';
import type { KpisService } from './kpis.service.js';

export interface KpisRouteDeps {
  kpis: KpisService;
}

/** Alerts listed at most, newest first. */
const ALERT_LIST_LIMIT = 200;

export async function kpisRoutes(fastify: FastifyInstance, deps: KpisRouteDeps): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  app.get('/api/admin/kpis', { schema: { querystring: KpiQuery, response: { 200: KpiReport } } }, async (request, reply) => {
    void reply.header('cache-control', 'no-store');
    return deps.kpis.report(request.query.window);
  });

  app.get('/api/admin/alerts', { schema: { querystring: AlertQuery, response: { 200: AlertList } } }, async (request, reply) => {
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
  });
}
