// Feedback over HTTP: public submission and statistics (CORS for configured origins), and the
// admin list, CSV export and analytics.
import cors, { type FastifyCorsOptionsDelegateCallback } from '@fastify/cors';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { decodeCursor, paginate } from '../../core/cursor.js';
import { csvExport } from '../../core/csv.js';
import { actorOf } from '../../core/principal.js';
import {
  FeedbackAnalyticsResponse,
  FeedbackBody,
  FeedbackCreated,
  FeedbackDeleted,
  FeedbackFilterQuery,
  FeedbackListQuery,
  FeedbackListResponse,
  FeedbackParams,
  FeedbackStats,
  FeedbackSubmitHeaders,
} from './feedback.schemas.js';
import { presentFeedback, type FeedbackFilter, type FeedbackService } from './feedback.service.js';

export interface FeedbackRouteDeps {
  feedback: FeedbackService;
  corsOrigins: readonly string[];
  rateLimitPerMin: number;
}

interface FilterQuery {
  rating?: number;
  feature?: string;
  from?: string;
  to?: string;
  user?: string;
  q?: string;
}

const filterOf = (q: FilterQuery): Omit<FeedbackFilter, 'limit' | 'before'> => ({
  rating: q.rating,
  feature: q.feature,
  from: q.from === undefined ? undefined : new Date(q.from),
  to: q.to === undefined ? undefined : new Date(q.to),
  userId: q.user,
  q: q.q,
});

export const FEEDBACK_CSV_COLUMNS = [
  'id',
  'created_at',
  'rating',
  'feature',
  'email',
  'user_id',
  'comment',
  'metadata',
  'variants',
] as const;

/** Who sent a retry key: the credential presented (when valid), else the client's address. */
async function callerOf(request: FastifyRequest): Promise<string> {
  const principal = await request.principal();
  if (principal?.kind === 'token') return `token:${principal.id}`;
  if (principal?.kind === 'session') return `session:${principal.email}`;
  return `address:${request.ip}`;
}

/** POST /api/feedback and GET /api/feedback/stats, in their own scope so CORS applies to them alone. */
async function publicFeedbackRoutes(publicScope: FastifyInstance, deps: FeedbackRouteDeps): Promise<void> {
  // The plugin's preflight route answers for every path: allow origins only on the public feedback routes.
  const delegator: FastifyCorsOptionsDelegateCallback = (request, callback) => {
    const open = deps.corsOrigins.length > 0 && /^\/api\/feedback(\/stats)?(\?|$)/.test(request.url);
    callback(null, {
      origin: open ? [...deps.corsOrigins] : false,
      methods: ['GET', 'POST'],
      allowedHeaders: ['content-type', 'idempotency-key', 'authorization'],
      exposedHeaders: ['retry-after', 'idempotent-replayed', 'x-request-id'],
      maxAge: 600,
    });
  };
  await publicScope.register(cors, () => delegator);
  const app = publicScope.withTypeProvider<TypeBoxTypeProvider>();

  app.post(
    '/api/feedback',
    {
      config: { rateLimit: { max: deps.rateLimitPerMin, timeWindow: 60_000 } },
      schema: { headers: FeedbackSubmitHeaders, body: FeedbackBody, response: { 201: FeedbackCreated } },
    },
    async (request, reply) => {
      const key = request.headers['idempotency-key'];
      const result = await deps.feedback.submit(request.body, key === undefined ? undefined : { key, caller: await callerOf(request) });
      if (result.replayed) void reply.header('idempotent-replayed', 'true');
      return reply.code(201).send(result.body);
    },
  );

  app.get('/api/feedback/stats', { schema: { response: { 200: FeedbackStats } } }, async (_request, reply) => {
    const { split: _split, ...stats } = await deps.feedback.stats();
    return reply.header('cache-control', 'public, max-age=5').send(stats);
  });
}

/** The console's list, removal, CSV export and analytics. */
async function adminFeedbackRoutes(fastify: FastifyInstance, deps: FeedbackRouteDeps): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    '/api/admin/feedback',
    { schema: { querystring: FeedbackListQuery, response: { 200: FeedbackListResponse } } },
    async (request) => {
      const q = request.query;
      const rows = await deps.feedback.list({ ...filterOf(q), before: decodeCursor(q.cursor), limit: q.limit + 1 });
      const page = paginate(rows, q.limit, (f) => ({ at: f.created_at, id: f.id }));
      return { ...page, items: page.items.map(presentFeedback) };
    },
  );

  app.delete(
    '/api/admin/feedback/:id',
    { schema: { params: FeedbackParams, response: { 204: FeedbackDeleted } } },
    async (request, reply) => {
      await deps.feedback.remove(request.params.id, await actorOf(request));
      return reply.code(204).send(null);
    },
  );

  app.get('/api/admin/feedback.csv', { schema: { querystring: FeedbackFilterQuery } }, async (request, reply) =>
    reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', 'attachment; filename="beta-feedback.csv"')
      .header('cache-control', 'no-store')
      .send(
        csvExport(FEEDBACK_CSV_COLUMNS, deps.feedback.exportAll(filterOf(request.query)), (f) => FEEDBACK_CSV_COLUMNS.map((c) => f[c])),
      ),
  );

  app.get('/api/admin/feedback/analytics', { schema: { response: { 200: FeedbackAnalyticsResponse } } }, async () => deps.feedback.stats());
}

export async function feedbackRoutes(fastify: FastifyInstance, deps: FeedbackRouteDeps): Promise<void> {
  await fastify.register(async (publicScope) => publicFeedbackRoutes(publicScope, deps));
  await adminFeedbackRoutes(fastify, deps);
}
