// Typed flags: the walk of evaluate.ts (kill switch, pins and targeting, conditions, rollout) ending in a
// variant instead of true/false; off or unmatched serves the default variant. Pure.
import { matchTargetUsers, missingStickyDetail, stickyKey, stickyNote, type CompiledFlag } from './compile.js';
import type { EvaluationContext } from './conditions.js';
import {
  betaOverride,
  conditionsStep,
  ERRORS,
  nonEmptyString,
  type EvaluateOptions,
  type EvaluationResult,
  type ExplainStep,
  type Reason,
} from './evaluation-steps.js';
import { rulesStep, type RuleHit } from './rule-steps.js';
import { pinnedVariant, type CompiledVariant, type CompiledVariants } from './variants.js';

function served(variant: CompiledVariant, reason: Reason, bucket?: number, target?: number): EvaluationResult {
  const result: EvaluationResult = { value: variant.value, reason, variant: variant.name, served: variant };
  if (bucket !== undefined) result.bucket = bucket;
  if (target !== undefined) result.target = target;
  return result;
}

export function typedWalk(
  flag: CompiledFlag,
  variants: CompiledVariants | false,
  context: EvaluationContext,
  options: EvaluateOptions,
  steps: ExplainStep[] | undefined,
): EvaluationResult {
  if (variants === false) {
    steps?.push({ step: 'variant', totalWeight: 0, detail: 'the stored variants cannot serve: no default among them, or no weight' });
    return ERRORS.GENERAL;
  }
  const { fallback } = variants;
  const byDefault = `the default variant ${fallback.name}`;

  // 1. kill switch
  const enabled = flag.is_enabled === true;
  steps?.push({
    step: 'kill_switch',
    enabled,
    detail: enabled ? 'the flag is enabled' : `the flag is disabled: everyone gets ${byDefault}`,
  });
  if (!enabled) return served(fallback, 'DISABLED');

  // 2. pins, target users, then the beta user's override
  const targetingKey = nonEmptyString(context.targetingKey);
  const email = nonEmptyString(context.email)?.toLowerCase();
  // Rollout buckets and variant choices hash the same attribute, as Unleash's variants follow the strategy's stickiness.
  const sticky = stickyKey(flag, context, targetingKey);
  const targeted = typedTargeting(flag, variants, options, targetingKey, email, sticky, steps);
  if (targeted !== undefined) return targeted;

  // 3. rules, in order: the first that matches and includes the user serves its variant
  if (flag.compiledRules.length > 0) {
    const hit = rulesStep(flag, context, targetingKey, steps);
    if (hit !== undefined) return ruleVariant(flag, variants, hit, steps);
  }

  // 4. the main rule's conditions: all must match
  if (!conditionsStep(flag.matchers, flag.conditions, flag.segmentMatchers, context, steps)) {
    steps?.push({
      step: 'variant',
      variant: fallback.name,
      totalWeight: variants.totalWeight,
      detail: `the context does not match: ${byDefault}`,
    });
    return served(fallback, 'DEFAULT');
  }

  // 5. rollout, then the variant
  const { percentage } = flag;
  if (percentage >= 100) {
    steps?.push({ step: 'rollout', percentage, threshold: percentage, matched: true, detail: 'rolled out to everyone' });
    return assignVariant(flag, variants, sticky, 'STATIC', steps);
  }
  if (percentage <= 0) {
    steps?.push({ step: 'rollout', percentage, threshold: percentage, matched: false, detail: `rolled out to no one: ${byDefault}` });
    return served(fallback, 'DEFAULT');
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
    detail: `${
      inRollout ? `bucket ${bucket} <= ${percentage}: in the rollout` : `bucket ${bucket} > ${percentage}: not in the rollout, ${byDefault}`
    }${stickyNote(sticky.attribute)}`,
  });
  if (!inRollout) return served(fallback, 'SPLIT', bucket);
  return assignVariant(flag, variants, sticky, 'SPLIT', steps, bucket);
}

/**
 * The variant of a user the flag is on for: the only weighted one, or Unleash's sticky choice
 * (`murmur3(name:key, 86028157) % totalWeight + 1`, then the running weight sum), `key` the value of
 * the flag's stickiness attribute or the targetingKey.
 */
