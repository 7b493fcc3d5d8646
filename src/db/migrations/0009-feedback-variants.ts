// Feedback remembers the flag variants its author was seeing (flag name → variant name), so ratings
// can be compared per variant. Null: none were reported. Frozen once landed.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE beta_feedback ADD COLUMN variants jsonb CHECK (variants IS NULL OR jsonb_typeof(variants) = 'object')`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE beta_feedback DROP COLUMN variants`.execute(db);
}
