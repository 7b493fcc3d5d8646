// Feedback: what the routes (and the tester page, through `forTester`) call. Submission lives in
// feedback-submission; here the cached statistics, removal, reads and key pruning.
import type { Kysely } from 'kysely';
import type { Clock } from '../../core/clock.js';
import { AppError } from '../../core/errors.js';
import { isUuid } from '../../core/ids.js';
import type { Actor } from '../../core/principal.js';
import type { RecordAudit } from '../../db/audit.js';
import type { DatabaseSchema } from '../../db/schema.js';
import { createFeedbackWriter } from './feedback-writer.js';
import { submitFeedback, type EnsureTester, type FeedbackInput, type IdempotencyRetry, type SubmitResult } from './feedback-submission.js';
import {
  allFeedback,
  deleteCountedFeedback,
  insertCountedFeedback,
  insertCountedFeedbackRows,
  listFeedback,
  pruneIdempotencyKeys,
  readAggregates,
  rollUpCounterSlots,
} from './feedback.repository.js';
import type { FeedbackFilter, FeedbackRow } from './feedback.types.js';
import { buildStats, type FeedbackAnalytics } from './stats.js';

export type { EnsureTester, FeedbackInput, IdempotencyRetry, PublicFeedback, SubmitResult } from './feedback-submission.js';
export type { FeedbackFilter, FeedbackRow } from './feedback.types.js';

/** Stored answers are kept this long for retries. */
export const IDEMPOTENCY_TTL_MS = 24 * 3_600_000;

/** A feedback row as the API shows it (dates in ISO 8601). */
export const presentFeedback = (f: FeedbackRow) => ({ ...f, created_at: f.created_at.toISOString() });

export interface FeedbackService {
  /** Stores one submission; `retry` (an Idempotency-Key and its sender) makes a retry return the first answer. */
  submit(input: FeedbackInput, retry?: IdempotencyRetry): Promise<SubmitResult>;
  /** Public statistics and the console's analytics, cached for a few seconds. */
  stats(): Promise<FeedbackAnalytics>;
  /** Housekeeping: forgets idempotency keys older than a day and rolls past days' counter slots up into one row. */
  pruneKeys(): Promise<void>;
  /** Removes one feedback row (spam, a test submission) and its share of the statistics; audited. */
  remove(id: string, by: Actor): Promise<void>;
  /** Newest first, before `filter.before`, `filter.limit` rows at most. */
  list(filter: FeedbackFilter): Promise<FeedbackRow[]>;
  /** Every row the filter matches, newest first, read page by page. */
  exportAll(filter: Omit<FeedbackFilter, 'before' | 'limit'>): AsyncIterable<FeedbackRow>;
  /** A tester's latest 100 submissions, as the API shows them. */
  forTester(userId: string): Promise<unknown[]>;
}

export interface FeedbackServiceDeps {
  db: Kysely<DatabaseSchema>;
  ensureTester: EnsureTester;
  recordAudit: RecordAudit;
  onSubmitted?: () => void;
  clock: Clock;
  /** How long statistics are served from memory. Default 5000 ms. */
  statsCacheMs?: number;
}

/** Statistics computed at most once per `cacheMs`; a failed computation is not kept. */
function cachedStats(compute: () => Promise<FeedbackAnalytics>, cacheMs: number) {
  let cached: { at: number; stats: Promise<FeedbackAnalytics> } | undefined;
  return {
    get(): Promise<FeedbackAnalytics> {
      const at = Date.now();
      if (!cached || at - cached.at > cacheMs) {
        const stats = compute();
        cached = { at, stats };
        stats.catch(() => {
          if (cached?.stats === stats) cached = undefined;
        });
      }
      return cached.stats;
    },
    invalidate() {
      cached = undefined;
    },
  };
}

async function removeAudited(deps: FeedbackServiceDeps, id: string, by: Actor): Promise<void> {
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
}

export function createFeedbackService(deps: FeedbackServiceDeps): FeedbackService {
  const { db, clock } = deps;
  const stats = cachedStats(() => readAggregates(db).then((rows) => buildStats(rows, clock())), deps.statsCacheMs ?? 5000);
  const write = createFeedbackWriter({ one: (row) => insertCountedFeedback(db, row), many: (rows) => insertCountedFeedbackRows(db, rows) });
  return {
    async submit(input, retry) {
      const result = await submitFeedback({ db, ensureTester: deps.ensureTester, write }, input, retry);
      if (!result.replayed) {
        stats.invalidate();
        deps.onSubmitted?.();
      }
      return result;
    },
    stats: () => stats.get(),
    async remove(id, by) {
      await removeAudited(deps, id, by);
      stats.invalidate();
    },
    async pruneKeys() {
      await pruneIdempotencyKeys(db, new Date(clock().getTime() - IDEMPOTENCY_TTL_MS));
      await rollUpCounterSlots(db);
    },
    list: (filter) => listFeedback(db, filter),
    exportAll: (filter) => allFeedback(db, filter),
    forTester: async (userId) => (await listFeedback(db, { userId, limit: 100 })).map(presentFeedback),
  };
}
