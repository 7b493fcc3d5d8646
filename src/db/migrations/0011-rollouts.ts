// Rollouts that run themselves: flag changes scheduled for a time, release plans (ordered steps
// with guards on ratings and reported errors), and the error/success signals applications report.
// Due work lives here so any instance of a fleet can claim it. Frozen once landed.
import { sql, type Kysely } from 'kysely';

const UP = [
  `CREATE TABLE scheduled_changes (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    flag_name text NOT NULL,
    run_at timestamptz NOT NULL,
    change jsonb NOT NULL,
    expected_version integer,
    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'running', 'done', 'failed', 'cancelled')),
    created_by text NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    claimed_by text,
    claimed_at timestamptz,
    ran_at timestamptz,
    result_version integer,
    error text
  )`,
  `CREATE INDEX scheduled_changes_status_run_at_idx ON scheduled_changes (status, run_at)`,
  `CREATE INDEX scheduled_changes_run_at_idx ON scheduled_changes (run_at DESC, id)`,

  `CREATE TABLE release_plans (
    flag_name text PRIMARY KEY,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    steps jsonb NOT NULL,
    guards jsonb NOT NULL,
    status text NOT NULL CHECK (status IN ('running', 'paused', 'done', 'aborted')),
    current_step integer NOT NULL DEFAULT -1,
    applying_step integer,
    skip_requested boolean NOT NULL DEFAULT false,
    step_started_at timestamptz,
    window_started_at timestamptz,
    flag_version integer,
    initial_percentage integer NOT NULL,
    attention text,
    readings jsonb,
    lease_until timestamptz,
    leased_by text,
    version integer NOT NULL DEFAULT 1,
    created_by text NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
  )`,
  `CREATE INDEX release_plans_status_idx ON release_plans (status)`,

  `CREATE TABLE flag_signals_hourly (
    flag_name text NOT NULL,
    hour timestamptz NOT NULL,
    variant text NOT NULL DEFAULT '',
    kind text NOT NULL CHECK (kind IN ('error', 'success')),
    count bigint NOT NULL,
    PRIMARY KEY (flag_name, hour, variant, kind)
  )`,
];

const DOWN = ['DROP TABLE IF EXISTS flag_signals_hourly', 'DROP TABLE IF EXISTS release_plans', 'DROP TABLE IF EXISTS scheduled_changes'];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of UP) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const statement of DOWN) await sql.raw(statement).execute(db);
}
