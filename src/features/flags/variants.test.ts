import murmurhash3 from 'murmurhash3js-revisited';
import { describe, expect, it } from 'vitest';
import { evaluateFlag, explainFlag, type BetaUser, type Flag } from './evaluate.js';
import { compileVariants, validateVariants, VARIANT_SEED, type Variant } from './variants.js';

// Produced with unleash-client 6.12.2 (the Unleash Node SDK, npm `unleash-client`), by calling its own
// `selectVariantDefinition(flagName, 'default', variants, { userId: key })` and
// `normalizedVariantValue(key, flagName, totalWeight)` from lib/variant.js and lib/strategy/util.js.
// Rows: [flag, targeting key, Unleash's target (1..total weight), Unleash's variant]. ASCII keys only: the
// Node SDK drops non-ASCII characters before hashing, while we (like its Go and Java SDKs) hash UTF-8 bytes.
const UNLEASH_WEIGHTS: Record<string, Array<[string, number]>> = {
  'checkout-copy': [
    ['control', 50],
    ['short', 50],
  ],
  'onboarding.flow': [
    ['a', 33],
    ['b', 33],
    ['c', 34],
  ],
  price_test: [
    ['off', 0],
    ['low', 1],
    ['high', 3],
  ],
  'hero-banner': [
    ['v1', 1000],
    ['v2', 250],
    ['v3', 0],
    ['v4', 1],
  ],
};
const UNLEASH_VECTORS: Array<[string, string, number, string]> = [
  ['checkout-copy', 'user-3', 66, 'short'],
  ['checkout-copy', 'user-4', 23, 'control'],
  ['checkout-copy', 'user-5', 65, 'short'],
  ['checkout-copy', 'user-6', 13, 'control'],
  ['checkout-copy', 'user-1', 59, 'short'],
  ['checkout-copy', 'user-2', 20, 'control'],
  ['checkout-copy', 'user-42', 61, 'short'],
  ['checkout-copy', 'alice@example.com', 17, 'control'],
  ['checkout-copy', '7f3c9a2e-1b44-4c1d-9e0f-2a6b8d5c3e71', 18, 'control'],
  ['checkout-copy', 'x', 62, 'short'],
  ['onboarding.flow', 'user-3', 54, 'b'],
  ['onboarding.flow', 'user-4', 4, 'a'],
  ['onboarding.flow', 'user-5', 75, 'c'],
  ['onboarding.flow', 'user-6', 51, 'b'],
  ['onboarding.flow', 'user-1', 94, 'c'],
  ['onboarding.flow', 'user-2', 14, 'a'],
  ['onboarding.flow', 'user-42', 22, 'a'],
  ['onboarding.flow', 'alice@example.com', 25, 'a'],
  ['onboarding.flow', '7f3c9a2e-1b44-4c1d-9e0f-2a6b8d5c3e71', 46, 'b'],
  ['onboarding.flow', 'x', 39, 'b'],
  ['price_test', 'user-3', 3, 'high'],
  ['price_test', 'user-4', 4, 'high'],
  ['price_test', 'user-5', 4, 'high'],
  ['price_test', 'user-6', 1, 'low'],
  ['price_test', 'user-1', 3, 'high'],
  ['price_test', 'user-2', 3, 'high'],
  ['price_test', 'user-42', 3, 'high'],
  ['price_test', 'alice@example.com', 2, 'high'],
  ['price_test', '7f3c9a2e-1b44-4c1d-9e0f-2a6b8d5c3e71', 3, 'high'],
  ['price_test', 'x', 3, 'high'],
  ['hero-banner', 'user-3', 1012, 'v2'],
  ['hero-banner', 'user-4', 26, 'v1'],
  ['hero-banner', 'user-5', 618, 'v1'],
  ['hero-banner', 'user-6', 578, 'v1'],
  ['hero-banner', 'user-1', 1227, 'v2'],
  ['hero-banner', 'user-2', 867, 'v1'],
  ['hero-banner', 'user-42', 1115, 'v2'],
  ['hero-banner', 'alice@example.com', 1126, 'v2'],
  ['hero-banner', '7f3c9a2e-1b44-4c1d-9e0f-2a6b8d5c3e71', 999, 'v1'],
  ['hero-banner', 'x', 383, 'v1'],
];

