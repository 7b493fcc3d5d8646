// The audit log feature's public surface: the recorder every other feature is handed, the reading
// service and its routes.
import type { FastifyInstance } from 'fastify';
import { auditRoutes } from './audit.routes.js';
import type { AuditService } from './audit.service.js';

export { createAuditService, recordAudit, type AuditService } from './audit.service.js';

/** GET /api/admin/audit. */
export async function auditPlugin(fastify: FastifyInstance, opts: { audit: AuditService }): Promise<void> {
  await fastify.register(auditRoutes, { audit: opts.audit });
}
