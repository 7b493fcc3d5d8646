// A slow statement as the report shows it: its shape, timing and redacted plan. Literal values never
// get in: plans and error messages are redacted, and oversized plans are reduced to their summary.
import type { QueryType } from '../../core/metrics.js';
import { redactPlan, redactText, summarizePlan, type ExplainRoot } from './plan-analysis.js';
import { round } from './shape-stats.js';

export type Explained = 'analyze' | 'plan' | 'skipped' | 'failed';

export interface SlowQuery {
  at: string;
  fingerprint: string;
  query: string;
  type: QueryType;
  duration_ms: number;
  explained: Explained;
  /** Why the plan is missing or was not analysed. */
  note: string | null;
  plan_summary: string | null;
  plan: ExplainRoot | null;
  analysis_started_at: string | null;
  analysis_ms: number | null;
}

/** A slow statement waiting to be explained. */
export interface AnalysisJob {
  sql: string;
  /** Live values: held only until the analysis ends, never stored or logged. */
  parameters: readonly unknown[] | undefined;
  fingerprint: string;
  query: string;
  type: QueryType;
  durationMs: number;
  at: number;
}

const MAX_PLAN_CHARS = 64 * 1024;

/** The report entry for `job`; `started` is when its analysis began, if it did. */
export function slowQueryEntry(
  job: AnalysisJob,
  now: () => number,
  explained: Explained,
  note: string | null,
  root?: ExplainRoot,
  started?: number,
): SlowQuery {
  const redacted = root ? redactPlan(root) : null;
  // 200 entries stay in memory and in every report: a huge plan keeps only its summary.
  const size = redacted ? JSON.stringify(redacted).length : 0;
  const plan = size <= MAX_PLAN_CHARS ? redacted : null;
  if (redacted && !plan) note = [note, `plan of ${Math.round(size / 1024)} kB not kept; summary only`].filter(Boolean).join('; ');
  return {
    at: new Date(job.at).toISOString(),
    fingerprint: job.fingerprint,
    query: job.query,
    type: job.type,
    duration_ms: round(job.durationMs),
    explained,
    note,
    plan_summary: redacted ? summarizePlan(redacted) : null,
    plan,
    analysis_started_at: started === undefined ? null : new Date(started).toISOString(),
    analysis_ms: started === undefined ? null : round(now() - started),
  };
}

/** An error's SQLSTATE and its message with quoted values and numbers removed (messages quote input values). */
export function errorNote(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  const message = redactText(String((err as Error).message ?? err).replace(/"(?:[^"]|"")*"/g, '?')).slice(0, 200);
  return typeof code === 'string' ? `${code}: ${message}` : message;
}
