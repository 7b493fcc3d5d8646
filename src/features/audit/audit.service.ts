// The audit log: every feature records its changes through `record` (inside the change's own
// transaction); the console reads it back through `list`.
import type { Kysely } from 'kysely';
import type { RecordAudit } from '../../db/audit.js';
import type { DatabaseSchema } from '../../db/schema.js';
import { countAudit, insertAudit, listAudit, type AuditFilter, type AuditRow } from './audit.repository.js';

export interface AuditService {
  /** Newest first, `filter.limit` rows at most. */
  list(filter: AuditFilter): Promise<AuditRow[]>;
  /** How many entries the filter matches, counting no further than `cap`. */
  count(filter: Omit<AuditFilter, 'after' | 'limit'>, cap: number): Promise<number>;
}

export function createAuditService(db: Kysely<DatabaseSchema>): AuditService {
  return { list: (filter) => listAudit(db, filter), count: (filter, cap) => countAudit(db, filter, cap) };
}

/** Writes one audit entry with the transaction (or database) it is given. */
export const recordAudit: RecordAudit = insertAudit;
