// The stored health series: `system_metrics` over the last hour, day or week, every instance together.
import type { Kysely } from 'kysely';
import type { Clock } from '../../core/clock.js';
import type { DatabaseSchema } from '../../db/schema.js';
import { metricsSeries } from './health.repository.js';

/** Time ranges of the stored series and their bucket widths. */
export const SERIES_RANGES = {
  '1h': { seconds: 3_600, bucketSeconds: 60 },
  '24h': { seconds: 86_400, bucketSeconds: 900 },
  '7d': { seconds: 604_800, bucketSeconds: 3_600 },
} as const;

export type SeriesRange = keyof typeof SERIES_RANGES;

export interface SeriesPoint {
  t: string;
  requests: number;
  requests_per_s: number;
  errors: number;
  http_p95_ms: number;
  db_p95_ms: number;
  cpu_percent: number;
  memory_percent: number;
}

export interface HealthService {
  series(range: SeriesRange): Promise<{ range: SeriesRange; bucket_seconds: number; from: string; to: string; points: SeriesPoint[] }>;
}

export function createHealthService(deps: { db: Kysely<DatabaseSchema>; clock: Clock }): HealthService {
  return {
    async series(range) {
      const { seconds, bucketSeconds } = SERIES_RANGES[range];
      const to = deps.clock();
      const from = new Date(to.getTime() - seconds * 1000);
      const rows = await metricsSeries(deps.db, from, to, bucketSeconds);
      return {
        range,
        bucket_seconds: bucketSeconds,
        from: from.toISOString(),
        to: to.toISOString(),
        points: rows.map((r) => {
          const start = new Date(r.t);
          // The newest bucket is still filling: its rate is over the seconds elapsed so far.
          const elapsed = Math.max(1, Math.min(bucketSeconds, (to.getTime() - start.getTime()) / 1000));
          return {
            t: start.toISOString(),
            requests: r.requests,
            requests_per_s: Math.round((r.requests / elapsed) * 1000) / 1000,
            errors: r.errors,
            http_p95_ms: r.http_p95_ms,
            db_p95_ms: r.db_p95_ms,
            cpu_percent: Math.round(r.cpu_percent * 10) / 10,
            memory_percent: Math.round(r.memory_percent * 10) / 10,
          };
        }),
      };
    },
  };
}
