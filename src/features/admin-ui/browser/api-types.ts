// The JSON the console's modules read, typed from the routes' own TypeBox schemas (each feature's
// `*.schemas.ts`, which import nothing but TypeBox), so a changed response fails the type check
// here. Types only: nothing of this reaches the browser.
import type { Static } from 'typebox';
import type { AuditItem, AuditPage as AuditPageSchema } from '../../audit/audit.schemas.js';
import type {
  TesterImportResponse,
  TesterListResponse,
  TesterOut,
  TesterSummary as TesterSummarySchema,
} from '../../beta-users/beta-users.schemas.js';
import type { DbReportSchema } from '../../db-insights/db-insights.schemas.js';
import type { ExperimentResponse } from '../../experiments/experiments.schemas.js';
import type { FeedbackAnalyticsResponse, FeedbackOut } from '../../feedback/feedback.schemas.js';
import type {
  ConditionOperator,
  ContextAttributesResponse,
  FlagAdoption,
  FlagCondition,
  FlagDetailResponse,
  FlagExplanation,
  FlagListResponse,
  FlagOut,
  FlagReachResponse,
  FlagRuleOut,
  SegmentOut,
} from '../../flags/flags.schemas.js';
import type {
  Check,
  HealthDocumentSchema,
  MetricsReport as MetricsReportSchema,
  MetricsSeries as MetricsSeriesSchema,
} from '../../health/health.schemas.js';
import type { Alert as AlertSchema, Kpi as KpiSchema, KpiReport as KpiReportSchema } from '../../kpis/kpis.schemas.js';
import type { ApproveResponse, FunnelOut, WaitlistEntryOut } from '../../testers/testers.schemas.js';
import type {
  PlanList as PlanListSchema,
  PlanOut,
  ScheduleList as ScheduleListSchema,
  ScheduleOut,
} from '../../rollouts/rollouts.schemas.js';
import type { CreatedToken as CreatedTokenSchema, TokenItem } from '../../tokens/tokens.schemas.js';

/** A page of a cursor-paginated admin list. */
export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

/** GET /api/admin/db/report */
export type DbReport = Static<typeof DbReportSchema>;

/** A tester, as the testers API answers. */
export type Tester = Static<typeof TesterOut>;
/** GET /api/admin/users */
export type TesterPage = Static<typeof TesterListResponse>;
/** GET /api/admin/users/summary */
export type TesterSummary = Static<typeof TesterSummarySchema>;
/** POST /api/admin/users/import */
export type ImportResult = Static<typeof TesterImportResponse>;

export type Feedback = Static<typeof FeedbackOut>;
/** GET /api/admin/feedback/analytics */
export type FeedbackAnalytics = Static<typeof FeedbackAnalyticsResponse>;

export type Condition = Static<typeof FlagCondition>;
/** Every operator code a condition may use. */
export type Operator = ConditionOperator;
/** GET /api/admin/flags/:name/reach */
export type FlagReach = Static<typeof FlagReachResponse>;
/** One of a flag's ordered rules. */
export type FlagRule = Static<typeof FlagRuleOut>;
/** A segment with the flags using it (GET /api/admin/segments). */
export type Segment = Static<typeof SegmentOut>;
/** GET /api/admin/contexts/attributes */
export type ContextAttributes = Static<typeof ContextAttributesResponse>;
/** A flag, as creating, editing and toggling answer. */
export type Flag = Static<typeof FlagOut>;
/** A flag's experiment results: per variant, exposures, ratings and the comparison with the control. */
export type Experiment = Static<typeof ExperimentResponse>;
export type Adoption = Static<typeof FlagAdoption>;
/** GET /api/admin/flags: each flag with its adoption. */
export type FlagWithAdoption = Static<typeof FlagListResponse>['items'][number];
/** GET /api/admin/flags/:name */
export type FlagDetail = Static<typeof FlagDetailResponse>;
/** POST /api/admin/flags/:name/explain */
export type Explanation = Static<typeof FlagExplanation>;

/** GET /api/admin/audit (one entry of the page). */
export type AuditEntry = Static<typeof AuditItem>;
/** GET /api/admin/audit */
export type AuditPage = Static<typeof AuditPageSchema>;

/** One check of the health document. */
export type HealthCheck = Static<typeof Check>;
/** GET /health/detailed */
export type HealthDocument = Static<typeof HealthDocumentSchema>;
/** GET /health/metrics */
export type MetricsReport = Static<typeof MetricsReportSchema>;
/** GET /api/admin/metrics/series */
export type MetricsSeries = Static<typeof MetricsSeriesSchema>;

export type Kpi = Static<typeof KpiSchema>;
/** pass, warn, fail or no_data. */
export type Status = Kpi['status'];
/** GET /api/admin/kpis */
export type KpiReport = Static<typeof KpiReportSchema>;
/** One alert of GET /api/admin/alerts. */
export type Alert = Static<typeof AlertSchema>;

/** An API token's summary, as the tokens API answers. */
export type ApiToken = Static<typeof TokenItem>;
/** POST /api/admin/tokens: the token itself, shown once. */
export type CreatedToken = Static<typeof CreatedTokenSchema>;

/** One waitlist entry (GET /api/admin/waitlist). */
export type WaitlistEntry = Static<typeof WaitlistEntryOut>;
/** POST /api/admin/waitlist/approve */
export type WaitlistApproval = Static<typeof ApproveResponse>;
/** GET /api/admin/users/funnel: testers at each step, the last one over 30 days. */
export type TesterFunnel = Static<typeof FunnelOut>;

/** GET /api/admin/flags/:name/plan: a release plan as a timeline, with its guards' last readings. */
export type Plan = Static<typeof PlanOut>;
/** GET /api/admin/plans */
export type PlanList = Static<typeof PlanListSchema>;
/** A scheduled change, as the schedules API answers. */
export type Schedule = Static<typeof ScheduleOut>;
/** GET /api/admin/schedules */
export type ScheduleList = Static<typeof ScheduleListSchema>;
