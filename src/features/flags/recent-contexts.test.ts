import { describe, expect, it } from 'vitest';
import { createRecentContexts } from './recent-contexts.js';

describe('recent contexts', () => {
  it('holds what it was given until full, then replaces the oldest', () => {
    const ring = createRecentContexts(3);
    expect(ring.sample()).toEqual([]);
    ring.record({ targetingKey: 'a' });
    ring.record({ targetingKey: 'b' });
    expect(ring.sample().map((c) => c.targetingKey)).toEqual(['a', 'b']);
    ring.record({ targetingKey: 'c' });
    ring.record({ targetingKey: 'd' });
    expect(
      ring
        .sample()
        .map((c) => c.targetingKey)
        .sort(),
    ).toEqual(['b', 'c', 'd']);
  });
});
