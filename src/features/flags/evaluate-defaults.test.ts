// Conditions without switches and flags without stickiness answer exactly as they did before either
// existed: checked against the evaluation as it was, kept here (evaluation only, no explanation).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bucketOf } from './bucket.js';
import { matchTargetUsers, compileFlag } from './compile.js';
import { attributeValue, isOperator, OPERATOR_FUNCTIONS, OPERATORS, type Condition, type EvaluationContext } from './conditions.js';
import { evaluateFlag, type BetaUser, type EvaluationResult, type Flag } from './evaluate.js';
import { betaOverride, nonEmptyString } from './evaluation-steps.js';
import { compileVariants, pinnedVariant, type CompiledVariant, type CompiledVariants } from './variants.js';

// --- the evaluation before case_insensitive, inverted and stickiness ---

function oldMatch(condition: Condition, context: EvaluationContext): boolean {
  if (typeof condition !== 'object' || condition === null || Array.isArray(condition)) return false;
  const { operator, values, attribute } = condition;
  if (!isOperator(operator) || !Array.isArray(values)) return false;
  return OPERATOR_FUNCTIONS[operator](attributeValue(context, attribute), values);
}

type Old = Pick<EvaluationResult, 'value' | 'reason' | 'variant' | 'errorCode' | 'bucket' | 'target'>;
const MISSING: Old = { value: false, reason: 'ERROR', variant: 'off', errorCode: 'TARGETING_KEY_MISSING' };

function oldEvaluate(flag: Flag, rawContext: EvaluationContext, betaUser: BetaUser | undefined): Old {
  const context = typeof rawContext === 'object' && rawContext !== null ? rawContext : {};
  const compiled = compileFlag({ ...flag, stickiness: undefined });
  const percentage = typeof flag.rollout_percentage === 'number' && !Number.isNaN(flag.rollout_percentage) ? flag.rollout_percentage : 0;
  const targetingKey = nonEmptyString(context.targetingKey);
  const email = nonEmptyString(context.email)?.toLowerCase();
  const conditionsMatch = () => Array.isArray(flag.conditions) && flag.conditions.every((c) => oldMatch(c, context));
  const type = flag.value_type ?? 'boolean';
  if (type !== 'boolean') {
    const variants = compileVariants(flag.name, type, flag.variants, flag.default_variant);
    if (variants === undefined) return { value: false, reason: 'ERROR', variant: 'off', errorCode: 'GENERAL' };
    const serve = (v: CompiledVariant, reason: Old['reason'], bucket?: number, target?: number): Old => {
      const r: Old = { value: v.value, reason, variant: v.name };
      if (bucket !== undefined) r.bucket = bucket;
      if (target !== undefined) r.target = target;
      return r;
    };
    const assign = (vs: CompiledVariants, reason: Old['reason'], bucket?: number): Old => {
      if (vs.sole !== undefined) return serve(vs.sole, reason, bucket);
      if (targetingKey === undefined) return MISSING;
      const target = vs.target(targetingKey);
      return serve(vs.pick(target), reason === 'TARGETING_MATCH' ? 'TARGETING_MATCH' : 'SPLIT', bucket, target);
    };
    if (flag.is_enabled !== true) return serve(variants.fallback, 'DISABLED');
    const pin = pinnedVariant(variants, targetingKey, email);
    if (pin !== undefined) return serve(pin.variant, 'TARGETING_MATCH');
    if (matchTargetUsers(compiled, targetingKey, email) !== undefined) return assign(variants, 'TARGETING_MATCH');
    if (betaUser !== undefined) {
      const beta = betaOverride(flag.name, betaUser, targetingKey, email, variants);
      if (typeof beta.value === 'string') return serve(variants.byName.get(beta.value)!, 'TARGETING_MATCH');
      if (beta.value === true) return assign(variants, 'TARGETING_MATCH');
      if (beta.value === false) return serve(variants.fallback, 'TARGETING_MATCH');
    }
    if (!conditionsMatch()) return serve(variants.fallback, 'DEFAULT');
    if (percentage >= 100) return assign(variants, 'STATIC');
    if (percentage <= 0) return serve(variants.fallback, 'DEFAULT');
    if (targetingKey === undefined) return MISSING;
    const bucket = bucketOf(flag.name, targetingKey);
    return bucket <= percentage ? assign(variants, 'SPLIT', bucket) : serve(variants.fallback, 'SPLIT', bucket);
  }
  if (flag.is_enabled !== true) return { value: false, reason: 'DISABLED', variant: 'off' };
  if (matchTargetUsers(compiled, targetingKey, email) !== undefined) return { value: true, reason: 'TARGETING_MATCH', variant: 'on' };
  const beta = betaOverride(flag.name, betaUser, targetingKey, email);
  if (typeof beta.value === 'boolean') return { value: beta.value, reason: 'TARGETING_MATCH', variant: beta.value ? 'on' : 'off' };
  if (!conditionsMatch()) return { value: false, reason: 'DEFAULT', variant: 'off' };
  if (percentage >= 100) return { value: true, reason: 'STATIC', variant: 'on' };
  if (percentage <= 0) return { value: false, reason: 'DEFAULT', variant: 'off' };
  if (targetingKey === undefined) return MISSING;
  const bucket = bucketOf(flag.name, targetingKey);
  return { value: bucket <= percentage, reason: 'SPLIT', variant: bucket <= percentage ? 'on' : 'off', bucket };
}

