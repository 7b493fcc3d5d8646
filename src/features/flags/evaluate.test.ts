import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bucketOf } from './bucket.js';
import type { Condition, EvaluationContext } from './conditions.js';
import { evaluateFlag, explainFlag, type BetaUser, type Flag } from './evaluate.js';

const flag = (patch: Partial<Flag> = {}): Flag => ({
  name: 'new-chat-ui',
  is_enabled: true,
  rollout_percentage: 100,
  target_users: [],
  conditions: [],
  ...patch,
});

const proOnly: Condition[] = [{ attribute: 'plan', operator: 'eq', values: ['pro'] }];
const beta = (patch: Partial<BetaUser> = {}): BetaUser => ({
  id: 'user-1',
  email: 'Alice@Nous.app',
  isActive: true,
  flagSet: { 'new-chat-ui': true },
  ...patch,
});

describe('evaluateFlag, in the issue’s order', () => {
  it('reports an unknown flag as FLAG_NOT_FOUND with a false value', () => {
    expect(evaluateFlag(undefined, { targetingKey: 'user-1' })).toEqual({
      value: false,
      reason: 'ERROR',
      variant: 'off',
      errorCode: 'FLAG_NOT_FOUND',
    });
  });

  it('the kill switch beats targeting, beta overrides and a full rollout', () => {
    const disabled = flag({ is_enabled: false, target_users: ['user-1'] });
    expect(evaluateFlag(disabled, { targetingKey: 'user-1' }, { betaUser: beta() })).toEqual({
      value: false,
      reason: 'DISABLED',
      variant: 'off',
    });
  });

  it('target_users match the targetingKey exactly and emails case-insensitively, before conditions', () => {
    const targeted = flag({ target_users: ['user-1', 'Bob@Nous.app'], conditions: proOnly, rollout_percentage: 0 });
    const match = { value: true, reason: 'TARGETING_MATCH', variant: 'on' };
    expect(evaluateFlag(targeted, { targetingKey: 'user-1' })).toEqual(match);
    expect(evaluateFlag(targeted, { targetingKey: 'USER-1' })).toMatchObject({ value: false, reason: 'DEFAULT' });
    expect(evaluateFlag(targeted, { targetingKey: 'u9', email: 'bob@nous.APP' })).toEqual(match);
    expect(evaluateFlag(targeted, { targetingKey: 'BOB@nous.app' })).toEqual(match);
    expect(evaluateFlag(targeted, { email: 'bob@nous.app' })).toEqual(match); // no targetingKey needed for targeting
  });

  it('an active beta user whose flag_set holds the flag gets that value, before conditions', () => {
    const gated = flag({ conditions: proOnly });
    expect(evaluateFlag(gated, { targetingKey: 'user-1' }, { betaUser: beta() })).toEqual({
      value: true,
      reason: 'TARGETING_MATCH',
      variant: 'on',
    });
    expect(evaluateFlag(flag(), { targetingKey: 'user-1' }, { betaUser: beta({ flagSet: { 'new-chat-ui': false } }) })).toEqual({
      value: false,
      reason: 'TARGETING_MATCH',
      variant: 'off',
    });
    // found by email, case-insensitively
    expect(evaluateFlag(gated, { targetingKey: 'other-id', email: 'alice@nous.app' }, { betaUser: beta() })).toMatchObject({ value: true });
  });

  it('ignores a beta user who is inactive, lacks the flag, or is not the context’s user', () => {
    const gated = flag({ conditions: proOnly });
    const denied = { value: false, reason: 'DEFAULT' };
    expect(evaluateFlag(gated, { targetingKey: 'user-1' }, { betaUser: beta({ isActive: false }) })).toMatchObject(denied);
    expect(evaluateFlag(gated, { targetingKey: 'user-1' }, { betaUser: beta({ flagSet: { other: true } }) })).toMatchObject(denied);
    expect(evaluateFlag(gated, { targetingKey: 'user-2' }, { betaUser: beta() })).toMatchObject(denied);
    expect(
      evaluateFlag(gated, { targetingKey: 'user-1' }, { betaUser: beta({ flagSet: JSON.parse('{"__proto__": true}') }) }),
    ).toMatchObject(denied);
  });

  it('conditions must all match, else false with reason DEFAULT', () => {
    const gated = flag({
      conditions: [...proOnly, { attribute: 'country', operator: 'in', values: ['de', 'fr'] }],
    });
    expect(evaluateFlag(gated, { targetingKey: 'u', plan: 'pro', country: 'fr' })).toEqual({
      value: true,
      reason: 'STATIC',
      variant: 'on',
    });
    expect(evaluateFlag(gated, { targetingKey: 'u', plan: 'pro', country: 'us' })).toEqual({
      value: false,
      reason: 'DEFAULT',
      variant: 'off',
    });
    expect(evaluateFlag(gated, { targetingKey: 'u', plan: 'pro' })).toMatchObject({ value: false, reason: 'DEFAULT' });
  });

  it('rollout 100 is STATIC true, 0 is DEFAULT false, neither needs a targetingKey', () => {
    expect(evaluateFlag(flag({ rollout_percentage: 100 }), {})).toEqual({ value: true, reason: 'STATIC', variant: 'on' });
    expect(evaluateFlag(flag({ rollout_percentage: 0 }), {})).toEqual({ value: false, reason: 'DEFAULT', variant: 'off' });
  });

  it('a partial rollout without a targetingKey is TARGETING_KEY_MISSING', () => {
    const expected = { value: false, reason: 'ERROR', variant: 'off', errorCode: 'TARGETING_KEY_MISSING' };
    expect(evaluateFlag(flag({ rollout_percentage: 50 }), {})).toEqual(expected);
    expect(evaluateFlag(flag({ rollout_percentage: 50 }), { targetingKey: '' })).toEqual(expected);
  });

  it('a partial rollout splits by bucket: user-1 is in bucket 76, user-2 in 60', () => {
    const at = (rollout_percentage: number, targetingKey: string) => evaluateFlag(flag({ rollout_percentage }), { targetingKey });
    expect(at(76, 'user-1')).toEqual({ value: true, reason: 'SPLIT', variant: 'on', bucket: 76 });
    expect(at(75, 'user-1')).toEqual({ value: false, reason: 'SPLIT', variant: 'off', bucket: 76 });
    expect(at(60, 'user-2')).toMatchObject({ value: true, bucket: 60 });
    expect(at(59, 'user-2')).toMatchObject({ value: false, bucket: 60 });
  });

  it('fails closed on a malformed stored flag', () => {
    const broken = (patch: Record<string, unknown>): Flag => Object.assign(flag(), patch);
    expect(evaluateFlag(broken({ is_enabled: 'true' }), { targetingKey: 'u' })).toMatchObject({ value: false, reason: 'DISABLED' });
    expect(evaluateFlag(broken({ conditions: 'plan=pro' }), { targetingKey: 'u' })).toMatchObject({ value: false, reason: 'DEFAULT' });
    expect(evaluateFlag(broken({ conditions: [null] }), { targetingKey: 'u' })).toMatchObject({ value: false, reason: 'DEFAULT' });
    expect(evaluateFlag(broken({ rollout_percentage: '100' }), { targetingKey: 'u' })).toMatchObject({ value: false, reason: 'DEFAULT' });
    expect(evaluateFlag(broken({ rollout_percentage: Number.NaN }), { targetingKey: 'u' })).toMatchObject({
      value: false,
      reason: 'DEFAULT',
    });
    expect(evaluateFlag(broken({ target_users: null }), { targetingKey: 'u' })).toMatchObject({ value: true, reason: 'STATIC' });
  });
});

