import { describe, expect, it } from 'vitest';
import { decide, parseDuration, readGuard, rollbackPercentage, type Guard, type PlanStep } from './guards.js';

const figures = (f: Partial<{ ratings: number; mean: number | null; low: number; evaluations: number; errors: number }>) => ({
  ratings: 0,
  mean: null,
  low: 0,
  evaluations: 0,
  errors: 0,
  ...f,
});
const rating: Guard = { kind: 'rating', min_mean: 3.5, min_ratings: 20, on_fail: 'pause' };
const low: Guard = { kind: 'low_ratings', max_share_pct: 20, min_ratings: 10, on_fail: 'rollback' };
const errors: Guard = { kind: 'errors', max_per_1000: 5, min_evaluations: 1000, on_fail: 'pause' };
const steps: PlanStep[] = [
  { percentage: 5, min_duration: '1h', min_duration_s: 3600 },
  { percentage: 50, min_duration: '1d', min_duration_s: 86_400 },
];
const t0 = new Date('2026-12-01T00:00:00Z');
const at = (ms: number) => new Date(t0.getTime() + ms);

describe('parseDuration', () => {
  it('reads seconds, minutes, hours and days and refuses anything else', () => {
    expect([parseDuration('30s'), parseDuration('15m'), parseDuration('4h'), parseDuration('2d')]).toEqual([30, 900, 14_400, 172_800]);
    for (const bad of ['', '0h', '1w', '1.5h', 'h', '-1h', '1h ']) expect(parseDuration(bad)).toBeUndefined();
  });
});

describe('readGuard', () => {
  it('waits below the minimum sample, then holds or fails on the threshold (inclusive)', () => {
    expect(readGuard(rating, figures({ ratings: 19, mean: 1 })).status).toBe('waiting');
    expect(readGuard(rating, figures({ ratings: 20, mean: 3.5 })).status).toBe('ok');
    expect(readGuard(rating, figures({ ratings: 20, mean: 3.49 })).status).toBe('failed');
    expect(readGuard(low, figures({ ratings: 10, low: 2 })).status).toBe('ok');
    expect(readGuard(low, figures({ ratings: 10, low: 3 }))).toMatchObject({ status: 'failed', value: 30, sample: 10 });
    expect(readGuard(errors, figures({ evaluations: 999, errors: 900 })).status).toBe('waiting');
    expect(readGuard(errors, figures({ evaluations: 2000, errors: 10 })).status).toBe('ok');
    expect(readGuard(errors, figures({ evaluations: 2000, errors: 11 }))).toMatchObject({ status: 'failed', value: 5.5 });
  });
});

describe('decide', () => {
  const good = figures({ ratings: 30, mean: 4.5, low: 1 });
  it('waits until the step has lasted its minimum duration, then advances, then finishes', () => {
    expect(decide(steps, 0, t0, [rating], good, at(3_599_999)).kind).toBe('wait');
    expect(decide(steps, 0, t0, [rating], good, at(3_600_000)).kind).toBe('advance');
    expect(decide(steps, 1, t0, [rating], good, at(86_400_000)).kind).toBe('finish');
  });
  it('does not advance on too little data, but fails at once on a breach', () => {
    expect(decide(steps, 0, t0, [rating], figures({ ratings: 3, mean: 5 }), at(10 * 3_600_000)).kind).toBe('wait');
    const bad = decide(steps, 0, t0, [rating, low], figures({ ratings: 30, mean: 2, low: 20 }), at(1));
    expect(bad).toMatchObject({ kind: 'fail', action: 'rollback' });
    expect(decide(steps, 0, t0, [rating], figures({ ratings: 30, mean: 2 }), at(1))).toMatchObject({ kind: 'fail', action: 'pause' });
  });
  it('rolls back to the previous step, or to where the flag stood before the plan', () => {
    expect(rollbackPercentage(steps, 1, 0)).toBe(5);
    expect(rollbackPercentage(steps, 0, 2)).toBe(2);
  });
});
