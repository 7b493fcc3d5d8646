// The vocabulary of flag evaluation shared by the boolean and the typed walks: results, reasons, the
// explanation's steps, and the steps both take (conditions, the beta user's override). Pure.
import { attributeValue, type Condition, type ConditionValue, type EvaluationContext, type Operator } from './conditions.js';
import type { CompiledSegment } from './rules.js';
import type { CompiledVariant, CompiledVariants } from './variants.js';

/** A beta-program member, found by the caller from the context's targetingKey (as id) or email. */
export interface BetaUser {
  id: string;
  email: string;
  isActive: boolean;
  /** Per-flag overrides: `{ "voice-mode": true, "checkout-copy": "short" }` (a variant's name pins it). */
  flagSet: Readonly<Record<string, boolean | string>>;
}

export interface EvaluateOptions {
  /**
   * The beta user the context resolves to, if any. Applied only when active and when its id equals the
   * targetingKey or its email the context's email (case-insensitive), so a wrongly resolved user changes nothing.
   */
  betaUser?: BetaUser | undefined;
}

/** OpenFeature resolution reasons used here. */
export type Reason = 'STATIC' | 'TARGETING_MATCH' | 'SPLIT' | 'DISABLED' | 'DEFAULT' | 'ERROR';
/** OpenFeature error codes used here. */
export type EvaluationErrorCode = 'FLAG_NOT_FOUND' | 'TARGETING_KEY_MISSING' | 'GENERAL';

export interface EvaluationResult {
  /**
   * A boolean flag's value, or the served variant's value. `false` whenever there is an error, so a caller
   * that ignores `errorCode` still fails closed.
   */
  value: unknown;
  reason: Reason;
  /** `on` or `off` for a boolean flag; the served variant's name for a typed flag. */
  variant: string;
  errorCode?: EvaluationErrorCode;
  /** The user's bucket (1–100), present when the rollout step hashed the targeting key. */
  bucket?: number;
  /** A typed flag's variant hash (1 to the total weight), present when the variant was chosen by it. */
  target?: number;
  /** The variant a typed flag served (answers keep their JSON text per variant). */
  served?: CompiledVariant;
}

export type ExplainStep =
  | { step: 'flag'; found: boolean; detail: string }
  | { step: 'kill_switch'; enabled: boolean; detail: string }
  | { step: 'target_users'; matched: boolean; matchedBy?: 'targetingKey' | 'email'; detail: string }
  | { step: 'beta_user'; matched: boolean; value?: boolean; variant?: string; detail: string }
  | {
      step: 'condition';
      /** The rule (by position) this condition belongs to; absent for the main rule's. */
      rule?: number;
      index: number;
      attribute: string;
      operator: Operator;
      values: readonly ConditionValue[];
      /** The context's value for the attribute (`undefined`, so absent from JSON, when missing). */
      actual: unknown;
      matched: boolean;
      detail: string;
    }
  | { step: 'segment'; rule?: number; name: string; matched: boolean; detail: string }
  | {
      step: 'rule';
      index: number;
      name: string;
      /** Whether this rule decided: its conditions and segments matched and its rollout includes the user. */
      matched: boolean;
      percentage: number;
      bucket?: number;
      stickiness?: string;
      detail: string;
    }
  | {
      step: 'rollout';
      percentage: number;
      threshold: number;
      bucket?: number;
      /** The context attribute whose value was hashed into `bucket`: the flag's stickiness, or `targetingKey` as the fallback. */
      stickiness?: string;
      matched: boolean;
      detail: string;
    }
  | { step: 'variant_pin'; matched: boolean; matchedBy?: 'targetingKey' | 'email'; variant?: string; detail: string }
  | {
      step: 'variant';
      variant?: string;
      totalWeight: number;
      target?: number;
      /** The context attribute whose value was hashed into `target`. */
      stickiness?: string;
      detail: string;
    };

export interface Explanation extends EvaluationResult {
  steps: ExplainStep[];
}

export const ERRORS: Readonly<Record<EvaluationErrorCode, EvaluationResult>> = {
  FLAG_NOT_FOUND: Object.freeze({ value: false, reason: 'ERROR', variant: 'off', errorCode: 'FLAG_NOT_FOUND' }),
  TARGETING_KEY_MISSING: Object.freeze({ value: false, reason: 'ERROR', variant: 'off', errorCode: 'TARGETING_KEY_MISSING' }),
  GENERAL: Object.freeze({ value: false, reason: 'ERROR', variant: 'off', errorCode: 'GENERAL' }),
};

