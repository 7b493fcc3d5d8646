import { describe, expect, it } from 'vitest';
import { bucketOf } from './bucket.js';
import { compileFlag } from './compile.js';
import type { Condition } from './conditions.js';
import { evaluateFlag, explainFlag, type ExplainStep, type Flag } from './evaluate.js';
import { RULE_LIMITS, validateRules, type Rule, type SegmentLookup } from './rules.js';
import type { Variant } from './variants.js';

const US: Condition = { attribute: 'country', operator: 'in', values: ['US'] };
const PRO: Condition = { attribute: 'plan', operator: 'eq', values: ['pro'] };

const flag = (patch: Partial<Flag> = {}): Flag => ({
  name: 'checkout',
  is_enabled: true,
  rollout_percentage: 0,
  target_users: [],
  conditions: [],
  ...patch,
});
const rule = (patch: Partial<Rule> = {}): Rule => ({
  name: '',
  conditions: [],
  segments: [],
  rollout_percentage: 100,
  stickiness: 'targetingKey',
  ...patch,
});
const variants: Variant[] = [
  { name: 'control', value: 'Hello', weight: 1, overrides: [] },
  { name: 'short', value: 'Hi', weight: 0, overrides: [] },
  { name: 'long', value: 'Hello there', weight: 0, overrides: [] },
];
const typed = (patch: Partial<Flag> = {}): Flag =>
  flag({ name: 'copy', rollout_percentage: 0, value_type: 'string', variants, default_variant: 'control', ...patch });

/** The first key `key-<i>` whose bucket on `flagName` satisfies `test`. */
function keyWhere(flagName: string, test: (bucket: number) => boolean, prefix = 'key'): string {
  for (let i = 0; i < 100_000; i++) if (test(bucketOf(flagName, `${prefix}-${i}`))) return `${prefix}-${i}`;
  throw new Error('no key found');
}

const failure = (input: unknown, type: 'boolean' | 'string' = 'boolean') => {
  const result = validateRules(input, type, type === 'boolean' ? [] : variants, 'body/rules');
  if (result.ok) throw new Error('expected a validation failure');
  return { field: result.field, message: result.message };
};

describe('rule validation', () => {
  it('accepts and normalises a rule: defaults filled, "default" stickiness read as targetingKey, names trimmed', () => {
    const result = validateRules([{ name: '  US users ', conditions: [US], stickiness: 'default' }], 'boolean', []);
    expect(result).toEqual({ ok: true, value: [rule({ name: 'US users', conditions: [US] })] });
  });

  it('names the field and says what is wrong', () => {
    for (const rollout of [101, -1, 12.5, '50']) {
      expect(failure([rule(), { ...rule(), rollout_percentage: rollout }])).toEqual({
        field: 'body/rules/1/rollout_percentage',
        message: 'must be a whole number from 0 to 100',
      });
    }
    expect(failure([{ ...rule(), percent: 5 }])).toEqual({ field: 'body/rules/0/percent', message: 'is not a rule field' });
    expect(failure([rule({ variant: 'on' })])).toEqual({
      field: 'body/rules/0/variant',
      message: 'is for string, number and object flags: a boolean rule serves true',
    });
    expect(failure([rule({ variant_weights: [{ name: 'on', weight: 1 }] })])).toMatchObject({ field: 'body/rules/0/variant_weights' });
    expect(failure([rule({ variant: 'medium' })], 'string')).toEqual({
      field: 'body/rules/0/variant',
      message: "must name one of the flag's variants (control, short, long)",
    });
    expect(failure([rule({ variant_weights: [{ name: 'medium', weight: 1 }] })], 'string')).toMatchObject({
      field: 'body/rules/0/variant_weights/0/name',
    });
    expect(
      failure(
        [
          rule({
            variant_weights: [
              { name: 'short', weight: 0 },
              { name: 'long', weight: 0 },
            ],
          }),
        ],
        'string',
      ),
    ).toEqual({ field: 'body/rules/0/variant_weights', message: 'must give at least one variant a weight above 0' });
    expect(failure([rule({ variant: 'short', variant_weights: [{ name: 'long', weight: 1 }] })], 'string')).toMatchObject({
      field: 'body/rules/0/variant',
      message: expect.stringContaining('cannot be set together with variant_weights'),
    });
    expect(failure([rule(), rule({ segments: ['eu', 'beta', 'eu'] })])).toEqual({
      field: 'body/rules/1/segments/2',
      message: 'names the segment eu twice',
    });
    expect(failure([rule({ segments: ['Not A Slug'] })])).toMatchObject({ field: 'body/rules/0/segments/0' });
    expect(failure(Array.from({ length: RULE_LIMITS.rules + 1 }, () => rule()))).toEqual({
      field: 'body/rules',
      message: `must hold at most ${RULE_LIMITS.rules} rules`,
    });
    expect(
      failure([rule({ conditions: [{ attribute: 'country', operator: 'nearly', values: ['US'] } as unknown as Condition] })]),
    ).toMatchObject({ field: 'body/rules/0/conditions[0].operator' });
    expect(failure([rule({ stickiness: 'org id' })])).toMatchObject({ field: 'body/rules/0/stickiness' });
    expect(failure(['not a rule'])).toEqual({ field: 'body/rules/0', message: 'must be an object' });
    expect(
      validateRules(
        Array.from({ length: RULE_LIMITS.rules }, () => rule()),
        'boolean',
        [],
      ).ok,
    ).toBe(true);
  });
});

