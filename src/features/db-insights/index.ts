// The database report's public surface: the insights service (query observer and report), the
// report as terminal text, and the plugin that serves the report and ties the observer to the pool.
import type { FastifyInstance } from 'fastify';
import type { QueryEvent } from '../../db/database.js';
import { dbInsightsRoutes } from './db-insights.routes.js';
import type { DbInsights } from './db-insights.service.js';

export { createDbInsights, type DbInsights, type DbInsightsDeps } from './db-insights.service.js';
export type { DbReport } from './db-report.js';
export { formatDbReport } from './report-text.js';

/**
 * GET /api/admin/db/report, and `insights` observing every query from registration until the app
 * closes; on close it stops observing and waits for the analysis under way.
 */
export async function dbInsightsPlugin(
  fastify: FastifyInstance,
  opts: { insights: DbInsights; observeQueries: (listener: (event: QueryEvent) => void) => () => void },
): Promise<void> {
  const { insights } = opts;
  const stopObservingQueries = opts.observeQueries((event) => insights.record(event));
  fastify.addHook('onClose', async () => {
    stopObservingQueries();
    await insights.stop();
  });
  await fastify.register(dbInsightsRoutes, { insights });
}
