// SQL for the `system_metrics` time series.
import type { Insertable, Kysely } from 'kysely';
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
