// Row types of every table, as Kysely sees them. Kept in step with the migrations.
import type { ColumnType, Generated, JSONColumnType } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
/** Millisecond precision (the column default truncates), so (time, id) cursors round-trip through JavaScript dates. */
type CursorTime = ColumnType<Date, Date | undefined, never>;

export interface BetaUsersTable {
  id: Generated<string>;
  email: string;
  invite_code: string;
  /** Per-flag overrides: true/false for boolean flags, a variant's name to pin one of a typed flag's variants. */
  flag_set: JSONColumnType<Record<string, boolean | string>, string | undefined, string>;
  joined_at: Timestamp;
  redeemed_at: Date | null;
  is_active: Generated<boolean>;
  role: Generated<'TESTER' | 'ADMIN'>;
  notes: string | null;
  source: Generated<'admin' | 'feedback' | 'import' | 'waitlist'>;
  created_at: CursorTime;
  updated_at: Timestamp;
  /** When the address was confirmed (invite redeemed, link followed); null for testers created by public feedback. */
  verified_at: Date | null;
  /** When an invite mail last went out. */
  invited_at: Date | null;
  /** The tester's last request with a tester session (written at most once a minute). */
  last_seen_at: Date | null;
  /** Set when the tester left the program and their personal data was erased. */
  erased_at: Date | null;
}

export interface FeatureFlagsTable {
  id: Generated<string>;
  name: string;
  description: Generated<string>;
  is_enabled: Generated<boolean>;
  rollout_percentage: Generated<number>;
  target_users: JSONColumnType<string[], string | undefined, string>;
  conditions: JSONColumnType<unknown[], string | undefined, string>;
  permanent: Generated<boolean>;
  /** Since when the flag has been on for everyone (enabled at 100 %); null otherwise. */
  full_rollout_since: Date | null;
  version: Generated<number>;
  created_by: string | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
  /** Listed for testers in their portal, with the public title, description and stage. */
  early_access: Generated<boolean>;
  public_title: string | null;
  public_description: string | null;
  stage: 'alpha' | 'beta' | 'preview' | null;
  /** Evaluated for client keys (web pages); other flags answer them as missing. */
  client_visible: Generated<boolean>;
  /** What the flag serves: `boolean` (on/off) or one of its variants' values. */
  value_type: Generated<'boolean' | 'string' | 'number' | 'object'>;
  /** `[{ name, value, weight, overrides }]` in order; empty for boolean flags. */
  variants: JSONColumnType<StoredVariant[], string | undefined, string>;
  /** The variant served when the flag is off or does not match; null for boolean flags. */
  default_variant: string | null;
  /** The context attribute rollout buckets and variant choices hash (`targetingKey` unless set). */
  stickiness: Generated<string>;
  /** Rules checked in order before the main rule (validated by features/flags/rules.ts), and the main rule's segments. */
  rules: JSONColumnType<unknown[], string | undefined, string>;
  segments: JSONColumnType<string[], string | undefined, string>;
}

