// Audit rows that stand for many repeats of one event (failed sign-ins from one client in one
// window) carry a key, unique among such rows, so concurrent repeats update one row. Frozen once landed.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql.raw('ALTER TABLE audit_log ADD COLUMN fold_key text').execute(db);
  await sql.raw('CREATE UNIQUE INDEX audit_log_fold_key_key ON audit_log (fold_key) WHERE fold_key IS NOT NULL').execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql.raw('DROP INDEX IF EXISTS audit_log_fold_key_key').execute(db);
  await sql.raw('ALTER TABLE audit_log DROP COLUMN IF EXISTS fold_key').execute(db);
}
