// GET /api/admin/audit: who changed what, newest first, filtered, cursor-paginated.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { decodeCursor, paginate } from '../../core/cursor.js';
import { AuditPage, AuditQuery } from './audit.schemas.js';
import type { AuditService } from './audit.service.js';

/** Counting matches stops here: past it the console says "1,000 or more". */
export const MATCH_COUNT_CAP = 1000;

export interface AuditRouteDeps {
  audit: AuditService;
}

export async function auditRoutes(fastify: FastifyInstance, deps: AuditRouteDeps): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.get('/api/admin/audit', { schema: { querystring: AuditQuery, response: { 200: AuditPage } } }, async (request) => {
    const q = request.query;
    const filter = {
      actor: q.actor,
      entityType: q.entity_type,
      entityId: q.entity_id,
      action: q.action,
      q: q.q?.trim() || undefined,
      from: q.from === undefined ? undefined : new Date(q.from),
      to: q.to === undefined ? undefined : new Date(q.to),
    };
    const after = decodeCursor(q.cursor);
    const rows = await deps.audit.list({ ...filter, after, limit: q.limit + 1 });
    const page = paginate(rows, q.limit, (r) => ({ at: r.at, id: r.id }));
    // Counted for a search, on its first page only: later pages belong to the same search.
    const counted = filter.q !== undefined && after === undefined ? await deps.audit.count(filter, MATCH_COUNT_CAP + 1) : undefined;
    return {
      ...page,
      items: page.items.map((r) => ({ ...r, at: r.at.toISOString() })),
      matches: counted === undefined ? null : { count: Math.min(counted, MATCH_COUNT_CAP), capped: counted > MATCH_COUNT_CAP },
    };
  });
}
