// Browser access: client keys (a token scope meant for web pages), the `sync` scope for local
// evaluation, and flags marked visible to client keys. Frozen once landed.
import { sql, type Kysely } from 'kysely';

const UP = [
  `ALTER TABLE api_tokens DROP CONSTRAINT api_tokens_scope_check`,
  `ALTER TABLE api_tokens ADD CONSTRAINT api_tokens_scope_check CHECK (scope IN ('evaluate', 'monitor', 'admin', 'client', 'sync'))`,
  `ALTER TABLE feature_flags ADD COLUMN client_visible boolean NOT NULL DEFAULT false`,
];

const DOWN = [
  'ALTER TABLE feature_flags DROP COLUMN IF EXISTS client_visible',
  `UPDATE api_tokens SET revoked_at = coalesce(revoked_at, now()), scope = 'evaluate' WHERE scope IN ('client', 'sync')`,
  `ALTER TABLE api_tokens DROP CONSTRAINT api_tokens_scope_check`,
  `ALTER TABLE api_tokens ADD CONSTRAINT api_tokens_scope_check CHECK (scope IN ('evaluate', 'monitor', 'admin'))`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of UP) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const statement of DOWN) await sql.raw(statement).execute(db);
}
