// OFREP answers as JSON text. A flag's answer is one of a few fixed strings (its name and outcome
// decide it; for a typed flag, the served variant too), made once and reused. A bulk answer joins them,
// and its ETag is a digest of the flag names and outcomes, which determine the body; both are made once
// per list of answers and found again by the answers themselves, so a context that comes out like an
// earlier one costs a map step per flag.
import { hash } from 'node:crypto';
import type { EvaluationResult, Reason } from './evaluate.js';
import type { CompiledVariant } from './variants.js';

type Success = { key: string; value: unknown; reason: string; variant: string; metadata: Record<string, never> };
type Failure = { key: string; errorCode: string; errorDetails: string };

/** The protocol's answer for one flag. */
export function present(key: string, result: EvaluationResult): Success | Failure {
  if (result.errorCode) {
    return {
      key,
      errorCode: result.errorCode,
      errorDetails:
        result.errorCode === 'FLAG_NOT_FOUND'
          ? `Flag "${key}" does not exist.`
          : result.errorCode === 'GENERAL'
            ? `Flag "${key}" cannot be evaluated.`
            : 'A partial rollout or a choice among variants needs a targetingKey in the context.',
    };
  }
  return { key, value: result.value, reason: result.reason, variant: result.variant, metadata: {} };
}

const REASONS: Readonly<Record<Reason, number>> = { STATIC: 0, TARGETING_MATCH: 1, SPLIT: 2, DISABLED: 3, DEFAULT: 4, ERROR: 5 };
const TARGETING_KEY_MISSING = 12;
const GENERAL = 13;
const FLAG_NOT_FOUND = 14;

/** 0–14: everything of a boolean result that its answer shows (the variant follows the value). */
function outcomeOf(result: EvaluationResult): number {
  if (result.errorCode !== undefined) {
    return result.errorCode === 'GENERAL' ? GENERAL : result.errorCode === 'FLAG_NOT_FOUND' ? FLAG_NOT_FOUND : TARGETING_KEY_MISSING;
  }
  return REASONS[result.reason] * 2 + (result.value === true ? 1 : 0);
}

// A typed flag's answers, per served variant (compiled once per flag version) and reason.
const variantAnswers = new WeakMap<CompiledVariant, Array<string | undefined>>();

function variantAnswer(key: string, variant: CompiledVariant, reason: Reason): string {
  let byReason = variantAnswers.get(variant);
  if (byReason === undefined) variantAnswers.set(variant, (byReason = []));
  // The value's JSON text was made when the flag was compiled: spliced in, not serialised again.
  return (byReason[REASONS[reason]] ??=
    `{"key":${JSON.stringify(key)},"value":${variant.json},"reason":"${reason}","variant":${JSON.stringify(variant.name)},"metadata":{}}`);
}

/** Names whose answers are kept; past it the table starts again (flags are far fewer). */
const NAMES_KEPT = 10_000;
const answers = new Map<string, Array<string | undefined>>();

/** `JSON.stringify(present(key, result))`, made once per flag name and outcome. */
export function answerJson(key: string, result: EvaluationResult): string {
  // An unknown key is whatever a caller sent: answered, never kept.
  if (result.errorCode === 'FLAG_NOT_FOUND') return JSON.stringify(present(key, result));
  if (result.served !== undefined) return variantAnswer(key, result.served, result.reason);
  let byOutcome = answers.get(key);
  if (byOutcome === undefined) {
    if (answers.size >= NAMES_KEPT) answers.clear();
    answers.set(key, (byOutcome = []));
  }
  return (byOutcome[outcomeOf(result)] ??= JSON.stringify(present(key, result)));
}

export interface BulkAnswer {
  /** A strong validator: equal for equal bodies (the same flags with the same outcomes), different otherwise. */
  etag: string;
  body(): string;
}

/** A list of answers, one map step per answer text: where it leads holds the bulk answer they make. */
interface AnswerNode {
  next: Map<string, AnswerNode>;
  answer?: BulkAnswer;
}

/** Steps and answers kept; past either, the table starts again (the few answer lists a flag set gives stay far below). */
const STEPS_KEPT = 20_000;
const BULK_KEPT = 1_000;
let bulkRoot: AnswerNode = { next: new Map() };
let steps = 0;
let kept = 0;

/** The bulk answer `{"flags": [...]}` for flags evaluated in order. */
export function bulkAnswer(evaluated: ReadonlyArray<{ name: string; result: EvaluationResult }>): BulkAnswer {
  if (steps >= STEPS_KEPT || kept >= BULK_KEPT) {
    bulkRoot = { next: new Map() };
    steps = kept = 0;
  }
  // Each answer is one of the kept texts above, its hash already known: a list seen before is found
  // by a map step per flag, with no string built.
  const parts = new Array<string>(evaluated.length);
  let node = bulkRoot;
  for (let i = 0; i < evaluated.length; i++) {
    const part = answerJson(evaluated[i]!.name, evaluated[i]!.result);
    parts[i] = part;
    let next = node.next.get(part);
    if (next === undefined) {
      node.next.set(part, (next = { next: new Map() }));
      steps++;
    }
    node = next;
  }
  if (node.answer !== undefined) return node.answer;
  let outcomes = '';
  for (const { name, result } of evaluated) {
    // Length-prefixed names: no two lists of names and outcomes give the same string.
    const { served } = result;
    outcomes +=
      served === undefined
        ? `${name.length}:${name}${String.fromCharCode(97 + outcomeOf(result))}`
        : `${name.length}:${name}${String.fromCharCode(65 + REASONS[result.reason])}${served.tag}`;
  }
  const text = `{"flags":[${parts.join(',')}]}`;
  node.answer = { etag: `"${hash('sha256', outcomes, 'base64url').slice(0, 27)}"`, body: () => text };
  kept++;
  return node.answer;
}
