// Condition operators in words: the one place the console turns an operator code (`semver_gt`) into
// what it means ("version greater than"), and a flag's rules into a line a person reads at a glance.
import type { Operator } from './api-types.js';

/** A condition as flags, edits and explanations carry it. */
export interface ConditionLike {
  attribute: string;
  operator: string;
  values: ReadonlyArray<string | number | boolean>;
}

/** Every operator the flags API accepts, in words; the record's type makes a missing one a compile error. */
export const OPERATOR_LABELS: Readonly<Record<Operator, string>> = {
  eq: 'is',
  neq: 'is not',
  in: 'is one of',
  not_in: 'is not one of',
  contains: 'contains',
  starts_with: 'starts with',
  ends_with: 'ends with',
  gt: 'greater than',
  gte: 'at least',
  lt: 'less than',
  lte: 'at most',
  semver_gt: 'version greater than',
  semver_lt: 'version less than',
  semver_eq: 'version equals',
  before: 'before date',
  after: 'after date',
  exists: 'is set',
};

/** The words for an operator code; an unknown code is shown as it is. */
export const operatorLabel = (code: string): string => (Object.hasOwn(OPERATOR_LABELS, code) ? OPERATOR_LABELS[code as Operator] : code);

/** One condition in words: `country is one of US, CA`, `app_version version greater than 2.1.0`, `beta_group is set`. */
export function conditionText(c: ConditionLike): string {
  const values = c.values.map(String).join(', ');
  return `${c.attribute} ${operatorLabel(c.operator)}${values === '' ? '' : ` ${values}`}`;
}

/** A flag's targeting in words, rules joined by ` · `: its target users, then each condition; "everyone" without any. */
export function rulesText(flag: { target_users: readonly string[]; conditions: readonly ConditionLike[] }): string {
  const parts: string[] = [];
  const targets = flag.target_users.length;
  if (targets > 0) parts.push(`${targets} target user${targets === 1 ? '' : 's'}`);
  for (const c of flag.conditions) parts.push(conditionText(c));
  return parts.length === 0 ? 'everyone' : parts.join(' · ');
}
