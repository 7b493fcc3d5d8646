// Each rule of a flag on its own, over a sample of contexts: how many its conditions and segments match and
// its rollout includes, whatever the rules before it, the kill switch or targeting say; the main rule likewise.
// The names contexts carry, for the console's attribute suggestions. Pure.
import { stickyKey, type CompiledFlag } from './compile.js';
import { ATTRIBUTE_NAME, type EvaluationContext } from './conditions.js';
import { conditionsStep, nonEmptyString } from './evaluation-steps.js';
import type { CompiledSegment } from './rules.js';

export interface RuleReach {
  /** The rule's place in the flag's list (0 first). */
  index: number;
  matched: number;
  /** matched / sample, or null without a sample. */
  share: number | null;
}

export interface RulesReach {
  rules: RuleReach[];
  /** The main rule (the flag's own conditions, segments and rollout). */
  main: { matched: number; share: number | null };
}

interface Matchable {
  matchers: ReadonlyArray<(context: EvaluationContext) => boolean> | false;
  conditions: CompiledFlag['conditions'];
  segments: readonly CompiledSegment[];
  percentage: number;
  stickyAttribute: string;
}

/** Whether `part` (a rule, or the main rule) alone takes `context`: conditions, segments, then its rollout. */
function includes(flag: CompiledFlag, part: Matchable, context: EvaluationContext): boolean {
  if (!conditionsStep(part.matchers, part.conditions, part.segments, context, undefined)) return false;
  if (part.percentage >= 100) return true;
  if (part.percentage <= 0) return false;
  const sticky = stickyKey(part, context, nonEmptyString(context.targetingKey));
  return sticky !== undefined && flag.bucket(sticky.key) <= part.percentage;
}

/** Counts, for each rule and the main rule, the `contexts` it would take on its own. A broken rule takes none. */
export function rulesReach(flag: CompiledFlag, contexts: readonly EvaluationContext[]): RulesReach {
  const share = (matched: number) => (contexts.length === 0 ? null : matched / contexts.length);
  const rules = flag.compiledRules.map((rule) => {
    let matched = 0;
    if (!rule.broken) for (const context of contexts) if (includes(flag, rule, context)) matched++;
    return { index: rule.index, matched, share: share(matched) };
  });
  const main: Matchable = {
    matchers: flag.matchers,
    conditions: flag.conditions,
    segments: flag.segmentMatchers,
    percentage: flag.percentage,
    stickyAttribute: flag.stickyAttribute,
  };
  let matched = 0;
  for (const context of contexts) if (includes(flag, main, context)) matched++;
  return { rules, main: { matched, share: share(matched) } };
}

/** Names always offered: the OpenFeature targeting key, the email and the server-set time. */
export const ALWAYS_SUGGESTED = ['targetingKey', 'email', 'currentTime'] as const;
export const ATTRIBUTE_SUGGESTIONS_MAX = 200;

/**
 * The top-level attribute names `contexts` hold that a condition could name (never their values), with
 * {@link ALWAYS_SUGGESTED}, sorted, at most `max`: the always-suggested names are kept, others first come.
 */
export function attributeNames(contexts: readonly EvaluationContext[], max = ATTRIBUTE_SUGGESTIONS_MAX): string[] {
  const names = new Set<string>(ALWAYS_SUGGESTED);
  outer: for (const context of contexts) {
    if (typeof context !== 'object' || context === null) continue;
    for (const name of Object.keys(context)) {
      if (names.size >= max) break outer;
      if (name.length <= 100 && ATTRIBUTE_NAME.test(name)) names.add(name);
    }
  }
  return [...names].sort((a, b) => a.localeCompare(b, 'en'));
}