describe('explainFlag', () => {
  it('gives the same result as evaluateFlag with each step: kill switch, targeting, every condition, bucket and threshold', () => {
    const explained = flag({
      rollout_percentage: 50,
      target_users: ['someone-else'],
      conditions: [
        { attribute: 'plan', operator: 'eq', values: ['pro'] },
        { attribute: 'app_version', operator: 'semver_gt', values: ['1.4.0'] },
      ],
    });
    const context = { targetingKey: 'user-2', plan: 'pro', app_version: '1.5.0' };
    const result = explainFlag(explained, context);
    const { steps, ...outcome } = result;
    expect(outcome).toEqual(evaluateFlag(explained, context));
    expect(outcome).toEqual({ value: false, reason: 'SPLIT', variant: 'off', bucket: 60 });
    expect(steps.map((s) => s.step)).toEqual(['flag', 'kill_switch', 'target_users', 'condition', 'condition', 'rollout']);
    expect(steps[3]).toMatchObject({ index: 0, attribute: 'plan', operator: 'eq', actual: 'pro', matched: true });
    expect(steps[5]).toMatchObject({ percentage: 50, threshold: 50, bucket: 60, matched: false });
  });

  it('reports every condition even after one fails, and says when an attribute is missing', () => {
    const explained = flag({
      conditions: [
        { attribute: 'plan', operator: 'eq', values: ['pro'] },
        { attribute: 'country', operator: 'in', values: ['de'] },
        { attribute: 'beta', operator: 'eq', values: [true] },
      ],
    });
    const { steps, value, reason } = explainFlag(explained, { targetingKey: 'u', plan: 'free', beta: true });
    expect({ value, reason }).toEqual({ value: false, reason: 'DEFAULT' });
    const conditions = steps.filter((s) => s.step === 'condition');
    expect(conditions.map((s) => s.matched)).toEqual([false, false, true]);
    expect(conditions[1]!.detail).toMatch(/missing/);
    expect(steps.some((s) => s.step === 'rollout')).toBe(false);
  });

  it('explains a beta-user override and an unknown flag', () => {
    expect(
      explainFlag(flag(), { targetingKey: 'user-1' }, { betaUser: beta({ flagSet: { 'new-chat-ui': false } }) }).steps.at(-1),
    ).toMatchObject({
      step: 'beta_user',
      matched: true,
      value: false,
    });
    expect(explainFlag(undefined, {})).toMatchObject({ errorCode: 'FLAG_NOT_FOUND', steps: [{ step: 'flag', found: false }] });
  });
});

