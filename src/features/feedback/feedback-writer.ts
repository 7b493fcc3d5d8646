// Submissions outside a transaction, written together when they arrive together. While a few
// statements are under way, what arrives meanwhile waits and then goes as one statement: under load
// a handful of round trips and commits serve dozens of requests; alone, a submission goes at once.
// Each request still answers only once its own row is stored.
import type { NewFeedback } from './feedback.types.js';
import type { CountedFeedback } from './feedback.repository.js';

export interface FeedbackWrites {
  one(row: NewFeedback): Promise<CountedFeedback>;
  /** All or none; answers in the order of `rows`. */
  many(rows: readonly NewFeedback[]): Promise<CountedFeedback[]>;
}

export interface FeedbackWriterOptions {
  /** Statements under way at once before new rows wait for the next one (default 4). */
  inFlight?: number;
  /** Rows in one statement at most (default 200). */
  maxRows?: number;
}

interface Pending {
  row: NewFeedback;
  resolve: (stored: CountedFeedback) => void;
  reject: (err: unknown) => void;
}

/** Errors about one row's data (SQLSTATE classes 22 and 23): the other rows of its statement are tried alone. */
function refusesData(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'));
}

export function createFeedbackWriter(
  writes: FeedbackWrites,
  options: FeedbackWriterOptions = {},
): (row: NewFeedback) => Promise<CountedFeedback> {
  const inFlight = options.inFlight ?? 4;
  const maxRows = options.maxRows ?? 200;
  const waiting: Pending[] = [];
  let running = 0;

  async function write(batch: Pending[]): Promise<void> {
    if (batch.length === 1) {
      await writes.one(batch[0]!.row).then(batch[0]!.resolve, batch[0]!.reject);
      return;
    }
    try {
      const stored = await writes.many(batch.map((p) => p.row));
      batch.forEach((p, i) => p.resolve(stored[i]!));
    } catch (err) {
      if (!refusesData(err)) {
        for (const p of batch) p.reject(err);
        return;
      }
      // Nothing of the statement was stored: each row again on its own, so one refused row fails alone.
      await Promise.all(batch.map((p) => writes.one(p.row).then(p.resolve, p.reject)));
    }
  }

  function next(): void {
    while (running < inFlight && waiting.length > 0) {
      const batch = waiting.splice(0, maxRows);
      running++;
      void write(batch).finally(() => {
        running--;
        next();
      });
    }
  }

  return (row) =>
    new Promise<CountedFeedback>((resolve, reject) => {
      waiting.push({ row, resolve, reject });
      next();
    });
}
