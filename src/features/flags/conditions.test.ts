import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  OPERATOR_FUNCTIONS,
  OPERATORS,
  matchCondition,
  parseInstant,
  parseNumber,
  parseSemver,
  validateConditions,
  type Condition,
  type EvaluationContext,
  type Operator,
} from './conditions.js';

function check(operator: Operator, actual: unknown, values: unknown[]): boolean {
  return OPERATOR_FUNCTIONS[operator](actual, values);
}

// Values no operator but `exists` should accept as a context attribute.
const junk: unknown[] = [undefined, null, {}, [], ['a'], { valueOf: () => 5 }, Number.NaN, Number.POSITIVE_INFINITY, 10n];

describe('operators', () => {
  it('every operator but exists fails closed on a missing or structured attribute', () => {
    const sample: Record<Operator, unknown[]> = {
      eq: ['a'],
      neq: ['a'],
      in: ['a', 1],
      not_in: ['a', 1],
      contains: ['a'],
      starts_with: ['a'],
      ends_with: ['a'],
      gt: [1],
      gte: [1],
      lt: [1],
      lte: [1],
      semver_gt: ['1.0.0'],
      semver_lt: ['1.0.0'],
      semver_eq: ['1.0.0'],
      before: ['2026-01-01'],
      after: ['2026-01-01'],
      exists: [],
    };
    for (const operator of OPERATORS) {
      if (operator === 'exists') continue;
      for (const actual of junk) expect(check(operator, actual, sample[operator]), `${operator} ${String(actual)}`).toBe(false);
    }
  });

  it('eq and in compare strictly: same type, case-sensitive', () => {
    expect(check('eq', 'pro', ['pro'])).toBe(true);
    expect(check('eq', 'Pro', ['pro'])).toBe(false);
    expect(check('eq', 5, [5])).toBe(true);
    expect(check('eq', '5', [5])).toBe(false);
    expect(check('eq', true, [true])).toBe(true);
    expect(check('eq', 'pro', ['other', 'pro'])).toBe(false); // eq looks at values[0] only
    expect(check('eq', 'pro', [])).toBe(false);
    expect(check('in', 'pro', ['free', 'pro'])).toBe(true);
    expect(check('in', 2, ['2'])).toBe(false);
    expect(check('in', 'pro', [])).toBe(false);
  });

  it('neq and not_in are negations that still fail closed when the attribute is missing', () => {
    expect(check('neq', 'free', ['pro'])).toBe(true);
    expect(check('neq', 'pro', ['pro'])).toBe(false);
    expect(check('neq', 5, ['5'])).toBe(true);
    expect(check('neq', undefined, ['pro'])).toBe(false);
    expect(check('neq', null, ['pro'])).toBe(false);
    expect(check('neq', 'free', [])).toBe(false);
    expect(check('neq', 'free', [{}])).toBe(false);
    expect(check('not_in', 'de', ['fr', 'it'])).toBe(true);
    expect(check('not_in', 'fr', ['fr', 'it'])).toBe(false);
    expect(check('not_in', undefined, ['fr'])).toBe(false);
    expect(check('not_in', { country: 'de' }, ['fr'])).toBe(false);
  });

  it('contains, starts_with and ends_with match strings against any string value', () => {
    expect(check('contains', 'alice@nous.app', ['@example.com', '@nous.'])).toBe(true);
    expect(check('contains', 'alice@nous.app', ['@NOUS.'])).toBe(false);
    expect(check('starts_with', 'beta-tester', ['alpha', 'beta'])).toBe(true);
    expect(check('starts_with', 'tester-beta', ['beta'])).toBe(false);
    expect(check('ends_with', 'alice@nous.app', ['@nous.app'])).toBe(true);
    expect(check('ends_with', 'alice@nous.app.evil', ['@nous.app'])).toBe(false);
    expect(check('contains', 12345, ['234'])).toBe(false);
    expect(check('contains', '12345', [234])).toBe(false);
    expect(check('starts_with', 'anything', [])).toBe(false);
    // A value is literal text, never a pattern.
    expect(check('contains', 'abc', ['.*'])).toBe(false);
    expect(check('contains', 'a.*c', ['.*'])).toBe(true);
  });

  it('gt, gte, lt and lte compare finite numbers and plain decimal strings', () => {
    expect(check('gt', 3, [2])).toBe(true);
    expect(check('gt', 2, [2])).toBe(false);
    expect(check('gte', 2, [2])).toBe(true);
    expect(check('lt', '1.5', [2])).toBe(true);
    expect(check('lte', -3, ['-3'])).toBe(true);
    expect(check('gt', '10', ['9'])).toBe(true); // numerically, not as text
    expect(check('lt', 1, [2, 0])).toBe(true); // only values[0] counts
    for (const bad of ['abc', '', ' 5', '5 ', '1e3', '0x10', '+5', '.5', '5.', 'Infinity', 'NaN', true, Number.NaN]) {
      expect(check('gt', bad, [0]), `gt ${String(bad)}`).toBe(false);
      expect(check('lt', bad, [1e9]), `lt ${String(bad)}`).toBe(false);
      expect(check('gte', 5, [bad]), `gte value ${String(bad)}`).toBe(false);
    }
    expect(check('gt', 5, [])).toBe(false);
  });

  it('semver operators compare strictly valid versions by precedence', () => {
    expect(check('semver_gt', '1.10.0', ['1.9.9'])).toBe(true);
    expect(check('semver_gt', '1.2.3', ['1.2.3-beta.1'])).toBe(true);
    expect(check('semver_lt', '1.2.3-alpha', ['1.2.3-beta'])).toBe(true);
    expect(check('semver_lt', '2.0.0', ['2.0.0'])).toBe(false);
    expect(check('semver_eq', '2.0.0', ['2.0.0'])).toBe(true);
    expect(check('semver_eq', '2.0.0+build.1', ['2.0.0+build.2'])).toBe(true);
    for (const bad of ['v1.2.3', '=1.2.3', ' 1.2.3', '1.2', '1', '01.2.3', 'latest', '', 1, 1.2, null]) {
      expect(check('semver_gt', bad, ['0.0.1']), `attribute ${String(bad)}`).toBe(false);
      expect(check('semver_lt', '0.0.1', [bad]), `value ${String(bad)}`).toBe(false);
      expect(check('semver_eq', bad, [bad]), `both ${String(bad)}`).toBe(false);
    }
  });

  it('before and after compare ISO-8601 instants and epoch milliseconds', () => {
    expect(check('before', '2026-01-01T00:00:00Z', ['2026-01-02'])).toBe(true);
    expect(check('after', '2026-01-02', ['2026-01-01T23:59:59.999Z'])).toBe(true);
    expect(check('before', '2026-01-01T01:00:00+02:00', ['2026-01-01T00:00:00Z'])).toBe(true); // 23:00 UTC the day before
    expect(check('after', 1767225600001, ['2026-01-01'])).toBe(true); // epoch ms of 2026-01-01 plus one
    expect(check('after', '2026-01-01', ['2026-01-01T00:00:00Z'])).toBe(false); // same instant
    expect(check('before', '2026-01-01', ['2026-01-01'])).toBe(false);
    for (const bad of [
      '2026-02-30',
      '2026-13-01',
      '2026-01-01T24:00:00Z',
      '2026-01-01T10:00',
      'March 7, 2026',
      '1767225600000',
      '',
      true,
    ]) {
      expect(check('before', bad, ['2100-01-01']), `attribute ${String(bad)}`).toBe(false);
      expect(check('after', '2100-01-01', [bad]), `value ${String(bad)}`).toBe(false);
    }
  });

  it('exists is true for any present, non-null attribute', () => {
    expect(check('exists', 'x', [])).toBe(true);
    expect(check('exists', '', [])).toBe(true);
    expect(check('exists', 0, [])).toBe(true);
    expect(check('exists', false, [])).toBe(true);
    expect(check('exists', null, [])).toBe(false);
    expect(check('exists', undefined, [])).toBe(false);
  });

  it('never throw, whatever the attribute and values', () => {
    const anything = fc.anything({
      withBigInt: true,
      withDate: true,
      withMap: true,
      withSet: true,
      withNullPrototype: true,
      withBoxedValues: true,
    });
    fc.assert(
      fc.property(fc.constantFrom(...OPERATORS), anything, fc.array(anything, { maxLength: 4 }), (operator, actual, values) => {
        expect(typeof check(operator, actual, values)).toBe('boolean');
      }),
      { numRuns: 2000 },
    );
  });
});

