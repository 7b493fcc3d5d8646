// Query statistics and the database report. The query observer only enqueues; a worker off the
// request path turns events into per-shape statistics, explains slow statements on a connection
// of its own once the pool is quiet, and verifies the index suggestions their plans point at.
import { parseSync } from '@libpg-query/parser';
import type { Kysely } from 'kysely';
import { QUERY_TYPES, type QueryType } from '../../core/metrics.js';
import type { PoolState, QueryEvent } from '../../db/database.js';
import type { DatabaseSchema } from '../../db/schema.js';
import {
  INSIGHTS_MARKER,
  cacheHits,
  columnDistinct,
  connectionsByState,
  ensureHypopg,
  explainStatement,
  listIndexes,
  longRunning,
  resolveSchema,
  serverVersion,
  tableRows,
  tableScans,
  trialWithHypopg,
  trialWithRollback,
} from './db-insights.repository.js';
import { createShapeCache, loadParser, shapeOf } from './fingerprint.js';
import { findIndexCandidates, redactPlan, redactText, summarizePlan, type ExplainRoot, type IndexCandidate } from './plan-analysis.js';
import { findDuplicateIndexes, type DuplicateIndex } from './schema-health.js';
import { createShapeStore, round, type LatencySummary } from './shape-stats.js';
import {
  MIN_REDUCTION_PCT,
  MIN_TABLE_ROWS,
  coveringIndex,
  createIndexStatement,
  orderColumns,
  reductionPct,
  type ExistingIndex,
  type IndexColumn,
} from './suggest.js';

export interface DbInsightsDeps {
  db: Kysely<DatabaseSchema>;
  kind: PoolState['kind'];
  poolState(): PoolState;
  /** Statements slower than this are logged and explained. */
  slowQueryMs: number;
  /** A shape is logged and explained at most once per this period. */
  cooldownMs: number;
  /** Statement timeout for EXPLAIN ANALYZE and index trials. */
  explainTimeoutMs: number;
  logger: { warn(obj: object, msg: string): void; info(obj: object, msg: string): void };
  /** Shapes kept in memory (least used evicted first); default 1 000. */
  maxShapes?: number;
  now?: () => number;
}

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

export interface Suggestion {
  table: string;
  schema: string;
  columns: string[];
  statement: string;
  cost_before: number;
  cost_after: number;
  reduction_pct: number;
  verified_by: 'hypopg' | 'rollback';
  reason: string;
  fingerprint: string;
  query: string;
  verified_at: string;
}

export interface ShapeReport extends LatencySummary {
  fingerprint: string;
  query: string;
  type: QueryType;
}

export interface DbReport {
  generated_at: string;
  /** `live`: the serving process's statistics; `catalog`: schema health only (no server was asked). */
  source: 'live' | 'catalog';
  stats_since: string;
  slow_query_ms: number;
  database: { kind: PoolState['kind']; server_version: string };
  totals: {
    queries: number;
    total_ms: number;
    mean_ms: number;
    slow: number;
    shapes: number;
    evicted_shapes: number;
    dropped_events: number;
  };
  by_type: Array<LatencySummary & { type: QueryType }>;
  top_shapes: ShapeReport[];
  slow_queries: SlowQuery[];
  suggestions: Suggestion[];
  schema_health: SchemaHealth;
  pool: { kind: PoolState['kind']; max: number; total: number; idle: number; in_use: number; waiting: number };
}

export interface SchemaHealth {
  unused_indexes: Array<{ schema: string; table: string; index: string; size_bytes: number }>;
  duplicate_indexes: DuplicateIndex[];
  invalid_indexes: Array<{ schema: string; table: string; index: string }>;
  seq_scan_tables: Array<{ schema: string; table: string; rows: number; seq_scan: number; idx_scan: number; seq_scan_pct: number }>;
  cache_hit_rate: { table: number | null; index: number | null };
  long_running_queries: Array<{ pid: number; state: string; duration_ms: number; wait_event_type: string | null; query: string }>;
  connections: Array<{ state: string; count: number }>;
  /** Checks this database could not answer. */
  unavailable: string[];
}

