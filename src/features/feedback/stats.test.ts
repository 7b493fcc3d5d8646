import { describe, expect, it } from 'vitest';
import type { AggregateRow } from './feedback.repository.js';
import { buildStats } from './stats.js';

const today = new Date('2026-03-10T15:00:00Z');
const row = (rating: number, count: number, patch: Partial<AggregateRow> = {}): AggregateRow => ({
  day: '2026-03-10',
  feature: '',
  rating,
  count,
  ...patch,
});

describe('buildStats', () => {
  // Every expected figure below is worked out by hand from the rows, not with the code's own rounding.
  it('sums totals, averages, distribution, features and a 30-day series with empty days', () => {
    const stats = buildStats(
      [
        { day: '2026-03-10', feature: 'voice', rating: 5, count: 3 },
        { day: '2026-03-10', feature: '', rating: 1, count: 1 },
        { day: '2026-03-09', feature: 'voice', rating: 4, count: 1 },
        { day: '2026-03-09', feature: 'chat', rating: 3, count: 2 },
        { day: '2025-12-01', feature: 'chat', rating: 2, count: 2 },
      ],
      today,
    );
    expect(stats.total).toBe(9);
    expect(stats.average_rating).toBe(3.33); // 30 / 9 = 3.333…
    expect(stats.distribution).toEqual({ '1': 1, '2': 2, '3': 2, '4': 1, '5': 3 });
    expect(stats.by_feature).toEqual([
      { feature: 'chat', count: 4, average_rating: 2.5 },
      { feature: 'voice', count: 4, average_rating: 4.75 },
    ]);
    expect(stats.daily).toHaveLength(30);
    expect(stats.daily[29]).toEqual({ date: '2026-03-10', count: 4, average_rating: 4 });
    expect(stats.daily[28]).toEqual({ date: '2026-03-09', count: 3, average_rating: 3.33 }); // 10 / 3
    expect(stats.daily[0]).toEqual({ date: '2026-02-09', count: 0, average_rating: null });
    expect(stats.daily.slice(1, 28).every((d) => d.count === 0 && d.average_rating === null)).toBe(true);
    // 4 promoters and 3 detractors of 9: 1 / 9 = 11.11 %.
    expect(stats.split).toEqual({ promoters: 4, passives: 2, detractors: 3, score: 11.1 });
  });

  it('reports no averages without feedback', () => {
    const stats = buildStats([], today);
    expect(stats).toEqual({
      total: 0,
      average_rating: null,
      distribution: { '1': 0, '2': 0, '3': 0, '4': 0, '5': 0 },
      by_feature: [],
      daily: expect.any(Array),
      split: { promoters: 0, passives: 0, detractors: 0, score: null },
    });
    expect(stats.daily.every((d) => d.count === 0 && d.average_rating === null)).toBe(true);
  });

  it('rounds averages half up to two decimals, as SQL round() does', () => {
    // 201 / 200 = 1.005 exactly: 1.01, where 1.005 * 100 in binary floating point would round down to 1.00.
    expect(buildStats([row(1, 199), row(2, 1)], today).average_rating).toBe(1.01);
    // 17 / 8 = 2.125: 2.13.
    expect(buildStats([row(2, 7), row(3, 1)], today).average_rating).toBe(2.13);
    // 14 / 3 = 4.666…: 4.67; 13 / 3 = 4.333…: 4.33.
    expect(buildStats([row(5, 2), row(4, 1)], today).average_rating).toBe(4.67);
    expect(buildStats([row(5, 1), row(4, 2)], today).average_rating).toBe(4.33);
    expect(buildStats([row(4, 1, { feature: 'voice' }), row(5, 2, { feature: 'voice' })], today).by_feature).toEqual([
      { feature: 'voice', count: 3, average_rating: 4.67 },
    ]);
  });

  it('gives the promoter score to one decimal, halves away from zero', () => {
    // One promoter (or detractor) among 16 ratings: ±6.25 %, shown as ±6.3.
    expect(buildStats([row(5, 1), row(3, 15)], today).split).toEqual({ promoters: 1, passives: 15, detractors: 0, score: 6.3 });
    expect(buildStats([row(1, 1), row(3, 15)], today).split).toEqual({ promoters: 0, passives: 15, detractors: 1, score: -6.3 });
    // Ratings 2 and 4 count as detractor and promoter: a net 1 of 3 is 33.3 %.
    expect(buildStats([row(4, 2), row(2, 1)], today).split.score).toBe(33.3);
    expect(buildStats([row(4, 1), row(2, 2), row(5, 4)], today).split.score).toBe(42.9); // 3 / 7 = 42.857 %
    expect(buildStats([row(1, 3)], today).split.score).toBe(-100);
    expect(buildStats([row(3, 3)], today).split.score).toBe(0);
  });

  it('orders features by count, then by name, and leaves feedback without a feature out of them', () => {
    const stats = buildStats(
      [
        row(5, 1, { feature: 'b' }),
        row(1, 1, { feature: 'a' }),
        row(4, 3, { feature: 'c' }),
        row(3, 9),
        row(2, 1, { feature: 'a', day: '2026-03-01' }),
      ],
      today,
    );
    expect(stats.by_feature).toEqual([
      { feature: 'c', count: 3, average_rating: 4 },
      { feature: 'a', count: 2, average_rating: 1.5 },
      { feature: 'b', count: 1, average_rating: 5 },
    ]);
    expect(stats.total).toBe(15);
  });

  it('builds a series of the requested length ending today (UTC), across a month end', () => {
    const stats = buildStats([row(4, 2, { day: '2026-02-28' }), row(2, 1, { day: '2026-03-01' })], new Date('2026-03-01T23:59:59Z'), 3);
    expect(stats.daily).toEqual([
      { date: '2026-02-27', count: 0, average_rating: null },
      { date: '2026-02-28', count: 2, average_rating: 4 },
      { date: '2026-03-01', count: 1, average_rating: 2 },
    ]);
    // A day whose ratings were all removed again has no average.
    expect(buildStats([row(4, 0, { day: '2026-03-01' })], new Date('2026-03-01T12:00:00Z'), 1).daily).toEqual([
      { date: '2026-03-01', count: 0, average_rating: null },
    ]);
    // Days before the series still count in the totals.
    expect(buildStats([row(5, 1, { day: '2025-01-01' })], today, 1)).toMatchObject({
      total: 1,
      average_rating: 5,
      daily: [{ date: '2026-03-10', count: 0, average_rating: null }],
    });
  });
});
