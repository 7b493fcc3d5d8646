// Release-plan guards and steps, as pure functions: parsing a duration, reading guard figures
// into verdicts (holds, waiting for data, failed) and deciding what a plan does next. Time comes in
// as an argument; no I/O.

export type GuardAction = 'pause' | 'rollback';

export type Guard =
  | { kind: 'rating'; min_mean: number; min_ratings: number; on_fail: GuardAction }
  | { kind: 'low_ratings'; max_share_pct: number; min_ratings: number; on_fail: GuardAction }
  | { kind: 'errors'; max_per_1000: number; min_evaluations: number; on_fail: GuardAction };

export interface PlanStep {
  percentage: number;
  /** As given: `30s`, `15m`, `4h`, `2d`. */
  min_duration: string;
  min_duration_s: number;
}

/** What the guards read over the current step: ratings of the flag's feature, evaluations and reported errors. */
export interface GuardFigures {
  ratings: number;
  /** Null without ratings. */
  mean: number | null;
  /** Ratings of 1 or 2. */
  low: number;
  evaluations: number;
  errors: number;
}

export interface GuardReading {
  kind: Guard['kind'];
  /** `ok`: holds; `waiting`: too little data to judge yet; `failed`: breached. */
  status: 'ok' | 'waiting' | 'failed';
  value: number | null;
  threshold: number;
  /** How many ratings (or evaluations) the value stands on, and how many the guard needs. */
  sample: number;
  min_sample: number;
  on_fail: GuardAction;
  message: string;
}

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };
export const DURATION = '^[1-9][0-9]{0,5}[smhd]$';

/** `30s`, `15m`, `4h`, `2d` → seconds; undefined when malformed. */
export function parseDuration(text: string): number | undefined {
  const match = new RegExp(DURATION).exec(text);
  if (!match) return undefined;
  return Number(text.slice(0, -1)) * UNITS[text.slice(-1)]!;
}

const round = (n: number, places = 2) => Math.round(n * 10 ** places) / 10 ** places;

export function readGuard(guard: Guard, f: GuardFigures): GuardReading {
  const base = { kind: guard.kind, on_fail: guard.on_fail };
  if (guard.kind === 'rating') {
    const value = f.mean === null ? null : round(f.mean);
    const reading = { ...base, value, threshold: guard.min_mean, sample: f.ratings, min_sample: guard.min_ratings };
    if (f.ratings < guard.min_ratings || value === null)
      return { ...reading, status: 'waiting', message: `${f.ratings} of ${guard.min_ratings} ratings needed so far` };
    const ok = f.mean! >= guard.min_mean;
    return {
      ...reading,
      status: ok ? 'ok' : 'failed',
      message: `mean rating ${value} over ${f.ratings} ratings ${ok ? 'meets' : 'is below'} ${guard.min_mean}`,
    };
  }
  if (guard.kind === 'low_ratings') {
    const value = f.ratings === 0 ? null : round((100 * f.low) / f.ratings, 1);
    const reading = { ...base, value, threshold: guard.max_share_pct, sample: f.ratings, min_sample: guard.min_ratings };
    if (f.ratings < guard.min_ratings || value === null)
      return { ...reading, status: 'waiting', message: `${f.ratings} of ${guard.min_ratings} ratings needed so far` };
    const ok = (100 * f.low) / f.ratings <= guard.max_share_pct;
    return {
      ...reading,
      status: ok ? 'ok' : 'failed',
      message: `${value} % of ${f.ratings} ratings are 1 or 2 stars (at most ${guard.max_share_pct} % allowed)`,
    };
  }
  const value = f.evaluations === 0 ? null : round((1000 * f.errors) / f.evaluations);
  const reading = { ...base, value, threshold: guard.max_per_1000, sample: f.evaluations, min_sample: guard.min_evaluations };
  if (f.evaluations < guard.min_evaluations || value === null)
    return { ...reading, status: 'waiting', message: `${f.evaluations} of ${guard.min_evaluations} evaluations needed so far` };
  const ok = (1000 * f.errors) / f.evaluations <= guard.max_per_1000;
  return {
    ...reading,
    status: ok ? 'ok' : 'failed',
    message: `${value} errors per 1,000 evaluations over ${f.evaluations} (at most ${guard.max_per_1000} allowed)`,
  };
}

export type PlanDecision =
  | { kind: 'wait'; readings: GuardReading[] }
  | { kind: 'advance'; readings: GuardReading[] }
  | { kind: 'finish'; readings: GuardReading[] }
  | { kind: 'fail'; action: GuardAction; readings: GuardReading[]; failed: GuardReading[] };

/**
 * What a running plan on step `current` (applied at `stepStartedAt`) does at `now`: a breached guard
 * stops it at once (rolling back when any breached guard asks to); otherwise it moves on once the
 * step's minimum duration has passed and every guard holds on enough data.
 */
export function decide(
  steps: PlanStep[],
  current: number,
  stepStartedAt: Date,
  guards: Guard[],
  figures: GuardFigures,
  now: Date,
): PlanDecision {
  const readings = guards.map((g) => readGuard(g, figures));
  const failed = readings.filter((r) => r.status === 'failed');
  if (failed.length > 0)
    return { kind: 'fail', action: failed.some((r) => r.on_fail === 'rollback') ? 'rollback' : 'pause', readings, failed };
  const step = steps[current]!;
  const due = now.getTime() >= stepStartedAt.getTime() + step.min_duration_s * 1000;
  if (!due || readings.some((r) => r.status !== 'ok')) return { kind: 'wait', readings };
  return { kind: current === steps.length - 1 ? 'finish' : 'advance', readings };
}

/** The percentage a roll-back from step `current` returns to: the previous step's, or the flag's before the plan. */
export function rollbackPercentage(steps: PlanStep[], current: number, initial: number): number {
  return current > 0 ? steps[current - 1]!.percentage : initial;
}
