// SQL for the `system_metrics` time series.
import { sql, type Insertable, type Kysely } from 'kysely';
import type { DatabaseSchema, SystemMetricsTable } from '../../db/schema.js';

export type SystemMetricsRow = Insertable<SystemMetricsTable>;

export async function insertSystemMetrics(db: Kysely<DatabaseSchema>, row: SystemMetricsRow): Promise<void> {
  await db.insertInto('system_metrics').values(row).execute();
}

/** Deletes rows recorded before `before`; returns how many went. */
export async function pruneSystemMetrics(db: Kysely<DatabaseSchema>, before: Date): Promise<number> {
  const result = await db.deleteFrom('system_metrics').where('recorded_at', '<', before).executeTakeFirst();
  return Number(result.numDeletedRows);
}

export interface MetricsBucket {
  t: Date;
  requests: number;
  errors: number;
  http_p95_ms: number;
  db_p95_ms: number;
  cpu_percent: number;
  memory_percent: number;
}

/**
 * `system_metrics` in `[from, to)` grouped into buckets of `bucketSeconds` (aligned to the epoch),
 * all instances together: request and error counts summed, p95s the worst instance's, CPU and
 * memory averaged. Buckets without rows are absent.
 */
export async function metricsSeries(db: Kysely<DatabaseSchema>, from: Date, to: Date, bucketSeconds: number): Promise<MetricsBucket[]> {
  // A literal, not a parameter: the bucket expression must be the same in SELECT and GROUP BY.
  const width = sql.lit(Math.trunc(bucketSeconds));
  const bucket = sql<Date>`to_timestamp(floor(extract(epoch from recorded_at) / ${width}) * ${width})`;
  return db
    .selectFrom('system_metrics')
    .select([
      bucket.as('t'),
      sql<number>`sum(request_count)::float8`.as('requests'),
      sql<number>`sum(error_count)::float8`.as('errors'),
      sql<number>`max(http_p95_ms)::float8`.as('http_p95_ms'),
      sql<number>`max(db_p95_ms)::float8`.as('db_p95_ms'),
      sql<number>`avg(cpu_percent)::float8`.as('cpu_percent'),
      sql<number>`avg(memory_percent)::float8`.as('memory_percent'),
    ])
    .where('recorded_at', '>=', from)
    .where('recorded_at', '<', to)
    .groupBy(sql`1`)
    .orderBy(sql`1`)
    .execute();
}
