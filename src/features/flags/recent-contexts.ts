// The last evaluation contexts this instance saw, in a fixed ring, so the console can estimate a
// flag's reach by evaluating it over real traffic. Held in memory only: never written, logged or sent.
import type { EvaluationContext } from './conditions.js';

/** How many contexts the ring holds unless told otherwise. */
export const RECENT_CONTEXTS_KEPT = 1000;

export interface RecentContexts {
  /** Keeps `context` in place of the oldest one. */
  record(context: EvaluationContext): void;
  /** The contexts held, in no particular order (at most the ring's capacity). */
  sample(): EvaluationContext[];
}

/**
 * A ring of `capacity` (default {@link RECENT_CONTEXTS_KEPT}) contexts. Recording is one array slot write:
 * the context object itself is kept, not a copy, because evaluation never changes a context and each
 * request parses its own; copying would put an allocation on every evaluation for a rarely read estimate.
 */
export function createRecentContexts(capacity = RECENT_CONTEXTS_KEPT): RecentContexts {
  const slots: EvaluationContext[] = [];
  let next = 0;
  return {
    record(context) {
      slots[next] = context;
      next = next + 1 === capacity ? 0 : next + 1;
    },
    sample: () => slots.slice(),
  };
}