describe('parsers', () => {
  it('parse numbers, versions and instants or return undefined', () => {
    expect(parseNumber('-12.50')).toBe(-12.5);
    expect(parseNumber('007')).toBe(7);
    expect(parseNumber(`1${'0'.repeat(400)}`)).toBeUndefined(); // Infinity
    expect(parseSemver('1.2.3-rc.1')?.prerelease).toEqual(['rc', 1]);
    expect(parseInstant('2024-02-29')).toBe(Date.UTC(2024, 1, 29));
    expect(parseInstant('2023-02-29')).toBeUndefined();
    expect(parseInstant('0099-01-01')).toBe(-59042995200000); // not 1999
    expect(parseInstant('2026-01-01T10:30:15.1234-05:30')).toBe(Date.UTC(2026, 0, 1, 16, 0, 15, 123));
  });
});

describe('matchCondition', () => {
  it('reads only own attributes of the context', () => {
    const context: EvaluationContext = { targetingKey: 'u1', plan: 'pro' };
    expect(matchCondition({ attribute: 'plan', operator: 'eq', values: ['pro'] }, context)).toBe(true);
    expect(matchCondition({ attribute: 'toString', operator: 'exists', values: [] }, context)).toBe(false);
    expect(matchCondition({ attribute: '__proto__', operator: 'exists', values: [] }, context)).toBe(false);
    expect(matchCondition({ attribute: 'app.version', operator: 'exists', values: [] }, { 'app.version': '1.0.0' })).toBe(true);
  });

  it('does not match a malformed stored condition', () => {
    expect(matchCondition({ attribute: 'plan', operator: 'regex' as Operator, values: ['.*'] }, { plan: 'pro' })).toBe(false);
    expect(matchCondition({ attribute: 'plan', operator: 'in', values: 'pro' } as unknown as Condition, { plan: 'pro' })).toBe(false);
    expect(matchCondition(null as unknown as Condition, { plan: 'pro' })).toBe(false);
  });
});