export interface DbInsights {
  /** The query observer: records and enqueues only. */
  record(event: QueryEvent): void;
  report(options?: { source?: DbReport['source'] }): Promise<DbReport>;
  /** Resolves once every queued event and analysis is done. */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

/** Events waiting for the worker; beyond this they are counted and dropped. */
const MAX_PENDING = 20_000;
const MAX_ANALYSIS_QUEUE = 32;
/** Events are folded in batches this often: one timer for many queries, not one callback each. */
const DRAIN_DELAY_MS = 10;
const RING_SIZE = 200;
const MAX_PLAN_CHARS = 64 * 1024;
const MAX_SUGGESTIONS = 100;
const TOP_SHAPES = 25;
const LOCK_TIMEOUT_MS = 100;
/**
 * A trial build holds a SHARE lock (writes to the table wait) until it is rolled back: on PostgreSQL
 * it may take this long at most, else the suggestion stays unverified and is not shown.
 */
const TRIAL_BUILD_TIMEOUT_MS = 1_000;
/** PGlite enforces no statement timeout and has one connection: larger tables are not trial-built there. */
const PGLITE_TRIAL_MAX_ROWS = 300_000;
/** Waits this long at most for a quiet pool before analysing anyway. */
const MAX_QUIET_WAIT_MS = 5_000;
const LONG_RUNNING_MS = 60_000;
/** Statements that take locks or have effects outside the rolled-back transaction are never executed again. */
const UNSAFE_TO_EXECUTE =
  /\bfor\s+(?:no\s+key\s+)?(?:update|share|key\s+share)\b|\b(?:pg_advisory\w*|pg_try_advisory\w*|pg_sleep\w*|pg_notify|set_config|nextval|setval|pg_terminate_backend|pg_cancel_backend|dblink\w*|lo_\w+|pg_read\w*|pg_write\w*)\s*\(/i;

interface Pending {
  sql: string;
  type: QueryType;
  durationMs: number;
  failed: boolean;
  rows: number | undefined;
  at: number;
  /** Held only for slow statements, only until their analysis ends. */
  parameters: readonly unknown[] | undefined;
}

interface AnalysisJob {
  sql: string;
  parameters: readonly unknown[] | undefined;
  fingerprint: string;
  query: string;
  type: QueryType;
  durationMs: number;
  at: number;
}

const REASONS: Record<IndexCandidate['reason'], string> = {
  seq_scan_filter: 'sequential scan with a filter',
  index_scan_filter: 'index scan discarding most rows it reads by a filter',
  sort_under_limit: 'sort under a LIMIT',
  join_inner_seq_scan: 'sequential scan on the inner side of a join',
};

function describeCandidate(c: IndexCandidate, rows: number): string {
  const parts = [`${REASONS[c.reason]} on ${c.table} (${Math.round(rows)} rows)`];
  if (c.equality.length) parts.push(`equality on ${c.equality.join(', ')}`);
  if (c.range.length) parts.push(`range on ${c.range.join(', ')}`);
  if (c.sort.length) parts.push(`ordered by ${c.sort.map((s) => `${s.column}${s.desc ? ' DESC' : ''}`).join(', ')}`);
  return parts.join('; ');
}

const rate = ([hit, read]: [number, number]) => (hit + read === 0 ? null : Math.round((hit / (hit + read)) * 10_000) / 10_000);

export async function createDbInsights(deps: DbInsightsDeps): Promise<DbInsights> {
  await loadParser();
  const now = deps.now ?? Date.now;
  const startedAt = now();
  const shapes = createShapeStore(deps.maxShapes ?? 1000);
  const cache = createShapeCache(5000);
  const lastExplained = new Map<string, number>();
  const ring: SlowQuery[] = [];
  const suggestions = new Map<string, Suggestion>();
  let pending: Pending[] = [];
  let dropped = 0;
  let drainScheduled = false;
  const analysisQueue: AnalysisJob[] = [];
  let analysing: Promise<void> | undefined;
  let stopped = false;
  let hypopg: boolean | undefined;
  let version: string | undefined;

  function remember(entry: SlowQuery): void {
    ring.push(entry);
    if (ring.length > RING_SIZE) ring.shift();
  }

  function dueForExplain(fingerprint: string, at: number): boolean {
    const last = lastExplained.get(fingerprint);
    if (last !== undefined && at - last < deps.cooldownMs) return false;
    lastExplained.delete(fingerprint);
    lastExplained.set(fingerprint, at);
    if (lastExplained.size > 2 * (deps.maxShapes ?? 1000)) lastExplained.delete(lastExplained.keys().next().value!);
    return true;
  }

  function drain(): void {
    drainScheduled = false;
    const batch = pending;
    pending = [];
    for (const event of batch) {
      const shape = cache.shapeOf(event.sql);
      const slow = event.parameters !== undefined;
      shapes.add(
        {
          fingerprint: shape.fingerprint,
          query: shape.query,
          type: event.type,
          durationMs: event.durationMs,
          rows: event.rows,
          failed: event.failed,
          slow,
        },
        event.at,
      );
      if (!slow || stopped || !dueForExplain(shape.fingerprint, event.at)) continue;
      deps.logger.warn(
        { fingerprint: shape.fingerprint, query: shape.query, type: event.type, durationMs: round(event.durationMs) },
        'slow query',
      );
      const job: AnalysisJob = {
        ...shape,
        sql: event.sql,
        parameters: event.parameters,
        type: event.type,
        durationMs: event.durationMs,
        at: event.at,
      };
      if (analysisQueue.length >= MAX_ANALYSIS_QUEUE) remember(entryFor(job, 'skipped', 'analysis queue full'));
      else analysisQueue.push(job);
    }
    pump();
  }

  function entryFor(job: AnalysisJob, explained: Explained, note: string | null, root?: ExplainRoot, started?: number): SlowQuery {
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

  function pump(): void {
    if (analysing || analysisQueue.length === 0 || stopped) return;
    analysing = (async () => {
      while (analysisQueue.length > 0 && !stopped) {
        const job = analysisQueue.shift()!;
        try {
          await quietPool();
          if (stopped) break;
          remember(await analyse(job));
        } catch (err) {
          deps.logger.warn({ err: { message: errorNote(err) }, fingerprint: job.fingerprint }, 'slow query analysis failed');
        } finally {
          job.parameters = undefined;
        }
      }
    })().finally(() => {
      analysing = undefined;
      pump();
    });
  }

  /** Waits until a connection is free and nobody queues for one, seen twice in a row. */
  async function quietPool(): Promise<void> {
    const deadline = now() + MAX_QUIET_WAIT_MS;
    let quietTicks = 0;
    while (quietTicks < 2 && now() < deadline && !stopped) {
      await new Promise((r) => setTimeout(r, 10));
      const p = deps.poolState();
      quietTicks = p.waiting === 0 && p.inUse < p.max ? quietTicks + 1 : 0;
    }
  }

  async function analyse(job: AnalysisJob): Promise<SlowQuery> {
    if (job.type === 'OTHER') return entryFor(job, 'skipped', 'not a plannable statement');
    // EXPLAIN covers one statement; text with several would run the others as they are.
    if (!isSingleStatement(job.sql)) return entryFor(job, 'skipped', 'several statements in one query');
    const started = now();
    const parameters = job.parameters ?? [];
    const readOnly = job.type === 'SELECT' && !UNSAFE_TO_EXECUTE.test(job.sql);
    // PGlite does not enforce statement_timeout: never re-run there what could outlast it.
    const analyze = readOnly && !(deps.kind === 'pglite' && job.durationMs > deps.explainTimeoutMs);
    let root: ExplainRoot | undefined;
    let explained: Explained = analyze ? 'analyze' : 'plan';
    let note: string | null = analyze
      ? null
      : job.type === 'SELECT'
        ? 'not re-executed: takes locks or has side effects, or would outlast the timeout'
        : 'write: planned, never re-executed';
    try {
      root = await explainStatement(deps.db, job.sql, parameters, {
        analyze,
        timeoutMs: deps.explainTimeoutMs,
        lockTimeoutMs: LOCK_TIMEOUT_MS,
      });
    } catch (err) {
      if (!analyze) return entryFor(job, 'failed', errorNote(err), undefined, started);
      try {
        root = await explainStatement(deps.db, job.sql, parameters, {
          analyze: false,
          timeoutMs: deps.explainTimeoutMs,
          lockTimeoutMs: LOCK_TIMEOUT_MS,
        });
        explained = 'plan';
        note = `EXPLAIN ANALYZE failed (${errorNote(err)}); planned only`;
      } catch (again) {
        return entryFor(job, 'failed', errorNote(again), undefined, started);
      }
    }
    const entry = entryFor(job, explained, note, root, started);
    await suggestFrom(job, parameters, root).catch((err: unknown) =>
      deps.logger.warn({ err: { message: errorNote(err) }, fingerprint: job.fingerprint }, 'index suggestion failed'),
    );
    entry.analysis_ms = round(now() - started);
    return entry;
  }

  async function suggestFrom(job: AnalysisJob, parameters: readonly unknown[], root: ExplainRoot): Promise<void> {
    const candidates = findIndexCandidates(root);
    if (candidates.length === 0) return;
    let existing: ExistingIndex[] | undefined;
    for (const candidate of candidates) {
      const schema = candidate.schema ?? (await resolveSchema(deps.db, candidate.table));
      if (!schema) continue;
      const rows = Math.max(candidate.rowsScanned, await tableRows(deps.db, schema, candidate.table));
      if (rows < MIN_TABLE_ROWS) continue;
      const distinct = await columnDistinct(deps.db, schema, candidate.table);
      const columns = orderColumns(candidate, new Map([...distinct].map(([c, n]) => [c, { nDistinct: n }])), rows);
      if (columns.length === 0) continue;
      const key = suggestionKey(schema, candidate.table, columns);
      const known = suggestions.get(key);
      if (known && now() - Date.parse(known.verified_at) < deps.cooldownMs) continue;
      existing ??= (await listIndexes(deps.db)).map(toExisting);
      if (coveringIndex(existing, schema, candidate.table, columns)) continue;
      const trial = createIndexStatement({ schema, table: candidate.table }, columns, { concurrently: false, name: '' });
      hypopg ??= deps.kind === 'postgres' && (await ensureHypopg(deps.db));
      if (!hypopg && deps.kind === 'pglite' && rows > PGLITE_TRIAL_MAX_ROWS) continue;
      const costs = hypopg
        ? await trialWithHypopg(deps.db, job.sql, parameters, trial)
        : await trialWithRollback(deps.db, job.sql, parameters, trial, {
            timeoutMs: deps.explainTimeoutMs,
            buildTimeoutMs: Math.min(TRIAL_BUILD_TIMEOUT_MS, deps.explainTimeoutMs),
            lockTimeoutMs: LOCK_TIMEOUT_MS,
          });
      const reduction = reductionPct(costs.before, costs.after);
      if (reduction < MIN_REDUCTION_PCT) {
        suggestions.delete(key);
        continue;
      }
      if (!known && suggestions.size >= MAX_SUGGESTIONS) suggestions.delete(suggestions.keys().next().value!);
      suggestions.set(key, {
        table: candidate.table,
        schema,
        columns: columns.map((c) => `${c.column}${c.desc ? ' DESC' : ''}`),
        statement: createIndexStatement({ schema, table: candidate.table }, columns, { concurrently: deps.kind === 'postgres' }),
        cost_before: costs.before,
        cost_after: costs.after,
        reduction_pct: reduction,
        verified_by: hypopg ? 'hypopg' : 'rollback',
        reason: describeCandidate(candidate, rows),
        fingerprint: job.fingerprint,
        query: job.query,
        verified_at: new Date(now()).toISOString(),
      });
    }
  }

  async function health(): Promise<SchemaHealth> {
    const result: SchemaHealth = {
      unused_indexes: [],
      duplicate_indexes: [],
      invalid_indexes: [],
      seq_scan_tables: [],
      cache_hit_rate: { table: null, index: null },
      long_running_queries: [],
      connections: [],
      unavailable: [],
    };
    const attempt = async (name: string, check: () => Promise<void>) => {
      try {
        await check();
      } catch {
        result.unavailable.push(name);
      }
    };
    await attempt('indexes', async () => {
      const indexes = await listIndexes(deps.db);
      result.unused_indexes = indexes
        .filter((ix) => ix.valid && !ix.unique && !ix.primary && ix.scans === 0)
        .map((ix) => ({ schema: ix.schema, table: ix.table, index: ix.name, size_bytes: ix.sizeBytes }));
      result.invalid_indexes = indexes.filter((ix) => !ix.valid).map((ix) => ({ schema: ix.schema, table: ix.table, index: ix.name }));
      result.duplicate_indexes = findDuplicateIndexes(indexes);
    });
    await attempt('table scans', async () => {
      result.seq_scan_tables = (await tableScans(deps.db))
        .map((t) => ({
          ...t,
          seq_scan_pct: t.seq_scan + t.idx_scan === 0 ? 0 : Math.round((t.seq_scan / (t.seq_scan + t.idx_scan)) * 1000) / 10,
        }))
        // PgHero's rule: a table of 10 000+ rows whose scans use an index less than 95 % of the time.
        .filter((t) => t.rows >= MIN_TABLE_ROWS && t.seq_scan > 0 && t.seq_scan_pct > 5);
    });
    await attempt('cache hit rate', async () => {
      const hits = await cacheHits(deps.db);
      result.cache_hit_rate = { table: rate(hits.table), index: rate(hits.index) };
    });
    await attempt('long-running queries', async () => {
      result.long_running_queries = (await longRunning(deps.db, LONG_RUNNING_MS)).map((q) => ({
        ...q,
        duration_ms: round(q.duration_ms),
        query: q.query.startsWith(INSIGHTS_MARKER) ? 'EXPLAIN (database report)' : shapeOf(q.query).query,
      }));
    });
    await attempt('connections', async () => {
      result.connections = await connectionsByState(deps.db);
    });
    return result;
  }

  return {
    record(event) {
      if (stopped || event.sql.startsWith(INSIGHTS_MARKER)) return;
      if (pending.length >= MAX_PENDING) {
        dropped++;
        return;
      }
      const slow = !event.failed && event.durationMs > deps.slowQueryMs;
      pending.push({
        sql: event.sql,
        type: event.type,
        durationMs: event.durationMs,
        failed: event.failed,
        rows: event.rows,
        at: now(),
        parameters: slow ? event.parameters : undefined,
      });
      if (!drainScheduled) {
        drainScheduled = true;
        setTimeout(drain, DRAIN_DELAY_MS).unref();
      }
    },

    async report(options = {}) {
      version ??= await serverVersion(deps.db);
      const schemaHealth = await health();
      let existing: ExistingIndex[] = [];
      try {
        existing = (await listIndexes(deps.db)).map(toExisting);
      } catch {
        // Reported under schema_health.unavailable already.
      }
      // A suggestion is resolved once an index serving it exists (applied by hand or by a migration).
      for (const [key, s] of suggestions) {
        const columns = s.columns.map((c) => ({ column: c.replace(/ DESC$/, ''), desc: c.endsWith(' DESC') }));
        if (coveringIndex(existing, s.schema, s.table, columns)) suggestions.delete(key);
      }
      const totals = shapes.totals();
      const byType = shapes.byType();
      const pool = deps.poolState();
      return {
        generated_at: new Date(now()).toISOString(),
        source: options.source ?? 'live',
        stats_since: new Date(startedAt).toISOString(),
        slow_query_ms: deps.slowQueryMs,
        database: { kind: deps.kind, server_version: version },
        totals: {
          queries: totals.queries,
          total_ms: round(totals.totalMs),
          mean_ms: totals.queries === 0 ? 0 : round(totals.totalMs / totals.queries),
          slow: totals.slow,
          shapes: shapes.size,
          evicted_shapes: shapes.evicted,
          dropped_events: dropped,
        },
        by_type: QUERY_TYPES.filter((t) => byType.has(t)).map((type) => ({ type, ...byType.get(type)!.summary() })),
        top_shapes: shapes
          .shapes()
          .sort((a, b) => b.stats.totalMs - a.stats.totalMs)
          .slice(0, TOP_SHAPES)
          .map((s) => ({ fingerprint: s.fingerprint, query: s.query, type: s.type, ...s.stats.summary() })),
        slow_queries: [...ring].reverse(),
        suggestions: [...suggestions.values()].sort((a, b) => b.reduction_pct - a.reduction_pct),
        schema_health: schemaHealth,
        pool: { kind: pool.kind, max: pool.max, total: pool.total, idle: pool.idle, in_use: pool.inUse, waiting: pool.waiting },
      };
    },

    async idle() {
      for (;;) {
        if (drainScheduled || pending.length > 0) await new Promise((r) => setTimeout(r, DRAIN_DELAY_MS));
        else if (analysing) await analysing;
        else return;
      }
    },

    async stop() {
      stopped = true;
      analysisQueue.length = 0;
      pending = [];
      await analysing;
    },
  };
}

function isSingleStatement(text: string): boolean {
  try {
    return (parseSync(text) as { stmts?: unknown[] }).stmts?.length === 1;
  } catch {
    return false;
  }
}

function suggestionKey(schema: string, table: string, columns: readonly IndexColumn[]): string {
  return `${schema}.${table}(${columns.map((c) => `${c.column}${c.desc ? ' DESC' : ''}`).join(',')})`;
}

function toExisting(ix: {
  schema: string;
  table: string;
  name: string;
  columns: Array<string | null>;
  valid: boolean;
  predicate: string | null;
}): ExistingIndex {
  return { schema: ix.schema, table: ix.table, name: ix.name, columns: ix.columns, valid: ix.valid, partial: ix.predicate !== null };
}

/** An error's SQLSTATE and its message with quoted values and numbers removed (messages quote input values). */
function errorNote(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  const message = redactText(String((err as Error).message ?? err).replace(/"(?:[^"]|"")*"/g, '?')).slice(0, 200);
  return typeof code === 'string' ? `${code}: ${message}` : message;
}
