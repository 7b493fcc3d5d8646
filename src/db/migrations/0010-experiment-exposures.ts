// Exposures per flag, variant and subject (a digest of the targeting key), for experiment results;
// and an index on the variants feedback recorded, so a flag's ratings by variant are read directly.
// Frozen once landed.
import { sql, type Kysely } from 'kysely';

const UP = [
  `CREATE TABLE flag_variant_exposures (
    flag_name text NOT NULL,
    variant text NOT NULL,
    subject text NOT NULL,
    exposures bigint NOT NULL CHECK (exposures > 0),
    first_seen timestamptz NOT NULL,
    last_seen timestamptz NOT NULL,
    PRIMARY KEY (flag_name, variant, subject)
  )`,
  `CREATE INDEX beta_feedback_variants_idx ON beta_feedback USING gin (variants)`,
];

const DOWN = [`DROP INDEX beta_feedback_variants_idx`, `DROP TABLE flag_variant_exposures`];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of UP) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const statement of DOWN) await sql.raw(statement).execute(db);
}