/** A named, reusable set of conditions that flag rules refer to. */
export interface SegmentsTable {
  name: string;
  description: Generated<string>;
  conditions: JSONColumnType<unknown[], string | undefined, string>;
  version: Generated<number>;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

/** A variant as stored on a typed flag. */
export interface StoredVariant {
  name: string;
  value: unknown;
  weight: number;
  /** Targeting keys and emails pinned to this variant. */
  overrides: string[];
}

export interface FlagEvaluationsHourlyTable {
  flag_name: string;
  hour: Date;
  value: boolean;
  /** '' for boolean flags; the variant served otherwise. */
  variant: Generated<string>;
  count: ColumnType<string, number | bigint, number | bigint>;
}

export interface BetaFeedbackTable {
  id: Generated<string>;
  user_id: string | null;
  email: string | null;
  rating: number;
  feature: string | null;
  comment: string | null;
  metadata: JSONColumnType<Record<string, unknown>, string | null | undefined, string | null> | null;
  /** Flag name → the variant its author was seeing; null when none were reported. */
  variants: JSONColumnType<Record<string, string>, string | null | undefined, string | null> | null;
  created_at: CursorTime;
}

/** A view: the counter slots of a day, feature and rating summed (groups with a count above 0). */
export interface FeedbackStatsDailyTable {
  /** UTC day, as `YYYY-MM-DD`. */
  day: ColumnType<string, never, never>;
  /** '' for feedback without a feature. */
  feature: ColumnType<string, never, never>;
  rating: ColumnType<number, never, never>;
  count: ColumnType<string, never, never>;
}

/** Feedback counts per UTC day, feature and rating, spread over slots so concurrent writers rarely share a row. */
export interface FeedbackStatSlotsTable {
  /** UTC day, as `YYYY-MM-DD`. */
  day: ColumnType<string, string, string>;
  /** '' for feedback without a feature. */
  feature: string;
  rating: number;
  /** 0–63: a database session adds to slot `pg_backend_pid() % 64`; past days are rolled up into 0. */
  slot: number;
  count: ColumnType<string, number | bigint, number | bigint>;
}

export interface IdempotencyKeysTable {
  scope: string;
  /** A digest of who sent the key (client address or credential); '' for keys stored before callers were kept. */
  caller: ColumnType<string, string | undefined, string>;
  key: string;
  request_hash: string;
  status: number | null;
  response: ColumnType<unknown, string | null | undefined, string | null>;
  created_at: CreatedAt;
}

export interface SystemMetricsTable {
  id: Generated<string>;
  recorded_at: Timestamp;
  instance_id: string;
  cpu_percent: number;
  memory_percent: number;
  rss_bytes: ColumnType<string, number | bigint, number | bigint>;
  heap_used_bytes: ColumnType<string, number | bigint, number | bigint>;
  disk_percent: number | null;
  event_loop_lag_ms: number;
  request_count: number;
  error_count: number;
  request_rate: number;
  http_p95_ms: number;
  db_p95_ms: number;
  db_reachable: boolean;
  pool_total: number;
  pool_idle: number;
  pool_waiting: number;
  /** Mean response time over the collector's sliding window; null on rows written before it was recorded. */
  http_mean_ms: number | null;
}

export interface AuditLogTable {
  id: Generated<string>;
  at: CursorTime;
  actor: string;
  action: string;
  entity_type: string;
  entity_id: string | null;
  before: ColumnType<unknown, string | null | undefined, never>;
  after: ColumnType<unknown, string | null | undefined, never>;
  request_id: string | null;
  /** Set on a row that counts repeats (`after.count`): the event, the client and the window it stands for. */
  fold_key: ColumnType<string | null, string | null | undefined, never>;
  /** What the person said about the change when they reviewed it (header `X-Change-Comment`). */
  comment: ColumnType<string | null, string | null | undefined, never>;
}

export type TokenScope = 'evaluate' | 'monitor' | 'admin' | 'client' | 'sync';

export interface ApiTokensTable {
  id: Generated<string>;
  name: string;
  token_hash: string;
  token_prefix: string;
  scope: TokenScope;
  created_by: string;
  created_at: CreatedAt;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

export interface SessionsTable {
  id_hash: string;
  email: string;
  role: 'OWNER' | 'ADMIN';
  issuer: string;
  subject: string;
  csrf_token: string;
  created_at: CreatedAt;
  last_seen_at: Timestamp;
  expires_at: Date;
  user_agent: string | null;
  ip: string | null;
}

export interface LoginLinksTable {
  id: Generated<string>;
  token_hash: string;
  email: string;
  created_at: CreatedAt;
  expires_at: Date;
  used_at: Date | null;
}

/** The provider account an owner or admin address is bound to since its first sign-in. */
export interface ConsoleIdentitiesTable {
  /** The address in comparison form (`emailKey`). */
  email: string;
  issuer: string;
  subject: string;
  bound_at: CreatedAt;
}

export interface AlertsTable {
  id: Generated<string>;
  rule: string;
  instance_id: string;
  state: 'open' | 'resolved';
  value: number;
  threshold: number;
  message: string;
  first_seen: Timestamp;
  last_seen: Timestamp;
  resolved_at: Date | null;
}

export interface AdminRequestsHourlyTable {
  hour: Date;
  /** `unidentified`: served without an identified admin caller, an authentication bypass incident. */
  outcome: 'refused' | 'served' | 'unidentified';
  actor: string;
  count: ColumnType<string, number | bigint, number | bigint>;
}

export interface AdminPageViewsDailyTable {
  /** UTC day, as `YYYY-MM-DD`. */
  day: ColumnType<string, string, string>;
  actor: string;
  views: ColumnType<string, number | bigint, number | bigint>;
}

export interface FlagTesterReachTable {
  flag_name: string;
  user_id: string;
  first_evaluated_at: Date;
  last_evaluated_at: Date;
}

export interface TesterSessionsTable {
  id_hash: string;
  user_id: string;
  csrf_token: string;
  created_at: CreatedAt;
  last_seen_at: Timestamp;
  expires_at: Date;
}

export interface WaitlistTable {
  id: Generated<string>;
  email: string;
  status: Generated<'pending' | 'confirmed' | 'approved'>;
  user_id: string | null;
  created_at: CursorTime;
  confirmed_at: Date | null;
  approved_at: Date | null;
}

/** One-time links for testers: stored hashed, single use. */
export interface TesterLinksTable {
  token_hash: string;
  purpose: 'sign_in' | 'confirm';
  user_id: string | null;
  waitlist_id: string | null;
  created_at: CreatedAt;
  expires_at: Date;
  used_at: Date | null;
}

export interface MailOutboxTable {
  id: Generated<string>;
  kind: 'invite' | 'sign_in' | 'confirm';
  to_masked: string;
  user_id: string | null;
  status: Generated<'queued' | 'sent' | 'failed'>;
  attempts: Generated<number>;
  last_error: string | null;
  created_at: CursorTime;
  sent_at: Date | null;
}

/** Exposures of a flag's variant to one subject (a digest of the targeting key), added to in batches. */
export interface FlagVariantExposuresTable {
  flag_name: string;
  variant: string;
  subject: string;
  exposures: ColumnType<string, number, number>;
  first_seen: Date;
  last_seen: Date;
}

export interface DatabaseSchema {
  beta_users: BetaUsersTable;
  feature_flags: FeatureFlagsTable;
  flag_evaluations_hourly: FlagEvaluationsHourlyTable;
  beta_feedback: BetaFeedbackTable;
  feedback_stats_daily: FeedbackStatsDailyTable;
  feedback_stat_slots: FeedbackStatSlotsTable;
  idempotency_keys: IdempotencyKeysTable;
  system_metrics: SystemMetricsTable;
  audit_log: AuditLogTable;
  api_tokens: ApiTokensTable;
  sessions: SessionsTable;
  login_links: LoginLinksTable;
  console_identities: ConsoleIdentitiesTable;
  alerts: AlertsTable;
  admin_requests_hourly: AdminRequestsHourlyTable;
  admin_page_views_daily: AdminPageViewsDailyTable;
  flag_tester_reach: FlagTesterReachTable;
  tester_sessions: TesterSessionsTable;
  waitlist: WaitlistTable;
  tester_links: TesterLinksTable;
  mail_outbox: MailOutboxTable;
  flag_variant_exposures: FlagVariantExposuresTable;
  scheduled_changes: ScheduledChangesTable;
  release_plans: ReleasePlansTable;
  flag_signals_hourly: FlagSignalsHourlyTable;
  segments: SegmentsTable;
}

/** A flag change due at `run_at`, claimed by one instance (`running`) and applied once. */
export interface ScheduledChangesTable {
  id: Generated<string>;
  flag_name: string;
  run_at: Timestamp;
  /** The flag patch to apply (kill switch, rollout percentage, target users). */
  change: JSONColumnType<Record<string, unknown>, string, string>;
  /** Refuse to run when the flag's version is no longer this one (null: run over any version). */
  expected_version: number | null;
  status: ColumnType<'pending' | 'running' | 'done' | 'failed' | 'cancelled', string | undefined, string>;
  created_by: string;
  created_at: ColumnType<Date, Date, never>;
  updated_at: Timestamp;
  claimed_by: string | null;
  claimed_at: Date | null;
  ran_at: Date | null;
  result_version: number | null;
  error: string | null;
}

/** One flag's release plan: ordered steps, guards, and where the plan stands. */
export interface ReleasePlansTable {
  flag_name: string;
  id: Generated<string>;
  steps: JSONColumnType<Array<{ percentage: number; min_duration: string; min_duration_s: number }>, string, string>;
  guards: JSONColumnType<unknown[], string, string>;
  status: 'running' | 'paused' | 'done' | 'aborted';
  /** The step last applied; -1 before the first. */
  current_step: Generated<number>;
  /** Set while a step's flag write is in flight (so a crash in between is recognised from the audit log). */
  applying_step: number | null;
  skip_requested: Generated<boolean>;
  /** By the application clock: when the current step's minimum duration began. */
  step_started_at: Date | null;
  /** By the database clock (which stamps ratings and signals): where the guards' window begins. */
  window_started_at: Date | null;
  /** The flag version the plan last wrote or accepted: a newer one means a change by hand. */
  flag_version: number | null;
  initial_percentage: number;
  /** Why the plan needs a person (paused by a guard or a change by hand), else null. */
  attention: string | null;
  readings: ColumnType<unknown[] | null, string | null | undefined, string | null>;
  lease_until: Date | null;
  leased_by: string | null;
  version: Generated<number>;
  created_by: string;
  created_at: ColumnType<Date, Date, never>;
  updated_at: Timestamp;
}

/** Errors and successes applications report for a flag, per hour (database clock) and variant ('' for none). */
export interface FlagSignalsHourlyTable {
  flag_name: string;
  hour: Date;
  variant: string;
  kind: 'error' | 'success';
  count: ColumnType<string, number | bigint, number | bigint>;
}