describe('rule evaluation', () => {
  it('is an OR: target users, or (country in US and within 30 %)', () => {
    const f = compileFlag(flag({ target_users: ['vip'], rules: [rule({ conditions: [US], rollout_percentage: 30 })] }));
    const inside = keyWhere('checkout', (b) => b <= 30);
    const outside = keyWhere('checkout', (b) => b > 30);
    expect(evaluateFlag(f, { targetingKey: 'vip', country: 'FR' })).toMatchObject({ value: true, reason: 'TARGETING_MATCH' });
    expect(evaluateFlag(f, { targetingKey: inside, country: 'US' })).toEqual({
      value: true,
      reason: 'SPLIT',
      variant: 'on',
      bucket: bucketOf('checkout', inside),
    });
    // Outside the rule's rollout, or not in the US: the main rule (0 %) decides.
    expect(evaluateFlag(f, { targetingKey: outside, country: 'US' })).toEqual({ value: false, reason: 'DEFAULT', variant: 'off' });
    expect(evaluateFlag(f, { targetingKey: inside, country: 'FR' })).toMatchObject({ value: false, reason: 'DEFAULT' });
    // The kill switch comes before every rule.
    expect(evaluateFlag({ ...f, is_enabled: false }, { targetingKey: inside, country: 'US' })).toMatchObject({
      value: false,
      reason: 'DISABLED',
    });
  });

  it('a rule at 100 % answers TARGETING_MATCH without a bucket, and needs no key', () => {
    const f = flag({ rules: [rule({ conditions: [PRO] })] });
    expect(evaluateFlag(f, { plan: 'pro' })).toEqual({ value: true, reason: 'TARGETING_MATCH', variant: 'on' });
  });

  it('lets a later rule catch a user outside an earlier rule’s rollout', () => {
    const rules = [rule({ name: 'first', rollout_percentage: 30 }), rule({ name: 'second', rollout_percentage: 30, stickiness: 'orgId' })];
    const f = compileFlag(flag({ rules }));
    // The targetingKey is outside rule 1's 30 %, the orgId inside rule 2's.
    const user = keyWhere('checkout', (b) => b > 30, 'user');
    const org = keyWhere('checkout', (b) => b <= 30, 'org');
    expect(evaluateFlag(f, { targetingKey: user, orgId: org })).toEqual({
      value: true,
      reason: 'SPLIT',
      variant: 'on',
      bucket: bucketOf('checkout', org),
    });
    const explained = explainFlag(f, { targetingKey: user, orgId: org }).steps.filter((s) => s.step === 'rule');
    expect(explained.map((s) => s.matched)).toEqual([false, true]);
    // An org outside 30 % too: nobody catches the user.
    const farOrg = keyWhere('checkout', (b) => b > 30, 'org');
    expect(evaluateFlag(f, { targetingKey: user, orgId: farOrg })).toMatchObject({ value: false, reason: 'DEFAULT' });

    // Same hash, a wider second rule: a bucket between 30 and 60 falls to rule 2.
    const wider = compileFlag(flag({ rules: [rule({ rollout_percentage: 30 }), rule({ conditions: [PRO], rollout_percentage: 60 })] }));
    const middle = keyWhere('checkout', (b) => b > 30 && b <= 60);
    expect(evaluateFlag(wider, { targetingKey: middle, plan: 'pro' })).toMatchObject({ value: true, reason: 'SPLIT' });
    expect(evaluateFlag(wider, { targetingKey: middle, plan: 'free' })).toMatchObject({ value: false, reason: 'DEFAULT' });
  });

  it('takes the first rule that matches: swapping two rules swaps the answer', () => {
    const toShort = rule({ name: 'pro', conditions: [PRO], variant: 'short' });
    const toLong = rule({ name: 'us', conditions: [US], variant: 'long' });
    const user = { targetingKey: 'u1', plan: 'pro', country: 'US' };
    expect(evaluateFlag(typed({ rules: [toShort, toLong] }), user)).toMatchObject({
      value: 'Hi',
      variant: 'short',
      reason: 'TARGETING_MATCH',
    });
    expect(evaluateFlag(typed({ rules: [toLong, toShort] }), user)).toMatchObject({
      value: 'Hello there',
      variant: 'long',
      reason: 'TARGETING_MATCH',
    });
    // Only one matches: order no longer matters.
    expect(evaluateFlag(typed({ rules: [toLong, toShort] }), { ...user, country: 'FR' })).toMatchObject({ variant: 'short' });
    // Neither: the main rule (0 %) serves the default.
    expect(evaluateFlag(typed({ rules: [toLong, toShort] }), { targetingKey: 'u1' })).toMatchObject({
      variant: 'control',
      reason: 'DEFAULT',
    });
  });
});

