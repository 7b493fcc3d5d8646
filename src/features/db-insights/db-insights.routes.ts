// GET /api/admin/db/report: query statistics, slow queries with plans, verified index
// suggestions, schema health and pool state (admin scope, like every /api/admin path).
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { DbReportQuery, DbReportSchema } from './db-insights.schemas.js';
import type { DbInsights } from './db-insights.service.js';

export interface DbInsightsRouteDeps {
  insights: Pick<DbInsights, 'report'>;
}

export async function dbInsightsRoutes(fastify: FastifyInstance, deps: DbInsightsRouteDeps): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/api/admin/db/report',
    { schema: { querystring: DbReportQuery, response: { 200: DbReportSchema } } },
    async (_request, reply) => {
      const report = await deps.insights.report();
      return reply.header('cache-control', 'no-store').send(report);
    },
  );
}
