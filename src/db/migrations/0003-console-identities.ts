// Owners and admins bound to the provider account (issuer, subject) that first signed them in, so
// a later account reusing the address is refused. Frozen once landed.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // `email` is the comparison form (NFKC, ASCII letters lowercased) the sign-in code computes.
  await sql
    .raw(
      `CREATE TABLE console_identities (
        email text PRIMARY KEY CHECK (length(email) BETWEEN 3 AND 254),
        issuer text NOT NULL,
        subject text NOT NULL,
        bound_at timestamptz NOT NULL DEFAULT now()
      )`,
    )
    .execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql.raw('DROP TABLE IF EXISTS console_identities').execute(db);
}
