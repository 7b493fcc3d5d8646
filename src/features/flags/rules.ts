// Ordered rules: each a set of conditions (ANDed) with optional segments, a rollout with its own
// stickiness and, for typed flags, a fixed variant or its own weights. A flag checks its rules in order
// after targeting and before its main rule (its own conditions and rollout, always last); the first rule
// whose conditions match and whose rollout includes the user decides. Validation and compilation; pure.
import { hasherFor } from './bucket.js';
import {
  ATTRIBUTE_NAME,
  CONDITION_LIMITS,
  compileCondition,
  validateConditions,
  type Condition,
  type EvaluationContext,
} from './conditions.js';
import { VARIANT_LIMITS, VARIANT_SEED, type CompiledVariant, type CompiledVariants, type ValueType, type Variant } from './variants.js';

/** A rule as stored and sent. */
export interface Rule {
  /** A short label for the console and explanations ('' when none). */
  name: string;
  conditions: Condition[];
  /** Names of segments whose conditions must match too. */
  segments: string[];
  /** 0 to 100: the share of matching users, by bucket, this rule decides for. */
  rollout_percentage: number;
  /** The attribute the rollout (and a weighted variant choice) hashes; `targetingKey` by default. */
  stickiness: string;
  /** Typed flags: the variant this rule serves. */
  variant?: string;
  /** Typed flags: weights over the flag's variants for this rule (instead of the flag's own). */
  variant_weights?: Array<{ name: string; weight: number }>;
}

export const RULE_LIMITS = Object.freeze({ rules: 20, segments: 10, nameLength: 100 });
export const SEGMENT_NAME = /^[a-z0-9][a-z0-9._-]{0,99}$/;

export type Validation<T> = { ok: true; value: T } | { ok: false; field: string; message: string };

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A stickiness as stored: an attribute name like a condition's; `default` (Unleash's word) is the targetingKey. */
export function checkStickiness(value: unknown, field: string): Validation<string> {
  const attribute = typeof value === 'string' ? value.trim() : '';
  if (attribute === 'default') return { ok: true, value: 'targetingKey' };
  if (attribute.length < 1 || attribute.length > CONDITION_LIMITS.attributeLength || !ATTRIBUTE_NAME.test(attribute)) {
    return {
      ok: false,
      field,
      message: `must be a context attribute name of 1 to ${CONDITION_LIMITS.attributeLength} characters starting with a letter or underscore and holding only letters, digits, _ . and - (or "default" for targetingKey)`,
    };
  }
  return { ok: true, value: attribute };
}

/** Segment names: slugs, each once, at most {@link RULE_LIMITS.segments}. */
export function checkSegmentNames(value: unknown, field: string): Validation<string[]> {
  if (!Array.isArray(value)) return { ok: false, field, message: 'must be a list of segment names' };
  if (value.length > RULE_LIMITS.segments) return { ok: false, field, message: `must name at most ${RULE_LIMITS.segments} segments` };
  const out: string[] = [];
  for (const [i, name] of value.entries()) {
    if (typeof name !== 'string' || !SEGMENT_NAME.test(name))
      return { ok: false, field: `${field}/${i}`, message: 'must be a segment name: a lowercase slug (a-z, 0-9, then . _ -)' };
    if (out.includes(name)) return { ok: false, field: `${field}/${i}`, message: `names the segment ${name} twice` };
    out.push(name);
  }
  return { ok: true, value: out };
}

/**
 * Checks and normalises a list of rules for a flag serving `type` with `variants`: per-field messages
 * (`body/rules/2/conditions/0/values …`), so the console can put each beside its field.
 */
