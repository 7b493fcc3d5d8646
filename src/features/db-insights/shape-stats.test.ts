import { describe, expect, it } from 'vitest';
import { LatencyStats, bucketOf, bucketUpperMs, createShapeStore } from './shape-stats.js';

/** A small seeded PRNG (mulberry32). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const exact = (sorted: number[], p: number) => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;

describe('latency statistics', () => {
  it('puts every duration in a bucket whose bound is at most 20 % above it', () => {
    for (const ms of [0.011, 0.5, 1, 3.3, 99.9, 100, 12_345]) {
      const b = bucketOf(ms);
      expect(bucketUpperMs(b)).toBeGreaterThanOrEqual(ms * 0.9999);
      expect(bucketUpperMs(b)).toBeLessThanOrEqual(ms * 1.2 + 1e-9);
    }
  });

  it('reports percentiles within 20 % of the exact values, and exact totals', () => {
    const random = prng(7);
    const stats = new LatencyStats();
    const samples: number[] = [];
    for (let i = 0; i < 5000; i++) {
      const ms = Math.exp(random() * 8 - 3); // 0.05 ms … 150 ms, log-uniform
      samples.push(ms);
      stats.add(ms, 2, false, ms > 100);
    }
    samples.sort((a, b) => a - b);
    for (const p of [50, 95, 99]) {
      expect(stats.percentile(p)).toBeGreaterThanOrEqual(exact(samples, p) * 0.999);
      expect(stats.percentile(p)).toBeLessThanOrEqual(exact(samples, p) * 1.2);
    }
    const summary = stats.summary();
    expect(summary.calls).toBe(5000);
    expect(summary.rows).toBe(10_000);
    expect(summary.max_ms).toBeCloseTo(samples.at(-1)!, 3);
    expect(summary.total_ms).toBeCloseTo(
      samples.reduce((a, b) => a + b, 0),
      1,
    );
    expect(summary.slow).toBe(samples.filter((s) => s > 100).length);
  });

  it('never reports a percentile above the maximum seen', () => {
    const stats = new LatencyStats();
    stats.add(10.01, undefined, false, false);
    expect(stats.percentile(99)).toBe(10.01);
  });
});

describe('shape store', () => {
  const sample = (fingerprint: string, durationMs = 1) => ({
    fingerprint,
    query: `q ${fingerprint}`,
    type: 'SELECT' as const,
    durationMs,
    rows: 1,
    failed: false,
    slow: false,
  });

  it('stays within its bound and keeps the busy shapes', () => {
    const store = createShapeStore(100);
    for (let i = 0; i < 50; i++) for (let n = 0; n < 10; n++) store.add(sample(`busy-${i}`), i);
    for (let i = 0; i < 10_000; i++) {
      store.add(sample(`once-${i}`), 1000 + i);
      if (i % 100 === 0) for (let b = 0; b < 50; b++) store.add(sample(`busy-${b}`), 1000 + i);
    }
    expect(store.size).toBe(100);
    expect(store.evicted).toBe(10_050 - 100);
    const kept = new Set(store.shapes().map((s) => s.fingerprint));
    for (let b = 0; b < 50; b++) expect(kept.has(`busy-${b}`)).toBe(true);
    expect(store.totals().queries).toBe(500 + 10_000 + 100 * 50);
  });

  it('keeps per-type statistics across all shapes, evicted or not', () => {
    const store = createShapeStore(2);
    store.add(sample('a', 2), 0);
    store.add({ ...sample('b', 4), type: 'INSERT' }, 1);
    store.add(sample('c', 6), 2);
    expect(store.byType().get('SELECT')!.summary()).toMatchObject({ calls: 2, total_ms: 8 });
    expect(store.byType().get('INSERT')!.summary()).toMatchObject({ calls: 1, total_ms: 4 });
  });
});
