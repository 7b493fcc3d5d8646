// Targeting conditions: one small pure function per operator, each failing closed (no match) on a
// missing attribute or a value of the wrong type, and the validation the admin API runs before storing them.
// No operator takes a regular expression from users, and nothing here reads the clock.
import semver, { type SemVer } from 'semver';

export const OPERATORS = [
  'eq',
  'neq',
  'in',
  'not_in',
  'contains',
  'starts_with',
  'ends_with',
  'gt',
  'gte',
  'lt',
  'lte',
  'semver_gt',
  'semver_lt',
  'semver_eq',
  'before',
  'after',
  'exists',
] as const;

export type Operator = (typeof OPERATORS)[number];
export type ConditionValue = string | number | boolean;

export interface Condition {
  /** The name of a context attribute, looked up as an own property (a dot is part of the name, not a path). */
  attribute: string;
  operator: Operator;
  values: ConditionValue[];
  /** Compare strings ignoring case (`contains`, `starts_with`, `ends_with` only); false when absent. */
  case_insensitive?: boolean;
  /** Negate the operator's answer, a missing attribute included (as Unleash does); false when absent. */
  inverted?: boolean;
}

/** The operators `case_insensitive` applies to: Unleash's `STR_CONTAINS`, `STR_STARTS_WITH`, `STR_ENDS_WITH`. */
export const CASE_INSENSITIVE_OPERATORS: readonly Operator[] = ['contains', 'starts_with', 'ends_with'];

/** Evaluation context: OpenFeature's `targetingKey`, an optional `email`, and any other attributes. */
export interface EvaluationContext {
  targetingKey?: string;
  email?: string;
  [attribute: string]: unknown;
}

/**
 * An operator: `actual` is the context's attribute value (`undefined` when absent), `values` the condition's values.
 * Both are `unknown` because stored conditions and client contexts are JSON: an operator never trusts their types.
 */
export type OperatorFn = (actual: unknown, values: readonly unknown[]) => boolean;

// --- value parsing: each returns undefined when the value is not of the operator's type ---

type Scalar = string | number | boolean;

function asScalar(value: unknown): Scalar | undefined {
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  return undefined;
}

const DECIMAL = /^-?\d+(?:\.\d+)?$/;

/** A finite JS number, or a string that is a plain decimal number (`-12`, `3.50`; not `1e3`, `0x10`, ` 5`, `+5`, `.5`). */
export function parseNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string' || !DECIMAL.test(value)) return undefined;
  const parsed = Number(value);
  return Number.isFinite(parsed) ? parsed : undefined;
}

// SemVer 2.0.0 only: the `semver` package also accepts a leading `v` or `=` and surrounding blanks, which we refuse.
const SEMVER_START = /^\d/;
/** The `semver` package's own limit: longer strings are never versions. */
const MAX_SEMVER_LENGTH = 256;
const PARSED_VERSIONS_KEPT = 1000;
const parsedVersions = new Map<string, SemVer | null>();

/** A strictly valid SemVer 2.0.0 version (`1.2.3`, `1.2.3-beta.1+build.5`; not `v1.2.3`, `1.2`, ` 1.2.3`). */
export function parseSemver(value: unknown): SemVer | undefined {
  if (typeof value !== 'string' || value.length > MAX_SEMVER_LENGTH) return undefined;
  // Contexts repeat a handful of app versions: parse each once (the versions are only compared, never changed).
  let parsed = parsedVersions.get(value);
  if (parsed === undefined) {
    const valid = SEMVER_START.test(value) && value.trim() === value;
    parsed = (valid ? semver.parse(value, { loose: false }) : null) ?? null;
    if (parsedVersions.size >= PARSED_VERSIONS_KEPT) parsedVersions.clear();
    parsedVersions.set(value, parsed);
  }
  return parsed ?? undefined;
}

// Date (UTC midnight) or date-time with an explicit offset: a date-time without one would depend on the
// machine's time zone. `Date.parse` is not used because it rolls 2024-02-30 over to 1 March.
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2}))?$/;

/** Epoch milliseconds of an ISO-8601 string (`2026-03-01`, `2026-03-01T09:30:00Z`, `…+02:00`) or a finite epoch-ms number. */
export function parseInstant(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const m = ISO_DATE.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', offset = 'Z'] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 59) {
    return undefined;
  }
  let offsetMinutes = 0;
  if (offset !== 'Z') {
    const offsetHours = Number(offset.slice(1, 3));
    const offsetMins = Number(offset.slice(4, 6));
    if (offsetHours > 23 || offsetMins > 59) return undefined;
    offsetMinutes = (offset.startsWith('-') ? -1 : 1) * (offsetHours * 60 + offsetMins);
  }
  const millis = Number(frac.padEnd(3, '0').slice(0, 3));
  // Date.UTC maps years 0–99 to 1900–1999; setUTCFullYear does not.
  const date = new Date(Date.UTC(2000, month - 1, day, hour, minute, second, millis));
  date.setUTCFullYear(year);
  return date.getTime() - offsetMinutes * 60_000;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

