import { describe, expect, it } from 'vitest';
import {
  FIRST_RETRY_MS,
  MAX_RETRY_MS,
  newKey,
  OUTBOX_MAX,
  outcomeOf,
  readOutbox,
  retryDelayMs,
  upsert,
  writeOutbox,
  type PendingSubmission,
} from './outbox.js';

/** localStorage as far as the outbox uses it, optionally full. */
function memoryStorage(full = false) {
  const items = new Map<string, string>();
  return {
    items,
    getItem: (name: string) => items.get(name) ?? null,
    setItem: (name: string, value: string) => {
      if (full) throw new Error('QuotaExceededError');
      items.set(name, value);
    },
    removeItem: (name: string) => void items.delete(name),
  };
}

const entry = (key: string, rating = 4): PendingSubmission => ({ key, body: { rating }, attempts: 0, notBefore: 0 });

describe('outcomeOf', () => {
  it('sorts answers into sent, retry and rejected', () => {
    expect([200, 201, 204].map(outcomeOf)).toEqual(['sent', 'sent', 'sent']);
    expect([408, 409, 425, 429, 500, 502, 503, 504].map(outcomeOf)).toEqual(Array(8).fill('retry'));
    expect([400, 401, 403, 404, 413, 415, 422].map(outcomeOf)).toEqual(Array(7).fill('rejected'));
  });
});

describe('retryDelayMs', () => {
  it('doubles from 2 s up to 5 minutes', () => {
    expect([1, 2, 3, 4].map((a) => retryDelayMs(a))).toEqual([2000, 4000, 8000, 16000]);
    expect(retryDelayMs(0)).toBe(FIRST_RETRY_MS);
    expect(retryDelayMs(30)).toBe(MAX_RETRY_MS);
    expect(retryDelayMs(5000)).toBe(MAX_RETRY_MS);
  });

  it("waits for the server's Retry-After when it is longer, within the same ceiling", () => {
    expect(retryDelayMs(1, 30)).toBe(30_000);
    expect(retryDelayMs(4, 1)).toBe(16_000);
    expect(retryDelayMs(1, 100_000)).toBe(MAX_RETRY_MS);
    expect(retryDelayMs(1, Number.NaN)).toBe(2000);
    expect(retryDelayMs(1, -5)).toBe(2000);
  });
});

describe('newKey', () => {
  it('is 32 hex digits from the random source', () => {
    expect(newKey((b) => b.fill(0xab))).toBe('ab'.repeat(16));
    expect(newKey((b) => crypto.getRandomValues(b))).toMatch(/^[0-9a-f]{32}$/);
  });
});

describe('readOutbox / writeOutbox', () => {
  it('round-trips pending submissions and removes the entry when none are left', () => {
    const storage = memoryStorage();
    writeOutbox(storage, 'box', [entry('k1'), entry('k2', 2)]);
    expect(readOutbox(storage, 'box')).toEqual([entry('k1'), entry('k2', 2)]);
    writeOutbox(storage, 'box', []);
    expect(storage.items.has('box')).toBe(false);
  });

  it('ignores unreadable and foreign entries', () => {
    const storage = memoryStorage();
    storage.items.set('box', 'not json');
    expect(readOutbox(storage, 'box')).toEqual([]);
    storage.items.set('box', JSON.stringify({ key: 'k' }));
    expect(readOutbox(storage, 'box')).toEqual([]);
    storage.items.set('box', JSON.stringify([entry('ok'), { key: 'x' }, { ...entry('bad key with spaces') }, null, 3]));
    expect(readOutbox(storage, 'box')).toEqual([entry('ok')]);
    expect(readOutbox(undefined, 'box')).toEqual([]);
  });

  it('survives storage that refuses writes', () => {
    expect(() => writeOutbox(memoryStorage(true), 'box', [entry('k')])).not.toThrow();
  });

  it(`keeps the newest ${OUTBOX_MAX}`, () => {
    const storage = memoryStorage();
    const many = Array.from({ length: OUTBOX_MAX + 5 }, (_, i) => entry(`k${i}`));
    writeOutbox(storage, 'box', many);
    const kept = readOutbox(storage, 'box');
    expect(kept).toHaveLength(OUTBOX_MAX);
    expect(kept[0]!.key).toBe('k5');
  });
});

describe('upsert', () => {
  it('replaces by key, or appends', () => {
    const updated = upsert([entry('a'), entry('b')], { ...entry('a'), attempts: 3 });
    expect(updated.map((p) => [p.key, p.attempts])).toEqual([
      ['b', 0],
      ['a', 3],
    ]);
    expect(upsert([entry('a')], entry('c')).map((p) => p.key)).toEqual(['a', 'c']);
  });
});
