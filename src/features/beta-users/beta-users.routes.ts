// Beta testers over HTTP: the admin API (list, add, edit, remove, re-invite, import, CSV export)
// and the public invite redemption.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Kysely } from 'kysely';
import { Type } from 'typebox';
import { decodeCursor, paginate } from '../../core/cursor.js';
import { csvStream, safeCell, writeRow } from '../../core/csv.js';
import { optionalBody } from '../../core/http.js';
import { describePrincipal, isOwner } from '../../core/principal.js';
import type { DatabaseSchema } from '../../db/schema.js';
import { allUsers, countUsers, listUsers, type BetaUserRow } from './beta-users.repository.js';
import type { Actor, BetaUsersService } from './beta-users.service.js';

export interface BetaUserRouteDeps {
  db: Kysely<DatabaseSchema>;
  users: BetaUsersService;
  publicUrl: string;
  redeemRateLimitPerMin: number;
  /** A tester's feedback, newest first (provided by the feedback feature). */
  feedbackFor?: (userId: string) => Promise<unknown[]>;
}

const Email = Type.String({ format: 'email', minLength: 3, maxLength: 254 });
// Keys must be flag names: other keys are refused, not ignored.
const FlagSet = Type.Record(Type.String({ pattern: '^[a-z0-9][a-z0-9._-]{0,99}$' }), Type.Boolean(), {
  maxProperties: 200,
  additionalProperties: false,
});
const Notes = Type.Union([Type.String({ maxLength: 2000 }), Type.Null()]);
const Csrf = Type.Optional(Type.String({ maxLength: 200 }));
const Role = Type.Union([Type.Literal('TESTER'), Type.Literal('ADMIN')]);
const Source = Type.Union([Type.Literal('admin'), Type.Literal('feedback'), Type.Literal('import')]);

const UserOut = Type.Object({
  id: Type.String(),
  email: Type.String(),
  invite_code: Type.String(),
  invite_url: Type.String(),
  flag_set: Type.Record(Type.String(), Type.Boolean()),
  joined_at: Type.String(),
  redeemed_at: Type.Union([Type.String(), Type.Null()]),
  is_active: Type.Boolean(),
  role: Type.String(),
  notes: Type.Union([Type.String(), Type.Null()]),
  source: Type.String(),
  created_at: Type.String(),
  updated_at: Type.String(),
});

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
  const params = Type.Object({ id: Type.String({ maxLength: 100 }) });

  app.get(
    '/api/admin/users',
    {
      schema: {
        querystring: Type.Object(
          {
            search: Type.Optional(Type.String({ maxLength: 254 })),
            role: Type.Optional(Role),
            active: Type.Optional(Type.Boolean()),
            source: Type.Optional(Source),
            cursor: Type.Optional(Type.String({ maxLength: 200 })),
            limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ items: Type.Array(UserOut), next_cursor: Type.Union([Type.String(), Type.Null()]) }) },
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
        body: Type.Object(
          { email: Email, role: Type.Optional(Role), notes: Type.Optional(Notes), flag_set: Type.Optional(FlagSet), _csrf: Csrf },
          { additionalProperties: false },
        ),
        response: { 201: UserOut },
      },
    },
    async (request, reply) => {
      const { _csrf: _ignored, ...input } = request.body;
      return reply.code(201).send(present(await deps.users.create(input, await actorOf(request))));
    },
  );

  app.get(
    '/api/admin/users.csv',
    { schema: { querystring: Type.Object({}, { additionalProperties: false }) } },
    async (_request, reply) => {
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
    },
  );

  app.get(
    '/api/admin/users/summary',
    {
      schema: {
        querystring: Type.Object({}, { additionalProperties: false }),
        response: {
          200: Type.Object({
            total: Type.Integer(),
            active: Type.Integer(),
            admins: Type.Integer(),
            redeemed: Type.Integer(),
            joined_7d: Type.Integer(),
          }),
        },
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
        body: Type.Object(
          {
            is_active: Type.Optional(Type.Boolean()),
            notes: Type.Optional(Notes),
            flag_set: Type.Optional(FlagSet),
            role: Type.Optional(Role),
            _csrf: Csrf,
          },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: UserOut },
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

  app.post(
    '/api/admin/users/:id/invite',
    { schema: { params, body: optionalBody(Type.Object({ _csrf: Csrf }, { additionalProperties: false })), response: { 200: UserOut } } },
    async (request) => present(await deps.users.regenerateInvite(request.params.id, await actorOf(request))),
  );

  app.post(
    '/api/admin/users/import',
    {
      schema: {
        body: Type.Object({ text: Type.String({ minLength: 1, maxLength: 60_000 }), _csrf: Csrf }, { additionalProperties: false }),
        response: {
          200: Type.Object({
            created: Type.Array(UserOut),
            duplicates: Type.Array(Type.String()),
            invalid: Type.Array(Type.Object({ line: Type.Integer(), value: Type.String(), reason: Type.String() })),
          }),
        },
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
        body: Type.Object({ code: Type.String({ minLength: 1, maxLength: 100 }), email: Email }, { additionalProperties: false }),
        response: {
          200: Type.Object({
            id: Type.String(),
            email: Type.String(),
            role: Type.String(),
            joined_at: Type.String(),
            flag_set: Type.Record(Type.String(), Type.Boolean()),
          }),
        },
      },
    },
    async (request) => {
      const user = await deps.users.redeem(request.body.code, request.body.email, request.id);
      return { id: user.id, email: user.email, role: user.role, joined_at: user.joined_at.toISOString(), flag_set: user.flag_set };
    },
  );
}
