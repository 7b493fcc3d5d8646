// Flag administration API (admin scope): create, read with adoption figures, edit with optional
// optimistic concurrency (If-Match: <version>), toggle, delete, and "why does this user get this?".
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Kysely } from 'kysely';
import { AppError } from '../../core/errors.js';
import { describePrincipal } from '../../core/principal.js';
import type { DatabaseSchema } from '../../db/schema.js';
import type { EvaluationContext } from './conditions.js';
import type { FlagStore } from './flag-store.js';
import {
  FlagCreateBody,
  FlagDetailResponse,
  FlagExplainBody,
  FlagListResponse,
  FlagOut,
  FlagParams,
  FlagPatchBody,
  FlagToggleBody,
  IfMatchHeaders,
} from './flags.schemas.js';
import { adoptionOf } from './adoption.js';
import { adoptionSince, evaluationSeries, type FlagRow, type SeriesPoint } from './flags.repository.js';
import type { Actor, FlagsService } from './flags.service.js';

export interface FlagRouteDeps {
  db: Kysely<DatabaseSchema>;
  flags: FlagsService;
  store: FlagStore;
  staleDays: number;
  now: () => Date;
}

const presentSeries = (points: SeriesPoint[]) => points.map((p) => ({ ...p, at: p.at.toISOString() }));

export const presentFlag = (f: FlagRow) => ({
  ...f,
  created_at: f.created_at.toISOString(),
  updated_at: f.updated_at.toISOString(),
  full_rollout_since: f.full_rollout_since?.toISOString() ?? null,
});

/** `If-Match: 3`, `"3"` or `W/"3"` → 3. */
export function parseIfMatch(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const match = /^(?:W\/)?"?(\d{1,9})"?$/.exec(header.trim());
  if (!match) throw new AppError('VALIDATION_ERROR', 'headers/if-match must be a flag version, e.g. "3".');
  return Number(match[1]);
}

const actorOf = async (request: FastifyRequest): Promise<Actor> => ({
  actor: describePrincipal((await request.principal())!),
  requestId: request.id,
});

export async function flagRoutes(fastify: FastifyInstance, deps: FlagRouteDeps): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const params = FlagParams;

  app.get('/api/admin/flags', { schema: { response: { 200: FlagListResponse } } }, async () => {
    const now = deps.now();
    const adoption = new Map((await adoptionSince(deps.db, now)).map((r) => [r.flag_name, r]));
    return {
      items: deps.store.all().map((f) => ({ ...presentFlag(f), adoption: adoptionOf(f, adoption.get(f.name), now, deps.staleDays) })),
    };
  });

  app.post('/api/admin/flags', { schema: { body: FlagCreateBody, response: { 201: FlagOut } } }, async (request, reply) => {
    const { _csrf: _ignored, ...input } = request.body;
    const row = await deps.flags.create(input, await actorOf(request));
    return reply.code(201).header('etag', `"${row.version}"`).send(presentFlag(row));
  });

  app.get(
    '/api/admin/flags/:name',
    {
      schema: {
        params,
        response: { 200: FlagDetailResponse },
      },
    },
    async (request, reply) => {
      const flag = deps.store.get(request.params.name);
      if (!flag) throw new AppError('NOT_FOUND', `No flag named "${request.params.name}".`);
      const now = deps.now();
      const [adoption, hourly, daily] = await Promise.all([
        adoptionSince(deps.db, now).then((rows) => rows.find((r) => r.flag_name === flag.name)),
        evaluationSeries(deps.db, flag.name, new Date(now.getTime() - 24 * 3_600_000), 'hour'),
        evaluationSeries(deps.db, flag.name, new Date(now.getTime() - 30 * 86_400_000), 'day'),
      ]);
      return reply.header('etag', `"${flag.version}"`).send({
        ...presentFlag(flag),
        adoption: adoptionOf(flag, adoption, now, deps.staleDays),
        evaluations: { hourly_24h: presentSeries(hourly), daily_30d: presentSeries(daily) },
      });
    },
  );

  app.patch(
    '/api/admin/flags/:name',
    { schema: { params, headers: IfMatchHeaders, body: FlagPatchBody, response: { 200: FlagOut } } },
    async (request, reply) => {
      const { _csrf: _ignored, ...patch } = request.body;
      const row = await deps.flags.update(request.params.name, patch, parseIfMatch(request.headers['if-match']), await actorOf(request));
      return reply.header('etag', `"${row.version}"`).send(presentFlag(row));
    },
  );

  app.post(
    '/api/admin/flags/:name/toggle',
    {
      schema: {
        params,
        headers: IfMatchHeaders,
        body: FlagToggleBody,
        response: { 200: FlagOut },
      },
    },
    async (request, reply) => {
      const row = await deps.flags.toggle(request.params.name, parseIfMatch(request.headers['if-match']), await actorOf(request));
      return reply.header('etag', `"${row.version}"`).send(presentFlag(row));
    },
  );

  app.delete('/api/admin/flags/:name', { schema: { params, headers: IfMatchHeaders } }, async (request, reply) => {
    await deps.flags.remove(request.params.name, parseIfMatch(request.headers['if-match']), await actorOf(request));
    return reply.code(204).send();
  });

  app.post(
    '/api/admin/flags/:name/explain',
    {
      schema: {
        params,
        body: FlagExplainBody,
      },
    },
    async (request) => deps.flags.explain(request.params.name, request.body.context as EvaluationContext),
  );
}
