// Flag evaluation in a fixed order (kill switch, targeting, beta users, rules, conditions, rollout) and the
// same walk with every step recorded, which answers "why does this user get this?". Typed flags take the same
// steps in evaluate-typed.ts and end in a variant. Pure: no I/O, no clock.
import { compileFlag, matchTargetUsers, missingStickyDetail, stickyKey, stickyNote, type CompiledFlag, type Flag } from './compile.js';
import type { EvaluationContext } from './conditions.js';
import { typedWalk } from './evaluate-typed.js';
import {
  betaOverride,
  conditionsStep,
  ERRORS,
  nonEmptyString,
  type BetaUser,
  type EvaluateOptions,
  type EvaluationResult,
  type ExplainStep,
  type Explanation,
} from './evaluation-steps.js';
import { rulesStep } from './rule-steps.js';

export type { Flag } from './compile.js';
export type {
  BetaUser,
  EvaluateOptions,
  EvaluationErrorCode,
  EvaluationResult,
  ExplainStep,
  Explanation,
  Reason,
} from './evaluation-steps.js';

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
  if (flag.typed !== undefined) return typedWalk(flag, flag.typed, context, options, steps);

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

  // 3. rules, in order: the first that matches and includes the user decides
  if (flag.compiledRules.length > 0) {
    const hit = rulesStep(flag, context, targetingKey, steps);
    if (hit !== undefined) return hit.bucket === undefined ? ON.TARGETING_MATCH : split(true, hit.bucket);
  }

  // 4. the main rule's conditions: all must match
  if (!conditionsStep(flag.matchers, flag.conditions, flag.segmentMatchers, context, steps)) return OFF.DEFAULT;

  // 5. rollout
  return rolloutStep(flag, stickyKey(flag, context, targetingKey), steps);
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
        : { step: 'beta_user', matched: true, value: beta.value === true, detail: beta.detail },
    );
  }
  if (typeof beta.value === 'boolean') return beta.value ? ON.TARGETING_MATCH : OFF.TARGETING_MATCH;
  return undefined;
}

function rolloutStep(
  flag: CompiledFlag,
  sticky: { attribute: string; key: string } | undefined,
  steps: ExplainStep[] | undefined,
): EvaluationResult {
  const { percentage } = flag;
  if (percentage >= 100) {
    steps?.push({ step: 'rollout', percentage, threshold: percentage, matched: true, detail: 'rolled out to everyone' });
    return ON.STATIC;
  }
  if (percentage <= 0) {
    steps?.push({ step: 'rollout', percentage, threshold: percentage, matched: false, detail: 'rolled out to no one' });
    return OFF.DEFAULT;
  }
  if (sticky === undefined) {
    steps?.push({
      step: 'rollout',
      percentage,
      threshold: percentage,
      matched: false,
      detail: missingStickyDetail(flag, 'a partial rollout'),
    });
    return ERRORS.TARGETING_KEY_MISSING;
  }
  const bucket = flag.bucket(sticky.key);
  const inRollout = bucket <= percentage;
  steps?.push({
    step: 'rollout',
    percentage,
    threshold: percentage,
    bucket,
    stickiness: sticky.attribute,
    matched: inRollout,
    detail: `${inRollout ? `bucket ${bucket} <= ${percentage}: in the rollout` : `bucket ${bucket} > ${percentage}: not in the rollout`}${stickyNote(sticky.attribute)}`,
  });
  return split(inRollout, bucket);
}
