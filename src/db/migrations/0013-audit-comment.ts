// The comment a person gives with a reviewed change, kept on its audit entry. Frozen once landed.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE audit_log ADD COLUMN comment text CHECK (length(comment) BETWEEN 1 AND 500)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE audit_log DROP COLUMN IF EXISTS comment`.execute(db);
}
