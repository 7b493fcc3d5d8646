// The rules step of evaluation: a flag's rules tried in order, the first that matches and includes the user
// deciding. Shared by the boolean and the typed walks. Pure.
import { missingStickyDetail, stickyKey, stickyNote, type CompiledFlag } from './compile.js';
import type { EvaluationContext } from './conditions.js';
import { conditionsStep, type ExplainStep } from './evaluation-steps.js';
import type { CompiledRule } from './rules.js';

/** Where a rule that decided placed the user: the bucket and hashed attribute, when its rollout is partial. */
export interface RuleHit {
  rule: CompiledRule;
  bucket?: number;
  sticky: { attribute: string; key: string } | undefined;
}

/**
 * The first rule whose conditions and segments match and whose rollout includes the user, or undefined when
 * none does. A rule that cannot place the user in a bucket (no stickiness attribute, no targetingKey) does
 * not decide; evaluation goes on with the next rule. An explanation records each rule tried.
 */
export function rulesStep(
  flag: CompiledFlag,
  context: EvaluationContext,
  targetingKey: string | undefined,
  steps: ExplainStep[] | undefined,
): RuleHit | undefined {
  const rules = flag.compiledRules;
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i]!;
    if (rule.broken) {
      if (steps) record(steps, rule, false, 'names a variant the flag does not have: it never decides');
      continue;
    }
    if (!conditionsStep(rule.matchers, rule.conditions, rule.segments, context, steps, i)) {
      if (steps) record(steps, rule, false, ': the context does not match');
      continue;
    }
    const sticky = stickyKey(rule, context, targetingKey);
    if (rule.percentage >= 100) {
      if (steps) record(steps, rule, true, 'matches and is rolled out to everyone: it decides');
      return { rule, sticky };
    }
    if (rule.percentage <= 0) {
      if (steps) record(steps, rule, false, 'matches but is rolled out to no one');
      continue;
    }
    if (sticky === undefined) {
      if (steps) record(steps, rule, false, `: ${missingStickyDetail(rule, 'its partial rollout')}; it does not decide`);
      continue;
    }
    const bucket = flag.bucket(sticky.key);
    const inRollout = bucket <= rule.percentage;
    if (steps) {
      const verdict = inRollout
        ? `bucket ${bucket} <= ${rule.percentage}: it decides`
        : `bucket ${bucket} > ${rule.percentage}: not in its rollout`;
      record(steps, rule, inRollout, `matches; ${verdict}${stickyNote(sticky.attribute)}`, { bucket, stickiness: sticky.attribute });
    }
    if (inRollout) return { rule, bucket, sticky };
  }
  return undefined;
}

/** One rule's explanation step: "rule 2 (staff) matches…"; `detail` starting with ':' follows the label directly. */
function record(
  steps: ExplainStep[],
  rule: CompiledRule,
  matched: boolean,
  detail: string,
  placed?: { bucket: number; stickiness: string },
): void {
  const label = rule.name === '' ? `rule ${rule.index + 1}` : `rule ${rule.index + 1} (${rule.name})`;
  steps.push({
    step: 'rule',
    index: rule.index,
    name: rule.name,
    matched,
    percentage: rule.percentage,
    ...placed,
    detail: detail.startsWith(':') ? `${label}${detail}` : `${label} ${detail}`,
  });
}
