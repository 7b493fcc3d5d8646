// API tokens: creation (shown once), verification with a short cache so evaluation traffic does
// not query per request, listing and revocation.
import { AppError } from '../../core/errors.js';
import { isUuid } from '../../core/ids.js';
import type { Principal, TokenScope } from '../../core/principal.js';
import type { Kysely } from 'kysely';
import type { RecordAudit } from '../../db/audit.js';
import type { DatabaseSchema } from '../../db/schema.js';
import { displayPrefix, generateToken, hashToken, isWellFormedToken } from './token-format.js';
import { findActiveTokenByHash, insertToken, listTokens, revokeToken, touchToken, type TokenSummary } from './tokens.repository.js';

export type { TokenSummary } from './tokens.repository.js';

export const TOKEN_SCOPES: readonly TokenScope[] = ['evaluate', 'monitor', 'admin', 'client', 'sync'];

export interface TokensServiceOptions {
  /** Records creations and revocations in the same transaction. */
  recordAudit?: RecordAudit;
  /** How long a verified token is trusted without asking the database again. */
  cacheMs?: number;
  /** `last_used_at` is written at most this often per token. */
  touchEveryMs?: number;
  now?: () => number;
  onTouchError?: (err: unknown) => void;
}

export interface TokensService {
  create(input: { name: string; scope: string; createdBy: string; requestId?: string }): Promise<{ token: string; record: TokenSummary }>;
  list(): Promise<TokenSummary[]>;
  revoke(id: string, actor?: string, requestId?: string): Promise<TokenSummary>;
  /** The caller behind a presented token, or undefined when it is unknown or revoked. */
  verify(token: string): Promise<Principal | undefined>;
}

export function createTokensService(db: Kysely<DatabaseSchema>, options: TokensServiceOptions = {}): TokensService {
  const cacheMs = options.cacheMs ?? 5000;
  const touchEveryMs = options.touchEveryMs ?? 60_000;
  const now = options.now ?? Date.now;
  const cache = new Map<string, { principal: Principal | undefined; until: number }>();
  const lastTouch = new Map<string, number>();

  return {
    async create({ name, scope, createdBy, requestId }) {
      const trimmed = name.trim();
      if (trimmed === '' || trimmed.length > 100) throw new AppError('VALIDATION_ERROR', 'name must be 1–100 characters.');
      if (!TOKEN_SCOPES.includes(scope as TokenScope)) {
        throw new AppError('VALIDATION_ERROR', `scope must be one of ${TOKEN_SCOPES.join(', ')}.`);
      }
      const token = generateToken();
      const record = await db.transaction().execute(async (trx) => {
        const row = await insertToken(trx, {
          name: trimmed,
          tokenHash: hashToken(token),
          tokenPrefix: displayPrefix(token),
          scope: scope as TokenScope,
          createdBy,
        });
        await options.recordAudit?.(trx, {
          actor: createdBy,
          action: 'token.create',
          entityType: 'api_token',
          entityId: row.id,
          after: { name: row.name, scope: row.scope, prefix: row.token_prefix },
          requestId: requestId ?? null,
        });
        return row;
      });
      return { token, record };
    },
    list: () => listTokens(db),
    async revoke(id, actor = 'cli', requestId) {
      if (!isUuid(id)) throw new AppError('NOT_FOUND', 'No such active token.');
      const revoked = await db.transaction().execute(async (trx) => {
        const row = await revokeToken(trx, id);
        if (!row) throw new AppError('NOT_FOUND', 'No such active token.');
        await options.recordAudit?.(trx, {
          actor,
          action: 'token.revoke',
          entityType: 'api_token',
          entityId: row.id,
          before: { name: row.name, scope: row.scope, revoked: false },
          after: { revoked: true },
          requestId: requestId ?? null,
        });
        return row;
      });
      cache.clear();
      return revoked;
    },
    async verify(token) {
      if (!isWellFormedToken(token)) return undefined;
      const hash = hashToken(token);
      const cached = cache.get(hash);
      const at = now();
      if (cached && cached.until > at) return cached.principal;
      const row = await findActiveTokenByHash(db, hash);
      const principal: Principal | undefined = row ? { kind: 'token', id: row.id, name: row.name, scope: row.scope } : undefined;
      if (cache.size > 10_000) cache.clear();
      cache.set(hash, { principal, until: at + cacheMs });
      if (row && at - (lastTouch.get(row.id) ?? 0) >= touchEveryMs) {
        lastTouch.set(row.id, at);
        touchToken(db, row.id, new Date(at)).catch(options.onTouchError ?? (() => undefined));
      }
      return principal;
    },
  };
}