describe('rollout properties', () => {
  const name = fc.string({ minLength: 1, maxLength: 40 });
  // Any code point but lone surrogates (cheaper to set up than fast-check's 'binary' unit).
  const codePoint = fc
    .integer({ min: 0, max: 0x10ffff })
    .filter((c) => c < 0xd800 || c > 0xdfff)
    .map((c) => String.fromCodePoint(c));
  const key = fc.string({ unit: codePoint, minLength: 1, maxLength: 40 });
  const percentage = fc.integer({ min: 0, max: 100 });

  it('is deterministic', () => {
    fc.assert(
      fc.property(name, key, percentage, (flagName, targetingKey, rollout_percentage) => {
        const f = flag({ name: flagName, rollout_percentage });
        expect(evaluateFlag(f, { targetingKey })).toEqual(evaluateFlag(structuredClone(f), { targetingKey }));
      }),
    );
  });

  it('raising the percentage never turns a user off', () => {
    fc.assert(
      fc.property(name, key, percentage, percentage, (flagName, targetingKey, p, q) => {
        const [low, high] = p <= q ? [p, q] : [q, p];
        const atLow = evaluateFlag(flag({ name: flagName, rollout_percentage: low }), { targetingKey });
        const atHigh = evaluateFlag(flag({ name: flagName, rollout_percentage: high }), { targetingKey });
        if (atLow.value) expect(atHigh.value).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('rollout by bucket', () => {
  it('gives true exactly to the buckets up to the percentage, with reason SPLIT and the bucket', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 20 }),
        fc.string({ minLength: 1, maxLength: 20 }),
        fc.integer({ min: 1, max: 99 }),
        (name, key, p) => {
          const bucket = bucketOf(name, key);
          const on = bucket <= p;
          expect(evaluateFlag(flag({ name, rollout_percentage: p }), { targetingKey: key })).toStrictEqual({
            value: on,
            reason: 'SPLIT',
            variant: on ? 'on' : 'off',
            bucket,
          });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('treats fractional percentages by the same rule, and anything from 100 up as everyone', () => {
    const at = (rollout_percentage: number) => evaluateFlag(flag({ rollout_percentage }), { targetingKey: 'user-1' }); // bucket 76
    expect(at(76.5)).toMatchObject({ value: true, reason: 'SPLIT' });
    expect(at(75.9)).toMatchObject({ value: false, reason: 'SPLIT' });
    expect(at(150)).toStrictEqual({ value: true, reason: 'STATIC', variant: 'on' });
    expect(at(-5)).toStrictEqual({ value: false, reason: 'DEFAULT', variant: 'off' });
    expect(at(0.5)).toStrictEqual({ value: false, reason: 'SPLIT', variant: 'off', bucket: 76 });
  });
});

describe('fails closed on malformed input', () => {
  it('reads a context that is not an object as an empty one', () => {
    const withLength = flag({ conditions: [{ attribute: 'length', operator: 'exists', values: [] }] });
    for (const context of [null, undefined, 'abc', 42]) {
      expect(evaluateFlag(withLength, context as unknown as EvaluationContext), String(context)).toStrictEqual({
        value: false,
        reason: 'DEFAULT',
        variant: 'off',
      });
      expect(evaluateFlag(flag(), context as unknown as EvaluationContext)).toStrictEqual({ value: true, reason: 'STATIC', variant: 'on' });
    }
  });

  it('takes only non-empty strings as targetingKey and email', () => {
    const missing = { value: false, reason: 'ERROR', variant: 'off', errorCode: 'TARGETING_KEY_MISSING' };
    expect(evaluateFlag(flag({ rollout_percentage: 50 }), { targetingKey: 5 as unknown as string })).toStrictEqual(missing);
    expect(evaluateFlag(flag({ rollout_percentage: 50 }), { targetingKey: ['user-1'] as unknown as string })).toStrictEqual(missing);
    const targeted = flag({ target_users: ['bob@nous.app'], rollout_percentage: 0 });
    expect(evaluateFlag(targeted, { email: ['bob@nous.app'] as unknown as string })).toStrictEqual({
      value: false,
      reason: 'DEFAULT',
      variant: 'off',
    });
    expect(evaluateFlag(targeted, { targetingKey: '', email: '' })).toMatchObject({ value: false });
  });

  it('skips target_users entries that are not strings, and compares entries without @ to the targetingKey only', () => {
    const targeted = flag({ target_users: [null, 5, '', 'Bob', 'user-1'] as unknown as string[], rollout_percentage: 0 });
    expect(evaluateFlag(targeted, { targetingKey: 'user-1' })).toStrictEqual({ value: true, reason: 'TARGETING_MATCH', variant: 'on' });
    expect(evaluateFlag(targeted, { targetingKey: 'u2', email: 'bob' })).toMatchObject({ value: false, reason: 'DEFAULT' });
    expect(evaluateFlag(targeted, { targetingKey: 'bob' })).toMatchObject({ value: false, reason: 'DEFAULT' });
  });

  it('ignores beta users with malformed ids, emails or flag sets', () => {
    const gated = flag({ conditions: proOnly });
    const denied = { value: false, reason: 'DEFAULT', variant: 'off' };
    const malformed: Array<[Partial<BetaUser>, EvaluationContext]> = [
      [{ id: undefined, email: 'someone@nous.app' }, { email: 'alice@nous.app' }],
      [{ email: null as unknown as string }, { targetingKey: 'user-2', email: 'alice@nous.app' }],
      [{ email: null as unknown as string }, { targetingKey: 'user-2' }],
      [{ flagSet: null as unknown as Record<string, boolean> }, { targetingKey: 'user-1' }],
      [{ flagSet: undefined }, { targetingKey: 'user-1' }],
      [{ flagSet: { 'new-chat-ui': 'yes' as unknown as boolean } }, { targetingKey: 'user-1' }],
      [{ isActive: 'true' as unknown as boolean }, { targetingKey: 'user-1' }],
      [{}, { targetingKey: 'user-2', email: 'bob@nous.app' }],
    ];
    for (const [patch, context] of malformed) {
      expect(evaluateFlag(gated, context, { betaUser: beta(patch) }), JSON.stringify({ patch, context })).toStrictEqual(denied);
    }
  });
});

describe('explainFlag, step by step', () => {
  const found = { step: 'flag', found: true, detail: 'flag new-chat-ui' };
  const enabled = { step: 'kill_switch', enabled: true, detail: 'the flag is enabled' };
  const notTargeted = { step: 'target_users', matched: false, detail: 'neither the targetingKey nor the email is in target_users' };

  it('explains an unknown flag and a disabled one', () => {
    expect(explainFlag(undefined, {})).toStrictEqual({
      value: false,
      reason: 'ERROR',
      variant: 'off',
      errorCode: 'FLAG_NOT_FOUND',
      steps: [{ step: 'flag', found: false, detail: 'no flag has this name' }],
    });
    expect(explainFlag(flag({ is_enabled: false }), { targetingKey: 'user-1' })).toStrictEqual({
      value: false,
      reason: 'DISABLED',
      variant: 'off',
      steps: [found, { step: 'kill_switch', enabled: false, detail: 'the flag is disabled: everyone gets false' }],
    });
  });

  it('names what matched target_users', () => {
    const targeted = flag({ target_users: ['user-1', 'Bob@Nous.app'] });
    const matched = (matchedBy: string) => [
      found,
      enabled,
      { step: 'target_users', matched: true, matchedBy, detail: `the ${matchedBy} is in target_users` },
    ];
    expect(explainFlag(targeted, { targetingKey: 'user-1' }).steps).toStrictEqual(matched('targetingKey'));
    expect(explainFlag(targeted, { targetingKey: 'u9', email: 'BOB@nous.app' }).steps).toStrictEqual(matched('email'));
    expect(explainFlag(targeted, { targetingKey: 'bob@NOUS.app' }).steps).toStrictEqual(matched('targetingKey'));
  });

  it('says why a beta user did or did not decide', () => {
    const betaStep = (patch: Partial<BetaUser>, context: EvaluationContext = { targetingKey: 'user-1' }) =>
      explainFlag(flag({ rollout_percentage: 0 }), context, { betaUser: beta(patch) }).steps[3];
    expect(betaStep({})).toStrictEqual({
      step: 'beta_user',
      matched: true,
      value: true,
      detail: "the beta user's flag_set sets this flag to true",
    });
    expect(betaStep({}, { targetingKey: 'user-2' })).toStrictEqual({
      step: 'beta_user',
      matched: false,
      detail: 'the beta user matches neither the targetingKey nor the email',
    });
    expect(betaStep({ isActive: false })).toStrictEqual({ step: 'beta_user', matched: false, detail: 'the beta user is not active' });
    expect(betaStep({ flagSet: {} })).toStrictEqual({
      step: 'beta_user',
      matched: false,
      detail: "the beta user's flag_set does not hold this flag",
    });
    expect(betaStep({ flagSet: { 'new-chat-ui': 1 as unknown as boolean } })).toStrictEqual({
      step: 'beta_user',
      matched: false,
      detail: "the beta user's flag_set holds a non-boolean for this flag",
    });
    // Without a beta user there is no such step.
    expect(explainFlag(flag(), { targetingKey: 'user-1' }).steps.map((s) => s.step)).toEqual([
      'flag',
      'kill_switch',
      'target_users',
      'rollout',
    ]);
  });

  it('describes each condition: matched, not matched, or missing', () => {
    const explained = explainFlag(
      flag({
        conditions: [
          { attribute: 'plan', operator: 'eq', values: ['pro'] },
          { attribute: 'country', operator: 'in', values: ['de'] },
          { attribute: 'beta', operator: 'eq', values: [true] },
          { attribute: 'team', operator: 'exists', values: [] },
        ],
      }),
      { targetingKey: 'u', plan: 'pro', country: 'fr', team: null },
    );
    expect(explained.steps.slice(3)).toStrictEqual([
      {
        step: 'condition',
        index: 0,
        attribute: 'plan',
        operator: 'eq',
        values: ['pro'],
        actual: 'pro',
        matched: true,
        detail: 'plan eq: matches',
      },
      {
        step: 'condition',
        index: 1,
        attribute: 'country',
        operator: 'in',
        values: ['de'],
        actual: 'fr',
        matched: false,
        detail: 'country in: does not match',
      },
      {
        step: 'condition',
        index: 2,
        attribute: 'beta',
        operator: 'eq',
        values: [true],
        actual: undefined,
        matched: false,
        detail: 'beta eq: the attribute is missing (fails closed)',
      },
      {
        step: 'condition',
        index: 3,
        attribute: 'team',
        operator: 'exists',
        values: [],
        actual: null,
        matched: false,
        detail: 'team exists: the attribute is missing (fails closed)',
      },
    ]);
  });

  it('explains malformed stored conditions without throwing', () => {
    const broken = (conditions: unknown) => flag({ conditions: conditions as Condition[] });
    expect(explainFlag(broken([null]), { targetingKey: 'u' }).steps.slice(3)).toStrictEqual([
      {
        step: 'condition',
        index: 0,
        attribute: undefined,
        operator: undefined,
        values: undefined,
        actual: undefined,
        matched: false,
        detail: 'undefined undefined: the attribute is missing (fails closed)',
      },
    ]);
    const notAList = explainFlag(broken('plan=pro'), { targetingKey: 'u' });
    expect(notAList).toMatchObject({ value: false, reason: 'DEFAULT' });
    expect(notAList.steps.map((s) => s.step)).toEqual(['flag', 'kill_switch', 'target_users']);
  });

  it('gives the rollout step for everyone, no one, a missing key, and a bucket in or out', () => {
    const rollout = (rollout_percentage: number, context: EvaluationContext = { targetingKey: 'user-1' }) =>
      explainFlag(flag({ rollout_percentage }), context).steps.at(-1);
    expect(rollout(100)).toStrictEqual({
      step: 'rollout',
      percentage: 100,
      threshold: 100,
      matched: true,
      detail: 'rolled out to everyone',
    });
    expect(rollout(0)).toStrictEqual({ step: 'rollout', percentage: 0, threshold: 0, matched: false, detail: 'rolled out to no one' });
    expect(rollout(50, {})).toStrictEqual({
      step: 'rollout',
      percentage: 50,
      threshold: 50,
      matched: false,
      detail: 'a partial rollout needs a targetingKey to place the user in a bucket',
    });
    expect(rollout(76)).toStrictEqual({
      step: 'rollout',
      percentage: 76,
      threshold: 76,
      bucket: 76,
      stickiness: 'targetingKey',
      matched: true,
      detail: 'bucket 76 <= 76: in the rollout',
    });
    expect(rollout(75)).toStrictEqual({
      step: 'rollout',
      percentage: 75,
      threshold: 75,
      bucket: 76,
      stickiness: 'targetingKey',
      matched: false,
      detail: 'bucket 76 > 75: not in the rollout',
    });
    expect(explainFlag(flag({ rollout_percentage: 76 }), { targetingKey: 'user-1' }).steps.slice(0, 3)).toStrictEqual([
      found,
      enabled,
      notTargeted,
    ]);
  });
});
