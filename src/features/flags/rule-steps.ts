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
    const label = rule.name === '' ? `rule ${i + 1}` : `rule ${i + 1} (${rule.name})`;
    const base = { step: 'rule', index: i, name: rule.name, percentage: rule.percentage } as const;
    if (rule.broken) {
      steps?.push({ ...base, matched: false, detail: `${label} names a variant the flag does not have: it never decides` });
      continue;
    }
    if (!conditionsStep(rule.matchers, rule.conditions, rule.segments, context, steps, i)) {
      steps?.push({ ...base, matched: false, detail: `${label}: the context does not match` });
      continue;
    }
    const sticky = stickyKey(rule, context, targetingKey);
    if (rule.percentage >= 100) {
      steps?.push({ ...base, matched: true, detail: `${label} matches and is rolled out to everyone: it decides` });
      return { rule, sticky };
    }
    if (rule.percentage <= 0) {
      steps?.push({ ...base, matched: false, detail: `${label} matches but is rolled out to no one` });
      continue;
    }
    if (sticky === undefined) {
      steps?.push({ ...base, matched: false, detail: `${label}: ${missingStickyDetail(rule, 'its partial rollout')}; it does not decide` });
      continue;
    }
    const bucket = flag.bucket(sticky.key);
    const inRollout = bucket <= rule.percentage;
    steps?.push({
      ...base,
      matched: inRollout,
      bucket,
      stickiness: sticky.attribute,
      detail: `${label} matches; ${
        inRollout ? `bucket ${bucket} <= ${rule.percentage}: it decides` : `bucket ${bucket} > ${rule.percentage}: not in its rollout`
      }${stickyNote(sticky.attribute)}`,
    });
    if (inRollout) return { rule, bucket, sticky };
  }
  return undefined;
}