export function validateRules(input: unknown, type: ValueType, variants: readonly Variant[], field = 'rules'): Validation<Rule[]> {
  if (!Array.isArray(input)) return { ok: false, field, message: 'must be a list of rules' };
  if (input.length > RULE_LIMITS.rules) return { ok: false, field, message: `must hold at most ${RULE_LIMITS.rules} rules` };
  const names = new Set(variants.map((v) => v.name));
  const rules: Rule[] = [];
  for (const [i, raw] of input.entries()) {
    const at = `${field}/${i}`;
    if (!isObject(raw)) return { ok: false, field: at, message: 'must be an object' };
    const known = new Set(['name', 'conditions', 'segments', 'rollout_percentage', 'stickiness', 'variant', 'variant_weights']);
    const extra = Object.keys(raw).find((key) => !known.has(key));
    if (extra !== undefined) return { ok: false, field: `${at}/${extra}`, message: 'is not a rule field' };
    const name = raw.name === undefined ? '' : raw.name;
    if (typeof name !== 'string' || name.trim().length > RULE_LIMITS.nameLength)
      return { ok: false, field: `${at}/name`, message: `must be text of at most ${RULE_LIMITS.nameLength} characters` };
    const conditions = validateConditions(raw.conditions ?? [], `${at}/conditions`);
    if (!conditions.ok) return conditions;
    const segments = checkSegmentNames(raw.segments ?? [], `${at}/segments`);
    if (!segments.ok) return segments;
    const rollout = raw.rollout_percentage ?? 100;
    if (typeof rollout !== 'number' || !Number.isInteger(rollout) || rollout < 0 || rollout > 100)
      return { ok: false, field: `${at}/rollout_percentage`, message: 'must be a whole number from 0 to 100' };
    const stickiness = checkStickiness(raw.stickiness ?? 'targetingKey', `${at}/stickiness`);
    if (!stickiness.ok) return stickiness;
    const rule: Rule = {
      name: name.trim(),
      conditions: conditions.conditions,
      segments: segments.value,
      rollout_percentage: rollout,
      stickiness: stickiness.value,
    };
    const served = checkServed(raw, type, names, at);
    if (!served.ok) return served;
    rules.push(Object.assign(rule, served.value));
  }
  return { ok: true, value: rules };
}

/** A rule's `variant` or `variant_weights`: typed flags only, naming the flag's variants. */
function checkServed(
  raw: Record<string, unknown>,
  type: ValueType,
  names: ReadonlySet<string>,
  at: string,
): Validation<Pick<Rule, 'variant' | 'variant_weights'>> {
  const { variant, variant_weights: weights } = raw;
  if (variant === undefined && weights === undefined) return { ok: true, value: {} };
  if (type === 'boolean') {
    const key = variant === undefined ? 'variant_weights' : 'variant';
    return { ok: false, field: `${at}/${key}`, message: 'is for string, number and object flags: a boolean rule serves true' };
  }
  if (variant !== undefined && weights !== undefined)
    return {
      ok: false,
      field: `${at}/variant`,
      message: 'cannot be set together with variant_weights: a rule serves one or chooses by weight',
    };
  if (variant !== undefined) {
    if (typeof variant !== 'string' || !names.has(variant))
      return { ok: false, field: `${at}/variant`, message: `must name one of the flag's variants (${[...names].join(', ')})` };
    return { ok: true, value: { variant } };
  }
  if (!Array.isArray(weights) || weights.length === 0)
    return { ok: false, field: `${at}/variant_weights`, message: 'must be a non-empty list of { name, weight }' };
  const out: Array<{ name: string; weight: number }> = [];
  let total = 0;
  for (const [i, entry] of weights.entries()) {
    const f = `${at}/variant_weights/${i}`;
    if (!isObject(entry) || typeof entry.name !== 'string' || !names.has(entry.name))
      return { ok: false, field: `${f}/name`, message: `must name one of the flag's variants (${[...names].join(', ')})` };
    if (out.some((o) => o.name === entry.name)) return { ok: false, field: `${f}/name`, message: `names ${entry.name} twice` };
    const weight = entry.weight;
    if (typeof weight !== 'number' || !Number.isInteger(weight) || weight < 0 || weight > VARIANT_LIMITS.weight)
      return { ok: false, field: `${f}/weight`, message: `must be a whole number from 0 to ${VARIANT_LIMITS.weight}` };
    total += weight;
    out.push({ name: entry.name, weight });
  }
  if (total <= 0) return { ok: false, field: `${at}/variant_weights`, message: 'must give at least one variant a weight above 0' };
  return { ok: true, value: { variant_weights: out } };
}

/** Every segment a flag's rules and main rule name. */
export function segmentsUsed(rules: readonly Rule[], main: readonly string[]): string[] {
  return [...new Set([...main, ...rules.flatMap((rule) => rule.segments)])];
}

/**
 * The first segment a flag names that is not in `exists`, as a validation message with its field path
 * (`body/rules/1/segments/0 names the segment "eu", which does not exist.`); undefined when all exist.
 */
export function missingSegment(
  flag: { segments: readonly string[]; rules: ReadonlyArray<Pick<Rule, 'segments'>> },
  exists: (name: string) => boolean,
): string | undefined {
  const named = [
    ...flag.segments.map((name, j) => ({ name, field: `body/segments/${j}` })),
    ...flag.rules.flatMap((rule, i) => rule.segments.map((name, j) => ({ name, field: `body/rules/${i}/segments/${j}` }))),
  ];
  const missing = named.find((n) => !exists(n.name));
  return missing && `${missing.field} names the segment "${missing.name}", which does not exist.`;
}

