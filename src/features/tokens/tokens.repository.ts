// SQL for API tokens. Only hashes are stored.
import type { Kysely, Selectable } from 'kysely';
import type { ApiTokensTable, DatabaseSchema, TokenScope } from '../../db/schema.js';

export type TokenRow = Selectable<ApiTokensTable>;
export type TokenSummary = Omit<TokenRow, 'token_hash'>;

const SUMMARY_COLUMNS = ['id', 'name', 'token_prefix', 'scope', 'created_by', 'created_at', 'last_used_at', 'revoked_at'] as const;

export async function insertToken(
  db: Kysely<DatabaseSchema>,
  row: { name: string; tokenHash: string; tokenPrefix: string; scope: TokenScope; createdBy: string },
): Promise<TokenSummary> {
  return db
    .insertInto('api_tokens')
    .values({ name: row.name, token_hash: row.tokenHash, token_prefix: row.tokenPrefix, scope: row.scope, created_by: row.createdBy })
    .returning(SUMMARY_COLUMNS)
    .executeTakeFirstOrThrow();
}

export async function findActiveTokenByHash(db: Kysely<DatabaseSchema>, tokenHash: string): Promise<TokenSummary | undefined> {
  return db
    .selectFrom('api_tokens')
    .select(SUMMARY_COLUMNS)
    .where('token_hash', '=', tokenHash)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
}

export async function listTokens(db: Kysely<DatabaseSchema>): Promise<TokenSummary[]> {
  return db.selectFrom('api_tokens').select(SUMMARY_COLUMNS).orderBy('created_at', 'desc').orderBy('id').execute();
}

/** Marks a token revoked; returns it, or undefined when there is no such active token. */
export async function revokeToken(db: Kysely<DatabaseSchema>, id: string): Promise<TokenSummary | undefined> {
  return db
    .updateTable('api_tokens')
    .set({ revoked_at: new Date() })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .returning(SUMMARY_COLUMNS)
    .executeTakeFirst();
}

export async function touchToken(db: Kysely<DatabaseSchema>, id: string, at: Date): Promise<void> {
  await db.updateTable('api_tokens').set({ last_used_at: at }).where('id', '=', id).execute();
}
