// Beta testers over HTTP: the admin API (list, add, edit, remove, re-invite, import, CSV export)
// and the public invite redemption.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { decodeCursor, paginate } from '../../core/cursor.js';
import { csvExport } from '../../core/csv.js';
import { actorOf } from '../../core/principal.js';
import {
  NoQuery,
  RedeemBody,
  RedeemResponse,
  TesterCreateBody,
  TesterImportBody,
  TesterImportResponse,
  TesterInviteBody,
  TesterListQuery,
  TesterListResponse,
  TesterOut,
  TesterParams,
  TesterPatchBody,
  TesterSummary,
} from './beta-users.schemas.js';
import type { BetaUserRow, BetaUsersService } from './beta-users.service.js';
import { testerStatus } from './beta-users.types.js';

/** Counting a filter's matches stops here: past it the console says "more than 10,000". */
const MATCH_COUNT_CAP = 10_000;

export interface BetaUserRouteDeps {
  users: BetaUsersService;
  publicUrl: string;
  redeemRateLimitPerMin: number;
  /** A tester's feedback, newest first (provided by the feedback feature). */
  feedbackFor?: (userId: string) => Promise<unknown[]>;
}

// Invite codes stay out of exports: with the email, a code is enough to join.
export const CSV_COLUMNS = [
  'id',
  'email',
  'role',
  'is_active',
  'source',
  'joined_at',
  'redeemed_at',
  'notes',
  'flag_set',
  'created_at',
] as const;

/** A tester as the API shows it: dates in ISO 8601, and the invite as a ready-to-send link. */
function presenter(publicUrl: string) {
  return (u: BetaUserRow) => ({
    ...u,
    invite_url: `${publicUrl}/beta/join?code=${encodeURIComponent(u.invite_code)}`,
    status: testerStatus(u),
    joined_at: u.redeemed_at?.toISOString() ?? null,
    redeemed_at: u.redeemed_at?.toISOString() ?? null,
    invited_at: u.invited_at?.toISOString() ?? null,
    last_seen_at: u.last_seen_at?.toISOString() ?? null,
    created_at: u.created_at.toISOString(),
    updated_at: u.updated_at.toISOString(),
  });
}

/** The list, the CSV export, head counts and one tester with their feedback. */
async function testerReadRoutes(fastify: FastifyInstance, deps: BetaUserRouteDeps): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const present = presenter(deps.publicUrl);

  app.get('/api/admin/users', { schema: { querystring: TesterListQuery, response: { 200: TesterListResponse } } }, async (request) => {
    const { cursor, limit, ...filter } = request.query;
    const after = decodeCursor(cursor);
    const [rows, counted] = await Promise.all([
      deps.users.list({ ...filter, after, limit: limit + 1 }),
      after === undefined ? deps.users.count(filter, MATCH_COUNT_CAP + 1) : undefined,
    ]);
    const page = paginate(rows, limit, (u) => ({ at: u.created_at, id: u.id }));
    return {
      ...page,
      items: page.items.map(present),
      matches: counted === undefined ? null : { count: Math.min(counted, MATCH_COUNT_CAP), capped: counted > MATCH_COUNT_CAP },
    };
  });

  app.get('/api/admin/users.csv', { schema: { querystring: NoQuery } }, async (_request, reply) =>
    reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', 'attachment; filename="beta-testers.csv"')
      .header('cache-control', 'no-store')
      .send(csvExport(CSV_COLUMNS, deps.users.exportAll(), (u) => CSV_COLUMNS.map((c) => u[c]))),
  );

  app.get('/api/admin/users/summary', { schema: { querystring: NoQuery, response: { 200: TesterSummary } } }, async (_request, reply) => {
    void reply.header('cache-control', 'no-store');
    return deps.users.summary();
  });

  app.get('/api/admin/users/:id', { schema: { params: TesterParams } }, async (request) => {
    const user = await deps.users.get(request.params.id);
    return { ...present(user), feedback: deps.feedbackFor ? await deps.feedbackFor(user.id) : [] };
  });
}

/** Add, edit, remove, re-invite and import: each audited under the caller's name. */
async function testerChangeRoutes(fastify: FastifyInstance, deps: BetaUserRouteDeps): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const present = presenter(deps.publicUrl);
  const params = TesterParams;

  app.post('/api/admin/users', { schema: { body: TesterCreateBody, response: { 201: TesterOut } } }, async (request, reply) => {
    const { _csrf: _ignored, ...input } = request.body;
    return reply.code(201).send(present(await deps.users.create(input, await actorOf(request))));
  });

  app.patch('/api/admin/users/:id', { schema: { params, body: TesterPatchBody, response: { 200: TesterOut } } }, async (request) => {
    const { _csrf: _ignored, ...patch } = request.body;
    return present(await deps.users.update(request.params.id, patch, await actorOf(request)));
  });

  app.delete('/api/admin/users/:id', { schema: { params } }, async (request, reply) => {
    await deps.users.remove(request.params.id, await actorOf(request));
    return reply.code(204).send();
  });

  app.post('/api/admin/users/:id/invite', { schema: { params, body: TesterInviteBody, response: { 200: TesterOut } } }, async (request) =>
    present(await deps.users.regenerateInvite(request.params.id, await actorOf(request))),
  );

  app.post('/api/admin/users/import', { schema: { body: TesterImportBody, response: { 200: TesterImportResponse } } }, async (request) => {
    const result = await deps.users.importList(request.body.text, await actorOf(request));
    return { ...result, created: result.created.map(present) };
  });
}

/** POST /api/beta/redeem: public, rate-limited per client. */
async function redeemRoute(fastify: FastifyInstance, deps: BetaUserRouteDeps): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.post(
    '/api/beta/redeem',
    {
      config: { rateLimit: { max: deps.redeemRateLimitPerMin, timeWindow: 60_000 } },
      schema: { body: RedeemBody, response: { 200: RedeemResponse } },
    },
    async (request) => {
      const user = await deps.users.redeem(request.body.code, request.body.email, request.id);
      return { id: user.id, email: user.email, role: user.role, joined_at: user.joined_at.toISOString(), flag_set: user.flag_set };
    },
  );
}

export async function betaUserRoutes(fastify: FastifyInstance, deps: BetaUserRouteDeps): Promise<void> {
  await testerReadRoutes(fastify, deps);
  await testerChangeRoutes(fastify, deps);
  await redeemRoute(fastify, deps);
}
