// Initial schema. Frozen: later changes go in new migrations, never here.
import { sql, type Kysely } from 'kysely';

const UP = [
  `CREATE TABLE beta_users (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email text NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
    invite_code text NOT NULL UNIQUE,
    flag_set jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(flag_set) = 'object'),
    joined_at timestamptz NOT NULL DEFAULT now(),
    redeemed_at timestamptz,
    is_active boolean NOT NULL DEFAULT true,
    role text NOT NULL DEFAULT 'TESTER' CHECK (role IN ('TESTER', 'ADMIN')),
    notes text,
    source text NOT NULL DEFAULT 'admin' CHECK (source IN ('admin', 'feedback', 'import')),
    created_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
    updated_at timestamptz NOT NULL DEFAULT now()
  )`,
  `CREATE UNIQUE INDEX beta_users_email_lower_key ON beta_users (lower(email))`,
  `CREATE INDEX beta_users_created_at_id_idx ON beta_users (created_at, id)`,
  `CREATE INDEX beta_users_role_idx ON beta_users (role) WHERE role <> 'TESTER'`,

  `CREATE TABLE feature_flags (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name text NOT NULL UNIQUE CHECK (name ~ '^[a-z0-9][a-z0-9._-]{0,99}$'),
    description text NOT NULL DEFAULT '',
    is_enabled boolean NOT NULL DEFAULT false,
    rollout_percentage integer NOT NULL DEFAULT 0 CHECK (rollout_percentage BETWEEN 0 AND 100),
    target_users jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(target_users) = 'array'),
    conditions jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(conditions) = 'array'),
    permanent boolean NOT NULL DEFAULT false,
    full_rollout_since timestamptz,
    version integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_by text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
  )`,

  `CREATE TABLE flag_evaluations_hourly (
    flag_name text NOT NULL,
    hour timestamptz NOT NULL,
    value boolean NOT NULL,
    count bigint NOT NULL CHECK (count >= 0),
    PRIMARY KEY (flag_name, hour, value)
  )`,
  `CREATE INDEX flag_evaluations_hourly_hour_idx ON flag_evaluations_hourly (hour)`,

  `CREATE TABLE beta_feedback (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid REFERENCES beta_users (id) ON DELETE SET NULL,
    email text,
    rating smallint NOT NULL CHECK (rating BETWEEN 1 AND 5),
    feature text CHECK (feature IS NULL OR length(feature) BETWEEN 1 AND 64),
    comment text CHECK (comment IS NULL OR length(comment) <= 5000),
    metadata jsonb CHECK (metadata IS NULL OR jsonb_typeof(metadata) = 'object'),
    created_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now())
  )`,
  `CREATE INDEX beta_feedback_created_at_id_idx ON beta_feedback (created_at DESC, id DESC)`,
  `CREATE INDEX beta_feedback_feature_created_at_idx ON beta_feedback (feature, created_at DESC)`,
  `CREATE INDEX beta_feedback_rating_created_at_idx ON beta_feedback (rating, created_at DESC)`,
  `CREATE INDEX beta_feedback_user_id_idx ON beta_feedback (user_id, created_at DESC)`,

  `CREATE TABLE feedback_stats_daily (
    day date NOT NULL,
    feature text NOT NULL DEFAULT '',
    rating smallint NOT NULL CHECK (rating BETWEEN 1 AND 5),
    count bigint NOT NULL CHECK (count >= 0),
    PRIMARY KEY (day, feature, rating)
  )`,

  `CREATE TABLE idempotency_keys (
    scope text NOT NULL,
    key text NOT NULL CHECK (length(key) BETWEEN 1 AND 200),
    request_hash text NOT NULL,
    status integer,
    response jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (scope, key)
  )`,
  `CREATE INDEX idempotency_keys_created_at_idx ON idempotency_keys (created_at)`,

  `CREATE TABLE system_metrics (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    recorded_at timestamptz NOT NULL DEFAULT now(),
    instance_id text NOT NULL,
    cpu_percent real NOT NULL,
    memory_percent real NOT NULL,
    rss_bytes bigint NOT NULL,
    heap_used_bytes bigint NOT NULL,
    disk_percent real,
    event_loop_lag_ms real NOT NULL,
    request_count integer NOT NULL,
    error_count integer NOT NULL,
    request_rate real NOT NULL,
    http_p95_ms real NOT NULL,
    db_p95_ms real NOT NULL,
    db_reachable boolean NOT NULL,
    pool_total integer NOT NULL,
    pool_idle integer NOT NULL,
    pool_waiting integer NOT NULL
  )`,
  `CREATE INDEX system_metrics_recorded_at_idx ON system_metrics (recorded_at)`,
  `CREATE INDEX system_metrics_instance_recorded_at_idx ON system_metrics (instance_id, recorded_at)`,

  `CREATE TABLE audit_log (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    -- Millisecond precision: the (at, id) pagination cursor round-trips through JavaScript dates.
    at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
    actor text NOT NULL,
    action text NOT NULL,
    entity_type text NOT NULL,
    entity_id text,
    before jsonb,
    after jsonb,
    request_id text
  )`,
  `CREATE INDEX audit_log_at_id_idx ON audit_log (at DESC, id DESC)`,
  `CREATE INDEX audit_log_actor_at_idx ON audit_log (actor, at DESC)`,
  `CREATE INDEX audit_log_entity_at_idx ON audit_log (entity_type, entity_id, at DESC)`,

  `CREATE TABLE api_tokens (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    token_hash text NOT NULL UNIQUE,
    token_prefix text NOT NULL,
    scope text NOT NULL CHECK (scope IN ('evaluate', 'monitor', 'admin')),
    created_by text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at timestamptz
  )`,

  `CREATE TABLE sessions (
    id_hash text PRIMARY KEY,
    email text NOT NULL,
    role text NOT NULL CHECK (role IN ('OWNER', 'ADMIN')),
    issuer text NOT NULL,
    subject text NOT NULL,
    csrf_token text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    user_agent text,
    ip text
  )`,
  `CREATE INDEX sessions_email_idx ON sessions (lower(email))`,
  `CREATE INDEX sessions_expires_at_idx ON sessions (expires_at)`,

  `CREATE TABLE login_links (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    token_hash text NOT NULL UNIQUE,
    email text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at timestamptz
  )`,
  `CREATE INDEX login_links_expires_at_idx ON login_links (expires_at)`,
];

const DOWN = [
  'login_links',
  'sessions',
  'api_tokens',
  'audit_log',
  'system_metrics',
  'idempotency_keys',
  'feedback_stats_daily',
  'beta_feedback',
  'flag_evaluations_hourly',
  'feature_flags',
  'beta_users',
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of UP) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of DOWN) await sql.raw(`DROP TABLE IF EXISTS ${table}`).execute(db);
}
