// Flag administration API (admin scope): create, read with adoption figures, edit with optional
// optimistic concurrency (If-Match: <version>), toggle, delete, and "why does this user get this?".
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Clock } from '../../core/clock.js';
import { actorOf } from '../../core/principal.js';
import type { Condition, EvaluationContext } from './conditions.js';
import {
  ContextAttributesResponse,
  FlagCreateBody,
  FlagDetailResponse,
  FlagExplainBody,
  FlagExplanation,
  FlagExportDocument,
  FlagImportBody,
  FlagImportQuery,
  FlagImportResponse,
  FlagListResponse,
  FlagOut,
  FlagParams,
  FlagPatchBody,
  FlagReachResponse,
  FlagToggleBody,
  IfMatchHeaders,
} from './flags.schemas.js';
import type { FlagsService } from './flags.service.js';
import type { FlagRow, SeriesPoint } from './flags.types.js';
import type { Rule } from './rules.js';
import { parseIfMatch } from './if-match.js';
import { segmentRoutes } from './segments.routes.js';

export interface FlagRouteDeps {
  flags: FlagsService;
  staleDays: number;
  clock: Clock;
}

const presentSeries = (points: SeriesPoint[]) => points.map((p) => ({ ...p, at: p.at.toISOString() }));

export const presentFlag = (f: FlagRow) => ({
  ...f,
  // Stored only once validateConditions has accepted them, so each is a well-formed condition.
  conditions: f.conditions as Condition[],
  rules: f.rules as Rule[],
  created_at: f.created_at.toISOString(),
  updated_at: f.updated_at.toISOString(),
  full_rollout_since: f.full_rollout_since?.toISOString() ?? null,
});

/** The list with adoption figures, one flag with its evaluation series, and explanations. */
async function flagReadRoutes(fastify: FastifyInstance, deps: FlagRouteDeps): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const window = () => ({ now: deps.clock(), staleDays: deps.staleDays });

  app.get('/api/admin/flags', { schema: { response: { 200: FlagListResponse } } }, async () => ({
    items: (await deps.flags.list(window())).map(({ flag, adoption }) => ({ ...presentFlag(flag), adoption })),
  }));

  app.get('/api/admin/flags/export', { schema: { response: { 200: FlagExportDocument } } }, async () => {
    const doc = await deps.flags.exportFlags();
    // Stored only once validateConditions has accepted them, so each is a well-formed condition.
    return { ...doc, flags: doc.flags.map((flag) => ({ ...flag, conditions: flag.conditions as Condition[], rules: flag.rules })) };
  });

  app.get('/api/admin/flags/:name', { schema: { params: FlagParams, response: { 200: FlagDetailResponse } } }, async (request, reply) => {
    const { flag, adoption, hourly, daily } = await deps.flags.detail(request.params.name, window());
    return reply.header('etag', `"${flag.version}"`).send({
      ...presentFlag(flag),
      adoption,
      evaluations: { hourly_24h: presentSeries(hourly), daily_30d: presentSeries(daily) },
    });
  });

  app.post(
    '/api/admin/flags/:name/explain',
    { schema: { params: FlagParams, body: FlagExplainBody, response: { 200: FlagExplanation } } },
    async (request) => deps.flags.explain(request.params.name, request.body.context as EvaluationContext),
  );

  app.get('/api/admin/flags/:name/reach', { schema: { params: FlagParams, response: { 200: FlagReachResponse } } }, async (request) =>
    deps.flags.reach(request.params.name),
  );

  app.get('/api/admin/contexts/attributes', { schema: { response: { 200: ContextAttributesResponse } } }, async () => ({
    names: deps.flags.contextAttributes(),
  }));
}

/** Create, edit, toggle and delete; each answers with the new version as its ETag. */
async function flagChangeRoutes(fastify: FastifyInstance, deps: FlagRouteDeps): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const params = FlagParams;
  const headers = IfMatchHeaders;

  app.post('/api/admin/flags', { schema: { body: FlagCreateBody, response: { 201: FlagOut } } }, async (request, reply) => {
    const { _csrf: _ignored, ...input } = request.body;
    const row = await deps.flags.create(input, await actorOf(request));
    return reply.code(201).header('etag', `"${row.version}"`).send(presentFlag(row));
  });

  app.post(
    '/api/admin/flags/import',
    { bodyLimit: 10 * 1024 * 1024, schema: { querystring: FlagImportQuery, body: FlagImportBody, response: { 200: FlagImportResponse } } },
    async (request) => {
      const { _csrf: _ignored, ...doc } = request.body;
      const { dry_run: dryRun, environment } = request.query;
      return deps.flags.importFlags(doc, { dryRun: dryRun === 'true', environment }, await actorOf(request));
    },
  );

  app.patch(
    '/api/admin/flags/:name',
    { schema: { params, headers, body: FlagPatchBody, response: { 200: FlagOut } } },
    async (request, reply) => {
      const { _csrf: _ignored, ...patch } = request.body;
      const row = await deps.flags.update(request.params.name, patch, parseIfMatch(request.headers['if-match']), await actorOf(request));
      return reply.header('etag', `"${row.version}"`).send(presentFlag(row));
    },
  );

  app.post(
    '/api/admin/flags/:name/toggle',
    { schema: { params, headers, body: FlagToggleBody, response: { 200: FlagOut } } },
    async (request, reply) => {
      const row = await deps.flags.toggle(request.params.name, parseIfMatch(request.headers['if-match']), await actorOf(request));
      return reply.header('etag', `"${row.version}"`).send(presentFlag(row));
    },
  );

  app.delete('/api/admin/flags/:name', { schema: { params, headers } }, async (request, reply) => {
    await deps.flags.remove(request.params.name, parseIfMatch(request.headers['if-match']), await actorOf(request));
    return reply.code(204).send();
  });
}

export async function flagRoutes(fastify: FastifyInstance, deps: FlagRouteDeps): Promise<void> {
  await flagReadRoutes(fastify, deps);
  await segmentRoutes(fastify, { segments: deps.flags.segments });
  await flagChangeRoutes(fastify, deps);
}
