// SQL for success metrics and alerts: aggregates over system_metrics, feedback, testers, flag
// counts and the audit log; the counters this feature keeps; the alerts table.
import { sql, type Kysely, type Selectable } from 'kysely';
import type { AlertsTable, DatabaseSchema } from '../../db/schema.js';

type Db = Kysely<DatabaseSchema>;
export type AlertRow = Selectable<AlertsTable>;

/** A time range `[from, to)` cut into buckets of `stepS` seconds starting at `from`. */
export interface Range {
  from: Date;
  to: Date;
  stepS: number;
}

const binOf = (column: string, range: Range) =>
  sql<Date>`date_bin(${sql.lit(Math.trunc(range.stepS))} * interval '1 second', ${sql.ref(column)}, ${range.from}::timestamptz)`;

export interface SampleBucket {
  instance_id: string;
  bucket: Date;
  samples: number;
  ok: number;
  /** Samples an instance should have written but did not (gaps longer than 1.5 intervals). */
  missed: number;
}

/** Health samples per instance and bucket, with the samples missing from gaps in each instance's series. */
export async function sampleBuckets(db: Db, range: Range, intervalS: number): Promise<SampleBucket[]> {
  const interval = sql.lit(intervalS);
  const result = await sql<SampleBucket>`
    WITH s AS (
      SELECT instance_id, ${binOf('recorded_at', range)} AS bucket, db_reachable,
        extract(epoch FROM recorded_at - lag(recorded_at) OVER (PARTITION BY instance_id ORDER BY recorded_at))::float8 AS gap_s
      FROM system_metrics
      WHERE recorded_at >= ${range.from} AND recorded_at < ${range.to}
    )
    SELECT instance_id, bucket, count(*)::int AS samples, (count(*) FILTER (WHERE db_reachable))::int AS ok,
      coalesce(sum(CASE WHEN gap_s > 1.5 * ${interval} THEN round(gap_s / ${interval}) - 1 ELSE 0 END), 0)::int AS missed
    FROM s
    GROUP BY instance_id, bucket
    ORDER BY instance_id, bucket`.execute(db);
  return result.rows;
}

export interface FleetHealth {
  /**
   * Where the fleet's record in the range starts: the range's start when any sample (of any
   * instance) precedes it, else the range's first sample; null when there is none.
   */
  since: Date | null;
  /**
   * Consecutive serving samples of the fleet (any instance, database reachable) more than 1.5
   * intervals apart up to the range's end, the earlier possibly before the range; `from` is null
   * for the first serving sample when none precedes it.
   */
  gaps: Array<{ from: Date | null; to: Date }>;
  /** The fleet's latest serving sample before the range's end (possibly before the range). */
  lastOk: Date | null;
}

/** The fleet's serving samples as gaps: what the fleet-wide uptime is computed from (see kpi-compute). */
export async function fleetHealth(db: Db, range: Range, intervalS: number): Promise<FleetHealth> {
  const bounds = await sql<{ since: Date | null; last_ok: Date | null }>`
    SELECT
      CASE WHEN EXISTS (SELECT 1 FROM system_metrics WHERE recorded_at < ${range.from}) THEN ${range.from}::timestamptz
        ELSE (SELECT min(recorded_at) FROM system_metrics WHERE recorded_at >= ${range.from} AND recorded_at < ${range.to}) END AS since,
      (SELECT max(recorded_at) FROM system_metrics WHERE db_reachable AND recorded_at < ${range.to}) AS last_ok`.execute(db);
  const { since, last_ok } = bounds.rows[0]!;
  if (since === null) return { since: null, gaps: [], lastOk: null };
  const gaps = await sql<{ from: Date | null; to: Date }>`
    WITH ok AS (
      SELECT recorded_at AS at,
        coalesce(lag(recorded_at) OVER (ORDER BY recorded_at),
          (SELECT max(recorded_at) FROM system_metrics WHERE db_reachable AND recorded_at < ${range.from})) AS prev
      FROM system_metrics
      WHERE db_reachable AND recorded_at >= ${range.from} AND recorded_at < ${range.to}
    )
    SELECT prev AS "from", at AS "to" FROM ok
    WHERE prev IS NULL OR extract(epoch FROM at - prev) > 1.5 * ${sql.lit(intervalS)}
    ORDER BY at`.execute(db);
  return {
    since: new Date(since),
    gaps: gaps.rows.map((g) => ({ from: g.from && new Date(g.from), to: new Date(g.to) })),
    lastOk: last_ok && new Date(last_ok),
  };
}