describe('rule stickiness', () => {
  const byOrg = compileFlag(flag({ rules: [rule({ rollout_percentage: 50, stickiness: 'orgId' })] }));

  it('gives everyone in one organisation the same answer', () => {
    const answers = new Map<string, Set<boolean>>();
    for (let i = 0; i < 1000; i++) {
      const org = `org-${i % 20}`;
      const result = evaluateFlag(byOrg, { targetingKey: `member-${i}`, orgId: org });
      expect(result.value).toBe(bucketOf('checkout', org) <= 50);
      if (result.value === true) expect(result.bucket).toBe(bucketOf('checkout', org));
      answers.set(org, (answers.get(org) ?? new Set()).add(result.value === true));
    }
    for (const values of answers.values()) expect(values.size).toBe(1);
    // Both answers occur across the organisations, so the 50 % split is real.
    expect(new Set([...answers.values()].map((v) => [...v][0]))).toEqual(new Set([true, false]));
  });

  it('falls back to the targetingKey when the attribute is missing', () => {
    // The key's own bucket decides: one inside the rule's 50 %, one outside.
    const inside = keyWhere('checkout', (b) => b <= 50, 'lonely');
    const outside = keyWhere('checkout', (b) => b > 50, 'lonely');
    expect(evaluateFlag(byOrg, { targetingKey: inside })).toEqual({
      value: true,
      reason: 'SPLIT',
      variant: 'on',
      bucket: bucketOf('checkout', inside),
    });
    expect(evaluateFlag(byOrg, { targetingKey: outside })).toMatchObject({ value: false, reason: 'DEFAULT' });
    const explained = explainFlag(byOrg, { targetingKey: outside }).steps.find((s) => s.step === 'rule');
    expect(explained).toMatchObject({ matched: false, stickiness: 'targetingKey', bucket: bucketOf('checkout', outside) });
  });

  it('skips a partial rule that has nothing to hash, without an error, and goes on', () => {
    const f = compileFlag(
      flag({
        rollout_percentage: 100,
        rules: [rule({ rollout_percentage: 50, stickiness: 'orgId' }), rule({ conditions: [PRO], rollout_percentage: 0 })],
      }),
    );
    const result = evaluateFlag(f, { plan: 'pro' });
    expect(result).toEqual({ value: true, reason: 'STATIC', variant: 'on' });
    const step = explainFlag(f, { plan: 'pro' }).steps.find((s) => s.step === 'rule');
    expect(step).toMatchObject({ index: 0, matched: false });
    expect(step?.detail).toMatch(/orgId attribute or a targetingKey.*does not decide/);
    // With only the rule and a 0 % main rule: off, not an error.
    expect(evaluateFlag(flag({ rules: [rule({ rollout_percentage: 50 })] }), {})).toEqual({
      value: false,
      reason: 'DEFAULT',
      variant: 'off',
    });
  });
});

