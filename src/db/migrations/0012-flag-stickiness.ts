// Stickiness: the context attribute a flag's rollout buckets and variant choices hash. Every existing
// flag keeps hashing the targetingKey, so no user changes bucket. Frozen once landed.
import { sql, type Kysely } from 'kysely';

const UP = [
  `ALTER TABLE feature_flags ADD COLUMN stickiness text NOT NULL DEFAULT 'targetingKey'
     CHECK (char_length(stickiness) BETWEEN 1 AND 100)`,
];

const DOWN = [`ALTER TABLE feature_flags DROP COLUMN stickiness`];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of UP) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const statement of DOWN) await sql.raw(statement).execute(db);
}
