// Explains one slow statement on a connection of its own, after the request that ran it is done.
// Reads are re-executed (EXPLAIN ANALYZE, rolled back) only when that is safe; writes and anything
// with effects outside the transaction are planned only. A plan then feeds the index suggestions.
import { parseSync } from '@libpg-query/parser';
import type { Kysely } from 'kysely';
import type { PoolState } from '../../db/database.js';
import type { DatabaseSchema } from '../../db/schema.js';
import { LOCK_TIMEOUT_MS, explainStatement } from './db-insights.repository.js';
import type { IndexSuggestions } from './index-suggestions.js';
import type { ExplainRoot } from './plan-analysis.js';
import { round } from './shape-stats.js';
import { errorNote, slowQueryEntry, type AnalysisJob, type Explained, type SlowQuery } from './slow-query-entry.js';

export interface ExplainDeps {
  db: Kysely<DatabaseSchema>;
  kind: PoolState['kind'];
  /** Statement timeout for EXPLAIN ANALYZE. */
  explainTimeoutMs: number;
  logger: { warn(obj: object, msg: string): void };
  now: () => number;
  suggestions: Pick<IndexSuggestions, 'suggestFrom'>;
}

/** Statements that take locks or have effects outside the rolled-back transaction are never executed again. */
const UNSAFE_TO_EXECUTE =
  /\bfor\s+(?:no\s+key\s+)?(?:update|share|key\s+share)\b|\b(?:pg_advisory\w*|pg_try_advisory\w*|pg_sleep\w*|pg_notify|set_config|nextval|setval|pg_terminate_backend|pg_cancel_backend|dblink\w*|lo_\w+|pg_read\w*|pg_write\w*)\s*\(/i;

function isSingleStatement(text: string): boolean {
  try {
    return (parseSync(text) as { stmts?: unknown[] }).stmts?.length === 1;
  } catch {
    return false;
  }
}

export async function explainSlowQuery(deps: ExplainDeps, job: AnalysisJob): Promise<SlowQuery> {
  const entry = (explained: Explained, note: string | null, root?: ExplainRoot, started?: number) =>
    slowQueryEntry(job, deps.now, explained, note, root, started);
  if (job.type === 'OTHER') return entry('skipped', 'not a plannable statement');
  // EXPLAIN covers one statement; text with several would run the others as they are.
  if (!isSingleStatement(job.sql)) return entry('skipped', 'several statements in one query');
  const started = deps.now();
  const parameters = job.parameters ?? [];
  const readOnly = job.type === 'SELECT' && !UNSAFE_TO_EXECUTE.test(job.sql);
  // PGlite does not enforce statement_timeout: never re-run there what could outlast it.
  const analyze = readOnly && !(deps.kind === 'pglite' && job.durationMs > deps.explainTimeoutMs);
  const explain = (withAnalyze: boolean) =>
    explainStatement(deps.db, job.sql, parameters, {
      analyze: withAnalyze,
      timeoutMs: deps.explainTimeoutMs,
      lockTimeoutMs: LOCK_TIMEOUT_MS,
    });
  let root: ExplainRoot;
  let explained: Explained = analyze ? 'analyze' : 'plan';
  let note: string | null = analyze
    ? null
    : job.type === 'SELECT'
      ? 'not re-executed: takes locks or has side effects, or would outlast the timeout'
      : 'write: planned, never re-executed';
  try {
    root = await explain(analyze);
  } catch (err) {
    if (!analyze) return entry('failed', errorNote(err), undefined, started);
    try {
      root = await explain(false);
      explained = 'plan';
      note = `EXPLAIN ANALYZE failed (${errorNote(err)}); planned only`;
    } catch (again) {
      return entry('failed', errorNote(again), undefined, started);
    }
  }
  const result = entry(explained, note, root, started);
  await deps.suggestions
    .suggestFrom(job, parameters, root)
    .catch((err: unknown) =>
      deps.logger.warn({ err: { message: errorNote(err) }, fingerprint: job.fingerprint }, 'index suggestion failed'),
    );
  result.analysis_ms = round(deps.now() - started);
  return result;
}
