// SQL for feature flags, their hourly evaluation counts, and the per-user overrides kept on beta users.
import { sql, type Kysely } from 'kysely';
import type { DatabaseSchema } from '../../db/schema.js';
import { requireSegments } from './segments.repository.js';
import type { AdoptionRow, EvaluationCount, FlagChange, FlagRow, FlagWrite, OverrideRow, SeriesPoint } from './flags.types.js';

/** The channel every instance listens on for flag and override changes. */
export const FLAG_CHANNEL = 'beta_suite_flags';

export async function insertFlag(db: Kysely<DatabaseSchema>, flag: FlagWrite, createdBy: string): Promise<FlagRow> {
  await requireSegments(db, flag);
  return db
    .insertInto('feature_flags')
    .values({
      ...flag,
      target_users: JSON.stringify(flag.target_users),
      conditions: JSON.stringify(flag.conditions),
      variants: JSON.stringify(flag.variants),
      rules: JSON.stringify(flag.rules),
      segments: JSON.stringify(flag.segments),
      created_by: createdBy,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function findFlag(db: Kysely<DatabaseSchema>, name: string, forUpdate = false): Promise<FlagRow | undefined> {
  const query = db.selectFrom('feature_flags').selectAll().where('name', '=', name);
  return (forUpdate ? query.forUpdate() : query).executeTakeFirst();
}

export async function listFlags(db: Kysely<DatabaseSchema>): Promise<FlagRow[]> {
  return db.selectFrom('feature_flags').selectAll().orderBy('name').execute();
}

/** Writes the new state and bumps the version. */
export async function updateFlag(db: Kysely<DatabaseSchema>, name: string, flag: FlagWrite): Promise<FlagRow> {
  await requireSegments(db, flag);
  return db
    .updateTable('feature_flags')
    .set({
      description: flag.description,
      is_enabled: flag.is_enabled,
      rollout_percentage: flag.rollout_percentage,
      target_users: JSON.stringify(flag.target_users),
      conditions: JSON.stringify(flag.conditions),
      permanent: flag.permanent,
      full_rollout_since: flag.full_rollout_since,
      early_access: flag.early_access,
      public_title: flag.public_title,
      public_description: flag.public_description,
      stage: flag.stage,
      client_visible: flag.client_visible,
      value_type: flag.value_type,
      variants: JSON.stringify(flag.variants),
      default_variant: flag.default_variant,
      stickiness: flag.stickiness,
      rules: JSON.stringify(flag.rules),
      segments: JSON.stringify(flag.segments),
      version: sql<number>`version + 1`,
      updated_at: sql<Date>`now()`,
    })
    .where('name', '=', name)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function deleteFlag(db: Kysely<DatabaseSchema>, name: string): Promise<void> {
  await db.deleteFrom('feature_flags').where('name', '=', name).execute();
}

/** Flags that target anyone, locked in name order (a leaving tester's address is taken out of them). */
export async function lockTargetingFlags(db: Kysely<DatabaseSchema>): Promise<FlagRow[]> {
  return db
    .selectFrom('feature_flags')
    .selectAll()
    .where(sql<boolean>`target_users <> '[]'::jsonb`)
    .orderBy('name')
    .forUpdate()
    .execute();
}

/** Queued in the transaction; every listening instance receives it when the transaction commits. */
export async function notifyFlagChange(db: Kysely<DatabaseSchema>, change: FlagChange): Promise<void> {
  await sql`select pg_notify(${FLAG_CHANNEL}, ${JSON.stringify(change)})`.execute(db);
}

/** Beta users that carry per-flag overrides (usually few). */
export async function listOverrides(db: Kysely<DatabaseSchema>): Promise<OverrideRow[]> {
  return db
    .selectFrom('beta_users')
    .select(['id', 'email', 'is_active', 'flag_set'])
    .where(sql<boolean>`flag_set <> '{}'::jsonb`)
    .execute();
}

/** Adds counts into the hourly table: one statement per flush, whatever the traffic. */
export async function addEvaluationCounts(db: Kysely<DatabaseSchema>, rows: EvaluationCount[]): Promise<void> {
  if (rows.length === 0) return;
  await db
    .insertInto('flag_evaluations_hourly')
    .values(rows)
    .onConflict((oc) =>
      oc.columns(['flag_name', 'hour', 'value', 'variant']).doUpdateSet({ count: sql`flag_evaluations_hourly.count + excluded.count` }),
    )
    .execute();
}

export async function adoptionSince(db: Kysely<DatabaseSchema>, now: Date): Promise<AdoptionRow[]> {
  const day = new Date(now.getTime() - 24 * 3_600_000);
  const week = new Date(now.getTime() - 7 * 24 * 3_600_000);
  const rows = await db
    .selectFrom('flag_evaluations_hourly')
    .select([
      'flag_name',
      sql<string>`coalesce(sum(count) filter (where hour >= ${day}), 0)`.as('evaluations_24h'),
      sql<string>`coalesce(sum(count) filter (where hour >= ${day} and value), 0)`.as('true_24h'),
      sql<string>`coalesce(sum(count) filter (where hour >= ${week}), 0)`.as('evaluations_7d'),
      sql<string>`coalesce(sum(count) filter (where hour >= ${week} and value), 0)`.as('true_7d'),
      sql<Date | null>`max(hour)`.as('last_evaluated_hour'),
    ])
    .groupBy('flag_name')
    .execute();
  // Typed flags' counts per variant (boolean flags count under '').
  const perVariant = await db
    .selectFrom('flag_evaluations_hourly')
    .select([
      'flag_name',
      'variant',
      sql<string>`coalesce(sum(count) filter (where hour >= ${day}), 0)`.as('n_24h'),
      sql<string>`coalesce(sum(count) filter (where hour >= ${week}), 0)`.as('n_7d'),
    ])
    .where('variant', '<>', '')
    .where('hour', '>=', week)
    .groupBy(['flag_name', 'variant'])
    .orderBy('variant')
    .execute();
  const variants = new Map<string, { day: Record<string, number>; week: Record<string, number> }>();
  for (const r of perVariant) {
    let entry = variants.get(r.flag_name);
    if (!entry) variants.set(r.flag_name, (entry = { day: {}, week: {} }));
    entry.day[r.variant] = Number(r.n_24h);
    entry.week[r.variant] = Number(r.n_7d);
  }
  return rows.map((r) => ({
    flag_name: r.flag_name,
    evaluations_24h: Number(r.evaluations_24h),
    true_24h: Number(r.true_24h),
    evaluations_7d: Number(r.evaluations_7d),
    true_7d: Number(r.true_7d),
    last_evaluated_hour: r.last_evaluated_hour,
    variants_24h: variants.get(r.flag_name)?.day ?? {},
    variants_7d: variants.get(r.flag_name)?.week ?? {},
  }));
}

/** Evaluations per hour (or per day) of one flag since `since`, oldest first; hours without traffic are absent. */
export async function evaluationSeries(
  db: Kysely<DatabaseSchema>,
  name: string,
  since: Date,
  unit: 'hour' | 'day',
): Promise<SeriesPoint[]> {
  const bucket = unit === 'hour' ? sql<Date>`hour` : sql<Date>`date_trunc('day', hour, 'UTC')`;
  const rows = await db
    .selectFrom('flag_evaluations_hourly')
    .select([
      bucket.as('at'),
      sql<string>`sum(count)`.as('evaluations'),
      sql<string>`coalesce(sum(count) filter (where value), 0)`.as('true_count'),
    ])
    .where('flag_name', '=', name)
    .where('hour', '>=', since)
    .groupBy(sql`1`)
    .orderBy(sql`1`)
    .execute();
  return rows.map((r) => ({ at: r.at, evaluations: Number(r.evaluations), true_count: Number(r.true_count) }));
}
