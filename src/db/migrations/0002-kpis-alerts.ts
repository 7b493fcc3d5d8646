// Success metrics and alerting: alerts, admin request and page-view counters, flag reach per
// tester, and the mean response time per collected sample. Frozen once landed.
import { sql, type Kysely } from 'kysely';

const UP = [
  `CREATE TABLE alerts (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    rule text NOT NULL CHECK (length(rule) BETWEEN 1 AND 64),
    instance_id text NOT NULL,
    state text NOT NULL CHECK (state IN ('open', 'resolved')),
    value double precision NOT NULL,
    threshold double precision NOT NULL,
    message text NOT NULL,
    first_seen timestamptz NOT NULL,
    last_seen timestamptz NOT NULL,
    resolved_at timestamptz,
    CHECK ((state = 'resolved') = (resolved_at IS NOT NULL))
  )`,
  // One open alert per condition and instance, however many writers race.
  `CREATE UNIQUE INDEX alerts_open_rule_instance_key ON alerts (rule, instance_id) WHERE state = 'open'`,
  `CREATE INDEX alerts_first_seen_idx ON alerts (first_seen DESC)`,
  `CREATE INDEX alerts_open_last_seen_idx ON alerts (last_seen) WHERE state = 'open'`,

  // Requests to admin routes, counted per hour: refused, served to an identified caller, or served
  // without one (an authentication bypass incident). Never one row per request.
  `CREATE TABLE admin_requests_hourly (
    hour timestamptz NOT NULL,
    outcome text NOT NULL CHECK (outcome IN ('refused', 'served', 'unidentified')),
    actor text NOT NULL,
    count bigint NOT NULL CHECK (count >= 0),
    PRIMARY KEY (hour, outcome, actor)
  )`,

  `CREATE TABLE admin_page_views_daily (
    day date NOT NULL,
    actor text NOT NULL,
    views bigint NOT NULL CHECK (views >= 0),
    PRIMARY KEY (day, actor)
  )`,

  // Which beta testers each flag has been evaluated for, and when last: one row per flag and tester.
  `CREATE TABLE flag_tester_reach (
    flag_name text NOT NULL,
    user_id uuid NOT NULL REFERENCES beta_users (id) ON DELETE CASCADE,
    first_evaluated_at timestamptz NOT NULL,
    last_evaluated_at timestamptz NOT NULL,
    PRIMARY KEY (flag_name, user_id)
  )`,
  `CREATE INDEX flag_tester_reach_last_evaluated_at_idx ON flag_tester_reach (last_evaluated_at)`,
  `CREATE INDEX flag_tester_reach_user_id_idx ON flag_tester_reach (user_id)`,

  `ALTER TABLE system_metrics ADD COLUMN http_mean_ms real`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of UP) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql.raw('ALTER TABLE system_metrics DROP COLUMN IF EXISTS http_mean_ms').execute(db);
  for (const table of ['flag_tester_reach', 'admin_page_views_daily', 'admin_requests_hourly', 'alerts']) {
    await sql.raw(`DROP TABLE IF EXISTS ${table}`).execute(db);
  }
}
