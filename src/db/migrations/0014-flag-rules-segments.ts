// Ordered rules and segments. A flag's rules are checked before its main rule (its own conditions and
// rollout); every existing flag gets no rules and no segments, so every answer stays the same. Segments
// are named, reusable condition sets. Frozen once landed.
import { sql, type Kysely } from 'kysely';

const UP = [
  `ALTER TABLE feature_flags
     ADD COLUMN rules jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(rules) = 'array'),
     ADD COLUMN segments jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(segments) = 'array')`,
  `CREATE TABLE segments (
     name text PRIMARY KEY CHECK (name ~ '^[a-z0-9][a-z0-9._-]{0,99}$'),
     description text NOT NULL DEFAULT '' CHECK (char_length(description) <= 2000),
     conditions jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(conditions) = 'array'),
     version integer NOT NULL DEFAULT 1,
     created_at timestamptz NOT NULL DEFAULT now(),
     updated_at timestamptz NOT NULL DEFAULT now()
   )`,
];

const DOWN = [`DROP TABLE segments`, `ALTER TABLE feature_flags DROP COLUMN rules, DROP COLUMN segments`];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of UP) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const statement of DOWN) await sql.raw(statement).execute(db);
}
