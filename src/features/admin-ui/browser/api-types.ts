// The JSON the console's modules read, typed from the routes' own TypeBox schemas where those are
// exported, so a changed response fails the type check here. Types only: nothing of this reaches
// the browser. The rest mirror their route's schema by hand and say which one.
import type { Static } from 'typebox';
import type { TesterImportResponse, TesterOut, TesterSummary as TesterSummarySchema } from '../../beta-users/beta-users.schemas.js';
import type { DbReportSchema } from '../../db-insights/db-insights.routes.js';
import type { FeedbackAnalyticsResponse, FeedbackOut } from '../../feedback/feedback.schemas.js';
import type { FlagAdoption, FlagDetailResponse, FlagOut } from '../../flags/flags.schemas.js';

type Nullable<T> = T | null;

/** A page of a cursor-paginated admin list. */
export interface Page<T> {
  items: T[];
  next_cursor: Nullable<string>;
}

/** GET /api/admin/db/report */
export type DbReport = Static<typeof DbReportSchema>;

/** A tester, as the testers API answers. */
export type Tester = Static<typeof TesterOut>;
/** GET /api/admin/users/summary */
export type TesterSummary = Static<typeof TesterSummarySchema>;
/** POST /api/admin/users/import */
export type ImportResult = Static<typeof TesterImportResponse>;

export type Feedback = Static<typeof FeedbackOut>;
/** GET /api/admin/feedback/analytics */
export type FeedbackAnalytics = Static<typeof FeedbackAnalyticsResponse>;

// mirrors src/features/flags/conditions.ts Condition (the flag schemas type conditions as unknown[])
export interface Condition {
  attribute: string;
  operator: string;
  values: Array<string | number | boolean>;
}

/** A flag, its conditions as the flags API validates them. */
export type Flag = Omit<Static<typeof FlagOut>, 'conditions'> & { conditions: Condition[] };
export type Adoption = Static<typeof FlagAdoption>;
/** GET /api/admin/flags: each flag with its adoption. */
export type FlagWithAdoption = Flag & { adoption: Adoption };
/** GET /api/admin/flags/:name */
export type FlagDetail = Flag & Omit<Static<typeof FlagDetailResponse>, keyof Static<typeof FlagOut>>;

// mirrors src/features/flags/evaluate.ts Explanation (POST /api/admin/flags/:name/explain has no response schema)
export interface Explanation {
  value: boolean;
  reason: string;
  errorCode?: string;
  bucket?: number;
  steps: Array<{ step: string; detail?: string }>;
}

// mirrors src/features/audit/audit.routes.ts AuditItem
export interface AuditEntry {
  id: string;
  at: string;
  actor: string;
  action: string;
  entity_type: string;
  entity_id: Nullable<string>;
  before: unknown;
  after: unknown;
  request_id: Nullable<string>;
}

// mirrors src/features/health/health.routes.ts Check
export interface HealthCheck {
  componentType: string;
  observedValue?: number | string | boolean;
  observedUnit?: string;
  status: string;
  time: string;
  output?: string;
}

// mirrors src/features/health/health.routes.ts HealthDocumentSchema
export interface HealthDocument {
  status: 'pass' | 'warn' | 'fail';
  version?: string;
  releaseId?: string;
  serviceId?: string;
  description: string;
  checks: Record<string, HealthCheck[]>;
}

// mirrors src/features/health/health.routes.ts Summary
interface LatencySummary {
  count: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

// mirrors src/features/health/health.routes.ts MetricsReport
export interface MetricsReport {
  time: string;
  windowSeconds: number;
  requests: {
    total: number;
    successRate: number;
    errors5xx: number;
    ratePerSecond: number;
    perRoute: Record<string, number>;
    responseTimeMs: LatencySummary;
  };
  database: {
    kind: string;
    reachable: Nullable<boolean>;
    probeLatencyMs: Nullable<number>;
    total: number;
    errors: number;
    queryTimeMs: LatencySummary;
    perType: Record<string, LatencySummary & { total: number }>;
    pool: { max: number; total: number; idle: number; inUse: number; waiting: number };
  };
  system: {
    cpuPercent: number;
    processCpuPercent: number;
    memoryPercent: number;
    memoryTotalBytes: number;
    rssBytes: number;
    heapUsedBytes: number;
    diskPercent: Nullable<number>;
    diskFreeBytes: Nullable<number>;
    eventLoopLagMs: number;
    eventLoopLagP99Ms: number;
    uptimeSeconds: number;
  };
}

// mirrors src/features/health/health.routes.ts SeriesPoint and GET /api/admin/metrics/series response
export interface MetricsSeries {
  range: string;
  bucket_seconds: number;
  from: string;
  to: string;
  points: Array<{
    t: string;
    requests: number;
    requests_per_s: number;
    errors: number;
    http_p95_ms: number;
    db_p95_ms: number;
    cpu_percent: number;
    memory_percent: number;
  }>;
}

/** pass, warn, fail or no_data. */
export type Status = 'pass' | 'warn' | 'fail' | 'no_data';

// mirrors src/features/kpis/kpis.routes.ts Kpi
export interface Kpi {
  key: string;
  label: string;
  value: Nullable<number>;
  unit: string;
  target: string;
  status: Status;
  series: Array<{ t: string; v: Nullable<number> }>;
}

// mirrors src/features/kpis/kpis.routes.ts KpiReport (the part the dashboard reads)
export interface KpiReport {
  window: string;
  from: string;
  to: string;
  kpis: Kpi[];
}

// mirrors src/features/kpis/kpis.routes.ts Alert
export interface Alert {
  id: string;
  rule: string;
  instance_id: string;
  state: 'open' | 'resolved';
  value: number;
  threshold: number;
  message: string;
  first_seen: string;
  last_seen: string;
  resolved_at: Nullable<string>;
}

// mirrors src/features/tokens/tokens.routes.ts TokenItem
export interface ApiToken {
  id: string;
  name: string;
  token_prefix: string;
  scope: string;
  created_by: string;
  created_at: string;
  last_used_at: Nullable<string>;
  revoked_at: Nullable<string>;
}

/** POST /api/admin/tokens: the token itself, shown once. */
export type CreatedToken = ApiToken & { token: string };