// --- flags of the shapes stored today, and contexts ---

const PLANS = ['free', 'pro', 'team', 'Pro'];
const key = fc.constantFrom('u1', 'u2', 'user-42', 'alice@nous.app', 'Bob@Nous.app', 'ü-7', '', 'org-9');
const attributeValueArb = fc.oneof(
  fc.constantFrom(...PLANS, '1.4.0', '2.0.0-beta.1', '2026-03-01', '2026-03-01T09:00:00Z', 'acme'),
  fc.integer({ min: -5, max: 120 }),
  fc.boolean(),
  fc.constant(null),
  fc.string({ maxLength: 6 }),
);
const condition: fc.Arbitrary<Condition> = fc.record({
  attribute: fc.constantFrom('plan', 'age', 'app_version', 'signup_at', 'orgId', 'email', 'currentTime'),
  operator: fc.constantFrom(...OPERATORS),
  values: fc.array(
    attributeValueArb.filter((v): v is string | number | boolean => v !== null),
    { minLength: 0, maxLength: 3 },
  ),
});
const variants = fc.constantFrom(
  [
    { name: 'control', value: 'a', weight: 1, overrides: ['u2'] },
    { name: 'short', value: 'b', weight: 1, overrides: [] },
  ],
  [
    { name: 'a', value: 'x', weight: 33, overrides: [] },
    { name: 'b', value: 'y', weight: 0, overrides: ['alice@nous.app'] },
    { name: 'c', value: 'z', weight: 67, overrides: [] },
  ],
  [{ name: 'only', value: 'o', weight: 5, overrides: [] }],
);
const flagArb: fc.Arbitrary<Flag> = fc
  .record({
    name: fc.constantFrom('new-chat-ui', 'checkout-copy', 'x', 'onboarding.flow'),
    is_enabled: fc.boolean(),
    rollout_percentage: fc.oneof(fc.constantFrom(0, 100, 50), fc.integer({ min: 0, max: 100 })),
    target_users: fc.subarray(['u1', 'alice@nous.app', 'BOB@nous.app', 'user-9']),
    conditions: fc.array(condition, { maxLength: 3 }),
    typed: fc.boolean(),
    variants,
    stickiness: fc.constantFrom(undefined, 'targetingKey', 'default'),
  })
  .map(({ typed, variants: vs, ...f }) =>
    typed
      ? { ...f, value_type: 'string' as const, variants: vs, default_variant: vs[0]?.name ?? null }
      : { ...f, value_type: 'boolean' as const },
  );
const contextArb: fc.Arbitrary<EvaluationContext> = fc
  .record(
    {
      targetingKey: key,
      email: fc.constantFrom('alice@nous.app', 'bob@nous.app', 'carol@x.io'),
      plan: attributeValueArb,
      age: attributeValueArb,
      app_version: attributeValueArb,
      signup_at: attributeValueArb,
      orgId: attributeValueArb,
      currentTime: attributeValueArb,
    },
    { requiredKeys: [] },
  )
  .map((c) => c as EvaluationContext);
const betaArb = fc.option(
  fc.record({
    id: key,
    email: fc.constantFrom('alice@nous.app', 'bob@nous.app'),
    isActive: fc.boolean(),
    flagSet: fc.constantFrom<Record<string, boolean | string>>(
      {},
      { 'new-chat-ui': true },
      { 'checkout-copy': 'short' },
      { x: false },
      { 'onboarding.flow': 'c' },
    ),
  }),
  { nil: undefined },
);

describe('answers with default fields', () => {
  it('are those of the evaluation before switches and stickiness, for 10,000 contexts', () => {
    fc.assert(
      fc.property(flagArb, contextArb, betaArb, (flag, context, betaUser) => {
        const now = evaluateFlag(flag, context, { betaUser });
        const { value, reason, variant, errorCode, bucket, target } = now;
        const actual: Old = { value, reason, variant };
        if (errorCode !== undefined) actual.errorCode = errorCode;
        if (bucket !== undefined) actual.bucket = bucket;
        if (target !== undefined) actual.target = target;
        expect(actual).toEqual(oldEvaluate(flag, context, betaUser));
      }),
      { numRuns: 10_000, seed: 20261205 },
    );
  });

  it('switches set to false change nothing either', () => {
    fc.assert(
      fc.property(flagArb, contextArb, (flag, context) => {
        const off = { ...flag, conditions: flag.conditions.map((c) => ({ ...c, case_insensitive: false, inverted: false })) };
        expect(evaluateFlag(off, context)).toEqual(evaluateFlag(flag, context));
      }),
      { numRuns: 2_000 },
    );
  });
});
