// A flag prepared for evaluation, once per flag version: conditions compiled into matchers (their
// values parsed once), target users indexed, the rollout percentage checked, and the hash of the
// bucketing prefix (`name:`) kept; a typed flag's variants prepared too. Pure: evaluate.ts walks it, for
// evaluation and explanation alike.
import { bucketerFor } from './bucket.js';
import { attributeValue, compileCondition, type Condition, type EvaluationContext } from './conditions.js';
import { compileRules, compileSegments, type CompiledRule, type CompiledSegment, type SegmentLookup } from './rules.js';
import { compileVariants, type CompiledVariants, type ValueType } from './variants.js';

/** A flag as stored (see flags.types), the input of compilation. */
export interface Flag {
  name: string;
  is_enabled: boolean;
  /** 0 to 100: the share of users, by bucket, who get `true` once targeting and conditions are passed. */
  rollout_percentage: number;
  /** Targeting keys (compared exactly) and emails (any entry holding `@`, compared case-insensitively). */
  target_users: readonly string[];
  /** The main rule's conditions: all must match; an empty list matches everyone. */
  conditions: readonly Condition[];
  /** Segments the main rule's context must match too (by name). */
  segments?: readonly string[] | undefined;
  /** Rules checked in order before the main rule (see rules.ts). */
  rules?: readonly unknown[] | undefined;
  /**
   * The context attribute rollout buckets and variant choices hash: `targetingKey` when absent or `default`
   * (Unleash's name for it). A context without the attribute is hashed on its targetingKey.
   */
  stickiness?: string | undefined;
  /** `boolean` when absent. */
  value_type?: ValueType;
  /** A typed flag's variants (see variants.ts); ignored for boolean flags. */
  variants?: unknown;
  default_variant?: string | null;
}

const COMPILED: unique symbol = Symbol('compiled flag');

export interface CompiledFlag extends Flag {
  readonly [COMPILED]: true;
  /** `rollout_percentage`, or 0 when it is not a number. */
  readonly percentage: number;
  /** One per condition, in order; false when `conditions` is not an array (nothing then matches). */
  readonly matchers: ReadonlyArray<(context: EvaluationContext) => boolean> | false;
  /** The main rule's segments, resolved when compiled. */
  readonly segmentMatchers: readonly CompiledSegment[];
  /** The rules before the main rule, in order. */
  readonly compiledRules: readonly CompiledRule[];
  /** Target-user entries by value: exact entries, and lower-cased ones holding `@`, each with its first position. */
  readonly targetKeys: ReadonlyMap<string, number>;
  readonly targetEmails: ReadonlyMap<string, number>;
  /** `stickiness`, with `default`, absent or a non-string read as `targetingKey`. */
  readonly stickyAttribute: string;
  /** `bucketOf(name, key)`, `key` the value of the stickiness attribute (see {@link stickyKey}). */
  bucket(key: string): number;
  /**
   * Undefined for a boolean flag; a typed flag's variants, or false when its stored variants cannot serve
   * (evaluation then answers an error).
   */
  readonly typed: CompiledVariants | false | undefined;
}

export function isCompiled(flag: Flag): flag is CompiledFlag {
  return (flag as Partial<CompiledFlag>)[COMPILED] === true;
}

/**
 * Compiles `flag`, its segments resolved through `segments` (a segment missing from it never matches); a flag
 * that is already compiled is returned as is. Never throws on malformed stored data.
 */
