// GET /api/admin/audit: who changed what, newest first, filtered, cursor-paginated.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Kysely } from 'kysely';
import { Type } from 'typebox';
import { decodeCursor, encodeCursor } from '../../core/cursor.js';
import { AppError } from '../../core/errors.js';
import type { DatabaseSchema } from '../../db/schema.js';
import { listAudit } from './audit.repository.js';

export interface AuditRouteDeps {
  db: Kysely<DatabaseSchema>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const AuditItem = Type.Object({
  id: Type.String(),
  at: Type.String(),
  actor: Type.String(),
  action: Type.String(),
  entity_type: Type.String(),
  entity_id: Type.Union([Type.String(), Type.Null()]),
  before: Type.Unknown(),
  after: Type.Unknown(),
  request_id: Type.Union([Type.String(), Type.Null()]),
});

export async function auditRoutes(fastify: FastifyInstance, deps: AuditRouteDeps): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/api/admin/audit',
    {
      schema: {
        querystring: Type.Object(
          {
            actor: Type.Optional(Type.String({ minLength: 1, maxLength: 254 })),
            entity_type: Type.Optional(Type.String({ minLength: 1, maxLength: 50 })),
            entity_id: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
            action: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
            from: Type.Optional(Type.String({ format: 'date-time' })),
            to: Type.Optional(Type.String({ format: 'date-time' })),
            cursor: Type.Optional(Type.String({ maxLength: 200 })),
            limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ items: Type.Array(AuditItem), next_cursor: Type.Union([Type.String(), Type.Null()]) }) },
      },
    },
    async (request) => {
      const q = request.query;
      let after: { at: Date; id: string } | undefined;
      if (q.cursor !== undefined) {
        const c = decodeCursor(q.cursor, ['at', 'id'] as const);
        const at = new Date(c.at);
        if (Number.isNaN(at.getTime()) || !UUID.test(c.id))
          throw new AppError('VALIDATION_ERROR', 'querystring/cursor is not a valid cursor.');
        after = { at, id: c.id };
      }
      const rows = await listAudit(deps.db, {
        actor: q.actor,
        entityType: q.entity_type,
        entityId: q.entity_id,
        action: q.action,
        from: q.from === undefined ? undefined : new Date(q.from),
        to: q.to === undefined ? undefined : new Date(q.to),
        after,
        limit: q.limit + 1,
      });
      const page = rows.slice(0, q.limit);
      const last = page[page.length - 1];
      return {
        items: page.map((r) => ({ ...r, at: r.at.toISOString() })),
        next_cursor: rows.length > q.limit && last ? encodeCursor({ at: last.at.toISOString(), id: last.id }) : null,
      };
    },
  );
}