export interface LatencyFigures {
  /** Null for the figures over the whole range. */
  bucket: Date | null;
  db_p95_ms: number | null;
  api_p95_ms: number | null;
  api_avg_ms: number | null;
}

/**
 * Per bucket and over the whole range: the 95th percentile of the samples' database p95, the 95th
 * percentile of their response-time p95 (samples that saw requests), and the request-weighted mean
 * response time.
 */
export async function latencyFigures(db: Db, range: Range): Promise<LatencyFigures[]> {
  const result = await sql<LatencyFigures>`
    WITH s AS (
      SELECT ${binOf('recorded_at', range)} AS bucket, db_p95_ms, http_p95_ms, http_mean_ms, request_count
      FROM system_metrics
      WHERE recorded_at >= ${range.from} AND recorded_at < ${range.to}
    )
    SELECT bucket,
      (percentile_cont(0.95) WITHIN GROUP (ORDER BY db_p95_ms))::float8 AS db_p95_ms,
      (percentile_cont(0.95) WITHIN GROUP (ORDER BY http_p95_ms) FILTER (WHERE request_count > 0))::float8 AS api_p95_ms,
      (sum(http_mean_ms::float8 * request_count) FILTER (WHERE http_mean_ms IS NOT NULL)
        / nullif(sum(request_count) FILTER (WHERE http_mean_ms IS NOT NULL), 0))::float8 AS api_avg_ms
    FROM s
    GROUP BY GROUPING SETS ((bucket), ())
    ORDER BY bucket NULLS FIRST`.execute(db);
  return result.rows;
}

export interface AdminRequestHour {
  hour: Date;
  outcome: 'refused' | 'served' | 'unidentified';
  count: number;
}

/** Admin request counts per hour and outcome for the hours overlapping the range. */
export async function adminRequestHours(db: Db, range: Range): Promise<AdminRequestHour[]> {
  return db
    .selectFrom('admin_requests_hourly')
    .select(['hour', 'outcome', sql<number>`sum(count)::float8`.as('count')])
    .where('hour', '>', new Date(range.from.getTime() - 3_600_000))
    .where('hour', '<', range.to)
    .groupBy(['hour', 'outcome'])
    .orderBy('hour')
    .execute();
}

export interface CountBucket {
  bucket: Date;
  count: number;
}

/** Refused and failed sign-ins per bucket, from the audit log; a row folding repeats counts as its `count`. */
export async function refusedSignInBuckets(db: Db, range: Range): Promise<CountBucket[]> {
  const result = await sql<CountBucket>`
    SELECT bucket, sum(n)::int AS count
    FROM (
      SELECT ${binOf('at', range)} AS bucket,
        CASE WHEN jsonb_typeof(after -> 'count') = 'number' THEN (after ->> 'count')::numeric ELSE 1 END AS n
      FROM audit_log
      WHERE at >= ${range.from} AND at < ${range.to} AND action IN ('auth.sign_in_refused', 'auth.sign_in_failed')
    ) a
    GROUP BY bucket
    ORDER BY bucket`.execute(db);
  return result.rows;
}

export interface FeedbackBucket {
  bucket: Date;
  count: number;
}

export async function feedbackBuckets(db: Db, range: Range): Promise<FeedbackBucket[]> {
  const result = await sql<FeedbackBucket>`
    SELECT bucket, count(*)::int AS count
    FROM (SELECT ${binOf('created_at', range)} AS bucket FROM beta_feedback WHERE created_at >= ${range.from} AND created_at < ${range.to}) f
    GROUP BY bucket
    ORDER BY bucket`.execute(db);
  return result.rows;
}

export interface TesterFigures {
  /** Active beta users. */
  active: number;
  /** Active beta users who submitted feedback or had a flag evaluated since `from`. */
  engaged: number;
  /** Beta users invited by an admin (added or imported). */
  invited: number;
  redeemed: number;
}