/**
 * Whether every condition and every segment matches (the main rule's, or rule `rule`'s). Evaluation stops at
 * the first that fails; an explanation records them all.
 */
export function conditionsStep(
  matchers: ReadonlyArray<(context: EvaluationContext) => boolean> | false,
  conditions: readonly Condition[],
  segments: readonly CompiledSegment[],
  context: EvaluationContext,
  steps: ExplainStep[] | undefined,
  rule?: number,
): boolean {
  if (matchers === false) return false;
  if (steps === undefined) {
    for (let index = 0; index < matchers.length; index++) if (!matchers[index]!(context)) return false;
    for (let index = 0; index < segments.length; index++) if (!segmentMatches(segments[index]!, context)) return false;
    return true;
  }
  let allMatch = true;
  for (let index = 0; index < matchers.length; index++) {
    const condition = conditions[index]!;
    const matched = matchers[index]!(context);
    const actual = attributeValue(context, condition?.attribute);
    steps.push({
      step: 'condition',
      ...(rule !== undefined && { rule }),
      index,
      attribute: condition?.attribute,
      operator: condition?.operator,
      values: condition?.values,
      actual,
      matched,
      detail: describeCondition(condition, actual, matched),
    });
    if (!matched) allMatch = false;
  }
  for (const segment of segments) {
    const matched = segmentMatches(segment, context);
    steps.push({
      step: 'segment',
      ...(rule !== undefined && { rule }),
      name: segment.name,
      matched,
      detail:
        segment.matchers === false
          ? `segment ${segment.name}: no segment has this name (fails closed)`
          : `segment ${segment.name}: ${matched ? 'matches' : 'does not match'} (${segment.conditions.length} condition${segment.conditions.length === 1 ? '' : 's'})`,
    });
    if (!matched) allMatch = false;
  }
  return allMatch;
}

function segmentMatches(segment: CompiledSegment, context: EvaluationContext): boolean {
  const { matchers } = segment;
  if (matchers === false) return false;
  for (let index = 0; index < matchers.length; index++) if (!matchers[index]!(context)) return false;
  return true;
}

export function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export function betaOverride(
  flagName: string,
  user: BetaUser | undefined,
  targetingKey: string | undefined,
  email: string | undefined,
  variants?: CompiledVariants,
): { value?: boolean | string; detail: string } {
  if (user === undefined) return { detail: 'no beta user' };
  const byId = targetingKey !== undefined && user.id === targetingKey;
  const byEmail = email !== undefined && typeof user.email === 'string' && user.email.toLowerCase() === email;
  if (!byId && !byEmail) return { detail: 'the beta user matches neither the targetingKey nor the email' };
  if (user.isActive !== true) return { detail: 'the beta user is not active' };
  const flagSet: unknown = user.flagSet;
  if (typeof flagSet !== 'object' || flagSet === null || !Object.hasOwn(flagSet, flagName)) {
    return { detail: "the beta user's flag_set does not hold this flag" };
  }
  const value: unknown = (flagSet as Record<string, unknown>)[flagName];
  if (variants !== undefined && typeof value === 'string') {
    if (!variants.byName.has(value)) return { detail: `the beta user's flag_set names ${value}, which is not a variant of this flag` };
    return { value, detail: `the beta user's flag_set pins the variant ${value}` };
  }
  if (typeof value !== 'boolean') return { detail: "the beta user's flag_set holds a non-boolean for this flag" };
  if (variants !== undefined) {
    return {
      value,
      detail: value
        ? "the beta user's flag_set turns this flag on: a variant is chosen for them"
        : "the beta user's flag_set turns this flag off: the default variant",
    };
  }
  return { value, detail: `the beta user's flag_set sets this flag to ${value}` };
}

function describeCondition(condition: Condition, actual: unknown, matched: boolean): string {
  const subject = `${String(condition?.attribute)} ${String(condition?.operator)}`;
  if (matched) return `${subject}: matches`;
  if (actual === undefined || actual === null) return `${subject}: the attribute is missing (fails closed)`;
  return `${subject}: does not match`;
}