describe('typed rules', () => {
  const weighted: Variant[] = [
    { name: 'control', value: 'Hello', weight: 1, overrides: [] },
    { name: 'short', value: 'Hi', weight: 1, overrides: [] },
    { name: 'long', value: 'Hello there', weight: 1, overrides: [] },
  ];

  it('serves the rule’s fixed variant', () => {
    const f = typed({ rules: [rule({ conditions: [PRO], variant: 'long' })] });
    expect(evaluateFlag(f, { targetingKey: 'u', plan: 'pro' })).toMatchObject({
      value: 'Hello there',
      variant: 'long',
      reason: 'TARGETING_MATCH',
    });
    expect(evaluateFlag(f, { plan: 'pro' })).toMatchObject({ variant: 'long' });
  });

  it('chooses by the rule’s own weights, roughly in proportion over 10,000 keys', () => {
    const f = compileFlag(
      typed({
        variants: weighted,
        rules: [
          rule({
            variant_weights: [
              { name: 'short', weight: 750 },
              { name: 'long', weight: 250 },
            ],
          }),
        ],
      }),
    );
    const counts: Record<string, number> = {};
    for (let i = 0; i < 10_000; i++) {
      const { variant } = evaluateFlag(f, { targetingKey: `k-${i}` });
      counts[variant] = (counts[variant] ?? 0) + 1;
    }
    expect(Object.keys(counts).sort()).toEqual(['long', 'short']);
    expect(counts.short! / 10_000).toBeCloseTo(0.75, 1);
    expect(counts.long! / 10_000).toBeCloseTo(0.25, 1);
    // Without a key the rule's weights cannot choose: an error, not a guess.
    expect(evaluateFlag(f, {})).toMatchObject({ reason: 'ERROR', errorCode: 'TARGETING_KEY_MISSING' });
  });

  it('chooses by the flag’s weights when the rule names no variant', () => {
    const f = compileFlag(typed({ variants: weighted, rules: [rule({ conditions: [PRO] })] }));
    const seen = new Set<string>();
    for (let i = 0; i < 300; i++) {
      const pro = evaluateFlag(f, { targetingKey: `k-${i}`, plan: 'pro' });
      expect(pro.reason).toBe('TARGETING_MATCH');
      seen.add(pro.variant);
      // The same choice the flag makes when its main rule is on for everyone.
      expect(pro.variant).toBe(evaluateFlag(typed({ variants: weighted, rollout_percentage: 100 }), { targetingKey: `k-${i}` }).variant);
    }
    expect([...seen].sort()).toEqual(['control', 'long', 'short']);
  });

  it('never decides when a stored rule names a variant the flag lacks', () => {
    const f = typed({ rollout_percentage: 100, rules: [rule({ variant: 'gone' })] });
    expect(evaluateFlag(f, { targetingKey: 'u' })).toMatchObject({ variant: 'control', reason: 'STATIC' });
    expect(explainFlag(f, { targetingKey: 'u' }).steps.find((s) => s.step === 'rule')?.detail).toMatch(/does not have/);
  });
});