const variantsOf = (name: string): Variant[] =>
  UNLEASH_WEIGHTS[name]!.map(([variant, weight]) => ({ name: variant, value: variant.toUpperCase(), weight, overrides: [] }));

const typedFlag = (patch: Partial<Flag> = {}): Flag => ({
  name: 'checkout-copy',
  is_enabled: true,
  rollout_percentage: 100,
  target_users: [],
  conditions: [],
  value_type: 'string',
  variants: variantsOf('checkout-copy'),
  default_variant: 'control',
  ...patch,
});

describe('variant assignment is Unleash’s', () => {
  it.each(UNLEASH_VECTORS)('%s for %s: target %i, variant %s', (flag, key, target, variant) => {
    const compiled = compileVariants(flag, 'string', variantsOf(flag), variantsOf(flag)[0]!.name)!;
    expect(compiled.target(key)).toBe(target);
    expect(compiled.pick(target).name).toBe(variant);
    const result = evaluateFlag(typedFlag({ name: flag, variants: variantsOf(flag), default_variant: variantsOf(flag)[0]!.name }), {
      targetingKey: key,
    });
    expect(result).toMatchObject({ variant, value: variant.toUpperCase(), reason: 'SPLIT', target });
  });

  it('hashes UTF-8 bytes with seed 86028157, as the reference murmurhash3 package does', () => {
    const compiled = compileVariants('café', 'string', variantsOf('checkout-copy'), 'control')!;
    for (const key of ['ünïcödé', '用户-7', 'emoji-😀', 'plain']) {
      const expected = (murmurhash3.x86.hash32(new TextEncoder().encode(`café:${key}`), VARIANT_SEED) % 100) + 1;
      expect(compiled.target(key)).toBe(expected);
    }
  });

  it('skips zero weights and never picks them by hash', () => {
    const compiled = compileVariants('price_test', 'string', variantsOf('price_test'), 'off')!;
    expect(compiled.pick(1).name).toBe('low');
    expect(compiled.pick(2).name).toBe('high');
    expect(compiled.pick(4).name).toBe('high');
  });
});

describe('validateVariants', () => {
  const ok = (type: 'string' | 'number' | 'object', variants: unknown[], def: string) =>
    validateVariants(type, variants, def, 'body/variants');
  it('accepts values of the type and normalises pins', () => {
    const result = ok('number', [{ name: 'low', value: 1.5, weight: 1, overrides: [' Alice@Example.com ', 'u-1'] }], 'low');
    expect(result).toEqual({
      ok: true,
      defaultVariant: 'low',
      variants: [{ name: 'low', value: 1.5, weight: 1, overrides: ['Alice@Example.com', 'u-1'] }],
    });
  });
  it.each([
    ['string', [{ name: 'a', value: 1, weight: 1 }], 'a', 'body/variants/0/value', 'must be a string'],
    ['number', [{ name: 'a', value: '1', weight: 1 }], 'a', 'body/variants/0/value', 'must be a finite number'],
    ['object', [{ name: 'a', value: [1], weight: 1 }], 'a', 'body/variants/0/value', 'must be a JSON object'],
    ['object', [{ name: 'a', value: { big: 'x'.repeat(9000) }, weight: 1 }], 'a', 'body/variants/0/value', 'at most 8192 bytes'],
    ['string', [{ name: 'a', value: 'nul\u0000', weight: 1 }], 'a', 'body/variants/0/value', 'NUL'],
    ['string', [{ name: 'a', value: '\ud800', weight: 1 }], 'a', 'body/variants/0/value', 'surrogates'],
    ['string', [{ name: 'A b', value: 'x', weight: 1 }], 'A b', 'body/variants/0/name', 'lowercase slug'],
    [
      'string',
      [
        { name: 'a', value: 'x', weight: 1 },
        { name: 'a', value: 'y', weight: 1 },
      ],
      'a',
      'body/variants/1/name',
      'unique',
    ],
    ['string', [{ name: 'a', value: 'x', weight: 1.5 }], 'a', 'body/variants/0/weight', 'whole number'],
    ['string', [{ name: 'a', value: 'x', weight: 0 }], 'a', 'body/variants', 'weight above 0'],
    ['string', [{ name: 'a', value: 'x', weight: 1 }], 'b', 'body/default_variant', 'must name one of the variants (a)'],
    ['string', [], 'a', 'body/variants', 'at least one variant'],
    [
      'string',
      [
        { name: 'a', value: 'x', weight: 1, overrides: ['bob@example.com'] },
        { name: 'b', value: 'y', weight: 1, overrides: ['BOB@example.com'] },
      ],
      'a',
      'body/variants/1/overrides/0',
      'already pinned to the variant "a"',
    ],
    ['string', [{ name: 'a', value: 'x', weight: 1, extra: true }], 'a', 'body/variants/0/extra', 'not a known field'],
  ] as const)('refuses %s %j (default %s) at %s', (type, variants, def, field, message) => {
    const result = ok(type, [...variants], def);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.field).toBe(field);
      expect(result.message).toContain(message);
    }
  });
  it('refuses objects nested too deep', () => {
    let deep: Record<string, unknown> = {};
    const root = deep;
    for (let i = 0; i < 25; i++) deep = deep.a = {};
    const result = ok('object', [{ name: 'a', value: root, weight: 1 }], 'a');
    expect(result).toMatchObject({ ok: false, message: expect.stringContaining('nest deeper') });
  });
});

