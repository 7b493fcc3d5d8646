import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bucketOf } from './bucket.js';
import type { Condition } from './conditions.js';
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
  const key = fc.string({ unit: 'binary', minLength: 1, maxLength: 40 });
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

  it('enables p % ± 1.5 points of 100 000 keys for any flag name', () => {
    const percentages = [1, 5, 10, 25, 33, 50, 75, 90, 99];
    fc.assert(
      fc.property(name, fc.constantFrom('user-', '', 'u:', 'ユーザー', 'a@b.c#'), (flagName, prefix) => {
        const counts = new Array<number>(101).fill(0);
        for (let i = 0; i < 100_000; i++) counts[bucketOf(flagName, `${prefix}${i}`)]!++;
        let enabled = 0;
        for (let p = 1; p <= 100; p++) {
          enabled += counts[p]!;
          if (percentages.includes(p)) expect(Math.abs(enabled / 1000 - p), `${flagName} at ${p}%`).toBeLessThanOrEqual(1.5);
        }
      }),
      { numRuns: 8 },
    );
  });
});
