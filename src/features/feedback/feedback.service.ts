// Feedback submission: strict input, safe retries with Idempotency-Key, unknown emails become
// testers, and the aggregates behind the public statistics updated in the same transaction.
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { AuditEntry } from '../../core/audit.js';
import { AppError } from '../../core/errors.js';
import { isUuid } from '../../core/ids.js';
import type { DatabaseSchema } from '../../db/schema.js';
import { buildStats, type FeedbackAnalytics } from './stats.js';
import {
  claimIdempotencyKey,
  deleteCountedFeedback,
  insertCountedFeedback,
  pruneIdempotencyKeys,
  readAggregates,
  storeIdempotentResponse,
  type FeedbackRow,
} from './feedback.repository.js';

/** Returns the id of the tester with this email, creating one (source `feedback`) if needed. */
export type EnsureTester = (db: Kysely<DatabaseSchema>, email: string) => Promise<string>;

export interface FeedbackInput {
  rating: number;
  email?: string;
  feature?: string;
  comment?: string;
  metadata?: Record<string, unknown>;
}

export interface SubmitResult {
  status: number;
  body: PublicFeedback;
  replayed: boolean;
}

export interface PublicFeedback {
  id: string;
  rating: number;
  feature: string | null;
  created_at: string;
}

export const METADATA_MAX_BYTES = 4096;
const SCOPE = 'feedback';
/** Stored answers are kept this long for retries. */
export const IDEMPOTENCY_TTL_MS = 24 * 3_600_000;

/** A stable digest of a JSON value (object keys sorted), so re-ordered retries still match. */
export function canonicalHash(value: unknown): string {
  const canonical = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(canonical);
    if (v !== null && typeof v === 'object') {
      return Object.fromEntries(
        Object.keys(v)
          .sort()
          .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
      );
    }
    return v;
  };
  return createHash('sha256')
    .update(JSON.stringify(canonical(value)))
    .digest('hex');
}

export interface FeedbackService {
  submit(input: FeedbackInput, idempotencyKey: string | undefined): Promise<SubmitResult>;
  stats(): Promise<FeedbackAnalytics>;
  pruneKeys(): Promise<void>;
  /** Removes one feedback row (spam, a test submission) and its share of the statistics; audited. */
  remove(id: string, by: { actor: string; requestId: string }): Promise<void>;
}

export function createFeedbackService(deps: {
  db: Kysely<DatabaseSchema>;
  ensureTester: EnsureTester;
  recordAudit: (db: Kysely<DatabaseSchema>, entry: AuditEntry) => Promise<void>;
  onSubmitted?: () => void;
  now?: () => Date;
  statsCacheMs?: number;
}): FeedbackService {
  const now = deps.now ?? (() => new Date());
  const cacheMs = deps.statsCacheMs ?? 5000;
  let cached: { at: number; stats: Promise<FeedbackAnalytics> } | undefined;

  return {
    async submit(input, idempotencyKey) {
      if (input.metadata !== undefined && Buffer.byteLength(JSON.stringify(input.metadata)) > METADATA_MAX_BYTES) {
        throw new AppError('VALIDATION_ERROR', `body/metadata must be at most ${METADATA_MAX_BYTES} bytes as JSON.`);
      }
      const requestHash = canonicalHash(input);
      const store = async (db: Kysely<DatabaseSchema>, userId: string | null): Promise<PublicFeedback> => {
        const row: FeedbackRow = await insertCountedFeedback(db, {
          user_id: userId,
          email: email ?? null,
          rating: input.rating,
          feature: input.feature ?? null,
          comment: input.comment ?? null,
          metadata: input.metadata ?? null,
        });
        return { id: row.id, rating: row.rating, feature: row.feature, created_at: row.created_at.toISOString() };
      };
      const email = input.email?.trim() || undefined;
      // Anonymous feedback without a retry key is one statement; anything else is one transaction.
      const result: SubmitResult =
        idempotencyKey === undefined && email === undefined
          ? { status: 201, body: await store(deps.db, null), replayed: false }
          : await deps.db.transaction().execute(async (trx): Promise<SubmitResult> => {
              if (idempotencyKey !== undefined) {
                const existing = await claimIdempotencyKey(trx, SCOPE, idempotencyKey, requestHash);
                if (existing) {
                  if (existing.request_hash !== requestHash) {
                    throw new AppError('UNPROCESSABLE', 'This Idempotency-Key was used with a different request body.');
                  }
                  if (existing.status === null) throw new AppError('CONFLICT', 'A request with this Idempotency-Key is still in progress.');
                  return { status: existing.status, body: existing.response as PublicFeedback, replayed: true };
                }
              }
              const body = await store(trx, email ? await deps.ensureTester(trx, email) : null);
              if (idempotencyKey !== undefined) await storeIdempotentResponse(trx, SCOPE, idempotencyKey, 201, body);
              return { status: 201, body, replayed: false };
            });
      if (!result.replayed) {
        cached = undefined;
        deps.onSubmitted?.();
      }
      return result;
    },

    stats() {
      const at = Date.now();
      if (!cached || at - cached.at > cacheMs) {
        const stats = readAggregates(deps.db).then((rows) => buildStats(rows, now()));
        cached = { at, stats };
        stats.catch(() => {
          if (cached?.stats === stats) cached = undefined;
        });
      }
      return cached.stats;
    },

    async remove(id, by) {
      if (!isUuid(id)) throw new AppError('NOT_FOUND', 'No such feedback.');
      await deps.db.transaction().execute(async (trx) => {
        const before = await deleteCountedFeedback(trx, id);
        if (!before) throw new AppError('NOT_FOUND', 'No such feedback.');
        await deps.recordAudit(trx, {
          actor: by.actor,
          action: 'feedback.delete',
          entityType: 'feedback',
          entityId: id,
          before,
          requestId: by.requestId,
        });
      });
      cached = undefined;
    },

    pruneKeys: () => pruneIdempotencyKeys(deps.db, new Date(now().getTime() - IDEMPOTENCY_TTL_MS)),
  };
}
