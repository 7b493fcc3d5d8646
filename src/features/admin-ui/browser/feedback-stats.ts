// The feedback page's figures for a filtered view, computed from the matching rows themselves (the
// analytics API covers all feedback): the same shape and rounding as the server's analytics.
import type { Feedback, FeedbackAnalytics } from './api-types.js';

type Rating = keyof FeedbackAnalytics['distribution'];

/** sum / count to two decimals, halves up (as the server's analytics). */
const average = (sum: number, count: number) => Math.round((sum * 100) / count) / 100;

/** The analytics of `rows`, with the 30-day trend ending on `today` (UTC days). */
export function analyticsOf(rows: readonly Feedback[], today: Date, days = 30): FeedbackAnalytics {
  const distribution: FeedbackAnalytics['distribution'] = { '1': 0, '2': 0, '3': 0, '4': 0, '5': 0 };
  const features = new Map<string, { count: number; sum: number }>();
  const perDay = new Map<string, { count: number; sum: number }>();
  let sum = 0;
  const add = (map: Map<string, { count: number; sum: number }>, key: string, rating: number) => {
    const entry = map.get(key) ?? { count: 0, sum: 0 };
    entry.count += 1;
    entry.sum += rating;
    map.set(key, entry);
  };
  for (const r of rows) {
    sum += r.rating;
    distribution[String(r.rating) as Rating] += 1;
    if (r.feature) add(features, r.feature, r.rating);
    add(perDay, r.created_at.slice(0, 10), r.rating);
  }
  const daily: FeedbackAnalytics['daily'] = [];
  for (let i = days - 1; i >= 0; i--) {
    const date = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() - i)).toISOString().slice(0, 10);
    const d = perDay.get(date);
    daily.push({ date, count: d?.count ?? 0, average_rating: d ? average(d.sum, d.count) : null });
  }
  const total = rows.length;
  const promoters = distribution['4'] + distribution['5'];
  const detractors = distribution['1'] + distribution['2'];
  const tenths = total > 0 ? ((promoters - detractors) * 1000) / total : 0;
  return {
    total,
    average_rating: total > 0 ? average(sum, total) : null,
    distribution,
    by_feature: [...features.entries()]
      .map(([feature, f]) => ({ feature, count: f.count, average_rating: average(f.sum, f.count) }))
      .sort((a, b) => b.count - a.count || a.feature.localeCompare(b.feature)),
    daily,
    split: {
      promoters,
      passives: distribution['3'],
      detractors,
      score: total > 0 ? (Math.sign(tenths) * Math.round(Math.abs(tenths))) / 10 : null,
    },
  };
}
