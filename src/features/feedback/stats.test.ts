import { describe, expect, it } from 'vitest';
import { buildStats } from './stats.js';

describe('buildStats', () => {
  const today = new Date('2026-03-10T15:00:00Z');
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
    expect(stats.average_rating).toBe(Math.round(((15 + 1 + 4 + 6 + 4) / 9) * 100) / 100);
    expect(stats.distribution).toEqual({ '1': 1, '2': 2, '3': 2, '4': 1, '5': 3 });
    expect(stats.by_feature).toEqual([
      { feature: 'chat', count: 4, average_rating: 2.5 },
      { feature: 'voice', count: 4, average_rating: 4.75 },
    ]);
    expect(stats.daily).toHaveLength(30);
    expect(stats.daily[29]).toEqual({ date: '2026-03-10', count: 4, average_rating: 4 });
    expect(stats.daily[28]).toEqual({ date: '2026-03-09', count: 3, average_rating: 3.33 });
    expect(stats.daily[0]).toEqual({ date: '2026-02-09', count: 0, average_rating: null });
    expect(stats.split).toEqual({ promoters: 4, passives: 2, detractors: 3, score: 11.1 });
  });
  it('reports no averages without feedback', () => {
    const stats = buildStats([], today);
    expect(stats).toMatchObject({ total: 0, average_rating: null, by_feature: [], split: { score: null } });
    expect(stats.daily.every((d) => d.count === 0)).toBe(true);
  });
});
