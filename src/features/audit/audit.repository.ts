// SQL for the audit log: append-only rows, read newest first with a stable cursor.
import { sql, type Kysely, type Selectable } from 'kysely';
import type { AuditEntry } from '../../core/audit.js';
import { currentChangeComment } from '../../core/change-comment.js';
import type { AuditLogTable, DatabaseSchema } from '../../db/schema.js';

export type AuditRow = Selectable<AuditLogTable>;

/** Records one entry. Pass the transaction that makes the change so both commit or neither does. */
export async function insertAudit(db: Kysely<DatabaseSchema>, entry: AuditEntry): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      actor: entry.actor,
      action: entry.action,
      entity_type: entry.entityType,
      entity_id: entry.entityId ?? null,
      before: entry.before === undefined ? null : JSON.stringify(entry.before),
      after: entry.after === undefined ? null : JSON.stringify(entry.after),
      request_id: entry.requestId ?? null,
      comment: entry.comment ?? currentChangeComment() ?? null,
    })
    .execute();
}

export interface AuditFilter {
  actor?: string;
  entityType?: string;
  entityId?: string;
  action?: string;
  from?: Date;
  to?: Date;
  /** Rows strictly older than this (at, id) position. */
  after?: { at: Date; id: string };
  limit: number;
}

export async function listAudit(db: Kysely<DatabaseSchema>, filter: AuditFilter): Promise<AuditRow[]> {
  let query = db.selectFrom('audit_log').selectAll();
  if (filter.actor !== undefined) query = query.where('actor', '=', filter.actor);
  if (filter.entityType !== undefined) query = query.where('entity_type', '=', filter.entityType);
  if (filter.entityId !== undefined) query = query.where('entity_id', '=', filter.entityId);
  if (filter.action !== undefined) query = query.where('action', '=', filter.action);
  if (filter.from !== undefined) query = query.where('at', '>=', filter.from);
  if (filter.to !== undefined) query = query.where('at', '<', filter.to);
  if (filter.after !== undefined) {
    query = query.where(sql<boolean>`(at, id) < (${filter.after.at}, ${filter.after.id}::uuid)`);
  }
  return query.orderBy('at', 'desc').orderBy('id', 'desc').limit(filter.limit).execute();
}
