// Ordered rules changed how flags are stored and walked; every answer a flag gave before must stay the
// same. The fixture holds, per seeded random flag, a SHA-256 over its answers for 100,000 seeded random
// contexts, recorded with the evaluator as it was before rules existed.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as rulesMigration from '../src/db/migrations/0014-flag-rules-segments.js';
import { toEvaluable } from '../src/features/flags/flag-store.js';
import { listFlags } from '../src/features/flags/flags.repository.js';
import { compileFlag, type Flag } from '../src/features/flags/compile.js';
import { evaluateFlag } from '../src/features/flags/evaluate.js';
import { newFlag } from '../src/features/flags/flag-input.js';
import type { FlagWrite } from '../src/features/flags/flags.types.js';
import { randomContexts, randomFlags, seeded } from './helpers/random-flags.js';
import { createTestDatabase, type TestDatabase } from './helpers/test-database.js';

const FIXTURE = new URL('./fixtures/rules-migration/answers.json', import.meta.url);
const SEED = 20261205;
const FLAGS = 40;
const CONTEXTS = 100_000;

interface Fixture {
  seed: number;
  contexts: number;
  hashes: Record<string, string>;
}

const rng = seeded(SEED);
const inputs = randomFlags(rng, FLAGS);
const contexts = randomContexts(rng, CONTEXTS);
const now = new Date('2026-12-05T00:00:00Z');

/** The answers a flag gives every context, as one hash (value, variant, reason, error, bucket and variant hash). */
const reasonsSeen = new Set<string>();

function answersHash(flag: Flag): string {
  const compiled = compileFlag(flag);
  const hash = createHash('sha256');
  for (const context of contexts) {
    const r = evaluateFlag(compiled, context);
    reasonsSeen.add(r.errorCode ?? r.reason);
    hash.update(JSON.stringify([r.value, r.variant, r.reason, r.errorCode ?? null, r.bucket ?? null, r.target ?? null]));
    hash.update('\n');
  }
  return hash.digest('hex');
}

const asFlag = (write: FlagWrite): Flag => ({ ...write, conditions: write.conditions as Flag['conditions'] });
const fixture = (): Fixture => JSON.parse(readFileSync(FIXTURE, 'utf8')) as Fixture;

describe('flags keep every answer across the rules migration', () => {
  it('seeded flags answer 100,000 seeded contexts as recorded', () => {
    const hashes = Object.fromEntries(inputs.map((input) => [input.name, answersHash(asFlag(newFlag(input, now)))]));
    if (process.env.RECORD_RULES_FIXTURE === '1') {
      writeFileSync(FIXTURE, `${JSON.stringify({ seed: SEED, contexts: CONTEXTS, hashes } satisfies Fixture, null, 2)}\n`);
    }
    const recorded = fixture();
    expect(recorded.seed).toBe(SEED);
    expect(recorded.contexts).toBe(CONTEXTS);
    expect(Object.keys(recorded.hashes)).toHaveLength(FLAGS);
    expect(hashes).toEqual(recorded.hashes);
    // The sample reaches every outcome, so the hashes cover each path of the walk.
    expect([...reasonsSeen].sort()).toEqual(['DEFAULT', 'DISABLED', 'SPLIT', 'STATIC', 'TARGETING_KEY_MISSING', 'TARGETING_MATCH']);
  });

  describe('through the migration itself', () => {
    let testDb: TestDatabase;
    beforeAll(async () => {
      testDb = await createTestDatabase();
    }, 60_000);
    afterAll(() => testDb?.destroy());

    it('flags stored before the migration answer as recorded once it has run, read back as the server reads them', async () => {
      const db = testDb.database.db as unknown as Kysely<unknown>;
      // The database as it was before rules: the migration undone, the seeded flags written in the old columns.
      await rulesMigration.down(db);
      for (const input of inputs) {
        const w = newFlag(input, now);
        await sql`insert into feature_flags (name, is_enabled, rollout_percentage, target_users, conditions, value_type, variants, default_variant, stickiness)
          values (${w.name}, ${w.is_enabled}, ${w.rollout_percentage}, ${JSON.stringify(w.target_users)}::jsonb, ${JSON.stringify(w.conditions)}::jsonb,
                  ${w.value_type}, ${JSON.stringify(w.variants)}::jsonb, ${w.default_variant}, ${w.stickiness})`.execute(db);
      }
      await rulesMigration.up(db);
      const rows = await listFlags(testDb.database.db);
      expect(rows).toHaveLength(FLAGS);
      expect(rows.every((row) => row.rules.length === 0 && row.segments.length === 0)).toBe(true);
      const hashes = Object.fromEntries(rows.map((row) => [row.name, answersHash(toEvaluable(row, new Map()))]));
      expect(hashes).toEqual(fixture().hashes);
    }, 120_000);
  });
});
