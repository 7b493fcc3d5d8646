// Typed flags: a value type, named variants with values and weights, and the variant served when the
// flag is off or does not match; evaluation counts per variant. Frozen once landed.
import { sql, type Kysely } from 'kysely';

const UP = [
  `ALTER TABLE feature_flags ADD COLUMN value_type text NOT NULL DEFAULT 'boolean'
     CHECK (value_type IN ('boolean', 'string', 'number', 'object'))`,
  `ALTER TABLE feature_flags ADD COLUMN variants jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(variants) = 'array')`,
  `ALTER TABLE feature_flags ADD COLUMN default_variant text`,
  // A boolean flag has no variants; any other names its default among them (the service checks the rest).
  `ALTER TABLE feature_flags ADD CONSTRAINT feature_flags_typed_check CHECK (
     (value_type = 'boolean' AND variants = '[]'::jsonb AND default_variant IS NULL)
     OR (value_type <> 'boolean' AND jsonb_array_length(variants) > 0 AND default_variant IS NOT NULL))`,

  // '' for boolean flags (their value says it all); the variant's name otherwise.
  `ALTER TABLE flag_evaluations_hourly ADD COLUMN variant text NOT NULL DEFAULT ''`,
  `ALTER TABLE flag_evaluations_hourly DROP CONSTRAINT flag_evaluations_hourly_pkey`,
  `ALTER TABLE flag_evaluations_hourly ADD PRIMARY KEY (flag_name, hour, value, variant)`,
];

const DOWN = [
  `DELETE FROM flag_evaluations_hourly WHERE variant <> ''`,
  `ALTER TABLE flag_evaluations_hourly DROP CONSTRAINT flag_evaluations_hourly_pkey`,
  `ALTER TABLE flag_evaluations_hourly ADD PRIMARY KEY (flag_name, hour, value)`,
  `ALTER TABLE flag_evaluations_hourly DROP COLUMN variant`,
  `DELETE FROM feature_flags WHERE value_type <> 'boolean'`,
  `ALTER TABLE feature_flags DROP CONSTRAINT feature_flags_typed_check`,
  `ALTER TABLE feature_flags DROP COLUMN default_variant`,
  `ALTER TABLE feature_flags DROP COLUMN variants`,
  `ALTER TABLE feature_flags DROP COLUMN value_type`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of UP) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const statement of DOWN) await sql.raw(statement).execute(db);
}