export function compileFlag(flag: Flag, segments?: SegmentLookup): CompiledFlag {
  if (isCompiled(flag)) return flag;
  const targetKeys = new Map<string, number>();
  const targetEmails = new Map<string, number>();
  if (Array.isArray(flag.target_users)) {
    flag.target_users.forEach((entry: unknown, index) => {
      if (typeof entry !== 'string' || entry === '') return;
      if (!targetKeys.has(entry)) targetKeys.set(entry, index);
      const email = entry.toLowerCase();
      if (entry.includes('@') && !targetEmails.has(email)) targetEmails.set(email, index);
    });
  }
  let bucketer: ((targetingKey: string) => number) | undefined;
  const rollout: unknown = flag.rollout_percentage;
  const type = flag.value_type ?? 'boolean';
  const typed = type === 'boolean' ? undefined : (compileVariants(flag.name, type, flag.variants, flag.default_variant) ?? false);
  return {
    name: flag.name,
    is_enabled: flag.is_enabled,
    rollout_percentage: flag.rollout_percentage,
    target_users: flag.target_users,
    conditions: flag.conditions,
    stickiness: flag.stickiness,
    segments: flag.segments,
    rules: flag.rules,
    stickyAttribute: stickinessAttribute(flag.stickiness),
    [COMPILED]: true,
    // A non-number (say a string from a numeric column) counts as 0: off for everyone rather than on.
    percentage: typeof rollout === 'number' && !Number.isNaN(rollout) ? rollout : 0,
    matchers: Array.isArray(flag.conditions)
      ? (flag.conditions as readonly Condition[]).map((condition) => compileCondition(condition))
      : false,
    segmentMatchers: compileSegments(flag.segments, segments),
    compiledRules: compileRules(flag.name, flag.rules, typed, segments, stickinessAttribute),
    targetKeys,
    targetEmails,
    bucket: (targetingKey) => (bucketer ??= bucketerFor(flag.name))(targetingKey),
    typed,
  };
}

export const DEFAULT_STICKINESS = 'targetingKey';

/** The attribute a stored `stickiness` names: `default`, absent or malformed mean the targetingKey. */
export function stickinessAttribute(stickiness: unknown): string {
  return typeof stickiness === 'string' && stickiness !== '' && stickiness !== 'default' ? stickiness : DEFAULT_STICKINESS;
}

/**
 * What a rollout bucket and a variant choice hash for this context, and which attribute it came from:
 * the flag's stickiness attribute when the context holds a non-empty string or a finite number there
 * (a number as its decimal text), else the targetingKey; undefined when neither is there.
 */
export function stickyKey(
  flag: { stickyAttribute: string },
  context: EvaluationContext,
  targetingKey: string | undefined,
): { attribute: string; key: string } | undefined {
  const attribute = flag.stickyAttribute;
  if (attribute !== DEFAULT_STICKINESS) {
    const value = attributeValue(context, attribute);
    if (typeof value === 'string' && value !== '') return { attribute, key: value };
    if (typeof value === 'number' && Number.isFinite(value)) return { attribute, key: String(value) };
  }
  return targetingKey === undefined ? undefined : { attribute: DEFAULT_STICKINESS, key: targetingKey };
}

/** What a partial rollout without anything to hash says: which attributes it would have taken. */
export function missingStickyDetail(flag: { stickyAttribute: string }, what: string): string {
  return flag.stickyAttribute === DEFAULT_STICKINESS
    ? `${what} needs a targetingKey to place the user in a bucket`
    : `${what} needs the ${flag.stickyAttribute} attribute or a targetingKey to place the user in a bucket`;
}

/** ` (bucketed on orgId)` after an explanation's detail when a stickiness attribute decided; nothing for the targetingKey. */
export const stickyNote = (attribute: string) => (attribute === DEFAULT_STICKINESS ? '' : ` (bucketed on ${attribute})`);

/**
 * Which of the context's identifiers the first matching target-user entry matched: an entry equal to
 * the targetingKey, then (entries holding `@`, case-insensitively) one equal to the email or to a
 * targetingKey that is an email. `email` is already lower-cased.
 */
export function matchTargetUsers(
  flag: CompiledFlag,
  targetingKey: string | undefined,
  email: string | undefined,
): 'targetingKey' | 'email' | undefined {
  const byKey = targetingKey === undefined ? undefined : flag.targetKeys.get(targetingKey);
  if (flag.targetEmails.size === 0) return byKey === undefined ? undefined : 'targetingKey';
  const byEmail = email === undefined ? undefined : flag.targetEmails.get(email);
  const byKeyAsEmail = targetingKey?.includes('@') ? flag.targetEmails.get(targetingKey.toLowerCase()) : undefined;
  // The first entry decides; within one entry the targetingKey is checked before the email.
  const first = Math.min(byKey ?? Infinity, byEmail ?? Infinity, byKeyAsEmail ?? Infinity);
  if (first === Infinity) return undefined;
  if (first === byKey) return 'targetingKey';
  return first === byEmail ? 'email' : 'targetingKey';
}