export async function testerFigures(db: Db, from: Date, to: Date): Promise<TesterFigures> {
  const result = await sql<TesterFigures>`
    SELECT
      (SELECT count(*) FROM beta_users WHERE is_active)::int AS active,
      (SELECT count(*) FROM beta_users u WHERE u.is_active AND (
        EXISTS (SELECT 1 FROM beta_feedback f WHERE f.user_id = u.id AND f.created_at >= ${from} AND f.created_at < ${to})
        OR EXISTS (SELECT 1 FROM flag_tester_reach r WHERE r.user_id = u.id AND r.last_evaluated_at >= ${from})
      ))::int AS engaged,
      (SELECT count(*) FROM beta_users WHERE source IN ('admin', 'import'))::int AS invited,
      (SELECT count(*) FROM beta_users WHERE source IN ('admin', 'import') AND redeemed_at IS NOT NULL)::int AS redeemed`.execute(db);
  return result.rows[0]!;
}

export interface FlagFigures {
  name: string;
  evaluations: number;
  true_count: number;
  testers_reached: number;
}

/** Every flag with its evaluations in the hours overlapping the range and the active testers it reached since `from`. */
export async function flagFigures(db: Db, range: Range): Promise<FlagFigures[]> {
  const result = await sql<FlagFigures>`
    SELECT f.name, coalesce(e.evaluations, 0)::float8 AS evaluations, coalesce(e.true_count, 0)::float8 AS true_count,
      coalesce(r.testers, 0)::int AS testers_reached
    FROM feature_flags f
    LEFT JOIN (
      SELECT flag_name, sum(count) AS evaluations, coalesce(sum(count) FILTER (WHERE value), 0) AS true_count
      FROM flag_evaluations_hourly
      WHERE hour > ${new Date(range.from.getTime() - 3_600_000)} AND hour < ${range.to}
      GROUP BY flag_name
    ) e ON e.flag_name = f.name
    LEFT JOIN (
      SELECT r.flag_name, count(*) AS testers
      FROM flag_tester_reach r JOIN beta_users u ON u.id = r.user_id AND u.is_active
      WHERE r.last_evaluated_at >= ${range.from}
      GROUP BY r.flag_name
    ) r ON r.flag_name = f.name
    ORDER BY f.name`.execute(db);
  return result.rows;
}

export interface ConsoleDay {
  actor: string;
  day: string;
  count: number;
}

/** Console page views per admin and UTC day, for the days overlapping the range. */
export async function pageViewDays(db: Db, range: Range): Promise<ConsoleDay[]> {
  return db
    .selectFrom('admin_page_views_daily')
    .select(['actor', sql<string>`to_char(day, 'YYYY-MM-DD')`.as('day'), sql<number>`views::float8`.as('count')])
    .where(sql<boolean>`day >= (${range.from}::timestamptz AT TIME ZONE 'UTC')::date`)
    .where(sql<boolean>`day <= (${range.to}::timestamptz AT TIME ZONE 'UTC')::date`)
    .execute();
}

/** Audited changes per person (not tokens or the CLI; sign-ins excluded) and UTC day in the range. */
export async function actionDays(db: Db, range: Range): Promise<ConsoleDay[]> {
  const result = await sql<ConsoleDay>`
    SELECT actor, to_char((at AT TIME ZONE 'UTC')::date, 'YYYY-MM-DD') AS day, count(*)::int AS count
    FROM audit_log
    WHERE at >= ${range.from} AND at < ${range.to} AND actor LIKE '%@%' AND action NOT LIKE 'auth.%'
    GROUP BY 1, 2`.execute(db);
  return result.rows;
}

// Counters this feature keeps.

export interface AdminRequestCount {
  hour: Date;
  outcome: 'refused' | 'served' | 'unidentified';
  actor: string;
  count: number;
}

export async function addAdminRequestCounts(db: Db, rows: AdminRequestCount[]): Promise<void> {
  if (rows.length === 0) return;
  await db
    .insertInto('admin_requests_hourly')
    .values(rows)
    .onConflict((oc) => oc.columns(['hour', 'outcome', 'actor']).doUpdateSet({ count: sql`admin_requests_hourly.count + excluded.count` }))
    .execute();
}

export interface PageViewCount {
  day: string;
  actor: string;
  views: number;
}