function assignVariant(
  flag: CompiledFlag,
  variants: CompiledVariants,
  sticky: { attribute: string; key: string } | undefined,
  reason: Reason,
  steps: ExplainStep[] | undefined,
  bucket?: number,
): EvaluationResult {
  const { sole, totalWeight } = variants;
  if (sole !== undefined) {
    steps?.push({ step: 'variant', variant: sole.name, totalWeight, detail: `${sole.name} is the only variant with a weight` });
    return served(sole, reason, bucket);
  }
  if (sticky === undefined) {
    steps?.push({ step: 'variant', totalWeight, detail: missingStickyDetail(flag, 'choosing among weighted variants') });
    return ERRORS.TARGETING_KEY_MISSING;
  }
  const target = variants.target(sticky.key);
  const variant = variants.pick(target);
  steps?.push({
    step: 'variant',
    variant: variant.name,
    totalWeight,
    target,
    stickiness: sticky.attribute,
    detail: `hash ${target} of ${totalWeight} falls in the weights of ${variant.name}${stickyNote(sticky.attribute)}`,
  });
  return served(variant, reason === 'TARGETING_MATCH' ? 'TARGETING_MATCH' : 'SPLIT', bucket, target);
}

/** What a rule that decided serves: its fixed variant, a choice by its own weights, or by the flag's. */
function ruleVariant(flag: CompiledFlag, variants: CompiledVariants, hit: RuleHit, steps: ExplainStep[] | undefined): EvaluationResult {
  const { rule, bucket, sticky } = hit;
  const reason: Reason = bucket === undefined ? 'TARGETING_MATCH' : 'SPLIT';
  if (rule.variant !== undefined) {
    steps?.push({
      step: 'variant',
      variant: rule.variant.name,
      totalWeight: variants.totalWeight,
      detail: `rule ${rule.index + 1} serves the variant ${rule.variant.name}`,
    });
    return served(rule.variant, reason, bucket);
  }
  const { weights } = rule;
  if (weights === undefined) return assignVariant(flag, variants, sticky, reason, steps, bucket);
  if (sticky === undefined) {
    steps?.push({
      step: 'variant',
      totalWeight: weights.total,
      detail: missingStickyDetail(rule, "choosing among the rule's weighted variants"),
    });
    return ERRORS.TARGETING_KEY_MISSING;
  }
  const target = weights.target(sticky.key);
  const variant = weights.pick(target);
  steps?.push({
    step: 'variant',
    variant: variant.name,
    totalWeight: weights.total,
    target,
    stickiness: sticky.attribute,
    detail: `hash ${target} of ${weights.total} falls in rule ${rule.index + 1}'s weights of ${variant.name}${stickyNote(sticky.attribute)}`,
  });
  return served(variant, reason, bucket, target);
}

/** Pins, target users, then the beta user's override: the result when one of them decides. */
function typedTargeting(
  flag: CompiledFlag,
  variants: CompiledVariants,
  options: EvaluateOptions,
  targetingKey: string | undefined,
  email: string | undefined,
  sticky: { attribute: string; key: string } | undefined,
  steps: ExplainStep[] | undefined,
): EvaluationResult | undefined {
  const pin = pinnedVariant(variants, targetingKey, email);
  steps?.push(
    pin === undefined
      ? { step: 'variant_pin', matched: false, detail: 'no variant pins the targetingKey or the email' }
      : {
          step: 'variant_pin',
          matched: true,
          matchedBy: pin.matchedBy,
          variant: pin.variant.name,
          detail: `the ${pin.matchedBy} is pinned to the variant ${pin.variant.name}`,
        },
  );
  if (pin !== undefined) return served(pin.variant, 'TARGETING_MATCH');

  const matchedBy = matchTargetUsers(flag, targetingKey, email);
  steps?.push(
    matchedBy === undefined
      ? { step: 'target_users', matched: false, detail: 'neither the targetingKey nor the email is in target_users' }
      : { step: 'target_users', matched: true, matchedBy, detail: `the ${matchedBy} is in target_users: a variant is chosen for them` },
  );
  if (matchedBy !== undefined) return assignVariant(flag, variants, sticky, 'TARGETING_MATCH', steps);

  if (options.betaUser !== undefined) {
    const beta = betaOverride(flag.name, options.betaUser, targetingKey, email, variants);
    steps?.push(
      beta.value === undefined
        ? { step: 'beta_user', matched: false, detail: beta.detail }
        : typeof beta.value === 'string'
          ? { step: 'beta_user', matched: true, variant: beta.value, detail: beta.detail }
          : { step: 'beta_user', matched: true, value: beta.value, detail: beta.detail },
    );
    if (typeof beta.value === 'string') return served(variants.byName.get(beta.value)!, 'TARGETING_MATCH');
    if (beta.value === true) return assignVariant(flag, variants, sticky, 'TARGETING_MATCH', steps);
    if (beta.value === false) return served(variants.fallback, 'TARGETING_MATCH');
  }
  return undefined;
}
