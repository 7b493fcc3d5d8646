// Feedback over HTTP: public submission and statistics (CORS for configured origins), and the
// admin list, CSV export and analytics.
import cors, { type FastifyCorsOptionsDelegateCallback } from '@fastify/cors';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { decodeCursor, paginate } from '../../core/cursor.js';
import { csvExport } from '../../core/csv.js';
import { AppError } from '../../core/errors.js';
import { actorOf, isClientKey } from '../../core/principal.js';
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

/**
 * A credential presented with feedback must be valid (a page's client key, revoked or mistyped, is
 * refused rather than silently dropped); without one, feedback is anonymous as always.
 */
async function refuseInvalidKey(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  if (request.headers.authorization === undefined && request.headers['x-api-key'] === undefined) return;
  if ((await request.principal())?.kind === 'token') return;
  void reply.header('www-authenticate', 'Bearer');
  throw new AppError('UNAUTHORIZED', 'The key presented is unknown or revoked.');
}

/** The metadata stored: `client_key` names the client key the page sent it with, and only that. */
async function metadataOf(request: FastifyRequest, metadata: Record<string, unknown> | undefined) {
  const principal = await request.principal();
  const { client_key: _claimed, ...rest } = metadata ?? {};
  if (isClientKey(principal)) return { ...rest, client_key: principal.name };
  return metadata === undefined || !('client_key' in metadata) ? metadata : rest;
}

/** POST /api/feedback and GET /api/feedback/stats, in their own scope so CORS applies to them alone. */
async function publicFeedbackRoutes(publicScope: FastifyInstance, deps: FeedbackRouteDeps): Promise<void> {
  // The plugin's preflight route answers for every path: allow origins only on the public feedback routes.
  const delegator: FastifyCorsOptionsDelegateCallback = (request, callback) => {
    const open = deps.corsOrigins.length > 0 && /^\/api\/feedback(\/stats)?(\?|$)/.test(request.url);
    callback(null, {
      origin: open ? [...deps.corsOrigins] : false,
      methods: ['GET', 'POST'],
      allowedHeaders: ['authorization', 'content-type', 'idempotency-key'],
      exposedHeaders: ['retry-after', 'idempotent-replayed', 'x-request-id'],
      maxAge: 600,
    });
  };
  // Without CORS_ORIGINS no page may call: the plugin is not registered (see ofrep.routes.ts).
  if (deps.corsOrigins.length > 0) await publicScope.register(cors, () => delegator);
  const app = publicScope.withTypeProvider<TypeBoxTypeProvider>();

  app.post(
    '/api/feedback',
    {
      config: { rateLimit: { max: deps.rateLimitPerMin, timeWindow: 60_000 } },
      preValidation: refuseInvalidKey,
      schema: { headers: FeedbackSubmitHeaders, body: FeedbackBody, response: { 201: FeedbackCreated } },
    },
    async (request, reply) => {
      const key = request.headers['idempotency-key'];
      const metadata = await metadataOf(request, request.body.metadata);
      const input = metadata === undefined ? request.body : { ...request.body, metadata };
      const result = await deps.feedback.submit(input, key === undefined ? undefined : { key, caller: await callerOf(request) });
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
