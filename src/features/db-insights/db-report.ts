// The database report: the recorder's statistics, the analyser's slow queries and the verified index
// suggestions of this process, with the schema health and pool state read at the time of asking.
import type { Kysely } from 'kysely';
import { QUERY_TYPES, type QueryType } from '../../core/metrics.js';
import type { PoolState } from '../../db/database.js';
import type { DatabaseSchema } from '../../db/schema.js';
import { serverVersion } from './db-insights.repository.js';
import { existingIndexes, type IndexSuggestions, type Suggestion } from './index-suggestions.js';
import type { QueryRecorder } from './query-recorder.js';
import { checkSchemaHealth, type SchemaHealth } from './schema-health.js';
import { round, type LatencySummary } from './shape-stats.js';
import type { SlowQuery } from './slow-query-entry.js';
import type { ExistingIndex } from './suggest.js';

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

export interface DbReporterDeps {
  db: Kysely<DatabaseSchema>;
  kind: PoolState['kind'];
  poolState(): PoolState;
  slowQueryMs: number;
  now: () => number;
  recorder: Pick<QueryRecorder, 'shapes' | 'dropped'>;
  slowQueries: () => SlowQuery[];
  suggestions: Pick<IndexSuggestions, 'current'>;
}

export type DbReporter = (options?: { source?: DbReport['source'] }) => Promise<DbReport>;

const TOP_SHAPES = 25;

/** Statistics count from the reporter's creation. */
export function createDbReporter(deps: DbReporterDeps): DbReporter {
  const startedAt = deps.now();
  let version: string | undefined;
  return async (options = {}) => {
    version ??= await serverVersion(deps.db);
    const schemaHealth = await checkSchemaHealth(deps.db);
    let existing: ExistingIndex[] = [];
    try {
      existing = await existingIndexes(deps.db);
    } catch {
      // Reported under schema_health.unavailable already.
    }
    // A suggestion is resolved once an index serving it exists (applied by hand or by a migration).
    const suggestions = deps.suggestions.current(existing);
    return {
      generated_at: new Date(deps.now()).toISOString(),
      source: options.source ?? 'live',
      stats_since: new Date(startedAt).toISOString(),
      slow_query_ms: deps.slowQueryMs,
      database: { kind: deps.kind, server_version: version },
      ...queryStatistics(deps.recorder),
      slow_queries: deps.slowQueries(),
      suggestions,
      schema_health: schemaHealth,
      pool: poolFigures(deps.poolState()),
    };
  };
}

function queryStatistics({ shapes, dropped }: DbReporterDeps['recorder']): Pick<DbReport, 'totals' | 'by_type' | 'top_shapes'> {
  const totals = shapes.totals();
  const byType = shapes.byType();
  return {
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
  };
}

function poolFigures(pool: PoolState): DbReport['pool'] {
  return { kind: pool.kind, max: pool.max, total: pool.total, idle: pool.idle, in_use: pool.inUse, waiting: pool.waiting };
}
