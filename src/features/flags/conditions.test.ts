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
  type ConditionValue,
  type EvaluationContext,
  type Operator,
} from './conditions.js';

function check(operator: Operator, actual: unknown, values: unknown[]): boolean {
  return OPERATOR_FUNCTIONS[operator](actual, values);
}

// Values no operator but `exists` should accept as a context attribute.
const junk: unknown[] = [undefined, null, {}, [], ['a'], { valueOf: () => 5 }, Number.NaN, Number.POSITIVE_INFINITY, 10n];

// Well-formed conditions of every operator, with values of the operator's type.
const text = fc.string({ maxLength: 20 });
const finite = fc.double({ noNaN: true, noDefaultInfinity: true });
const scalar = fc.oneof(text, fc.integer(), finite, fc.boolean());
const decimalText = fc
  .tuple(fc.integer({ min: -1000, max: 1000 }), fc.option(fc.nat(999)))
  .map(([whole, part]) => (part === null ? String(whole) : `${whole}.${part}`));
const version = fc
  .tuple(fc.nat(30), fc.nat(30), fc.nat(30), fc.constantFrom('', '-alpha', '-beta.1', '-rc.2', '+build.7'))
  .map(([major, minor, patch, tail]) => `${major}.${minor}.${patch}${tail}`);
const isoDate = fc
  .date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2200-12-31T00:00:00Z'), noInvalidDate: true })
  .chain((d) => fc.constantFrom(d.toISOString(), d.toISOString().slice(0, 10), d.getTime()));
