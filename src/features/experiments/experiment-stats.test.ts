import { describe, expect, it } from 'vitest';
import { compare, summarise } from './experiment-stats.js';

describe('experiment statistics', () => {
  it('gives the mean and the t interval of a variant (4.25 ± t(0.975, 3) · 0.9574 / 2)', () => {
    const s = summarise([3, 4, 5, 5]);
    expect(s.count).toBe(4);
    expect(s.mean).toBe(4.25);
    expect(s.ci95![0]).toBeCloseTo(2.72652, 4);
    expect(s.ci95![1]).toBeCloseTo(5.77348, 4);
  });

  it('has no interval below two ratings or when every rating is the same, and no mean without ratings', () => {
    expect(summarise([])).toEqual({ count: 0, mean: null, ci95: null });
    expect(summarise([4])).toEqual({ count: 1, mean: 4, ci95: null });
    expect(summarise([4, 4, 4])).toEqual({ count: 3, mean: 4, ci95: null });
  });

  it("compares with Welch's test (by hand: t = -1.7233, df = 6.3222, p = 0.1331)", () => {
    const c = compare([1, 2, 3, 4, 5], [3, 4, 5, 5, 5])!;
    expect(c.difference).toBeCloseTo(-1.4, 10);
    expect(c.pValue).toBeCloseTo(0.1331, 4);
    expect(c.ci95[0]).toBeCloseTo(-3.3636, 3);
    expect(c.ci95[1]).toBeCloseTo(0.5636, 3);
    expect(c.significant).toBe(false);
  });

  it('calls a clear difference significant, in the direction of the variant', () => {
    const better = Array.from({ length: 40 }, (_, i) => (i % 4 === 0 ? 4 : 5));
    const worse = Array.from({ length: 40 }, (_, i) => (i % 4 === 0 ? 3 : 2));
    const c = compare(better, worse)!;
    expect(c.significant).toBe(true);
    expect(c.pValue).toBeLessThan(0.001);
    expect(c.difference).toBeCloseTo(2.5, 10);
    expect(c.ci95[0]).toBeGreaterThan(0);
  });

  it('declines to compare with fewer than two ratings on a side or no variation at all', () => {
    expect(compare([5], [1, 2, 3])).toBeUndefined();
    expect(compare([1, 2, 3], [4])).toBeUndefined();
    expect(compare([4, 4, 4], [5, 5, 5])).toBeUndefined();
    expect(compare([4, 4, 4], [5, 4, 5])).toBeDefined();
  });
});
