// The statistics of an experiment: each variant's mean rating with its 95 % confidence interval
// (one-sample t), and its difference to the control with Welch's two-sample t-test. The tests are
// @stdlib's; this module only decides when there is enough data to run them. Pure.
import { createRequire } from 'node:module';
import type ttestFunction from '@stdlib/stats-ttest';
import type ttest2Function from '@stdlib/stats-ttest2';

// @stdlib loads a few hundred small modules (about 0.3 s of start-up measured here): required the
// first time a result is computed, not when the server starts.
const require = createRequire(import.meta.url);
let tests: { ttest: typeof ttestFunction; ttest2: typeof ttest2Function } | undefined;
const stdlib = () =>
  (tests ??= {
    ttest: require('@stdlib/stats-ttest') as typeof ttestFunction,
    ttest2: require('@stdlib/stats-ttest2') as typeof ttest2Function,
  });

export const ALPHA = 0.05;
export const METHOD = "Welch's two-sample t-test";

export interface RatingSummary {
  count: number;
  mean: number | null;
  /** 95 % confidence interval of the mean; null below two ratings or when every rating is the same. */
  ci95: [number, number] | null;
}

export interface Comparison {
  /** This variant's mean minus the control's. */
  difference: number;
  /** 95 % confidence interval of the difference. */
  ci95: [number, number];
  pValue: number;
  significant: boolean;
}

const finite = (n: number) => Number.isFinite(n);
const varies = (xs: readonly number[]) => xs.some((x) => x !== xs[0]);

export function summarise(ratings: readonly number[]): RatingSummary {
  const count = ratings.length;
  if (count === 0) return { count, mean: null, ci95: null };
  const mean = ratings.reduce((a, b) => a + b, 0) / count;
  if (count < 2 || !varies(ratings)) return { count, mean, ci95: null };
  const { ci } = stdlib().ttest([...ratings], { alpha: ALPHA });
  return { count, mean, ci95: finite(ci[0]!) && finite(ci[1]!) ? [ci[0]!, ci[1]!] : null };
}

/**
 * Welch's t-test of `variant` against `control`; undefined when either has fewer than two ratings or
 * neither varies (the test is undefined then: no variance to weigh the difference against).
 */
export function compare(variant: readonly number[], control: readonly number[]): Comparison | undefined {
  if (variant.length < 2 || control.length < 2) return undefined;
  if (!varies(variant) && !varies(control)) return undefined;
  const out = stdlib().ttest2([...variant], [...control], { alpha: ALPHA, variance: 'unequal' });
  if (!finite(out.pValue) || !finite(out.ci[0]!) || !finite(out.ci[1]!)) return undefined;
  return { difference: out.xmean - out.ymean, ci95: [out.ci[0]!, out.ci[1]!], pValue: out.pValue, significant: out.rejected };
}
