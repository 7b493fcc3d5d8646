// The HTTP shape of the database report: no query parameters (checked by Ajv) and the report it
// answers with (written by the serializer). The console imports its type.
import { Type } from 'typebox';

export const DbReportQuery = Type.Object({}, { additionalProperties: false });

const QueryType = Type.Union([
  Type.Literal('SELECT'),
  Type.Literal('INSERT'),
  Type.Literal('UPDATE'),
  Type.Literal('DELETE'),
  Type.Literal('OTHER'),
]);
const Kind = Type.Union([Type.Literal('pglite'), Type.Literal('postgres')]);
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

const Latency = {
  calls: Type.Integer(),
  total_ms: Type.Number(),
  mean_ms: Type.Number(),
  p50_ms: Type.Number(),
  p95_ms: Type.Number(),
  p99_ms: Type.Number(),
  max_ms: Type.Number(),
  rows: Type.Integer(),
  errors: Type.Integer(),
  slow: Type.Integer(),
};

export const DbReportSchema = Type.Object({
  generated_at: Type.String(),
  source: Type.Union([Type.Literal('live'), Type.Literal('catalog')]),
  stats_since: Type.String(),
  slow_query_ms: Type.Number(),
  database: Type.Object({ kind: Kind, server_version: Type.String() }),
  totals: Type.Object({
    queries: Type.Integer(),
    total_ms: Type.Number(),
    mean_ms: Type.Number(),
    slow: Type.Integer(),
    shapes: Type.Integer(),
    evicted_shapes: Type.Integer(),
    dropped_events: Type.Integer(),
  }),
  by_type: Type.Array(Type.Object({ type: QueryType, ...Latency })),
  top_shapes: Type.Array(Type.Object({ fingerprint: Type.String(), query: Type.String(), type: QueryType, ...Latency })),
  slow_queries: Type.Array(
    Type.Object({
      at: Type.String(),
      fingerprint: Type.String(),
      query: Type.String(),
      type: QueryType,
      duration_ms: Type.Number(),
      explained: Type.Union([Type.Literal('analyze'), Type.Literal('plan'), Type.Literal('skipped'), Type.Literal('failed')]),
      note: Nullable(Type.String()),
      plan_summary: Nullable(Type.String()),
      plan: Type.Unknown(),
      analysis_started_at: Nullable(Type.String()),
      analysis_ms: Nullable(Type.Number()),
    }),
  ),
  suggestions: Type.Array(
    Type.Object({
      table: Type.String(),
      schema: Type.String(),
      columns: Type.Array(Type.String()),
      statement: Type.String(),
      cost_before: Type.Number(),
      cost_after: Type.Number(),
      reduction_pct: Type.Number(),
      verified_by: Type.Union([Type.Literal('hypopg'), Type.Literal('rollback')]),
      reason: Type.String(),
      fingerprint: Type.String(),
      query: Type.String(),
      verified_at: Type.String(),
    }),
  ),
  schema_health: Type.Object({
    unused_indexes: Type.Array(
      Type.Object({ schema: Type.String(), table: Type.String(), index: Type.String(), size_bytes: Type.Integer() }),
    ),
    duplicate_indexes: Type.Array(
      Type.Object({
        schema: Type.String(),
        table: Type.String(),
        index: Type.String(),
        columns: Type.Array(Nullable(Type.String())),
        covered_by: Type.String(),
        size_bytes: Type.Integer(),
      }),
    ),
    invalid_indexes: Type.Array(Type.Object({ schema: Type.String(), table: Type.String(), index: Type.String() })),
    seq_scan_tables: Type.Array(
      Type.Object({
        schema: Type.String(),
        table: Type.String(),
        rows: Type.Integer(),
        seq_scan: Type.Integer(),
        idx_scan: Type.Integer(),
        seq_scan_pct: Type.Number(),
      }),
    ),
    cache_hit_rate: Type.Object({ table: Nullable(Type.Number()), index: Nullable(Type.Number()) }),
    long_running_queries: Type.Array(
      Type.Object({
        pid: Type.Integer(),
        state: Type.String(),
        duration_ms: Type.Number(),
        wait_event_type: Nullable(Type.String()),
        query: Type.String(),
      }),
    ),
    connections: Type.Array(Type.Object({ state: Type.String(), count: Type.Integer() })),
    unavailable: Type.Array(Type.String()),
  }),
  pool: Type.Object({
    kind: Kind,
    max: Type.Integer(),
    total: Type.Integer(),
    idle: Type.Integer(),
    in_use: Type.Integer(),
    waiting: Type.Integer(),
  }),
});
