// GET /api/admin/audit: who changed what, newest first, filtered, cursor-paginated.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { decodeCursor, paginate } from '../../core/cursor.js';
import type { AuditService } from './audit.service.js';

export interface AuditRouteDeps {
  audit: AuditService;
}

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
      const rows = await deps.audit.list({
        actor: q.actor,
        entityType: q.entity_type,
        entityId: q.entity_id,
        action: q.action,
        from: q.from === undefined ? undefined : new Date(q.from),
        to: q.to === undefined ? undefined : new Date(q.to),
        after: decodeCursor(q.cursor),
        limit: q.limit + 1,
      });
      const page = paginate(rows, q.limit, (r) => ({ at: r.at, id: r.id }));
      return { ...page, items: page.items.map((r) => ({ ...r, at: r.at.toISOString() })) };
    },
  );
}