// --- operators ---
// Each operator is compiled once per condition: its values are checked and parsed then, and the
// matcher it returns only looks at the context's value. The `(actual, values)` forms below are the
// same code, compiled on each call.

/** An operator compiled for one condition's values, called with the context's attribute value. */
export type Matcher = (actual: unknown) => boolean;
const never: Matcher = () => false;

function stringOperator(test: (actual: string, value: string) => boolean): (values: readonly unknown[]) => Matcher {
  return (values) => {
    const strings = values.filter((value): value is string => typeof value === 'string');
    return (actual) => {
      if (typeof actual !== 'string') return false;
      for (const value of strings) if (test(actual, value)) return true;
      return false;
    };
  };
}

/** The case-insensitive form of a string operator: both sides lower-cased (as Unleash's `caseInsensitive` does). */
const lower = (value: unknown) => (typeof value === 'string' ? value.toLowerCase() : value);
const ignoringCase = (compile: (values: readonly unknown[]) => Matcher) => (values: readonly unknown[]) => {
  const match = compile(values.map(lower));
  return (actual: unknown) => match(lower(actual));
};

function compareWith<T>(
  parse: (value: unknown) => T | undefined,
  compare: (a: T, b: T) => number,
  accept: (order: number) => boolean,
): (values: readonly unknown[]) => Matcher {
  return (values) => {
    const b = parse(values[0]);
    if (b === undefined) return never;
    return (actual) => {
      const a = parse(actual);
      return a !== undefined && accept(compare(a, b));
    };
  };
}

const numeric = (accept: (order: number) => boolean) => compareWith(parseNumber, (a, b) => a - b, accept);
const version = (accept: (order: number) => boolean) => compareWith(parseSemver, (a, b) => a.compare(b), accept);
const instant = (accept: (order: number) => boolean) => compareWith(parseInstant, (a, b) => a - b, accept);

const COMPILERS: Readonly<Record<Operator, (values: readonly unknown[]) => Matcher>> = {
  /** `eq`: the attribute (a string, finite number or boolean) strictly equals `values[0]` — same type, case-sensitive. */
  eq: (values) => {
    if (values.length === 0) return never;
    const expected = values[0];
    return (actual) => {
      const a = asScalar(actual);
      return a !== undefined && a === expected;
    };
  },
  /** `neq`: the attribute and `values[0]` are both scalars and differ (in value or type: `5` differs from `"5"`). */
  neq: (values) => {
    const b = asScalar(values[0]);
    if (b === undefined) return never;
    return (actual) => {
      const a = asScalar(actual);
      return a !== undefined && a !== b;
    };
  },
  /** `in`: the attribute (a scalar) strictly equals one of `values` (a Set compares as `includes` does). */
  in: (values) => {
    const set = new Set(values);
    return (actual) => {
      const a = asScalar(actual);
      return a !== undefined && set.has(a);
    };
  },
  /** `not_in`: the attribute is present and a scalar, and equals none of `values`. */
  not_in: (values) => {
    const set = new Set(values);
    return (actual) => {
      const a = asScalar(actual);
      return a !== undefined && !set.has(a);
    };
  },
  /** `contains`: the attribute is a string containing one of the string `values` (case-sensitive). */
  contains: stringOperator((actual, value) => actual.includes(value)),
  /** `starts_with`: the attribute is a string starting with one of the string `values` (case-sensitive). */
  starts_with: stringOperator((actual, value) => actual.startsWith(value)),
  /** `ends_with`: the attribute is a string ending with one of the string `values` (case-sensitive). */
  ends_with: stringOperator((actual, value) => actual.endsWith(value)),
  /** `gt`: attribute > `values[0]`, both numbers or plain decimal strings (see {@link parseNumber}). */
  gt: numeric((order) => order > 0),
  /** `gte`: attribute >= `values[0]`, both numbers or plain decimal strings. */
  gte: numeric((order) => order >= 0),
  /** `lt`: attribute < `values[0]`, both numbers or plain decimal strings. */
  lt: numeric((order) => order < 0),
  /** `lte`: attribute <= `values[0]`, both numbers or plain decimal strings. */
  lte: numeric((order) => order <= 0),
  /** `semver_gt`: attribute > `values[0]` in SemVer precedence (a pre-release sorts before its release; build metadata is ignored). */
  semver_gt: version((order) => order > 0),
  /** `semver_lt`: attribute < `values[0]` in SemVer precedence. */
  semver_lt: version((order) => order < 0),
  /** `semver_eq`: attribute and `values[0]` have equal SemVer precedence (`1.2.3+a` equals `1.2.3+b`). */
  semver_eq: version((order) => order === 0),
  /** `before`: the attribute's instant is strictly earlier than `values[0]`'s (see {@link parseInstant}). */
  before: instant((order) => order < 0),
  /** `after`: the attribute's instant is strictly later than `values[0]`'s. */
  after: instant((order) => order > 0),
  /** `exists`: the attribute is present and not null; `values` are ignored. */
  exists: () => (actual) => actual !== undefined && actual !== null,
};

