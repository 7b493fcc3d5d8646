// Boolean flag evaluation in the order the issue fixes (kill switch, targeting, beta users, conditions, rollout),
// and the same walk with every step recorded, which answers "why does this user get this?". Pure: no I/O, no clock.
import { compileFlag, matchTargetUsers, type CompiledFlag, type Flag } from './compile.js';
import { attributeValue, type Condition, type ConditionValue, type EvaluationContext, type Operator } from './conditions.js';

export type { Flag } from './compile.js';

/** A beta-program member, found by the caller from the context's targetingKey (as id) or email. */
export interface BetaUser {
  id: string;
  email: string;
  isActive: boolean;
  /** Per-flag overrides: `{ "voice-mode": true }`. */
  flagSet: Readonly<Record<string, boolean>>;
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
export type EvaluationErrorCode = 'FLAG_NOT_FOUND' | 'TARGETING_KEY_MISSING';

export interface EvaluationResult {
  /** `false` whenever there is an error, so a caller that ignores `errorCode` still fails closed. */
  value: boolean;
  reason: Reason;
  variant: 'on' | 'off';
  errorCode?: EvaluationErrorCode;
  /** The user's bucket (1–100), present when the rollout step hashed the targeting key. */
  bucket?: number;
}

export type ExplainStep =
  | { step: 'flag'; found: boolean; detail: string }
  | { step: 'kill_switch'; enabled: boolean; detail: string }
  | { step: 'target_users'; matched: boolean; matchedBy?: 'targetingKey' | 'email'; detail: string }
  | { step: 'beta_user'; matched: boolean; value?: boolean; detail: string }
  | {
      step: 'condition';
      index: number;
      attribute: string;
      operator: Operator;
      values: readonly ConditionValue[];
      /** The context's value for the attribute (`undefined`, so absent from JSON, when missing). */
      actual: unknown;
      matched: boolean;
      detail: string;
    }
  | { step: 'rollout'; percentage: number; threshold: number; bucket?: number; matched: boolean; detail: string };

export interface Explanation extends EvaluationResult {
  steps: ExplainStep[];
}

/**
 * Evaluates a boolean flag for a context. `flag` is undefined when no flag has that name. A flag from
 * {@link compileFlag} (as the snapshot holds them) is evaluated as is; any other is compiled first.
 */
export function evaluateFlag(flag: Flag | undefined, context: EvaluationContext, options: EvaluateOptions = {}): EvaluationResult {
  return walk(flag === undefined ? undefined : compileFlag(flag), context, options, undefined);
}

/**
 * The same result as {@link evaluateFlag} with the steps taken to reach it, in order. Unlike evaluation, which
 * stops at the first failing condition, it reports every condition's result.
 */
export function explainFlag(flag: Flag | undefined, context: EvaluationContext, options: EvaluateOptions = {}): Explanation {
  const steps: ExplainStep[] = [];
  return { ...walk(flag === undefined ? undefined : compileFlag(flag), context, options, steps), steps };
}

// Results without a bucket are shared and frozen: evaluation allocates only for a rollout's answer.
const ON: Readonly<Record<'STATIC' | 'TARGETING_MATCH', EvaluationResult>> = {
  STATIC: Object.freeze({ value: true, reason: 'STATIC', variant: 'on' }),
  TARGETING_MATCH: Object.freeze({ value: true, reason: 'TARGETING_MATCH', variant: 'on' }),
};
const OFF: Readonly<Record<'DISABLED' | 'DEFAULT' | 'TARGETING_MATCH', EvaluationResult>> = {
  DISABLED: Object.freeze({ value: false, reason: 'DISABLED', variant: 'off' }),
  DEFAULT: Object.freeze({ value: false, reason: 'DEFAULT', variant: 'off' }),
  TARGETING_MATCH: Object.freeze({ value: false, reason: 'TARGETING_MATCH', variant: 'off' }),
};
const ERRORS: Readonly<Record<EvaluationErrorCode, EvaluationResult>> = {
  FLAG_NOT_FOUND: Object.freeze({ value: false, reason: 'ERROR', variant: 'off', errorCode: 'FLAG_NOT_FOUND' }),
  TARGETING_KEY_MISSING: Object.freeze({ value: false, reason: 'ERROR', variant: 'off', errorCode: 'TARGETING_KEY_MISSING' }),
};
const split = (value: boolean, bucket: number): EvaluationResult =>
  value ? { value: true, reason: 'SPLIT', variant: 'on', bucket } : { value: false, reason: 'SPLIT', variant: 'off', bucket };

// One walk for both entry points, so the explanation can never disagree with the evaluation.
// Each step records itself in `steps` when explaining; a step that decides returns the result.
function walk(
  flag: CompiledFlag | undefined,
  rawContext: EvaluationContext,
  options: EvaluateOptions,
  steps: ExplainStep[] | undefined,
): EvaluationResult {
  if (flag === undefined) {
    steps?.push({ step: 'flag', found: false, detail: 'no flag has this name' });
    return ERRORS.FLAG_NOT_FOUND;
  }
  const context: EvaluationContext = typeof rawContext === 'object' && rawContext !== null ? rawContext : {};
  steps?.push({ step: 'flag', found: true, detail: `flag ${flag.name}` });

  // 1. kill switch
  steps?.push({
    step: 'kill_switch',
    enabled: flag.is_enabled === true,
    detail: flag.is_enabled === true ? 'the flag is enabled' : 'the flag is disabled: everyone gets false',
  });
  if (flag.is_enabled !== true) return OFF.DISABLED;

  // 2. individual targeting, then beta-program overrides
  const targetingKey = nonEmptyString(context.targetingKey);
  const email = nonEmptyString(context.email)?.toLowerCase();
  const targeted = targetingStep(flag, options.betaUser, targetingKey, email, steps);
  if (targeted !== undefined) return targeted;

  // 3. conditions: all must match
  if (!conditionsStep(flag, context, steps)) return OFF.DEFAULT;

  // 4. rollout
  return rolloutStep(flag, targetingKey, steps);
}

/** Target users, then the beta user's override: the result when either decides. */
function targetingStep(
  flag: CompiledFlag,
  betaUser: BetaUser | undefined,
  targetingKey: string | undefined,
  email: string | undefined,
  steps: ExplainStep[] | undefined,
): EvaluationResult | undefined {
  const matchedBy = matchTargetUsers(flag, targetingKey, email);
  steps?.push(
    matchedBy === undefined
      ? { step: 'target_users', matched: false, detail: 'neither the targetingKey nor the email is in target_users' }
      : { step: 'target_users', matched: true, matchedBy, detail: `the ${matchedBy} is in target_users` },
  );
  if (matchedBy !== undefined) return ON.TARGETING_MATCH;

  const beta = betaOverride(flag.name, betaUser, targetingKey, email);
  if (steps !== undefined && betaUser !== undefined) {
    steps.push(
      beta.value === undefined
        ? { step: 'beta_user', matched: false, detail: beta.detail }
        : { step: 'beta_user', matched: true, value: beta.value, detail: beta.detail },
    );
  }
  if (beta.value !== undefined) return beta.value ? ON.TARGETING_MATCH : OFF.TARGETING_MATCH;
  return undefined;
}

/** Whether every condition matches. Evaluation stops at the first that fails; an explanation records them all. */
function conditionsStep(flag: CompiledFlag, context: EvaluationContext, steps: ExplainStep[] | undefined): boolean {
  const { matchers } = flag;
  if (matchers === false) return false;
  if (steps === undefined) {
    for (let index = 0; index < matchers.length; index++) if (!matchers[index]!(context)) return false;
    return true;
  }
  let allMatch = true;
  for (let index = 0; index < matchers.length; index++) {
    const condition = flag.conditions[index]!;
    const matched = matchers[index]!(context);
    const actual = attributeValue(context, condition?.attribute);
    steps.push({
      step: 'condition',
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
  return allMatch;
}

function rolloutStep(flag: CompiledFlag, targetingKey: string | undefined, steps: ExplainStep[] | undefined): EvaluationResult {
  const { percentage } = flag;
  if (percentage >= 100) {
    steps?.push({ step: 'rollout', percentage, threshold: percentage, matched: true, detail: 'rolled out to everyone' });
    return ON.STATIC;
  }
  if (percentage <= 0) {
    steps?.push({ step: 'rollout', percentage, threshold: percentage, matched: false, detail: 'rolled out to no one' });
    return OFF.DEFAULT;
  }
  if (targetingKey === undefined) {
    steps?.push({
      step: 'rollout',
      percentage,
      threshold: percentage,
      matched: false,
      detail: 'a partial rollout needs a targetingKey to place the user in a bucket',
    });
    return ERRORS.TARGETING_KEY_MISSING;
  }
  const bucket = flag.bucket(targetingKey);
  const inRollout = bucket <= percentage;
  steps?.push({
    step: 'rollout',
    percentage,
    threshold: percentage,
    bucket,
    matched: inRollout,
    detail: inRollout ? `bucket ${bucket} <= ${percentage}: in the rollout` : `bucket ${bucket} > ${percentage}: not in the rollout`,
  });
  return split(inRollout, bucket);
}

function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function betaOverride(
  flagName: string,
  user: BetaUser | undefined,
  targetingKey: string | undefined,
  email: string | undefined,
): { value?: boolean; detail: string } {
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
  if (typeof value !== 'boolean') return { detail: "the beta user's flag_set holds a non-boolean for this flag" };
  return { value, detail: `the beta user's flag_set sets this flag to ${value}` };
}

function describeCondition(condition: Condition, actual: unknown, matched: boolean): string {
  const subject = `${String(condition?.attribute)} ${String(condition?.operator)}`;
  if (matched) return `${subject}: matches`;
  if (actual === undefined || actual === null) return `${subject}: the attribute is missing (fails closed)`;
  return `${subject}: does not match`;
}
