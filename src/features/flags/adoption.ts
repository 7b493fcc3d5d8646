// Adoption figures and staleness of a flag: pure, with the time passed in.
import type { AdoptionRow, FlagRow } from './flags.types.js';

/** Stale: not evaluated for `days` (or never, when older than that), or on for everyone that long. */
export function staleness(flag: FlagRow, adoption: AdoptionRow | undefined, now: Date, days: number): string | null {
  if (flag.permanent) return null;
  const limit = now.getTime() - days * 86_400_000;
  if (flag.full_rollout_since && flag.full_rollout_since.getTime() < limit) return `on for everyone for over ${days} days`;
  const last = adoption?.last_evaluated_hour ?? null;
  if (last ? last.getTime() < limit : flag.created_at.getTime() < limit) return `not evaluated for over ${days} days`;
  return null;
}

export function adoptionOf(flag: FlagRow, row: AdoptionRow | undefined, now: Date, days: number) {
  // A typed flag has no true share: its figures are per variant.
  const typed = flag.value_type !== 'boolean';
  const share = (part: number, total: number) => (typed || total === 0 ? null : Math.round((part / total) * 10_000) / 10_000);
  const reason = staleness(flag, row, now, days);
  return {
    evaluations_24h: row?.evaluations_24h ?? 0,
    true_share_24h: share(row?.true_24h ?? 0, row?.evaluations_24h ?? 0),
    evaluations_7d: row?.evaluations_7d ?? 0,
    true_share_7d: share(row?.true_7d ?? 0, row?.evaluations_7d ?? 0),
    last_evaluated_hour: row?.last_evaluated_hour?.toISOString() ?? null,
    /** Evaluations per variant (typed flags; empty for boolean ones). */
    variants_24h: row?.variants_24h ?? {},
    variants_7d: row?.variants_7d ?? {},
    stale: reason !== null,
    stale_reason: reason,
  };
}

/** A flag's adoption figures as the API reports them. */
export type Adoption = ReturnType<typeof adoptionOf>;
