// Feedback submission: strict input, safe retries with Idempotency-Key (kept per caller, so one
// client's key never replays or blocks another's), unknown emails become testers, and the counts
// behind the public statistics updated in the same statement.
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { AppError } from '../../core/errors.js';
import type { DatabaseSchema } from '../../db/schema.js';
import type { NewFeedback } from './feedback.types.js';
import { claimIdempotencyKey, insertCountedFeedback, storeIdempotentResponse } from './feedback.repository.js';

/** Returns the id of the tester with this email, creating one (source `feedback`) if needed. */
export type EnsureTester = (db: Kysely<DatabaseSchema>, email: string) => Promise<string>;

export interface FeedbackInput {
  rating: number;
  email?: string;
  feature?: string;
  comment?: string;
  metadata?: Record<string, unknown>;
  /** Flag name → variant name, as validated by the route schema. */
  variants?: Record<string, string>;
}

/** A retry key and who sent it (`token:<id>`, `session:<email>`, `address:<ip>`): keys are kept per caller. */
export interface IdempotencyRetry {
  key: string;
  caller: string;
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

/** Callers are stored as a digest: the table of retry keys holds no client addresses. */
const callerDigest = (caller: string) => createHash('sha256').update(caller).digest('base64url');

function newRow(input: FeedbackInput, metadataJson: string | null, email: string | undefined, userId: string | null): NewFeedback {
  return {
    user_id: userId,
    email: email ?? null,
    rating: input.rating,
    feature: input.feature ?? null,
    comment: input.comment ?? null,
    metadataJson,
    // No variants reported and an empty object mean the same: stored as null.
    variantsJson: input.variants && Object.keys(input.variants).length > 0 ? JSON.stringify(input.variants) : null,
  };
}

/** Stores one submission; a retry by the same caller with the same key and body gets the first answer again. */
export async function submitFeedback(
  deps: {
    db: Kysely<DatabaseSchema>;
    ensureTester: EnsureTester;
    /** Stores a submission outside a transaction (see feedback-writer.ts). */
    write: (row: NewFeedback) => Promise<PublicFeedback>;
  },
  input: FeedbackInput,
  retry: IdempotencyRetry | undefined,
): Promise<SubmitResult> {
  const metadataJson = input.metadata === undefined ? null : JSON.stringify(input.metadata);
  if (metadataJson !== null && Buffer.byteLength(metadataJson) > METADATA_MAX_BYTES) {
    throw new AppError('VALIDATION_ERROR', `body/metadata must be at most ${METADATA_MAX_BYTES} bytes as JSON.`);
  }
  const email = input.email?.trim() || undefined;
  // Anonymous feedback without a retry key is one statement (with others that arrive together, see
  // feedback-writer.ts); anything else is one transaction.
  if (retry === undefined && email === undefined) {
    return { status: 201, body: await deps.write(newRow(input, metadataJson, undefined, null)), replayed: false };
  }
  return deps.db.transaction().execute(async (trx): Promise<SubmitResult> => {
    const at = retry && { scope: SCOPE, caller: callerDigest(retry.caller), key: retry.key };
    if (at) {
      const requestHash = canonicalHash(input);
      const existing = await claimIdempotencyKey(trx, at, requestHash);
      if (existing) {
        if (existing.request_hash !== requestHash) {
          throw new AppError('UNPROCESSABLE', 'This Idempotency-Key was used with a different request body.');
        }
        if (existing.status === null) throw new AppError('CONFLICT', 'A request with this Idempotency-Key is still in progress.');
        return { status: existing.status, body: existing.response as PublicFeedback, replayed: true };
      }
    }
    const body = await insertCountedFeedback(trx, newRow(input, metadataJson, email, email ? await deps.ensureTester(trx, email) : null));
    if (at) await storeIdempotentResponse(trx, at, 201, body);
    return { status: 201, body, replayed: false };
  });
}
