import { describe, expect, it } from 'vitest';
import type { CountedFeedback } from './feedback.repository.js';
import type { NewFeedback } from './feedback.types.js';
import { createFeedbackWriter, type FeedbackWrites } from './feedback-writer.js';

const row = (rating: number, comment: string | null = null): NewFeedback => ({
  user_id: null,
  email: null,
  rating,
  feature: null,
  comment,
  metadataJson: null,
  variantsJson: null,
});

const stored = (r: NewFeedback, n: number): CountedFeedback => ({
  id: `id-${n}`,
  rating: r.rating,
  feature: r.feature,
  created_at: '2026-06-01T10:00:00.000Z',
});

/** Writes that record each call and answer when `release` is called (or fail as `refuse` says). */
function recordingWrites(refuse: (r: NewFeedback) => Error | undefined = () => undefined) {
  const calls: Array<{ kind: 'one' | 'many'; ratings: number[] }> = [];
  const gates: Array<() => void> = [];
  let n = 0;
  const gate = () => new Promise<void>((resolve) => gates.push(resolve));
  const check = (rows: readonly NewFeedback[]) => {
    for (const r of rows) {
      const err = refuse(r);
      if (err) throw err;
    }
  };
  const writes: FeedbackWrites = {
    async one(r) {
      calls.push({ kind: 'one', ratings: [r.rating] });
      await gate();
      check([r]);
      return stored(r, n++);
    },
    async many(rows) {
      calls.push({ kind: 'many', ratings: rows.map((r) => r.rating) });
      await gate();
      check(rows);
      return rows.map((r) => stored(r, n++));
    },
  };
  const releaseAll = async () => {
    for (let i = 0; i < 20 && gates.length > 0; i++) {
      gates.splice(0).forEach((open) => open());
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  return { calls, writes, releaseAll };
}

describe('feedback writer', () => {
  it('writes a submission at once, alone, when nothing else is under way', async () => {
    const { calls, writes, releaseAll } = recordingWrites();
    const write = createFeedbackWriter(writes);
    const answer = write(row(4));
    expect(calls).toEqual([{ kind: 'one', ratings: [4] }]);
    await releaseAll();
    expect(await answer).toMatchObject({ rating: 4 });
  });

  it('writes what arrives while statements are under way as one statement, answering each with its own row', async () => {
    const { calls, writes, releaseAll } = recordingWrites();
    const write = createFeedbackWriter(writes, { inFlight: 2, maxRows: 3 });
    const answers = [1, 2, 3, 4, 5, 1, 2].map((rating) => write(row(rating)));
    // Two under way at once; the five that came meanwhile wait, then go three and two together.
    expect(calls).toEqual([
      { kind: 'one', ratings: [1] },
      { kind: 'one', ratings: [2] },
    ]);
    await releaseAll();
    expect(calls.slice(2)).toEqual([
      { kind: 'many', ratings: [3, 4, 5] },
      { kind: 'many', ratings: [1, 2] },
    ]);
    expect((await Promise.all(answers)).map((a) => a.rating)).toEqual([1, 2, 3, 4, 5, 1, 2]);
  });

  it('tries the rows of a statement alone when one row is refused, so only that request fails', async () => {
    const refused = Object.assign(new Error('new row violates check constraint'), { code: '23514' });
    const { calls, writes, releaseAll } = recordingWrites((r) => (r.comment === 'bad' ? refused : undefined));
    const write = createFeedbackWriter(writes, { inFlight: 1 });
    const first = write(row(5));
    const others = [write(row(1)), write(row(2, 'bad')), write(row(3))].map((p) =>
      p.then(
        (a) => a.rating,
        (err: Error) => err.message,
      ),
    );
    await releaseAll();
    await first;
    expect(await Promise.all(others)).toEqual([1, 'new row violates check constraint', 3]);
    expect(calls.map((c) => c.kind)).toEqual(['one', 'many', 'one', 'one', 'one']);
  });

  it('fails every request of a statement together when the database, not a row, is at fault', async () => {
    const down = Object.assign(new Error('terminating connection'), { code: '57P01' });
    let failing = false;
    const { calls, writes, releaseAll } = recordingWrites(() => (failing ? down : undefined));
    const write = createFeedbackWriter(writes, { inFlight: 1 });
    const answers = [write(row(5)), write(row(1)), write(row(2))].map((p) =>
      p.then(
        () => 'stored',
        (err: Error) => err.message,
      ),
    );
    failing = true;
    await releaseAll();
    expect(await Promise.all(answers)).toEqual(['terminating connection', 'terminating connection', 'terminating connection']);
    expect(calls.map((c) => c.kind)).toEqual(['one', 'many']);
    // And the next submission goes on normally.
    failing = false;
    const later = write(row(3));
    await releaseAll();
    expect(await later).toMatchObject({ rating: 3 });
  });
});
