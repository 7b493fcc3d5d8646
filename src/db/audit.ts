// The port through which features record changes in the audit log: given the transaction the
// change runs in, so the entry commits or rolls back with it.
import type { Kysely } from 'kysely';
import type { AuditEntry } from '../core/audit.js';
import type { DatabaseSchema } from './schema.js';

export type RecordAudit = (db: Kysely<DatabaseSchema>, entry: AuditEntry) => Promise<void>;
