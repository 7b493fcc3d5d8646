// The 21-flag Unleash reference set (test/fixtures/unleash-21): Unleash 8.2's own feature export imported through
// the real server, then every flag evaluated over OFREP for the 294 contexts Unleash answered, and each answer
// compared with Unleash's. Every difference must be one of the differences listed here, each with its reason;
// any other difference fails the test.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/test-app.js';

interface UnleashContext {
  userId?: string;
  sessionId?: string;
  properties: Record<string, string>;
}
interface UnleashAnswer {
  enabled: boolean;
  variant: { name: string; enabled: boolean; payload?: { type: string; value: string } };
}
interface Recorded {
  context: UnleashContext;
  random?: string[];
  answers: Record<string, UnleashAnswer>;
}

const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`./fixtures/unleash-21/${name}`, import.meta.url), 'utf8'));
const exported = fixture('export.json') as Record<string, unknown>;
const recorded = (fixture('answers.json') as { contexts: Recorded[] }).contexts;
const FLAGS = Object.keys(recorded[0]!.answers).sort();
const TYPED = new Set(['variants-ab', 'variants-weighted-json']);

/** Unleash's context as an OpenFeature one: userId is the targeting key, custom properties are plain attributes. */
function ofrepContext({ userId, sessionId, properties }: UnleashContext): Record<string, string> {
  return { ...(userId !== undefined && { targetingKey: userId }), ...(sessionId !== undefined && { sessionId }), ...properties };
}

/**
 * Known differences, each a flag and the contexts it answers differently for, with the reason. A context's
 * answer that differs outside these fails the test; a listed difference that never occurs fails it too.
 */
const KNOWN: Array<{ flag: string; when: (c: UnleashContext) => boolean; why: string }> = [
  {
    flag: 'rollout-10-default',
    when: (c) => c.userId === undefined && c.sessionId !== undefined,
    why: 'Unleash’s default stickiness falls back to sessionId without a userId; here it falls back to the targeting key only, so the rollout answers an error (false)',
  },
  {
    flag: 'variants-weighted-json',
    when: (c) => c.userId === undefined && c.sessionId !== undefined,
    why: 'the same default-stickiness fallback to sessionId, for the rollout and the variant choice',
  },
  {
    flag: 'rollout-40-plan',
    when: (c) => c.properties.plan === undefined,
    why: 'without the plan attribute this instance buckets on the targeting key, where Unleash does not match',
  },
];

describe('the Unleash 8.2 reference set', () => {
  let t: TestApp;
  let admin: Record<string, string>;
  let evaluate: Record<string, string>;
  let plan: { summary: Record<string, number>; flags: Array<{ name: string; action: string; reasons: string[]; notes: string[] }> };

  beforeAll(async () => {
    t = await createTestApp();
    await t.app.ready();
    admin = { authorization: `Bearer ${await t.token('admin')}` };
    evaluate = { authorization: `Bearer ${await t.token('evaluate')}` };
    // Unleash's export names its segment without its constraints: created here as Unleash holds it.
    const segment = await t.app.inject({
      method: 'POST',
      url: '/api/admin/segments',
      headers: admin,
      payload: { name: 'beta-testers', conditions: [{ attribute: 'targetingKey', operator: 'in', values: ['u123', 'u124', 'u125'] }] },
    });
    expect(segment.statusCode).toBe(201);
    const imported = await t.app.inject({
      method: 'POST',
      url: '/api/admin/flags/import?environment=development',
      headers: admin,
      payload: exported,
    });
    expect(imported.statusCode).toBe(200);
    plan = imported.json<{ plan: typeof plan }>().plan;
  }, 60_000);
  afterAll(() => t?.close());

  it('imports 20 of the 21 flags and refuses the random rollout, saying why', () => {
    expect(plan.summary).toEqual({ create: 20, update: 0, unchanged: 0, refused: 1, invalid: 0 });
    const refused = plan.flags.find((f) => f.action === 'refused')!;
    expect(refused.name).toBe('rollout-75-random');
    expect(refused.reasons).toEqual(['its rollout uses random stickiness (buckets here are always sticky)']);
    expect(plan.flags.find((f) => f.name === 'variants-ab')!.notes).toContain(
      'variant "A" is served as "a": variant names here are lowercase',
    );
  });

  it('answers like Unleash for every context, apart from the listed differences', async () => {
    const unexpected: string[] = [];
    const seen = new Map<string, number>();
    let compared = 0;
    for (const { context, random = [], answers } of recorded) {
      const response = await t.app.inject({
        method: 'POST',
        url: '/ofrep/v1/evaluate/flags',
        headers: evaluate,
        payload: { context: ofrepContext(context) },
      });
      const body = response.json<{
        flags: Array<{ key: string; value?: unknown; variant?: string; reason?: string; errorCode?: string }>;
      }>();
      const ours = new Map(body.flags.map((f) => [f.key, f]));
      for (const flag of FLAGS) {
        if (flag === 'rollout-75-random' || random.includes(flag)) continue;
        const theirs = answers[flag]!;
        const mine = ours.get(flag);
        let same: boolean;
        if (!TYPED.has(flag)) {
          same = (mine?.value === true) === theirs.enabled;
        } else if (theirs.enabled) {
          // On: the same variant (lowercased here) with the same payload.
          const payload = theirs.variant.payload!;
          const value = payload.type === 'json' ? JSON.parse(payload.value) : payload.value;
          same = mine?.variant === theirs.variant.name.toLowerCase() && JSON.stringify(mine?.value) === JSON.stringify(value);
        } else {
          // Off for this context: Unleash answers its "disabled" variant; this instance the default variant (outside the
          // rollout), or an error when it cannot hash the context, on which the caller keeps its own default.
          same = mine?.errorCode !== undefined || !(await explainOn(flag, ofrepContext(context)));
        }
        compared++;
        if (same) continue;
        const known = KNOWN.find((k) => k.flag === flag && k.when(context));
        if (known) seen.set(flag, (seen.get(flag) ?? 0) + 1);
        else unexpected.push(`${flag} for ${JSON.stringify(context)}: Unleash ${JSON.stringify(theirs)}, here ${JSON.stringify(mine)}`);
      }
    }
    expect(unexpected).toEqual([]);
    // Every listed difference really occurs (a list of excuses that never apply would hide nothing).
    expect([...seen.keys()].sort()).toEqual(KNOWN.map((k) => k.flag).sort());
    expect(compared).toBeGreaterThan(5000);
  }, 120_000);

  /** Whether a typed flag is on for the context: its rollout, a rule or a target decided (not the default). */
  async function explainOn(flag: string, context: Record<string, string>): Promise<boolean> {
    const res = await t.app.inject({ method: 'POST', url: `/api/admin/flags/${flag}/explain`, headers: admin, payload: { context } });
    const steps = res.json<{ steps: Array<{ step: string; matched?: boolean }> }>().steps;
    return steps.some((s) => (s.step === 'rollout' || s.step === 'rule' || s.step === 'target_users') && s.matched === true);
  }
});