/** Segment name → its conditions, as the snapshot holds them. */
export type SegmentLookup = ReadonlyMap<string, readonly Condition[]>;

export interface CompiledSegment {
  readonly name: string;
  /** False when no segment has this name: then nothing matches. */
  readonly matchers: ReadonlyArray<(context: EvaluationContext) => boolean> | false;
  readonly conditions: readonly Condition[];
}

export interface CompiledRule {
  readonly index: number;
  readonly name: string;
  readonly conditions: readonly Condition[];
  /** One per condition; false when `conditions` is not an array (nothing then matches). */
  readonly matchers: ReadonlyArray<(context: EvaluationContext) => boolean> | false;
  readonly segments: readonly CompiledSegment[];
  readonly percentage: number;
  readonly stickyAttribute: string;
  /** Typed flags: the fixed variant (undefined when the rule names none, or one the flag does not have). */
  readonly variant: CompiledVariant | undefined;
  /** Typed flags: the rule's own weights, or undefined for the flag's. */
  readonly weights: { total: number; target(key: string): number; pick(target: number): CompiledVariant } | undefined;
  /** True when the stored rule names a variant the flag lacks: it then never decides. */
  readonly broken: boolean;
}

export function compileSegments(names: unknown, lookup: SegmentLookup | undefined): CompiledSegment[] {
  if (!Array.isArray(names)) return [];
  return names
    .filter((name): name is string => typeof name === 'string')
    .map((name) => {
      const conditions = lookup?.get(name);
      return {
        name,
        conditions: conditions ?? [],
        matchers: conditions === undefined ? false : conditions.map((condition) => compileCondition(condition)),
      };
    });
}

/** Stored rules prepared for evaluation; malformed entries never match. Never throws. */
export function compileRules(
  flagName: string,
  stored: unknown,
  variants: CompiledVariants | false | undefined,
  lookup: SegmentLookup | undefined,
  stickinessOf: (value: unknown) => string,
): CompiledRule[] {
  if (!Array.isArray(stored)) return [];
  return (stored as unknown[]).map((raw, index): CompiledRule => {
    const rule = isObject(raw) ? raw : {};
    const conditions = Array.isArray(rule.conditions) ? (rule.conditions as Condition[]) : undefined;
    const rollout = rule.rollout_percentage;
    let broken = !isObject(raw);
    let variant: CompiledVariant | undefined;
    let weights: CompiledRule['weights'];
    if (variants && typeof rule.variant === 'string') {
      variant = variants.byName.get(rule.variant);
      if (variant === undefined) broken = true;
    } else if (variants && Array.isArray(rule.variant_weights)) {
      weights = compileWeights(flagName, rule.variant_weights as unknown[], variants);
      if (weights === undefined) broken = true;
    }
    return {
      index,
      name: typeof rule.name === 'string' ? rule.name : '',
      conditions: conditions ?? [],
      matchers: conditions === undefined ? false : conditions.map((condition) => compileCondition(condition)),
      segments: compileSegments(rule.segments, lookup),
      percentage: typeof rollout === 'number' && !Number.isNaN(rollout) ? rollout : 0,
      stickyAttribute: stickinessOf(rule.stickiness),
      variant,
      weights,
      broken,
    };
  });
}

/** A rule's own weights over the flag's variants, hashed as the flag's are (Unleash's variant hash). */
function compileWeights(flagName: string, entries: unknown[], variants: CompiledVariants): CompiledRule['weights'] {
  const weighted: Array<{ variant: CompiledVariant; weight: number }> = [];
  for (const entry of entries) {
    if (!isObject(entry) || typeof entry.name !== 'string') return undefined;
    const variant = variants.byName.get(entry.name);
    const weight = typeof entry.weight === 'number' && Number.isInteger(entry.weight) && entry.weight > 0 ? entry.weight : 0;
    if (variant === undefined) return undefined;
    if (weight > 0) weighted.push({ variant, weight });
  }
  const total = weighted.reduce((sum, w) => sum + w.weight, 0);
  if (total <= 0) return undefined;
  const hasher = hasherFor(flagName, VARIANT_SEED);
  return {
    total,
    target: (key) => (hasher(key) % total) + 1,
    pick(target) {
      let sum = 0;
      for (const w of weighted) {
        sum += w.weight;
        if (sum >= target) return w.variant;
      }
      return weighted[weighted.length - 1]!.variant;
    },
  };
}
