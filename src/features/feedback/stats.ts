// Public statistics and console analytics from the daily aggregates. Pure: `today` is passed in.
import type { AggregateRow } from './feedback.types.js';

export interface FeedbackStats {
  total: number;
  average_rating: number | null;
  distribution: Record<'1' | '2' | '3' | '4' | '5', number>;
  by_feature: Array<{ feature: string; count: number; average_rating: number }>;
  daily: Array<{ date: string; count: number; average_rating: number | null }>;
}

export interface FeedbackAnalytics extends FeedbackStats {
  /** NPS-style split: promoters rate 4–5, detractors 1–2; score = % promoters − % detractors. */
  split: { promoters: number; passives: number; detractors: number; score: number | null };
}

/** sum / count to two decimals, rounding half up as SQL's round() does (no binary-fraction surprises). */
const average = (sum: number, count: number) => Math.round((sum * 100) / count) / 100;

/** part / whole as a percentage to one decimal, halves away from zero (as SQL's round()). */
function percentToOneDecimal(part: number, whole: number): number {
  const tenths = (part * 1000) / whole;
  return (Math.sign(tenths) * Math.round(Math.abs(tenths))) / 10;
}

function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

export function buildStats(rows: AggregateRow[], today: Date, days = 30): FeedbackAnalytics {
  const distribution = { '1': 0, '2': 0, '3': 0, '4': 0, '5': 0 };
  const features = new Map<string, { count: number; sum: number }>();
  const perDay = new Map<string, { count: number; sum: number }>();
  let total = 0;
  let sum = 0;
  for (const r of rows) {
    total += r.count;
    sum += r.count * r.rating;
    distribution[String(r.rating) as keyof typeof distribution] += r.count;
    if (r.feature !== '') {
      const f = features.get(r.feature) ?? { count: 0, sum: 0 };
      f.count += r.count;
      f.sum += r.count * r.rating;
      features.set(r.feature, f);
    }
    const d = perDay.get(r.day) ?? { count: 0, sum: 0 };
    d.count += r.count;
    d.sum += r.count * r.rating;
    perDay.set(r.day, d);
  }
  const daily: FeedbackStats['daily'] = [];
  for (let i = days - 1; i >= 0; i--) {
    const date = isoDay(new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() - i)));
    const d = perDay.get(date);
    daily.push({ date, count: d?.count ?? 0, average_rating: d && d.count > 0 ? average(d.sum, d.count) : null });
  }
  const promoters = distribution['4'] + distribution['5'];
  const detractors = distribution['1'] + distribution['2'];
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
      score: total > 0 ? percentToOneDecimal(promoters - detractors, total) : null,
    },
  };
}
