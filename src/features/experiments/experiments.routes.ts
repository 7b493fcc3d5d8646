// GET /api/admin/flags/:name/experiment: a flag's experiment results (admin routes are guarded centrally).
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { ExperimentParams, ExperimentQuery, ExperimentResponse } from './experiments.schemas.js';
import type { ExperimentsService } from './experiments.service.js';

export async function experimentsRoutes(fastify: FastifyInstance, deps: { experiments: ExperimentsService }): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/api/admin/flags/:name/experiment',
    { schema: { params: ExperimentParams, querystring: ExperimentQuery, response: { 200: ExperimentResponse } } },
    async (request, reply) => {
      const result = await deps.experiments.result(request.params.name, request.query.control);
      void reply.header('cache-control', 'no-store');
      return { ...result, since: result.since?.toISOString() ?? null };
    },
  );
}