/** Every operator in its `(actual, values)` form (compiled on each call; evaluation compiles once per flag). */
export const OPERATOR_FUNCTIONS: Readonly<Record<Operator, OperatorFn>> = Object.freeze(
  Object.fromEntries(OPERATORS.map((operator) => [operator, (actual, values) => COMPILERS[operator](values)(actual)] as const)) as Record<
    Operator,
    OperatorFn
  >,
);

export function isOperator(value: unknown): value is Operator {
  return typeof value === 'string' && Object.hasOwn(OPERATOR_FUNCTIONS, value);
}

/** The context's value for `attribute`, only from the context's own properties (never `toString` or `__proto__` inherited). */
export function attributeValue(context: EvaluationContext, attribute: unknown): unknown {
  return typeof attribute === 'string' && Object.hasOwn(context, attribute) ? context[attribute] : undefined;
}

/**
 * Whether `condition` matches `context`. Never throws: a malformed condition (unknown operator, values not an
 * array) does not match, so a bad stored row turns a flag off for everyone rather than on.
 */
export function matchCondition(condition: Condition, context: EvaluationContext): boolean {
  return compileCondition(condition)(context);
}

/** {@link matchCondition} for one condition, compiled once: its values are parsed now, not per evaluation. */
export function compileCondition(condition: Condition): (context: EvaluationContext) => boolean {
  if (!isPlainObject(condition)) return never;
  const { operator, values, attribute } = condition;
  if (!isOperator(operator) || !Array.isArray(values)) return never;
  // Only a literal `true` switches either on: a malformed stored flag keeps the plain answer.
  const ignoreCase = condition.case_insensitive === true && CASE_INSENSITIVE_OPERATORS.includes(operator);
  const match = (ignoreCase ? ignoringCase(COMPILERS[operator]) : COMPILERS[operator])(values);
  if (condition.inverted === true) return (context) => !match(attributeValue(context, attribute));
  return (context) => match(attributeValue(context, attribute));
}

// --- validation (admin API) ---

export const CONDITION_LIMITS = Object.freeze({ conditions: 50, values: 100, attributeLength: 100, stringValueLength: 500 });

const CONDITION_FIELDS: readonly string[] = ['attribute', 'operator', 'values', 'case_insensitive', 'inverted'];

export const ATTRIBUTE_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

type ValueRule = { arity: 'none' | 'one' | 'many'; check?: (value: ConditionValue) => string | undefined };

const mustBeString = (value: ConditionValue) => (typeof value === 'string' ? undefined : 'must be a string');
const mustBeNumber = (value: ConditionValue) =>
  parseNumber(value) === undefined ? 'must be a number or a string holding a plain decimal number' : undefined;
const mustBeSemver = (value: ConditionValue) =>
  parseSemver(value) === undefined ? 'must be a SemVer 2.0.0 version such as 1.4.0 or 2.0.0-beta.1' : undefined;
const mustBeInstant = (value: ConditionValue) =>
  parseInstant(value) === undefined
    ? 'must be an ISO-8601 date (2026-03-01) or date-time with an offset (2026-03-01T09:00:00Z), or epoch milliseconds'
    : undefined;

const VALUE_RULES: Readonly<Record<Operator, ValueRule>> = {
  eq: { arity: 'one' },
  neq: { arity: 'one' },
  in: { arity: 'many' },
  not_in: { arity: 'many' },
  contains: { arity: 'many', check: mustBeString },
  starts_with: { arity: 'many', check: mustBeString },
  ends_with: { arity: 'many', check: mustBeString },
  gt: { arity: 'one', check: mustBeNumber },
  gte: { arity: 'one', check: mustBeNumber },
  lt: { arity: 'one', check: mustBeNumber },
  lte: { arity: 'one', check: mustBeNumber },
  semver_gt: { arity: 'one', check: mustBeSemver },
  semver_lt: { arity: 'one', check: mustBeSemver },
  semver_eq: { arity: 'one', check: mustBeSemver },
  before: { arity: 'one', check: mustBeInstant },
  after: { arity: 'one', check: mustBeInstant },
  exists: { arity: 'none' },
};