describe('segments', () => {
  const lookup: SegmentLookup = new Map([
    ['us-users', [US]],
    ['pro-plan', [PRO]],
  ]);

  it('are resolved when compiled: a rule matches only when its segments do', () => {
    const f = compileFlag(flag({ rules: [rule({ name: 'us pros', segments: ['us-users', 'pro-plan'] })] }), lookup);
    expect(evaluateFlag(f, { country: 'US', plan: 'pro' })).toMatchObject({ value: true, reason: 'TARGETING_MATCH' });
    expect(evaluateFlag(f, { country: 'US', plan: 'free' })).toMatchObject({ value: false, reason: 'DEFAULT' });
  });

  it('fail closed when missing', () => {
    const rules = [rule({ segments: ['us-users', 'deleted'] })];
    const missing = compileFlag(flag({ rules }), lookup);
    expect(evaluateFlag(missing, { country: 'US' })).toMatchObject({ value: false, reason: 'DEFAULT' });
    // Compiled without segments at all (evaluateFlag on a plain flag): nothing that names one matches.
    expect(evaluateFlag(flag({ rules: [rule({ segments: ['us-users'] })] }), { country: 'US' })).toMatchObject({ value: false });
    const steps = explainFlag(missing, { country: 'US' }).steps.filter((s) => s.step === 'segment');
    expect(steps).toEqual([
      { step: 'segment', rule: 0, name: 'us-users', matched: true, detail: 'segment us-users: matches (1 condition)' },
      { step: 'segment', rule: 0, name: 'deleted', matched: false, detail: 'segment deleted: no segment has this name (fails closed)' },
    ]);
  });

  it('apply to the main rule too', () => {
    const f = compileFlag(flag({ rollout_percentage: 100, conditions: [PRO], segments: ['us-users'] }), lookup);
    expect(evaluateFlag(f, { targetingKey: 'u', country: 'US', plan: 'pro' })).toMatchObject({ value: true, reason: 'STATIC' });
    expect(evaluateFlag(f, { targetingKey: 'u', country: 'FR', plan: 'pro' })).toMatchObject({ value: false, reason: 'DEFAULT' });
    expect(evaluateFlag(f, { targetingKey: 'u', country: 'US', plan: 'free' })).toMatchObject({ value: false, reason: 'DEFAULT' });
    const segment = explainFlag(f, { targetingKey: 'u', country: 'FR' }).steps.find((s) => s.step === 'segment');
    expect(segment).toEqual({
      step: 'segment',
      name: 'us-users',
      matched: false,
      detail: 'segment us-users: does not match (1 condition)',
    });
  });
});

describe('explanations of rules', () => {
  it('name the rule that decided and list each rule tried, with its conditions and segments', () => {
    const lookup: SegmentLookup = new Map([['us-users', [US]]]);
    const f = compileFlag(
      flag({
        rules: [rule({ name: 'pros', conditions: [PRO] }), rule({ name: 'americans', segments: ['us-users'], rollout_percentage: 100 })],
      }),
      lookup,
    );
    const explained = explainFlag(f, { targetingKey: 'u', plan: 'free', country: 'US' });
    expect(explained).toMatchObject({ value: true, reason: 'TARGETING_MATCH' });
    const relevant = explained.steps.filter((s): s is Extract<ExplainStep, { step: 'rule' | 'segment' | 'condition' }> =>
      ['rule', 'segment', 'condition'].includes(s.step),
    );
    expect(relevant.map((s) => [s.step, 'rule' in s ? s.rule : undefined, s.matched])).toEqual([
      ['condition', 0, false],
      ['rule', undefined, false],
      ['segment', 1, true],
      ['rule', undefined, true],
    ]);
    const decided = explained.steps.filter((s) => s.step === 'rule' && s.matched);
    expect(decided).toEqual([
      {
        step: 'rule',
        index: 1,
        name: 'americans',
        matched: true,
        percentage: 100,
        detail: 'rule 2 (americans) matches and is rolled out to everyone: it decides',
      },
    ]);
    expect(explained.steps.find((s) => s.step === 'rule')?.detail).toBe('rule 1 (pros): the context does not match');
    // Nothing after the deciding rule: the main rule is not walked.
    expect(explained.steps.at(-1)).toEqual(decided[0]);
    // Explain and evaluate agree.
    expect(evaluateFlag(f, { targetingKey: 'u', plan: 'free', country: 'US' })).toEqual({
      value: true,
      reason: 'TARGETING_MATCH',
      variant: 'on',
    });
  });

  it('give the bucket of a partial rule, and name the variant a typed rule served', () => {
    const inside = keyWhere('copy', (b) => b <= 40);
    const f = typed({ rules: [rule({ name: 'trial', rollout_percentage: 40, variant: 'short' })] });
    const explained = explainFlag(f, { targetingKey: inside });
    expect(explained).toMatchObject({ variant: 'short', reason: 'SPLIT', bucket: bucketOf('copy', inside) });
    expect(explained.steps.find((s) => s.step === 'rule')).toMatchObject({
      index: 0,
      matched: true,
      bucket: bucketOf('copy', inside),
      stickiness: 'targetingKey',
      detail: `rule 1 (trial) matches; bucket ${bucketOf('copy', inside)} <= 40: it decides`,
    });
    expect(explained.steps.at(-1)).toMatchObject({ step: 'variant', variant: 'short', detail: 'rule 1 serves the variant short' });
  });
});
