// SQL for scheduled changes, release plans and reported signals. Due work is claimed with
// `FOR UPDATE SKIP LOCKED` inside one UPDATE, so concurrent instances each take different rows and
// the claim is committed before the flag is written (no transaction is held across that write).
import { sql, type Kysely, type Selectable, type Updateable } from 'kysely';
import type { DatabaseSchema, ReleasePlansTable, ScheduledChangesTable } from '../../db/schema.js';
import type { GuardFigures } from './guards.js';

type Db = Kysely<DatabaseSchema>;
export type ScheduleRow = Selectable<ScheduledChangesTable>;
export type PlanRow = Selectable<ReleasePlansTable>;
export type ScheduleStatus = ScheduleRow['status'];

export interface NewSchedule {
  flag_name: string;
  run_at: Date;
  change: Record<string, unknown>;
  expected_version: number | null;
  created_by: string;
  now: Date;
}

export async function insertSchedule(db: Db, s: NewSchedule): Promise<ScheduleRow> {
  return db
    .insertInto('scheduled_changes')
    .values({
      flag_name: s.flag_name,
      run_at: s.run_at,
      change: JSON.stringify(s.change),
      expected_version: s.expected_version,
      created_by: s.created_by,
      created_at: s.now,
      updated_at: s.now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Newest due time first. */
export async function listSchedules(db: Db, filter: { status?: ScheduleStatus; flag?: string; limit: number }): Promise<ScheduleRow[]> {
  let query = db.selectFrom('scheduled_changes').selectAll();
  if (filter.status) query = query.where('status', '=', filter.status);
  if (filter.flag) query = query.where('flag_name', '=', filter.flag);
  return query.orderBy('run_at', 'desc').orderBy('id').limit(filter.limit).execute();
}

export async function findSchedule(db: Db, id: string): Promise<ScheduleRow | undefined> {
  return db.selectFrom('scheduled_changes').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Changes a schedule that has not run; undefined when it is no longer pending. */
export async function updatePendingSchedule(
  db: Db,
  id: string,
  patch: Updateable<ScheduledChangesTable>,
): Promise<ScheduleRow | undefined> {
  return db
    .updateTable('scheduled_changes')
    .set(patch)
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .returningAll()
    .executeTakeFirst();
}

/**
 * Claims up to `limit` schedules due at `now` for `instanceId`; also those another instance claimed
 * before `staleBefore` and never finished (it died meanwhile: the caller checks the audit log).
 */
export async function claimDueSchedules(
  db: Db,
  c: { now: Date; instanceId: string; staleBefore: Date; limit: number },
): Promise<ScheduleRow[]> {
  const { rows } = await sql<ScheduleRow>`
    UPDATE scheduled_changes SET status = 'running', claimed_by = ${c.instanceId}, claimed_at = ${c.now}, updated_at = ${c.now}
    WHERE id IN (
      SELECT id FROM scheduled_changes
      WHERE (status = 'pending' AND run_at <= ${c.now}) OR (status = 'running' AND claimed_at < ${c.staleBefore})
      ORDER BY run_at, id LIMIT ${c.limit} FOR UPDATE SKIP LOCKED
    )
    RETURNING *`.execute(db);
  return rows;
}

export async function finishSchedule(
  db: Db,
  id: string,
  result: { status: 'done' | 'failed' | 'pending'; now: Date; resultVersion?: number; error?: string },
): Promise<void> {
  const ran = result.status !== 'pending';
  await db
    .updateTable('scheduled_changes')
    .set({
      status: result.status,
      updated_at: result.now,
      ran_at: ran ? result.now : null,
      result_version: result.resultVersion ?? null,
      error: result.error ?? null,
      ...(ran ? {} : { claimed_by: null, claimed_at: null }),
    })
    .where('id', '=', id)
    .where('status', '=', 'running')
    .execute();
}

/** The flag version written by the audited change made under `requestId`, if one was made. */
export async function versionWrittenBy(db: Db, flag: string, requestId: string): Promise<number | undefined> {
  const row = await db
    .selectFrom('audit_log')
    .select('after')
    .where('entity_type', '=', 'flag')
    .where('entity_id', '=', flag)
    .where('request_id', '=', requestId)
    .orderBy('at', 'desc')
    .executeTakeFirst();
  const after = row?.after as { version?: unknown } | null | undefined;
  return typeof after?.version === 'number' ? after.version : undefined;
}

/** Whether the flag exists (an instance's snapshot may not have caught up with a new flag yet). */
export async function flagExists(db: Db, name: string): Promise<boolean> {
  return (await db.selectFrom('feature_flags').select('name').where('name', '=', name).executeTakeFirst()) !== undefined;
}

// Release plans

export async function findPlan(db: Db, flag: string): Promise<PlanRow | undefined> {
  return db.selectFrom('release_plans').selectAll().where('flag_name', '=', flag).executeTakeFirst();
}

export interface NewPlan {
  flag_name: string;
  steps: unknown[];
  guards: unknown[];
  initial_percentage: number;
  created_by: string;
  now: Date;
}

/** Stores a new running plan, replacing a finished or aborted one; undefined when a live plan exists. */
export async function upsertPlan(db: Db, p: NewPlan): Promise<PlanRow | undefined> {
  const values = {
    flag_name: p.flag_name,
    steps: JSON.stringify(p.steps),
    guards: JSON.stringify(p.guards),
    status: 'running' as const,
    initial_percentage: p.initial_percentage,
    created_by: p.created_by,
    created_at: p.now,
    updated_at: p.now,
  };
  const { rows } = await sql<PlanRow>`
    INSERT INTO release_plans (flag_name, steps, guards, status, initial_percentage, created_by, created_at, updated_at)
    VALUES (${values.flag_name}, ${values.steps}::jsonb, ${values.guards}::jsonb, 'running', ${values.initial_percentage},
            ${values.created_by}, ${values.created_at}, ${values.updated_at})
    ON CONFLICT (flag_name) DO UPDATE SET
      id = gen_random_uuid(), steps = excluded.steps, guards = excluded.guards, status = 'running', current_step = -1,
      applying_step = NULL, skip_requested = false, step_started_at = NULL, window_started_at = NULL, flag_version = NULL,
      initial_percentage = excluded.initial_percentage, attention = NULL, readings = NULL, lease_until = NULL, leased_by = NULL,
      version = release_plans.version + 1, created_by = excluded.created_by, created_at = excluded.created_at, updated_at = excluded.updated_at
    WHERE release_plans.status IN ('done', 'aborted')
    RETURNING *`.execute(db);
  return rows[0];
}

/** A person's change to a plan no instance is working on; undefined when the plan is leased (or absent). */
export async function updateIdlePlan(db: Db, flag: string, now: Date, patch: Updateable<ReleasePlansTable>): Promise<PlanRow | undefined> {
  return db
    .updateTable('release_plans')
    .set({ ...patch, updated_at: now, version: sql`version + 1` })
    .where('flag_name', '=', flag)
    .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
    .returningAll()
    .executeTakeFirst();
}

/** Leases the running plans no other instance holds, until `leaseUntil`. */
export async function claimRunningPlans(db: Db, c: { now: Date; instanceId: string; leaseUntil: Date }): Promise<PlanRow[]> {
  const { rows } = await sql<PlanRow>`
    UPDATE release_plans SET lease_until = ${c.leaseUntil}, leased_by = ${c.instanceId}
    WHERE flag_name IN (
      SELECT flag_name FROM release_plans
      WHERE status = 'running' AND (lease_until IS NULL OR lease_until < ${c.now})
      ORDER BY flag_name FOR UPDATE SKIP LOCKED
    )
    RETURNING *`.execute(db);
  return rows;
}

/**
 * Writes a leased plan's progress (keeping or ending the lease); undefined when the lease was lost.
 * `startWindow` sets the guards' window start to the database's clock.
 */
export async function saveLeasedPlan(
  db: Db,
  lease: { flag: string; instanceId: string; now: Date; release: boolean; startWindow?: boolean },
  patch: Updateable<ReleasePlansTable>,
): Promise<PlanRow | undefined> {
  return db
    .updateTable('release_plans')
    .set({
      ...patch,
      updated_at: lease.now,
      version: sql`version + 1`,
      ...(lease.startWindow ? { window_started_at: sql`clock_timestamp()` } : {}),
      ...(lease.release ? { lease_until: null, leased_by: null } : {}),
    })
    .where('flag_name', '=', lease.flag)
    .where('leased_by', '=', lease.instanceId)
    .returningAll()
    .executeTakeFirst();
}

/** Resumes a plan: its current step starts over, the guards' window at the database's clock. */
export async function restartWindow(db: Db, flag: string): Promise<void> {
  await db
    .updateTable('release_plans')
    .set({ window_started_at: sql`clock_timestamp()` })
    .where('flag_name', '=', flag)
    .execute();
}

/** Plans a person should look at: paused ones, and running ones with a guard waiting or failing. */
export async function listPlans(db: Db): Promise<PlanRow[]> {
  return db.selectFrom('release_plans').selectAll().where('status', 'in', ['running', 'paused']).orderBy('flag_name').execute();
}

/** Ratings of the flag's feature, evaluations and reported errors since `since` (database clock). */
export async function guardFigures(db: Db, flag: string, since: Date): Promise<GuardFigures> {
  const ratings = await db
    .selectFrom('beta_feedback')
    .select((eb) => [
      eb.fn.countAll<string>().as('n'),
      eb.fn.avg<string | null>('rating').as('mean'),
      sql<string>`count(*) FILTER (WHERE rating <= 2)`.as('low'),
    ])
    .where('feature', '=', flag)
    .where('created_at', '>=', since)
    .executeTakeFirstOrThrow();
  const hour = sql<Date>`date_trunc('hour', ${since}::timestamptz)`;
  const evaluations = await db
    .selectFrom('flag_evaluations_hourly')
    .select(sql<string>`coalesce(sum(count), 0)`.as('n'))
    .where('flag_name', '=', flag)
    .where('hour', '>=', hour)
    .executeTakeFirstOrThrow();
  const errors = await db
    .selectFrom('flag_signals_hourly')
    .select(sql<string>`coalesce(sum(count), 0)`.as('n'))
    .where('flag_name', '=', flag)
    .where('kind', '=', 'error')
    .where('hour', '>=', hour)
    .executeTakeFirstOrThrow();
  return {
    ratings: Number(ratings.n),
    mean: ratings.mean === null ? null : Number(ratings.mean),
    low: Number(ratings.low),
    evaluations: Number(evaluations.n),
    errors: Number(errors.n),
  };
}

/** Adds reported errors or successes to the current hour (database clock). */
export async function addSignal(db: Db, s: { flag: string; variant: string; kind: 'error' | 'success'; count: number }): Promise<void> {
  await sql`
    INSERT INTO flag_signals_hourly (flag_name, hour, variant, kind, count)
    VALUES (${s.flag}, date_trunc('hour', now()), ${s.variant}, ${s.kind}, ${s.count})
    ON CONFLICT (flag_name, hour, variant, kind) DO UPDATE SET count = flag_signals_hourly.count + excluded.count`.execute(db);
}
