import { describe, expect, it } from 'vitest';
import { SlidingWindow, createMetrics, summarize } from './metrics.js';

describe('summarize', () => {
  it('computes nearest-rank percentiles', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(summarize(values)).toEqual({ count: 100, mean: 50.5, p50: 50, p95: 95, p99: 99, max: 100 });
    expect(summarize([])).toEqual({ count: 0, mean: 0, p50: 0, p95: 0, p99: 0, max: 0 });
    expect(summarize([7])).toMatchObject({ p50: 7, p99: 7, max: 7 });
  });
});

describe('SlidingWindow', () => {
  it('forgets samples older than the window', () => {
    const w = new SlidingWindow(1000);
    w.add(100, 0);
    w.add(1, 1500);
    w.add(2, 1900);
    expect(w.summary(2000)).toMatchObject({ count: 2, max: 2 });
  });
  it('keeps at most its capacity, overwriting the oldest', () => {
    const w = new SlidingWindow(60_000, 3);
    for (let i = 1; i <= 5; i++) w.add(i, 10);
    expect(w.summary(10)).toMatchObject({ count: 3, p50: 4, max: 5 });
  });
});

describe('createMetrics', () => {
  it('counts requests per route and the success rate from 5xx answers', () => {
    const m = createMetrics({ defaultMetrics: false });
    m.recordRequest({ method: 'GET', route: '/a', status: 200, durationMs: 1 });
    m.recordRequest({ method: 'GET', route: '/a', status: 404, durationMs: 1 });
    m.recordRequest({ method: 'POST', route: '/b', status: 503, durationMs: 3 });
    m.recordRequest({ method: 'POST', route: '/b', status: 201, durationMs: 2 });
    const s = m.snapshot();
    expect(s.requests.total).toBe(4);
    expect(s.requests.errors5xx).toBe(1);
    expect(s.requests.successRate).toBe(0.75);
    expect(s.requests.perRoute).toEqual({ 'GET /a': 2, 'POST /b': 2 });
    expect(s.requests.responseTimeMs.max).toBe(3);
  });

  it('keeps query statistics per statement type', async () => {
    const m = createMetrics({ defaultMetrics: false });
    m.recordQuery('SELECT', 2, false);
    m.recordQuery('SELECT', 4, false);
    m.recordQuery('INSERT', 10, true);
    const s = m.snapshot();
    expect(s.database.total).toBe(3);
    expect(s.database.errors).toBe(1);
    expect(s.database.perType.SELECT).toMatchObject({ total: 2, count: 2, p95: 4 });
    expect(s.database.perType.INSERT).toMatchObject({ total: 1, max: 10 });
    expect(s.database.perType.DELETE.total).toBe(0);
    const text = await m.registry.metrics();
    expect(text).toMatch(/^db_query_errors_total\{type="INSERT"\} 1$/m);
    expect(text).toMatch(/^db_query_duration_seconds_count\{type="SELECT"\} 2$/m);
  });
});
