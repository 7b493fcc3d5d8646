// Sends submissions to POST /api/feedback and keeps the ones that failed for a reason that may pass
// (no network, 429, 5xx) in the outbox, retrying them with the same Idempotency-Key on `online`,
// when the page becomes visible again, and on a backoff timer.
import { newKey, outcomeOf, readOutbox, retryDelayMs, upsert, writeOutbox, type FeedbackBody, type PendingSubmission } from './outbox.js';

export interface SenderEvents {
  /** Accepted by the server (possibly on a retry, possibly from an earlier visit). */
  sent(entry: PendingSubmission): void;
  /** Kept for a retry; `offline` when the request never got an answer. */
  pending(entry: PendingSubmission, offline: boolean): void;
  /** Refused for good (a 4xx): the server's message. */
  rejected(entry: PendingSubmission, message: string): void;
}

export interface Sender {
  /** Sends `body` (kept until the server has it); returns its Idempotency-Key. */
  submit(body: FeedbackBody): string;
  /** Retries every pending submission now. */
  flush(): void;
}

interface Answer {
  status: number;
  retryAfterS?: number;
  message?: string;
}

async function post(endpoint: string, clientKey: string, entry: PendingSubmission): Promise<Answer | undefined> {
  let res: Response;
  try {
    res = await fetch(`${endpoint}/api/feedback`, {
      method: 'POST',
      mode: 'cors',
      credentials: 'omit',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${clientKey}`, 'idempotency-key': entry.key },
      body: JSON.stringify(entry.body),
    });
  } catch {
    return undefined;
  }
  const retryAfter = Number(res.headers.get('retry-after'));
  let message: string | undefined;
  if (!res.ok) {
    const body = (await res.json().catch(() => undefined)) as { error?: { message?: unknown } } | undefined;
    if (typeof body?.error?.message === 'string') message = body.error.message;
  }
  return { status: res.status, retryAfterS: Number.isFinite(retryAfter) ? retryAfter : undefined, message };
}

/** A sender for `endpoint` (the widget's origin), remembering pending submissions under `storageName`. */
export function createSender(endpoint: string, clientKey: string, storage: Storage | undefined, events: SenderEvents): Sender {
  const storageName = `nous-feedback-outbox:${endpoint}`;
  let memory: PendingSubmission[] = readOutbox(storage, storageName);
  const inFlight = new Set<string>();
  let timer: ReturnType<typeof setTimeout> | undefined;

  // Read-modify-write against storage, so another tab's pending submissions are kept.
  const update = (change: (pending: PendingSubmission[]) => PendingSubmission[]) => {
    const merged = new Map([...readOutbox(storage, storageName), ...memory].map((p) => [p.key, p]));
    memory = change([...merged.values()]);
    writeOutbox(storage, storageName, memory);
  };
  const schedule = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    if (memory.length === 0) return;
    const next = Math.min(...memory.map((p) => p.notBefore));
    timer = setTimeout(() => run(false), Math.max(0, next - Date.now()));
  };
  const attempt = async (entry: PendingSubmission) => {
    inFlight.add(entry.key);
    const answer = await post(endpoint, clientKey, entry);
    inFlight.delete(entry.key);
    const outcome = answer === undefined ? 'retry' : outcomeOf(answer.status);
    if (outcome === 'retry') {
      const attempts = entry.attempts + 1;
      const kept = { ...entry, attempts, notBefore: Date.now() + retryDelayMs(attempts, answer?.retryAfterS) };
      update((pending) => upsert(pending, kept));
      events.pending(kept, answer === undefined);
    } else {
      update((pending) => pending.filter((p) => p.key !== entry.key));
      if (outcome === 'sent') events.sent(entry);
      else events.rejected(entry, answer?.message ?? `The server answered ${answer?.status ?? 'nothing'}.`);
    }
    schedule();
  };
  const run = (force: boolean) => {
    const now = Date.now();
    for (const entry of memory) if (!inFlight.has(entry.key) && (force || entry.notBefore <= now)) void attempt(entry);
  };

  globalThis.addEventListener('online', () => run(true));
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') run(true);
  });
  // Submissions left from an earlier visit go out now.
  run(true);

  return {
    submit(body) {
      const entry: PendingSubmission = { key: newKey((b) => crypto.getRandomValues(b)), body, attempts: 0, notBefore: 0 };
      update((pending) => upsert(pending, entry));
      void attempt(entry);
      return entry.key;
    },
    flush: () => run(true),
  };
}
