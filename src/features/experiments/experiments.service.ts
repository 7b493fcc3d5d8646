// Experiment results of a flag: per variant, how often it was served and to how many subjects, the
// ratings its testers gave (mean and 95 % interval) and whether it differs from the control.
import type { Kysely } from 'kysely';
import type { Clock } from '../../core/clock.js';
import { AppError } from '../../core/errors.js';
import type { DatabaseSchema } from '../../db/schema.js';
import { ALPHA, compare, METHOD, summarise } from './experiment-stats.js';
import { createExposureRecorder } from './exposure-recorder.js';
import { addExposures, exposureTotals, ratingsByVariant } from './experiments.repository.js';

/** What the flags feature tells of one flag: its variants in order, and the one served when off. */
export interface FlagVariants {
  valueType: string;
  defaultVariant: string;
  variants: ReadonlyArray<{ name: string; weight: number | null }>;
}

export interface ExperimentsDeps {
  db: Kysely<DatabaseSchema>;
  clock: Clock;
  flagVariants(name: string): FlagVariants | undefined;
}

export interface VariantResult {
  variant: string;
  /** Whether the flag still has this variant (exposures and ratings of a removed one stay listed). */
  current: boolean;
  weight: number | null;
  exposures: number;
  distinct_users: number;
  feedback_count: number;
  mean_rating: number | null;
  ci95: [number, number] | null;
  difference_to_control: number | null;
  difference_ci95: [number, number] | null;
  p_value: number | null;
  significant: boolean | null;
}

export interface ExperimentResult {
  flag: string;
  value_type: string;
  control: string;
  alpha: number;
  method: string;
  since: Date | null;
  variants: VariantResult[];
}

export interface ExperimentsService {
  /** Evaluations for `targetingKey`, each serving `variant` of `flag` (hot path: memory only; the clock read once). */
  record(evaluations: ReadonlyArray<{ flag: string; variant: string }>, targetingKey: string | undefined): void;
  /** Writes the exposures gathered so far. */
  flush(): Promise<number>;
  /** Sets what is called when so many exposures wait that they should be written before the next interval. */
  onBacklog(handler: () => void): void;
  result(flag: string, control?: string): Promise<ExperimentResult>;
}

/** Subjects gathered in memory before a write is asked for early. */
export const BACKLOG = 20_000;

export function createExperimentsService(deps: ExperimentsDeps): ExperimentsService {
  const recorder = createExposureRecorder();
  let asked = false;
  let backlog: (() => void) | undefined;
  return {
    record(evaluations, targetingKey) {
      if (targetingKey === undefined || targetingKey === '') return;
      const at = deps.clock().getTime();
      for (const { flag, variant } of evaluations) recorder.record(flag, variant, targetingKey, at);
      if (!asked && recorder.size >= BACKLOG && backlog) {
        asked = true;
        backlog();
      }
    },
    async flush() {
      asked = false;
      return recorder.flush((rows) => addExposures(deps.db, rows));
    },
    onBacklog(handler) {
      backlog = handler;
    },
    async result(flag, controlAsked) {
      const definition = deps.flagVariants(flag);
      if (!definition) throw new AppError('NOT_FOUND', `There is no flag named "${flag}".`);
      const names = definition.variants.map((v) => v.name);
      const control = controlAsked ?? definition.defaultVariant;
      if (!names.includes(control)) {
        throw new AppError('VALIDATION_ERROR', `"${control}" is not a variant of ${flag}: it has ${names.join(', ')}.`);
      }
      const [exposures, ratings] = await Promise.all([exposureTotals(deps.db, flag), ratingsByVariant(deps.db, flag)]);
      const byVariant = new Map<string, number[]>();
      for (const r of ratings) {
        let list = byVariant.get(r.variant);
        if (!list) byVariant.set(r.variant, (list = []));
        list.push(r.rating);
      }
      const exposed = new Map(exposures.map((e) => [e.variant, e]));
      const listed = [...names, ...[...new Set([...exposed.keys(), ...byVariant.keys()])].filter((v) => !names.includes(v)).sort()];
      const controlRatings = byVariant.get(control) ?? [];
      const variants = listed.map((variant): VariantResult => {
        const own = byVariant.get(variant) ?? [];
        const summary = summarise(own);
        const comparison = variant === control ? undefined : compare(own, controlRatings);
        const e = exposed.get(variant);
        return {
          variant,
          current: names.includes(variant),
          weight: definition.variants.find((v) => v.name === variant)?.weight ?? null,
          exposures: e?.exposures ?? 0,
          distinct_users: e?.distinct_users ?? 0,
          feedback_count: summary.count,
          mean_rating: summary.mean,
          ci95: summary.ci95,
          difference_to_control: comparison?.difference ?? null,
          difference_ci95: comparison?.ci95 ?? null,
          p_value: comparison?.pValue ?? null,
          significant: comparison?.significant ?? null,
        };
      });
      const firstSeen = exposures.map((e) => e.first_seen.getTime());
      return {
        flag,
        value_type: definition.valueType,
        control,
        alpha: ALPHA,
        method: METHOD,
        since: firstSeen.length > 0 ? new Date(Math.min(...firstSeen)) : null,
        variants,
      };
    },
  };
}
