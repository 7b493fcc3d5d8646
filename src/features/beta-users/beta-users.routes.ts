// Beta testers over HTTP: the admin API (list, add, edit, remove, re-invite, import, CSV export)
// and the public invite redemption.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Kysely } from 'kysely';
import { decodeCursor, paginate } from '../../core/cursor.js';
import { csvStream, safeCell, writeRow } from '../../core/csv.js';
import { describePrincipal, isOwner } from '../../core/principal.js';
import type { DatabaseSchema } from '../../db/schema.js';
import { allUsers, countUsers, listUsers, type BetaUserRow } from './beta-users.repository.js';
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
import type { Actor, BetaUsersService } from './beta-users.service.js';

export interface BetaUserRouteDeps {
  db: Kysely<DatabaseSchema>;
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

export async function betaUserRoutes(fastify: FastifyInstance, deps: BetaUserRouteDeps): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const inviteUrl = (code: string) => `${deps.publicUrl}/beta/join?code=${encodeURIComponent(code)}`;
  const present = (u: BetaUserRow) => ({
    ...u,
    invite_url: inviteUrl(u.invite_code),
    joined_at: u.joined_at.toISOString(),
    redeemed_at: u.redeemed_at?.toISOString() ?? null,
    created_at: u.created_at.toISOString(),
    updated_at: u.updated_at.toISOString(),
  });
  const actorOf = async (request: FastifyRequest): Promise<Actor> => {
    const principal = (await request.principal())!;
    return { actor: describePrincipal(principal), isOwner: isOwner(principal), requestId: request.id };
  };
  const params = TesterParams;

  app.get(
    '/api/admin/users',
    {
      schema: {
        querystring: TesterListQuery,
        response: { 200: TesterListResponse },
      },
    },
    async (request) => {
      const q = request.query;
      const rows = await listUsers(deps.db, {
        search: q.search,
        role: q.role,
        active: q.active,
        source: q.source,
        after: decodeCursor(q.cursor),
        limit: q.limit + 1,
      });
      const page = paginate(rows, q.limit, (u) => ({ at: u.created_at, id: u.id }));
      return { ...page, items: page.items.map(present) };
    },
  );

  app.post(
    '/api/admin/users',
    {
      schema: {
        body: TesterCreateBody,
        response: { 201: TesterOut },
      },
    },
    async (request, reply) => {
      const { _csrf: _ignored, ...input } = request.body;
      return reply.code(201).send(present(await deps.users.create(input, await actorOf(request))));
    },
  );

  app.get('/api/admin/users.csv', { schema: { querystring: NoQuery } }, async (_request, reply) => {
    const csv = csvStream(CSV_COLUMNS);
    void (async () => {
      try {
        for await (const page of allUsers(deps.db)) {
          for (const u of page) {
            if (
              !(await writeRow(
                csv,
                CSV_COLUMNS.map((c) => safeCell(u[c as keyof BetaUserRow])),
              ))
            )
              return;
          }
        }
        csv.end();
      } catch (err) {
        csv.destroy(err as Error);
      }
    })();
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', 'attachment; filename="beta-testers.csv"')
      .header('cache-control', 'no-store')
      .send(csv);
  });

  app.get(
    '/api/admin/users/summary',
    {
      schema: {
        querystring: NoQuery,
        response: { 200: TesterSummary },
      },
    },
    async (_request, reply) => {
      void reply.header('cache-control', 'no-store');
      return countUsers(deps.db, new Date(Date.now() - 7 * 86_400_000));
    },
  );

  app.get('/api/admin/users/:id', { schema: { params } }, async (request) => {
    const user = await deps.users.get(request.params.id);
    return { ...present(user), feedback: deps.feedbackFor ? await deps.feedbackFor(user.id) : [] };
  });

  app.patch(
    '/api/admin/users/:id',
    {
      schema: {
        params,
        body: TesterPatchBody,
        response: { 200: TesterOut },
      },
    },
    async (request) => {
      const { _csrf: _ignored, ...patch } = request.body;
      return present(await deps.users.update(request.params.id, patch, await actorOf(request)));
    },
  );

  app.delete('/api/admin/users/:id', { schema: { params } }, async (request, reply) => {
    await deps.users.remove(request.params.id, await actorOf(request));
    return reply.code(204).send();
  });

  app.post('/api/admin/users/:id/invite', { schema: { params, body: TesterInviteBody, response: { 200: TesterOut } } }, async (request) =>
    present(await deps.users.regenerateInvite(request.params.id, await actorOf(request))),
  );

  app.post(
    '/api/admin/users/import',
    {
      schema: {
        body: TesterImportBody,
        response: { 200: TesterImportResponse },
      },
    },
    async (request) => {
      const result = await deps.users.importList(request.body.text, await actorOf(request));
      return { ...result, created: result.created.map(present) };
    },
  );

  app.post(
    '/api/beta/redeem',
    {
      config: { rateLimit: { max: deps.redeemRateLimitPerMin, timeWindow: 60_000 } },
      schema: {
        body: RedeemBody,
        response: { 200: RedeemResponse },
      },
    },
    async (request) => {
      const user = await deps.users.redeem(request.body.code, request.body.email, request.id);
      return { id: user.id, email: user.email, role: user.role, joined_at: user.joined_at.toISOString(), flag_set: user.flag_set };
    },
  );
}
