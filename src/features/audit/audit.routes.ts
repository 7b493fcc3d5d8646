// GET /api/admin/audit: who changed what, newest first, filtered, cursor-paginated.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { decodeCursor, paginate } from '../../core/cursor.js';
import { AuditPage, AuditQuery } from './audit.schemas.js';
import type { AuditService } from './audit.service.js';

export interface AuditRouteDeps {
  audit: AuditService;
}

export async function auditRoutes(fastify: FastifyInstance, deps: AuditRouteDeps): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.get('/api/admin/audit', { schema: { querystring: AuditQuery, response: { 200: AuditPage } } }, async (request) => {
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
  });
}
