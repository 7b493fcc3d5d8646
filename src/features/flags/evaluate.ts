// Boolean flag evaluation in the order the issue fixes (kill switch, targeting, beta users, conditions, rollout),
// and the same walk with every step recorded, which answers "why does this user get this?". Pure: no I/O, no clock.
import { bucketOf } from './bucket.js';
import {
  attributeValue,
  matchCondition,
  type Condition,
  type ConditionValue,
  type EvaluationContext,
  type Operator,
} from './conditions.js';

export interface Flag {
  name: string;
  is_enabled: boolean;
  /** 0 to 100: the share of users, by bucket, who get `true` once targeting and conditions are passed. */
  rollout_percentage: number;
  /** Targeting keys (compared exactly) and emails (any entry holding `@`, compared case-insensitively). */
  target_users: readonly string[];
  /** All must match; an empty list matches everyone. */
  conditions: readonly Condition[];
}

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

/** Evaluates a boolean flag for a context. `flag` is undefined when no flag has that name. */
export function evaluateFlag(flag: Flag | undefined, context: EvaluationContext, options: EvaluateOptions = {}): EvaluationResult {
  return walk(flag, context, options, undefined);
}

/**
 * The same result as {@link evaluateFlag} with the steps taken to reach it, in order. Unlike evaluation, which
 * stops at the first failing condition, it reports every condition's result.
 */
export function explainFlag(flag: Flag | undefined, context: EvaluationContext, options: EvaluateOptions = {}): Explanation {
  const steps: ExplainStep[] = [];
  return { ...walk(flag, context, options, steps), steps };
}

const on = (reason: Reason, bucket?: number): EvaluationResult =>
  bucket === undefined ? { value: true, reason, variant: 'on' } : { value: true, reason, variant: 'on', bucket };
const off = (reason: Reason, bucket?: number): EvaluationResult =>
  bucket === undefined ? { value: false, reason, variant: 'off' } : { value: false, reason, variant: 'off', bucket };
const error = (errorCode: EvaluationErrorCode): EvaluationResult => ({ value: false, reason: 'ERROR', variant: 'off', errorCode });

// One walk for both entry points, so the explanation can never disagree with the evaluation.
// Each step records itself in `steps` when explaining; a step that decides returns the result.
function walk(
  flag: Flag | undefined,
  rawContext: EvaluationContext,
  options: EvaluateOptions,
  steps: ExplainStep[] | undefined,
): EvaluationResult {
  if (flag === undefined) {
    steps?.push({ step: 'flag', found: false, detail: 'no flag has this name' });
    return error('FLAG_NOT_FOUND');
  }
  const context: EvaluationContext = typeof rawContext === 'object' && rawContext !== null ? rawContext : {};
  steps?.push({ step: 'flag', found: true, detail: `flag ${flag.name}` });

  // 1. kill switch
  steps?.push({
    step: 'kill_switch',
    enabled: flag.is_enabled === true,
    detail: flag.is_enabled === true ? 'the flag is enabled' : 'the flag is disabled: everyone gets false',
  });
  if (flag.is_enabled !== true) return off('DISABLED');

  // 2. individual targeting, then beta-program overrides
  const targetingKey = nonEmptyString(context.targetingKey);
  const email = nonEmptyString(context.email)?.toLowerCase();
  const targeted = targetingStep(flag, options.betaUser, targetingKey, email, steps);
  if (targeted !== undefined) return targeted;

  // 3. conditions: all must match
  if (!conditionsStep(flag, context, steps)) return off('DEFAULT');

  // 4. rollout
  return rolloutStep(flag, targetingKey, steps);
}

/** Target users, then the beta user's override: the result when either decides. */
function targetingStep(
  flag: Flag,
  betaUser: BetaUser | undefined,
  targetingKey: string | undefined,
  email: string | undefined,
  steps: ExplainStep[] | undefined,
): EvaluationResult | undefined {
  const matchedBy = matchTargetUsers(flag.target_users, targetingKey, email);
  steps?.push(
    matchedBy === undefined
      ? { step: 'target_users', matched: false, detail: 'neither the targetingKey nor the email is in target_users' }
      : { step: 'target_users', matched: true, matchedBy, detail: `the ${matchedBy} is in target_users` },
  );
  if (matchedBy !== undefined) return on('TARGETING_MATCH');

  const beta = betaOverride(flag.name, betaUser, targetingKey, email);
  if (steps !== undefined && betaUser !== undefined) {
    steps.push(
      beta.value === undefined
        ? { step: 'beta_user', matched: false, detail: beta.detail }
        : { step: 'beta_user', matched: true, value: beta.value, detail: beta.detail },
    );
  }
  if (beta.value !== undefined) return beta.value ? on('TARGETING_MATCH') : off('TARGETING_MATCH');
  return undefined;
}

/** Whether every condition matches. Evaluation stops at the first that fails; an explanation records them all. */
function conditionsStep(flag: Flag, context: EvaluationContext, steps: ExplainStep[] | undefined): boolean {
  const conditions: readonly Condition[] = Array.isArray(flag.conditions) ? flag.conditions : [];
  let allMatch = Array.isArray(flag.conditions);
  for (let index = 0; index < conditions.length; index++) {
    const condition = conditions[index]!;
    const matched = matchCondition(condition, context);
    if (steps !== undefined) {
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
    }
    if (!matched) {
      allMatch = false;
      if (steps === undefined) break;
    }
  }
  return allMatch;
}

function rolloutStep(flag: Flag, targetingKey: string | undefined, steps: ExplainStep[] | undefined): EvaluationResult {
  // A non-number (say a string from a numeric column) counts as 0: off for everyone rather than on.
  const percentage = typeof flag.rollout_percentage === 'number' && !Number.isNaN(flag.rollout_percentage) ? flag.rollout_percentage : 0;
  if (percentage >= 100) {
    steps?.push({ step: 'rollout', percentage, threshold: percentage, matched: true, detail: 'rolled out to everyone' });
    return on('STATIC');
  }
  if (percentage <= 0) {
    steps?.push({ step: 'rollout', percentage, threshold: percentage, matched: false, detail: 'rolled out to no one' });
    return off('DEFAULT');
  }
  if (targetingKey === undefined) {
    steps?.push({
      step: 'rollout',
      percentage,
      threshold: percentage,
      matched: false,
      detail: 'a partial rollout needs a targetingKey to place the user in a bucket',
    });
    return error('TARGETING_KEY_MISSING');
  }
  const bucket = bucketOf(flag.name, targetingKey);
  const inRollout = bucket <= percentage;
  steps?.push({
    step: 'rollout',
    percentage,
    threshold: percentage,
    bucket,
    matched: inRollout,
    detail: inRollout ? `bucket ${bucket} <= ${percentage}: in the rollout` : `bucket ${bucket} > ${percentage}: not in the rollout`,
  });
  return inRollout ? on('SPLIT', bucket) : off('SPLIT', bucket);
}

function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function matchTargetUsers(
  targetUsers: readonly string[],
  targetingKey: string | undefined,
  email: string | undefined,
): 'targetingKey' | 'email' | undefined {
  if (!Array.isArray(targetUsers)) return undefined;
  const keyAsEmail = targetingKey?.includes('@') ? targetingKey.toLowerCase() : undefined;
  for (const entry of targetUsers) {
    if (typeof entry !== 'string' || entry === '') continue;
    if (entry === targetingKey) return 'targetingKey';
    if (entry.includes('@')) {
      const entryEmail = entry.toLowerCase();
      if (entryEmail === email) return 'email';
      if (entryEmail === keyAsEmail) return 'targetingKey';
    }
  }
  return undefined;
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
