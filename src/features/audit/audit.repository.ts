// SQL for the audit log: append-only rows, read newest first with a stable cursor, each with the
// name of what it is about (a tester's email, a token's name) looked up in the same query.
import { sql, type Expression, type Kysely, type Selectable, type SqlBool } from 'kysely';
import type { AuditEntry } from '../../core/audit.js';
import { currentChangeComment } from '../../core/change-comment.js';
import { containsPattern } from '../../db/like.js';
import type { AuditLogTable, DatabaseSchema } from '../../db/schema.js';

export type AuditRow = Selectable<AuditLogTable> & { entity_name: string | null };

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
  /** Contained, case-insensitively, in the actor, the entity's id or its name. */
  q?: string;
  from?: Date;
  to?: Date;
  /** Rows strictly older than this (at, id) position. */
  after?: { at: Date; id: string };
  limit: number;
}

/**
 * What an entry is about, by name: a flag (or its release plan) is its name; a tester, a token or a
 * waitlist entry is looked up (a tester who left the program keeps no name); a scheduled change
 * names its flag. Entries about rows deleted since fall back to the name they recorded.
 */
const entityName = sql<string | null>`CASE a.entity_type
  WHEN 'flag' THEN a.entity_id
  WHEN 'release_plan' THEN a.entity_id
  WHEN 'beta_user' THEN CASE WHEN bu.id IS NULL THEN coalesce(a.before ->> 'email', a.after ->> 'email')
    WHEN bu.erased_at IS NULL THEN bu.email END
  WHEN 'api_token' THEN coalesce(tk.name, a.after ->> 'name', a.before ->> 'name')
  WHEN 'waitlist' THEN wl.email
  WHEN 'scheduled_change' THEN coalesce(a.after ->> 'flag', a.before ->> 'flag')
  WHEN 'feedback' THEN a.before ->> 'email'
END`;

function filtered(db: Kysely<DatabaseSchema>, filter: Omit<AuditFilter, 'after' | 'limit'>) {
  let query = db
    .selectFrom('audit_log as a')
    .leftJoin('beta_users as bu', (j) => j.on(sql<SqlBool>`a.entity_type = 'beta_user' AND bu.id::text = a.entity_id`))
    .leftJoin('api_tokens as tk', (j) => j.on(sql<SqlBool>`a.entity_type = 'api_token' AND tk.id::text = a.entity_id`))
    .leftJoin('waitlist as wl', (j) => j.on(sql<SqlBool>`a.entity_type = 'waitlist' AND wl.id::text = a.entity_id`));
  if (filter.actor !== undefined) query = query.where('a.actor', '=', filter.actor);
  if (filter.entityType !== undefined) query = query.where('a.entity_type', '=', filter.entityType);
  if (filter.entityId !== undefined) query = query.where('a.entity_id', '=', filter.entityId);
  if (filter.action !== undefined) query = query.where('a.action', '=', filter.action);
  if (filter.from !== undefined) query = query.where('a.at', '>=', filter.from);
  if (filter.to !== undefined) query = query.where('a.at', '<', filter.to);
  if (filter.q !== undefined) {
    const pattern = containsPattern(filter.q);
    const matches: Expression<SqlBool> = sql<SqlBool>`(a.actor ILIKE ${pattern} OR a.entity_id ILIKE ${pattern} OR ${entityName} ILIKE ${pattern} OR a.comment ILIKE ${pattern})`;
    query = query.where(matches);
  }
  return query;
}

export async function listAudit(db: Kysely<DatabaseSchema>, filter: AuditFilter): Promise<AuditRow[]> {
  let query = filtered(db, filter).selectAll('a').select(entityName.as('entity_name'));
  if (filter.after !== undefined) {
    query = query.where(sql<SqlBool>`(a.at, a.id) < (${filter.after.at}, ${filter.after.id}::uuid)`);
  }
  return query.orderBy('a.at', 'desc').orderBy('a.id', 'desc').limit(filter.limit).execute();
}

/** How many entries the filter matches, counting no further than `cap`. */
export async function countAudit(db: Kysely<DatabaseSchema>, filter: Omit<AuditFilter, 'after' | 'limit'>, cap: number): Promise<number> {
  const row = await db
    .selectFrom(
      filtered(db, filter)
        .select(sql`1`.as('one'))
        .limit(cap)
        .as('m'),
    )
    .select(sql<string>`count(*)`.as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