export type ConditionsValidation = { ok: true; conditions: Condition[] } | { ok: false; field: string; message: string };

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Checks a `conditions` list from a request body and returns fresh, normalised copies (`values: []` for `exists`,
 * which may omit `values`; `case_insensitive` and `inverted` kept only when true), or the first problem with the field it concerns, e.g. `conditions[1].operator`.
 * Limits: at most 50 conditions and 100 values each; attribute names of 1–100 characters matching
 * `^[A-Za-z_][A-Za-z0-9_.-]*$`; string values of at most 500 UTF-16 code units. Never throws.
 *
 * @param field the name of the list in error messages; defaults to `conditions`.
 */
export function validateConditions(input: unknown, field = 'conditions'): ConditionsValidation {
  const fail = (at: string, message: string) => ({ ok: false as const, field: at, message });
  if (!Array.isArray(input)) return fail(field, 'must be an array');
  if (input.length > CONDITION_LIMITS.conditions) return fail(field, `must hold at most ${CONDITION_LIMITS.conditions} conditions`);
  const conditions: Condition[] = [];
  for (let i = 0; i < input.length; i++) {
    const at = `${field}[${i}]`;
    const item: unknown = input[i];
    if (!isPlainObject(item)) return fail(at, 'must be an object with attribute, operator and values');
    const unknownKey = Object.keys(item).find((key) => !CONDITION_FIELDS.includes(key));
    if (unknownKey !== undefined) return fail(`${at}.${unknownKey}`, 'is not a known field');

    const { attribute, operator } = item;
    if (typeof attribute !== 'string') return fail(`${at}.attribute`, 'must be a string');
    if (attribute.length < 1 || attribute.length > CONDITION_LIMITS.attributeLength) {
      return fail(`${at}.attribute`, `must be 1 to ${CONDITION_LIMITS.attributeLength} characters long`);
    }
    if (!ATTRIBUTE_NAME.test(attribute)) {
      return fail(`${at}.attribute`, 'must start with a letter or underscore and hold only letters, digits, _ . and -');
    }
    if (!isOperator(operator)) return fail(`${at}.operator`, `must be one of ${OPERATORS.join(', ')}`);

    for (const flag of ['case_insensitive', 'inverted'] as const) {
      if (item[flag] !== undefined && typeof item[flag] !== 'boolean') return fail(`${at}.${flag}`, 'must be true or false');
    }
    const caseInsensitive = item.case_insensitive === true;
    const stringOperators = CASE_INSENSITIVE_OPERATORS.join(', ');
    if (caseInsensitive && !CASE_INSENSITIVE_OPERATORS.includes(operator))
      return fail(`${at}.case_insensitive`, `applies only to the string operators ${stringOperators}, not to ${operator}`);

    const rule = VALUE_RULES[operator];
    const rawValues = item.values === undefined && rule.arity === 'none' ? [] : item.values;
    if (!Array.isArray(rawValues)) return fail(`${at}.values`, 'must be an array');
    if (rule.arity === 'none' && rawValues.length > 0) return fail(`${at}.values`, `must be empty for ${operator}`);
    if (rule.arity === 'one' && rawValues.length !== 1) return fail(`${at}.values`, `must hold exactly one value for ${operator}`);
    if (rule.arity === 'many' && rawValues.length < 1) return fail(`${at}.values`, `must hold at least one value for ${operator}`);
    if (rawValues.length > CONDITION_LIMITS.values) return fail(`${at}.values`, `must hold at most ${CONDITION_LIMITS.values} values`);

    const values: ConditionValue[] = [];
    for (let j = 0; j < rawValues.length; j++) {
      const valueAt = `${at}.values[${j}]`;
      const value: unknown = rawValues[j];
      if (typeof value === 'string') {
        if (value.length > CONDITION_LIMITS.stringValueLength) {
          return fail(valueAt, `must be at most ${CONDITION_LIMITS.stringValueLength} characters long`);
        }
        // PostgreSQL refuses NUL in text/jsonb and lone surrogates in jsonb: a 400 here, not a 500 later.
        if (value.includes('\u0000') || !value.isWellFormed())
          return fail(valueAt, 'must not contain NUL characters or unpaired surrogates');
      } else if (typeof value === 'number') {
        if (!Number.isFinite(value)) return fail(valueAt, 'must be a finite number');
      } else if (typeof value !== 'boolean') {
        return fail(valueAt, 'must be a string, a number or a boolean');
      }
      const problem = rule.check?.(value);
      if (problem !== undefined) return fail(valueAt, problem);
      values.push(value);
    }
    // The switches are stored only when on, so conditions saved before they existed keep their exact shape.
    const switches = { ...(caseInsensitive && { case_insensitive: true }), ...(item.inverted === true && { inverted: true }) };
    conditions.push({ attribute, operator, values, ...switches });
  }
  return { ok: true, conditions };
}