export async function addPageViewCounts(db: Db, rows: PageViewCount[]): Promise<void> {
  if (rows.length === 0) return;
  await db
    .insertInto('admin_page_views_daily')
    .values(rows)
    .onConflict((oc) => oc.columns(['day', 'actor']).doUpdateSet({ views: sql`admin_page_views_daily.views + excluded.views` }))
    .execute();
}

export interface EvaluationSubject {
  flag: string;
  /** A targeting key or an email (lower case). */
  subject: string;
  at: Date;
}

const UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';

/** Records which beta users (matched by id or email) each flag was evaluated for; other subjects are ignored. */
export async function addFlagReach(db: Db, subjects: EvaluationSubject[]): Promise<void> {
  for (let i = 0; i < subjects.length; i += 1000) {
    const chunk = subjects.slice(i, i + 1000);
    const values = sql.join(chunk.map((s) => sql`(${s.flag}::text, ${s.subject}::text, ${s.at}::timestamptz)`));
    await sql`
      WITH s (flag_name, subject, at) AS (VALUES ${values}),
      matched AS (
        SELECT s.flag_name, u.id AS user_id, s.at
        FROM s JOIN beta_users u ON u.id = CASE WHEN s.subject ~ ${UUID_PATTERN} THEN s.subject::uuid END
        UNION ALL
        SELECT s.flag_name, u.id, s.at FROM s JOIN beta_users u ON lower(u.email) = lower(s.subject)
      )
      INSERT INTO flag_tester_reach (flag_name, user_id, first_evaluated_at, last_evaluated_at)
      SELECT flag_name, user_id, min(at), max(at) FROM matched GROUP BY flag_name, user_id
      ON CONFLICT (flag_name, user_id) DO UPDATE
        SET last_evaluated_at = greatest(flag_tester_reach.last_evaluated_at, excluded.last_evaluated_at)`.execute(db);
  }
}

// Alerts.

export interface OpenAlertWrite {
  rule: string;
  instance_id: string;
  value: number;
  threshold: number;
  message: string;
  first_seen: Date;
  last_seen: Date;
}

/** Opens an alert, or refreshes the one already open for its rule and instance; returns its id. */
export async function upsertOpenAlert(db: Db, alert: OpenAlertWrite): Promise<string> {
  const row = await db
    .insertInto('alerts')
    .values({ ...alert, state: 'open' })
    .onConflict((oc) =>
      oc
        .columns(['rule', 'instance_id'])
        .where('state', '=', 'open')
        .doUpdateSet({ value: alert.value, message: alert.message, last_seen: sql`greatest(alerts.last_seen, excluded.last_seen)` }),
    )
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** Resolves the open alert for a rule and instance; returns its id, or undefined when none was open. */
export async function resolveAlert(
  db: Db,
  key: { rule: string; instance_id: string },
  update: { value: number; message: string; resolved_at: Date },
): Promise<string | undefined> {
  const row = await db
    .updateTable('alerts')
    .set({
      state: 'resolved',
      value: update.value,
      message: update.message,
      resolved_at: update.resolved_at,
      last_seen: update.resolved_at,
    })
    .where('rule', '=', key.rule)
    .where('instance_id', '=', key.instance_id)
    .where('state', '=', 'open')
    .returning('id')
    .executeTakeFirst();
  return row?.id;
}

/** Records an alert that opened and resolved while it could not be written. */
export async function insertResolvedAlert(db: Db, alert: OpenAlertWrite & { resolved_at: Date }): Promise<string> {
  const row = await db
    .insertInto('alerts')
    .values({ ...alert, state: 'resolved' })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** Resolves open alerts of other instances that stopped reporting (not seen since `before`). */
export async function resolveSilentAlerts(db: Db, options: { except: string; before: Date; now: Date }): Promise<AlertRow[]> {
  return db
    .updateTable('alerts')
    .set({ state: 'resolved', resolved_at: options.now, message: sql`message || ' (instance stopped reporting)'` })
    .where('state', '=', 'open')
    .where('last_seen', '<', options.before)
    .where('instance_id', '<>', options.except)
    .returningAll()
    .execute();
}

export async function listAlerts(db: Db, state: 'open' | 'resolved' | 'all', limit: number): Promise<AlertRow[]> {
  let query = db.selectFrom('alerts').selectAll();
  if (state !== 'all') query = query.where('state', '=', state);
  return query.orderBy('first_seen', 'desc').orderBy('id', 'desc').limit(limit).execute();
}
