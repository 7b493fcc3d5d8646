import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bucketOf, bucketerFor } from './bucket.js';
import { compileFlag, isCompiled, matchTargetUsers } from './compile.js';
import type { Flag } from './evaluate.js';

// The entry-by-entry walk the index replaces: the first entry that matches decides, and within one
// entry an exact targetingKey is checked before the email, then the targetingKey as an email.
function referenceMatch(targetUsers: readonly unknown[], targetingKey: string | undefined, email: string | undefined) {
  const keyAsEmail = targetingKey?.includes('@') ? targetingKey.toLowerCase() : undefined;
  for (const entry of targetUsers) {
    if (typeof entry !== 'string' || entry === '') continue;
    if (entry === targetingKey) return 'targetingKey';
    if (entry.includes('@')) {
      const entryEmail = entry.toLowerCase();
      if (entryEmail === email) return 'email';
      if (entryEmail === keyAsEmail) return 'targetingKey';
    }
  }
  return undefined;
}

const flag = (overrides: Partial<Flag> = {}): Flag => ({
  name: 'f',
  is_enabled: true,
  rollout_percentage: 100,
  target_users: [],
  conditions: [],
  ...overrides,
});

describe('compileFlag', () => {
  it('keeps the flag fields, and returns a compiled flag as is', () => {
    const plain = flag({ target_users: ['a'], rollout_percentage: 40 });
    const compiled = compileFlag(plain);
    expect(isCompiled(plain)).toBe(false);
    expect(isCompiled(compiled)).toBe(true);
    expect(compiled).toMatchObject(plain);
    expect(compileFlag(compiled)).toBe(compiled);
  });

  it('treats a rollout that is not a number as 0 and conditions that are not a list as never matching', () => {
    const odd = compileFlag({ ...flag(), rollout_percentage: '50' as unknown as number, conditions: {} as unknown as [] });
    expect(odd.percentage).toBe(0);
    expect(odd.matchers).toBe(false);
    expect(compileFlag(flag({ rollout_percentage: Number.NaN })).percentage).toBe(0);
  });

  it('hashes buckets as bucketOf does, for any flag name length', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), fc.string({ maxLength: 30 }), (name, key) => {
        expect(compileFlag(flag({ name })).bucket(key)).toBe(bucketOf(name, key));
        expect(bucketerFor(name)(key)).toBe(bucketOf(name, key));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('matchTargetUsers', () => {
  const pool = ['u1', 'U1', 'a@x.io', 'A@X.io', 'b@x.io', 'u1@x.io', 'U1@X.IO', '', 'x'];
  const entry = fc.oneof(fc.constantFrom(...pool), fc.constant(7 as unknown as string), fc.constant(null as unknown as string));
  const maybe = fc.option(fc.constantFrom(...pool.filter((p) => p !== '')), { nil: undefined });

  it('answers as the entry-by-entry walk, for any list and identifiers', () => {
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 8 }), maybe, maybe, (targetUsers, targetingKey, rawEmail) => {
        const email = rawEmail?.toLowerCase();
        const compiled = compileFlag(flag({ target_users: targetUsers }));
        expect(matchTargetUsers(compiled, targetingKey, email)).toBe(referenceMatch(targetUsers, targetingKey, email));
      }),
      { numRuns: 3000 },
    );
  });

  it('reports the first matching entry', () => {
    const compiled = compileFlag(flag({ target_users: ['A@x.io', 'a@x.io'] }));
    expect(matchTargetUsers(compiled, 'a@x.io', 'a@x.io')).toBe('email');
    expect(matchTargetUsers(compileFlag(flag({ target_users: ['a@x.io'] })), 'a@x.io', 'a@x.io')).toBe('targetingKey');
    expect(matchTargetUsers(compileFlag(flag({ target_users: ['nobody'] })), 'a', undefined)).toBeUndefined();
  });
});