describe('evaluating a typed flag', () => {
  const beta = (flagSet: BetaUser['flagSet']): BetaUser => ({ id: 'user-1', email: 'u1@example.com', isActive: true, flagSet });

  it('serves the default variant when off, unmatched, or out of the rollout', () => {
    expect(evaluateFlag(typedFlag({ is_enabled: false }), { targetingKey: 'user-1' })).toMatchObject({
      value: 'CONTROL',
      variant: 'control',
      reason: 'DISABLED',
    });
    const country = typedFlag({ conditions: [{ attribute: 'country', operator: 'eq', values: ['FR'] }] });
    expect(evaluateFlag(country, { targetingKey: 'user-1', country: 'DE' })).toMatchObject({ variant: 'control', reason: 'DEFAULT' });
    expect(evaluateFlag(country, { targetingKey: 'user-1', country: 'FR' })).toMatchObject({ variant: 'short', reason: 'SPLIT' });
    expect(evaluateFlag(typedFlag({ rollout_percentage: 0 }), { targetingKey: 'user-1' })).toMatchObject({
      variant: 'control',
      reason: 'DEFAULT',
    });
    // user-1 is in bucket 80 of checkout-copy's rollout (seed 0): out at 79 %, in at 80 %.
    const out = evaluateFlag(typedFlag({ rollout_percentage: 79 }), { targetingKey: 'user-1' });
    expect(out).toMatchObject({ variant: 'control', reason: 'SPLIT', bucket: 80 });
    expect(out.target).toBeUndefined();
    expect(evaluateFlag(typedFlag({ rollout_percentage: 80 }), { targetingKey: 'user-1' })).toMatchObject({
      variant: 'short',
      reason: 'SPLIT',
      bucket: 80,
      target: 59,
    });
  });

  it('needs a targetingKey to choose among weighted variants, not for a sole one', () => {
    expect(evaluateFlag(typedFlag(), {})).toMatchObject({ errorCode: 'TARGETING_KEY_MISSING', reason: 'ERROR' });
    const sole = typedFlag({
      variants: [
        { name: 'only', value: 'ONLY', weight: 1, overrides: [] },
        { name: 'never', value: 'N', weight: 0, overrides: [] },
      ],
      default_variant: 'never',
    });
    expect(evaluateFlag(sole, {})).toMatchObject({ value: 'ONLY', variant: 'only', reason: 'STATIC' });
  });

  it('serves a pinned variant by targeting key or email, ahead of conditions and rollout', () => {
    const variants = variantsOf('checkout-copy').map((v) =>
      v.name === 'control' ? { ...v, overrides: ['user-1', 'Pat@Example.com'] } : v,
    );
    const flag = typedFlag({ variants, rollout_percentage: 0, conditions: [{ attribute: 'country', operator: 'eq', values: ['FR'] }] });
    expect(evaluateFlag(flag, { targetingKey: 'user-1' })).toMatchObject({ variant: 'control', reason: 'TARGETING_MATCH' });
    expect(evaluateFlag(flag, { targetingKey: 'other', email: 'pat@example.COM' })).toMatchObject({
      variant: 'control',
      reason: 'TARGETING_MATCH',
    });
    expect(evaluateFlag(flag, { targetingKey: 'other' })).toMatchObject({ variant: 'control', reason: 'DEFAULT' });
    expect(evaluateFlag({ ...flag, is_enabled: false }, { targetingKey: 'user-1' })).toMatchObject({ reason: 'DISABLED' });
  });

  it('lets target users in (variant by hash) and beta users pin a variant by name', () => {
    const closed = typedFlag({ rollout_percentage: 0, target_users: ['user-1'] });
    expect(evaluateFlag(closed, { targetingKey: 'user-1' })).toMatchObject({ variant: 'short', reason: 'TARGETING_MATCH', target: 59 });
    const flag = typedFlag({ rollout_percentage: 0 });
    expect(evaluateFlag(flag, { targetingKey: 'user-1' }, { betaUser: beta({ 'checkout-copy': 'short' }) })).toMatchObject({
      variant: 'short',
      reason: 'TARGETING_MATCH',
    });
    expect(evaluateFlag(flag, { targetingKey: 'user-1' }, { betaUser: beta({ 'checkout-copy': true }) })).toMatchObject({
      variant: 'short',
      target: 59,
    });
    expect(evaluateFlag(typedFlag(), { targetingKey: 'user-1' }, { betaUser: beta({ 'checkout-copy': false }) })).toMatchObject({
      variant: 'control',
      reason: 'TARGETING_MATCH',
    });
    // A name that is not a variant changes nothing; a boolean flag ignores variant names.
    expect(evaluateFlag(flag, { targetingKey: 'user-1' }, { betaUser: beta({ 'checkout-copy': 'gone' }) })).toMatchObject({
      variant: 'control',
    });
    const boolean: Flag = { name: 'checkout-copy', is_enabled: true, rollout_percentage: 0, target_users: [], conditions: [] };
    expect(evaluateFlag(boolean, { targetingKey: 'user-1' }, { betaUser: beta({ 'checkout-copy': 'short' }) })).toEqual({
      value: false,
      reason: 'DEFAULT',
      variant: 'off',
    });
  });

  it('explains each step, ending with the variant and its hash', () => {
    const explanation = explainFlag(typedFlag(), { targetingKey: 'user-1' });
    expect(explanation.steps.map((s) => s.step)).toEqual(['flag', 'kill_switch', 'variant_pin', 'target_users', 'rollout', 'variant']);
    expect(explanation.steps.at(-1)).toMatchObject({ variant: 'short', totalWeight: 100, target: 59 });
    expect(explanation).toMatchObject({ value: 'SHORT', variant: 'short', reason: 'SPLIT' });
    const pinned = explainFlag(
      typedFlag({ rollout_percentage: 0 }),
      { targetingKey: 'user-1' },
      { betaUser: beta({ 'checkout-copy': 'control' }) },
    );
    expect(pinned.steps.find((s) => s.step === 'beta_user')).toMatchObject({ matched: true, variant: 'control' });
  });

  it('fails closed when stored variants cannot serve', () => {
    expect(evaluateFlag(typedFlag({ default_variant: 'missing' }), { targetingKey: 'user-1' })).toMatchObject({
      errorCode: 'GENERAL',
      value: false,
    });
  });
});