describe('validateConditions', () => {
  const valid = [
    { attribute: 'plan', operator: 'in', values: ['pro', 'team'] },
    { attribute: 'app.version', operator: 'semver_gt', values: ['1.4.0'] },
    { attribute: 'signup_at', operator: 'before', values: ['2026-01-01T00:00:00Z'] },
    { attribute: 'age', operator: 'gte', values: ['18'] },
    { attribute: 'email', operator: 'exists' },
  ];

  it('accepts valid conditions and normalises exists to empty values', () => {
    const result = validateConditions(valid);
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.conditions[4]).toEqual({ attribute: 'email', operator: 'exists', values: [] });
    expect(validateConditions([])).toEqual({ ok: true, conditions: [] });
  });

  it.each<[unknown, string]>([
    [{}, 'conditions'],
    [Array.from({ length: 51 }, () => valid[0]), 'conditions'],
    [[valid[0], 'plan eq pro'], 'conditions[1]'],
    [[valid[0], { ...valid[0], operator: 'regex' }], 'conditions[1].operator'],
    [[{ ...valid[0], extra: 1 }], 'conditions[0].extra'],
    [JSON.parse('[{"attribute":"plan","operator":"in","values":["a"],"__proto__":{}}]'), 'conditions[0].__proto__'],
    [[{ operator: 'eq', values: ['a'] }], 'conditions[0].attribute'],
    [[{ ...valid[0], attribute: '' }], 'conditions[0].attribute'],
    [[{ ...valid[0], attribute: 'a'.repeat(101) }], 'conditions[0].attribute'],
    [[{ ...valid[0], attribute: '1plan' }], 'conditions[0].attribute'],
    [[{ ...valid[0], attribute: 'plan name' }], 'conditions[0].attribute'],
    [[{ attribute: 'plan', operator: 'in' }], 'conditions[0].values'],
    [[{ attribute: 'plan', operator: 'in', values: [] }], 'conditions[0].values'],
    [[{ attribute: 'plan', operator: 'in', values: Array.from({ length: 101 }, (_, i) => i) }], 'conditions[0].values'],
    [[{ attribute: 'plan', operator: 'eq', values: ['a', 'b'] }], 'conditions[0].values'],
    [[{ attribute: 'plan', operator: 'exists', values: ['a'] }], 'conditions[0].values'],
    [[{ attribute: 'plan', operator: 'in', values: ['a', 'b'.repeat(501)] }], 'conditions[0].values[1]'],
    [[{ attribute: 'plan', operator: 'in', values: ['a', null] }], 'conditions[0].values[1]'],
    [[{ attribute: 'plan', operator: 'in', values: [{ a: 1 }] }], 'conditions[0].values[0]'],
    [[{ attribute: 'plan', operator: 'in', values: [Number.NaN] }], 'conditions[0].values[0]'],
    [[{ attribute: 'plan', operator: 'in', values: ['a\u0000b'] }], 'conditions[0].values[0]'],
    [[{ attribute: 'plan', operator: 'in', values: ['\uD83D'] }], 'conditions[0].values[0]'],
    [[{ attribute: 'plan', operator: 'contains', values: [5] }], 'conditions[0].values[0]'],
    [[{ attribute: 'age', operator: 'gt', values: ['eighteen'] }], 'conditions[0].values[0]'],
    [[{ attribute: 'v', operator: 'semver_eq', values: ['v1.2.3'] }], 'conditions[0].values[0]'],
    [[{ attribute: 'd', operator: 'after', values: ['2026-02-30'] }], 'conditions[0].values[0]'],
  ])('refuses %j naming %s', (input, field) => {
    const result = validateConditions(input);
    expect(result).toMatchObject({ ok: false, field });
    if (!result.ok) expect(result.message.length).toBeGreaterThan(0);
  });

  it('accepts emoji (paired surrogates) in values', () => {
    expect(validateConditions([{ attribute: 'nick', operator: 'contains', values: ['🚀'] }]).ok).toBe(true);
  });

  it('never throws, and what it accepts evaluates without throwing', () => {
    const attribute = fc.oneof(fc.constantFrom('plan', 'age', 'v', 'd', '__proto__'), fc.string());
    const value = fc.oneof(fc.string(), fc.double(), fc.boolean(), fc.constantFrom('1.2.3', '2026-01-01', '18'), fc.anything());
    const condition = fc.record(
      { attribute, operator: fc.oneof(fc.constantFrom(...OPERATORS), fc.string()), values: fc.array(value, { maxLength: 3 }) },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(
        fc.oneof(fc.array(condition, { maxLength: 4 }), fc.anything()),
        fc.dictionary(fc.string(), fc.anything()),
        (input, context) => {
          const result = validateConditions(input);
          if (result.ok) for (const c of result.conditions) expect(typeof matchCondition(c, context)).toBe('boolean');
        },
      ),
      { numRuns: 1000 },
    );
  });
});
