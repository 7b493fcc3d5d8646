// Submissions not yet accepted by the server: kept in memory and in the host page's localStorage,
// each with the Idempotency-Key it was first sent with, so a retry (even from another tab or a
// later visit) is stored once. Pure apart from the Storage handed in.

export interface FeedbackBody {
  rating: number;
  comment?: string;
  feature?: string;
  email?: string;
  variants?: Record<string, string>;
}

export interface PendingSubmission {
  /** The Idempotency-Key: the same on every attempt. */
  key: string;
  body: FeedbackBody;
  /** Attempts made so far. */
  attempts: number;
  /** Epoch ms before which no retry is made. */
  notBefore: number;
}

/** What an answer means for a submission. */
export type Outcome = 'sent' | 'retry' | 'rejected';

/** 2xx: stored. Network failures, 408, 409 (same key still in progress), 425, 429 and 5xx: try again. Other 4xx: the server will never accept it. */
export function outcomeOf(status: number): Outcome {
  if (status >= 200 && status < 300) return 'sent';
  if (status === 408 || status === 409 || status === 425 || status === 429 || status >= 500) return 'retry';
  return 'rejected';
}

export const FIRST_RETRY_MS = 2_000;
export const MAX_RETRY_MS = 5 * 60_000;

/** Exponential backoff from 2 s to 5 min, or the server's Retry-After (seconds) when it is longer. */
export function retryDelayMs(attempts: number, retryAfterS?: number): number {
  const backoff = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.max(0, attempts - 1));
  const asked = retryAfterS !== undefined && Number.isFinite(retryAfterS) && retryAfterS > 0 ? retryAfterS * 1000 : 0;
  return Math.min(MAX_RETRY_MS, Math.max(backoff, asked));
}

/** A random Idempotency-Key (32 hex digits); getRandomValues works outside secure contexts too. */
export function newKey(random: (bytes: Uint8Array<ArrayBuffer>) => Uint8Array<ArrayBuffer>): string {
  return Array.from(random(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** At most this many are kept: a page that cannot reach the server for long does not grow storage without end. */
export const OUTBOX_MAX = 20;

function isPending(value: unknown): value is PendingSubmission {
  if (value === null || typeof value !== 'object') return false;
  const p = value as Record<string, unknown>;
  const body = p.body as Record<string, unknown> | null | undefined;
  return (
    typeof p.key === 'string' &&
    /^[\x21-\x7e]{1,200}$/.test(p.key) &&
    typeof p.attempts === 'number' &&
    typeof p.notBefore === 'number' &&
    typeof body === 'object' &&
    body !== null &&
    typeof body.rating === 'number'
  );
}

/** The pending submissions stored under `name`; unreadable or foreign entries are ignored. */
export function readOutbox(storage: Pick<Storage, 'getItem'> | undefined, name: string): PendingSubmission[] {
  try {
    const parsed: unknown = JSON.parse(storage?.getItem(name) ?? '[]');
    return Array.isArray(parsed) ? parsed.filter(isPending).slice(-OUTBOX_MAX) : [];
  } catch {
    return [];
  }
}

/** Stores `pending` under `name` (removes the entry when empty). Storage may be full or blocked: memory still holds them. */
export function writeOutbox(
  storage: Pick<Storage, 'setItem' | 'removeItem'> | undefined,
  name: string,
  pending: PendingSubmission[],
): void {
  try {
    if (pending.length === 0) storage?.removeItem(name);
    else storage?.setItem(name, JSON.stringify(pending.slice(-OUTBOX_MAX)));
  } catch {
    // Private browsing or a full quota: the submission stays in memory for this page.
  }
}

/** `pending` with `entry` replaced by key, or added at the end. */
export function upsert(pending: PendingSubmission[], entry: PendingSubmission): PendingSubmission[] {
  const rest = pending.filter((p) => p.key !== entry.key);
  return [...rest, entry].slice(-OUTBOX_MAX);
}