const one = <T>(value: fc.Arbitrary<T>) => value.map((v) => [v]);
const several = <T>(value: fc.Arbitrary<T>) => fc.array(value, { minLength: 1, maxLength: 5 });
const VALUES: Record<Operator, fc.Arbitrary<ConditionValue[]>> = {
  eq: one(scalar),
  neq: one(scalar),
  in: several(scalar),
  not_in: several(scalar),
  contains: several(text),
  starts_with: several(text),
  ends_with: several(text),
  gt: one(fc.oneof(finite, decimalText)),
  gte: one(fc.oneof(finite, decimalText)),
  lt: one(fc.oneof(finite, decimalText)),
  lte: one(fc.oneof(finite, decimalText)),
  semver_gt: one(version),
  semver_lt: one(version),
  semver_eq: one(version),
  before: one(isoDate),
  after: one(isoDate),
  exists: fc.constant([]),
};
const wellFormed: fc.Arbitrary<Condition> = fc.constantFrom(...OPERATORS).chain((operator) =>
  fc.record({
    attribute: fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_.-]{0,30}$/),
    operator: fc.constant(operator),
    values: VALUES[operator],
  }),
);
const conditionList = fc.array(wellFormed, { maxLength: 4 });
/** Ways to break a well-formed condition, with the part of it the refusal names. */
const BREAKS: Array<[string, (c: Condition) => unknown]> = [
  ['operator', (c) => ({ ...c, operator: 'matches' })],
  ['operator', (c) => ({ ...c, operator: c.operator.toUpperCase() })],
  ['attribute', (c) => ({ ...c, attribute: `9${c.attribute}` })],
  ['attribute', (c) => ({ ...c, attribute: `${c.attribute} ` })],
  ['values', (c) => ({ ...c, values: c.values[0] ?? 'x' })],
  ['values', (c) => ({ ...c, values: [...c.values, {}] })],
  ['extra', (c) => ({ ...c, extra: true })],
  ['inverted', (c) => ({ ...c, inverted: 'true' })],
  ['case_insensitive', (c) => ({ ...c, case_insensitive: 1 })],
];

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

  it('every comparison is strict where it should be and false on the wrong side', () => {
    const cases: Array<[Operator, unknown, unknown, boolean]> = [
      ['gt', 2, 3, false],
      ['gte', 1, 2, false],
      ['gte', 3, 2, true],
      ['lt', 2, 2, false],
      ['lt', 3, 2, false],
      ['lte', 2, 2, true],
      ['lte', 3, 2, false],
      ['semver_gt', '1.0.0', '1.0.0', false],
      ['semver_gt', '1.0.0', '2.0.0', false],
      ['semver_lt', '2.0.0', '1.0.0', false],
      ['semver_lt', '1.0.0', '2.0.0', true],
      ['semver_eq', '1.0.0', '1.0.1', false],
      ['semver_eq', '1.0.1', '1.0.0', false],
      ['before', '2026-01-02', '2026-01-01', false],
      ['after', '2026-01-01', '2026-01-02', false],
    ];
    for (const [operator, actual, value, expected] of cases) {
      expect(check(operator, actual, [value]), `${String(actual)} ${operator} ${String(value)}`).toBe(expected);
    }
  });

  it('a missing attribute never equals a missing value', () => {
    for (const operator of ['eq', 'in'] as const) {
      expect(check(operator, undefined, [undefined])).toBe(false);
      expect(check(operator, {}, [undefined])).toBe(false);
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

  it('applies the Gregorian leap-year rules, century years included', () => {
    expect(parseInstant('2000-02-29')).toBe(Date.UTC(2000, 1, 29)); // divisible by 400
    expect(parseInstant('1900-02-29')).toBeUndefined(); // a century not divisible by 400
    expect(parseInstant('2100-02-29')).toBeUndefined();
    expect(parseInstant('2023-02-28')).toBe(Date.UTC(2023, 1, 28));
    expect(parseInstant('2024-02-30')).toBeUndefined();
    for (const month of [4, 6, 9, 11]) {
      const mm = String(month).padStart(2, '0');
      expect(parseInstant(`2026-${mm}-30`), `month ${month}`).toBe(Date.UTC(2026, month - 1, 30));
      expect(parseInstant(`2026-${mm}-31`), `month ${month}`).toBeUndefined();
    }
    for (const month of [1, 3, 5, 7, 8, 10, 12]) {
      expect(parseInstant(`2026-${String(month).padStart(2, '0')}-31`), `month ${month}`).toBe(Date.UTC(2026, month - 1, 31));
    }
  });

  it('accepts every field at its limits and refuses one past them', () => {
    expect(parseInstant('2026-01-01T23:59:59Z')).toBe(Date.UTC(2026, 0, 1, 23, 59, 59));
    expect(parseInstant('2026-01-01T00:00Z')).toBe(Date.UTC(2026, 0, 1));
    expect(parseInstant('2026-12-31T00:00:00+23:59')).toBe(Date.UTC(2026, 11, 31) - (23 * 60 + 59) * 60_000);
    expect(parseInstant('2026-12-31T00:00:00-23:59')).toBe(Date.UTC(2026, 11, 31) + (23 * 60 + 59) * 60_000);
    expect(parseInstant('2026-01-01T00:00:00-00:30')).toBe(Date.UTC(2026, 0, 1, 0, 30));
    for (const bad of [
      '2026-00-01',
      '2026-13-01',
      '2026-01-00',
      '2026-01-32',
      '2026-01-01T24:00:00Z',
      '2026-01-01T00:60:00Z',
      '2026-01-01T00:00:60Z',
      '2026-01-01T00:00:00+24:00',
      '2026-01-01T00:00:00-24:00',
      '2026-01-01T00:00:00+00:60',
      '2026-01-01T00:00:00+0100',
      '2026-01-01T00:00:00.Z',
      '2026-01-01T00:00:00.1234567890Z',
      ' 2026-01-01',
      '2026-01-01 ',
      '2026-1-01',
    ]) {
      expect(parseInstant(bad), bad).toBeUndefined();
    }
  });

  it('reads fractional seconds as a decimal fraction, to the millisecond', () => {
    const at = (fraction: string) => parseInstant(`2026-01-01T00:00:00.${fraction}Z`)! - Date.UTC(2026, 0, 1);
    expect(at('1')).toBe(100);
    expect(at('12')).toBe(120);
    expect(at('123')).toBe(123);
    expect(at('1239')).toBe(123); // truncated, not rounded
    expect(at('05')).toBe(50);
    expect(at('000000001')).toBe(0);
  });

  it('takes epoch milliseconds as they are and refuses non-finite numbers', () => {
    expect(parseInstant(0)).toBe(0);
    expect(parseInstant(-1)).toBe(-1);
    expect(parseInstant(1767225600000.5)).toBe(1767225600000.5);
    expect(parseInstant(Number.POSITIVE_INFINITY)).toBeUndefined();
    expect(parseInstant(Number.NaN)).toBeUndefined();
    expect(parseInstant(null)).toBeUndefined();
  });

  it('reads numbers only from finite numbers and plain decimal strings', () => {
    expect(parseNumber(0)).toBe(0);
    expect(parseNumber(-0.5)).toBe(-0.5);
    expect(parseNumber('-0.25')).toBe(-0.25);
    expect(parseNumber('10')).toBe(10);
    for (const bad of [Number.NaN, Number.NEGATIVE_INFINITY, '1.', '1.2.3', '--1', '1-', '1e3', '', ' 1', '1 ', 'one', true, null, 10n]) {
      expect(parseNumber(bad), String(bad)).toBeUndefined();
    }
  });

  it('reads only strictly valid SemVer 2.0.0 versions', () => {
    expect(parseSemver('1.2.3')?.version).toBe('1.2.3');
    expect(parseSemver('0.0.0')?.version).toBe('0.0.0');
    expect(parseSemver('1.2.3-beta.1+build.5')?.build).toEqual(['build', '5']);
    for (const bad of ['1.2.3 ', '\t1.2.3', 'v1.2.3', '1.2.3.4', '1.2', 'a.b.c', '', 123, null]) {
      expect(parseSemver(bad), String(bad)).toBeUndefined();
    }
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

  it('looks attributes up by name only', () => {
    expect(matchCondition({ attribute: 5 as unknown as string, operator: 'exists', values: [] }, { '5': 'x' })).toBe(false);
    const disguised = { toString: () => 'exists' } as unknown as Operator;
    expect(matchCondition({ attribute: 'plan', operator: disguised, values: [] }, { plan: 'pro' })).toBe(false);
    expect(validateConditions([{ attribute: 'plan', operator: disguised }])).toMatchObject({ ok: false, field: 'conditions[0].operator' });
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

  it.each<[unknown, string, string]>([
    [{}, 'conditions', 'must be an array'],
    [Array.from({ length: 51 }, () => valid[0]), 'conditions', 'must hold at most 50 conditions'],
    [[valid[0], 'plan eq pro'], 'conditions[1]', 'must be an object with attribute, operator and values'],
    [[valid[0], ['plan']], 'conditions[1]', 'must be an object with attribute, operator and values'],
    [[valid[0], { ...valid[0], operator: 'regex' }], 'conditions[1].operator', `must be one of ${OPERATORS.join(', ')}`],
    [[{ ...valid[0], extra: 1 }], 'conditions[0].extra', 'is not a known field'],
    [JSON.parse('[{"attribute":"plan","operator":"in","values":["a"],"__proto__":{}}]'), 'conditions[0].__proto__', 'is not a known field'],
    [[{ operator: 'eq', values: ['a'] }], 'conditions[0].attribute', 'must be a string'],
    [[{ ...valid[0], attribute: '' }], 'conditions[0].attribute', 'must be 1 to 100 characters long'],
    [[{ ...valid[0], attribute: 'a'.repeat(101) }], 'conditions[0].attribute', 'must be 1 to 100 characters long'],
    [
      [{ ...valid[0], attribute: '1plan' }],
      'conditions[0].attribute',
      'must start with a letter or underscore and hold only letters, digits, _ . and -',
    ],
    [[{ ...valid[0], attribute: 'plan name' }], 'conditions[0].attribute', 'must start with a letter or underscore'],
    [[{ ...valid[0], attribute: 'plan!' }], 'conditions[0].attribute', 'must start with a letter or underscore'],
    [[{ attribute: 'plan', operator: 'in' }], 'conditions[0].values', 'must be an array'],
    [[{ attribute: 'plan', operator: 'exists', values: null }], 'conditions[0].values', 'must be an array'],
    [[{ attribute: 'plan', operator: 'in', values: [] }], 'conditions[0].values', 'must hold at least one value for in'],
    [
      [{ attribute: 'plan', operator: 'in', values: Array.from({ length: 101 }, (_, i) => i) }],
      'conditions[0].values',
      'must hold at most 100 values',
    ],
    [[{ attribute: 'plan', operator: 'eq', values: ['a', 'b'] }], 'conditions[0].values', 'must hold exactly one value for eq'],
    [[{ attribute: 'plan', operator: 'gt', values: [] }], 'conditions[0].values', 'must hold exactly one value for gt'],
    [[{ attribute: 'plan', operator: 'exists', values: ['a'] }], 'conditions[0].values', 'must be empty for exists'],
    [
      [{ attribute: 'plan', operator: 'in', values: ['a', 'b'.repeat(501)] }],
      'conditions[0].values[1]',
      'must be at most 500 characters long',
    ],
    [[{ attribute: 'plan', operator: 'in', values: ['a', null] }], 'conditions[0].values[1]', 'must be a string, a number or a boolean'],
    [[{ attribute: 'plan', operator: 'in', values: [{ a: 1 }] }], 'conditions[0].values[0]', 'must be a string, a number or a boolean'],
    [[{ attribute: 'plan', operator: 'in', values: [Number.NaN] }], 'conditions[0].values[0]', 'must be a finite number'],
    [[{ attribute: 'plan', operator: 'in', values: [Infinity] }], 'conditions[0].values[0]', 'must be a finite number'],
    [[{ attribute: 'plan', operator: 'in', values: ['a\u0000b'] }], 'conditions[0].values[0]', 'must not contain NUL characters'],
    [
      [{ attribute: 'plan', operator: 'in', values: ['\uD83D'] }],
      'conditions[0].values[0]',
      'must not contain NUL characters or unpaired surrogates',
    ],
    [[{ attribute: 'plan', operator: 'contains', values: [5] }], 'conditions[0].values[0]', 'must be a string'],
    [[{ attribute: 'plan', operator: 'ends_with', values: ['a', true] }], 'conditions[0].values[1]', 'must be a string'],
    [
      [{ attribute: 'age', operator: 'gt', values: ['eighteen'] }],
      'conditions[0].values[0]',
      'must be a number or a string holding a plain decimal number',
    ],
    [
      [{ attribute: 'v', operator: 'semver_eq', values: ['v1.2.3'] }],
      'conditions[0].values[0]',
      'must be a SemVer 2.0.0 version such as 1.4.0 or 2.0.0-beta.1',
    ],
    [
      [{ attribute: 'd', operator: 'after', values: ['2026-02-30'] }],
      'conditions[0].values[0]',
      'must be an ISO-8601 date (2026-03-01) or date-time with an offset (2026-03-01T09:00:00Z), or epoch milliseconds',
    ],
  ])('refuses %j naming %s', (input, field, message) => {
    const result = validateConditions(input);
    expect(result).toMatchObject({ ok: false, field });
    if (!result.ok) expect(result.message.startsWith(message), result.message).toBe(true);
  });

  it('takes as many values as each operator needs', () => {
    const arity: Record<Operator, 'none' | 'one' | 'many'> = {
      eq: 'one',
      neq: 'one',
      in: 'many',
      not_in: 'many',
      contains: 'many',
      starts_with: 'many',
      ends_with: 'many',
      gt: 'one',
      gte: 'one',
      lt: 'one',
      lte: 'one',
      semver_gt: 'one',
      semver_lt: 'one',
      semver_eq: 'one',
      before: 'one',
      after: 'one',
      exists: 'none',
    };
    const sample: Record<Operator, ConditionValue> = {
      eq: 'a',
      neq: 'a',
      in: 'a',
      not_in: 'a',
      contains: 'a',
      starts_with: 'a',
      ends_with: 'a',
      gt: 1,
      gte: 1,
      lt: 1,
      lte: 1,
      semver_gt: '1.0.0',
      semver_lt: '1.0.0',
      semver_eq: '1.0.0',
      before: '2026-01-01',
      after: '2026-01-01',
      exists: 'a',
    };
    for (const operator of OPERATORS) {
      const accepts = (count: number) => validateConditions([{ attribute: 'x', operator, values: Array(count).fill(sample[operator]) }]).ok;
      expect([0, 1, 2].map(accepts), operator).toEqual(
        { none: [true, false, false], one: [false, true, false], many: [false, true, true] }[arity[operator]],
      );
    }
  });

  it('names the list as the caller calls it', () => {
    expect(validateConditions('x', 'rules')).toEqual({ ok: false, field: 'rules', message: 'must be an array' });
    expect(validateConditions([{ attribute: 'plan' }], 'rules')).toMatchObject({ ok: false, field: 'rules[0].operator' });
  });

  it('accepts every limit exactly', () => {
    const many = Array.from({ length: 50 }, (_, i) => ({ attribute: `a${i}`, operator: 'exists' }));
    expect(validateConditions(many)).toMatchObject({ ok: true, conditions: { length: 50 } });
    const longest = [
      { attribute: 'a'.repeat(100), operator: 'in', values: Array.from({ length: 100 }, (_, i) => i) },
      { attribute: 'b', operator: 'contains', values: ['x'.repeat(500)] },
      { attribute: 'c', operator: 'exists', values: [] },
      { attribute: '_A.b-9', operator: 'in', values: [false, 0, ''] },
    ];
    const result = validateConditions(longest);
    expect(result).toEqual({ ok: true, conditions: longest });
    if (result.ok) expect(result.conditions[0]).not.toBe(longest[0]); // fresh copies
  });

  it('accepts emoji (paired surrogates) in values', () => {
    expect(validateConditions([{ attribute: 'nick', operator: 'contains', values: ['🚀'] }]).ok).toBe(true);
  });

  it('accepts any list of well-formed conditions as it is, and what it accepts evaluates to a boolean', () => {
    fc.assert(
      fc.property(conditionList, fc.dictionary(fc.string(), fc.anything()), (input, context) => {
        const result = validateConditions(input);
        expect(result).toEqual({ ok: true, conditions: input });
        if (result.ok) for (const c of result.conditions) expect(typeof matchCondition(c, context)).toBe('boolean');
      }),
      { numRuns: 300 },
    );
  });

  it('refuses a well-formed list with one condition broken, naming that condition', () => {
    const broken = conditionList
      .filter((list) => list.length > 0)
      .chain((list) => fc.tuple(fc.constant(list), fc.nat(list.length - 1), fc.constantFrom(...BREAKS)));
    fc.assert(
      fc.property(broken, ([list, index, [part, breakIt]]) => {
        const input: unknown[] = list.map((c, i) => (i === index ? breakIt(c) : c));
        const result = validateConditions(input);
        expect(result.ok).toBe(false);
        if (!result.ok) expect(result.field).toMatch(new RegExp(`^conditions\\[${index}\\]\\.${part}`));
      }),
      { numRuns: 300 },
    );
  });

  it('never throws, whatever the input', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.array(fc.anything(), { maxLength: 4 })), (input) => {
        expect(typeof validateConditions(input).ok).toBe('boolean');
      }),
      { numRuns: 300 },
    );
  });
});

describe('case_insensitive and inverted', () => {
  const context = { email: 'Alice@Example.COM', plan: 'Pro', age: 30 };
  const on = (condition: Condition) => matchCondition(condition, context);

  it.each<[Operator, string, string]>([
    ['contains', '@example.com', '@EXAMPLE'],
    ['starts_with', 'alice@', 'ALICE'],
    ['ends_with', 'example.com', '.Com'],
  ])('%s ignores case only when case_insensitive is true', (operator, lower, mixed) => {
    for (const value of [lower, mixed]) {
      expect(on({ attribute: 'email', operator, values: [value] })).toBe(false);
      expect(on({ attribute: 'email', operator, values: [value], case_insensitive: false })).toBe(false);
      expect(on({ attribute: 'email', operator, values: [value], case_insensitive: true })).toBe(true);
      // Any other value than true (a malformed stored row) keeps the case-sensitive answer.
      expect(on({ attribute: 'email', operator, values: [value], case_insensitive: 'yes' as unknown as boolean })).toBe(false);
    }
    expect(on({ attribute: 'email', operator, values: ['nowhere'], case_insensitive: true })).toBe(false);
    // Still a string operator: a number attribute or a missing one fails, non-string values are skipped.
    expect(on({ attribute: 'age', operator, values: ['30'], case_insensitive: true })).toBe(false);
    expect(on({ attribute: 'missing', operator, values: [''], case_insensitive: true })).toBe(false);
    expect(matchCondition({ attribute: 'n', operator, values: [5, 'X'] as string[], case_insensitive: true }, { n: 'x' })).toBe(true);
  });

  it('lower-cases beyond ASCII, as toLowerCase does (not by upper-casing: ß stays ß)', () => {
    expect(
      matchCondition({ attribute: 'street', operator: 'contains', values: ['straße'], case_insensitive: true }, { street: 'STRASSE' }),
    ).toBe(false);
    expect(
      matchCondition({ attribute: 'street', operator: 'contains', values: ['STRAßE'], case_insensitive: true }, { street: 'straße 5' }),
    ).toBe(true);
    expect(on({ attribute: 'plan', operator: 'starts_with', values: ['PRO'], case_insensitive: true })).toBe(true);
    expect(
      matchCondition({ attribute: 'city', operator: 'contains', values: ['ÉCOLE'], case_insensitive: true }, { city: 'une école' }),
    ).toBe(true);
  });

  it('is ignored on a stored non-string operator: eq and in stay case-sensitive', () => {
    expect(on({ attribute: 'plan', operator: 'eq', values: ['pro'], case_insensitive: true })).toBe(false);
    expect(on({ attribute: 'plan', operator: 'in', values: ['pro'], case_insensitive: true })).toBe(false);
    expect(on({ attribute: 'plan', operator: 'eq', values: ['Pro'], case_insensitive: true })).toBe(true);
  });

  it('inverted negates every operator, a missing attribute included (Unleash semantics)', () => {
    fc.assert(
      fc.property(wellFormed, fc.boolean(), fc.dictionary(fc.string(), fc.anything()), (condition, caseInsensitive, ctx) => {
        const plain = { ...condition, case_insensitive: caseInsensitive };
        expect(matchCondition({ ...plain, inverted: true }, ctx)).toBe(!matchCondition(plain, ctx));
        expect(matchCondition({ ...plain, inverted: false }, ctx)).toBe(matchCondition(plain, ctx));
      }),
      { numRuns: 500 },
    );
    expect(on({ attribute: 'plan', operator: 'in', values: ['free'], inverted: true })).toBe(true);
    expect(on({ attribute: 'plan', operator: 'in', values: ['Pro'], inverted: true })).toBe(false);
    expect(on({ attribute: 'missing', operator: 'eq', values: ['x'], inverted: true })).toBe(true);
    expect(on({ attribute: 'missing', operator: 'exists', values: [], inverted: true })).toBe(true);
    expect(on({ attribute: 'email', operator: 'ends_with', values: ['.COM'], case_insensitive: true, inverted: true })).toBe(false);
    expect(on({ attribute: 'email', operator: 'ends_with', values: ['.org'], case_insensitive: true, inverted: true })).toBe(true);
  });

  it('only a literal true inverts, and a malformed condition stays closed even inverted', () => {
    expect(on({ attribute: 'plan', operator: 'eq', values: ['Pro'], inverted: 'true' as unknown as boolean })).toBe(true);
    expect(on({ attribute: 'plan', operator: 'eq', values: ['Pro'], inverted: 1 as unknown as boolean })).toBe(true);
    expect(on({ attribute: 'plan', operator: 'regex' as Operator, values: ['.*'], inverted: true })).toBe(false);
    expect(on({ attribute: 'plan', operator: 'in', values: 'Pro', inverted: true } as unknown as Condition)).toBe(false);
  });

  it('validation keeps the switches only when true and refuses case_insensitive outside the string operators', () => {
    const result = validateConditions([
      { attribute: 'email', operator: 'ends_with', values: ['@nous.app'], case_insensitive: true, inverted: true },
      { attribute: 'plan', operator: 'in', values: ['pro'], inverted: false, case_insensitive: false },
      { attribute: 'plan', operator: 'eq', values: ['pro'], inverted: true },
      { attribute: 'nick', operator: 'contains', values: ['x'], case_insensitive: true },
    ]);
    expect(result).toEqual({
      ok: true,
      conditions: [
        { attribute: 'email', operator: 'ends_with', values: ['@nous.app'], case_insensitive: true, inverted: true },
        { attribute: 'plan', operator: 'in', values: ['pro'] },
        { attribute: 'plan', operator: 'eq', values: ['pro'], inverted: true },
        { attribute: 'nick', operator: 'contains', values: ['x'], case_insensitive: true },
      ],
    });
    for (const operator of OPERATORS.filter((o) => !['contains', 'starts_with', 'ends_with'].includes(o))) {
      const refused = validateConditions([{ attribute: 'a', operator, values: [], case_insensitive: true }]);
      expect(refused).toEqual({
        ok: false,
        field: 'conditions[0].case_insensitive',
        message: `applies only to the string operators contains, starts_with, ends_with, not to ${operator}`,
      });
    }
    expect(validateConditions([{ attribute: 'a', operator: 'gt', values: [1], case_insensitive: false }]).ok).toBe(true);
    expect(validateConditions([{ attribute: 'a', operator: 'in', values: ['x'], inverted: 'yes' }])).toEqual({
      ok: false,
      field: 'conditions[0].inverted',
      message: 'must be true or false',
    });
    expect(validateConditions([{ attribute: 'a', operator: 'in', values: ['x'], case_insensitive: null }])).toEqual({
      ok: false,
      field: 'conditions[0].case_insensitive',
      message: 'must be true or false',
    });
  });
});

describe('instants', () => {
  it('parses every ISO-8601 string Date produces back to the same instant, and its date alone to midnight', () => {
    const instant = fc.date({ min: new Date('0000-01-01T00:00:00.000Z'), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true });
    fc.assert(
      fc.property(instant, (date) => {
        const iso = date.toISOString();
        expect(parseInstant(iso)).toBe(date.getTime());
        expect(parseInstant(iso.slice(0, 10))).toBe(Math.floor(date.getTime() / 86_400_000) * 86_400_000);
      }),
      { numRuns: 300 },
    );
  });
});
