// SQL for query analysis and schema health: EXPLAIN in a rolled-back read-only transaction,
// index trials (hypopg, or a real index rolled back), and catalog reads. Every statement starts
// with INSIGHTS_MARKER so the query observer leaves it out of the application's statistics.
import { CompiledQuery, sql, type Kysely, type RawBuilder } from 'kysely';
import { DIAGNOSTIC_QUERY_MARKER } from '../../db/database.js';
import type { DatabaseSchema } from '../../db/schema.js';
import type { ExplainRoot } from './plan-analysis.js';
import type { IndexInfo } from './duplicate-indexes.js';

export const INSIGHTS_MARKER = DIAGNOSTIC_QUERY_MARKER;
/** Diagnostic statements give up on a lock this quickly rather than queue behind the application. */
export const LOCK_TIMEOUT_MS = 100;

type Db = Kysely<DatabaseSchema>;
type Connection = Pick<Db, 'executeQuery'>;

const marked = <T>(query: RawBuilder<T>) => sql<T>`${sql.raw(INSIGHTS_MARKER)} ${query}`;
const run = (conn: Connection, text: string, parameters: readonly unknown[] = []) =>
  conn.executeQuery<Record<string, unknown>>(CompiledQuery.raw(`${INSIGHTS_MARKER} ${text}`, [...parameters]));

async function explainOn(conn: Connection, statement: string, parameters: readonly unknown[], options: string): Promise<ExplainRoot> {
  const result = await run(conn, `EXPLAIN (${options}) ${statement}`, parameters);
  const plan = result.rows[0]?.['QUERY PLAN'];
  const parsed = (typeof plan === 'string' ? JSON.parse(plan) : plan) as ExplainRoot[];
  return parsed[0]!;
}

const ms = (value: number) => `${Math.max(1, Math.round(value))}ms`;

export interface ExplainOptions {
  /** Execute the statement (reads only): ANALYZE and BUFFERS. */
  analyze: boolean;
  timeoutMs: number;
  lockTimeoutMs: number;
}

/** EXPLAIN inside `BEGIN READ ONLY` with timeouts, always rolled back. */
export async function explainStatement(
  db: Db,
  statement: string,
  parameters: readonly unknown[],
  options: ExplainOptions,
): Promise<ExplainRoot> {
  return db.connection().execute(async (conn) => {
    await run(conn, 'BEGIN READ ONLY');
    try {
      await run(conn, `SET LOCAL statement_timeout = '${ms(options.timeoutMs)}'`);
      await run(conn, `SET LOCAL lock_timeout = '${ms(options.lockTimeoutMs)}'`);
      return await explainOn(conn, statement, parameters, options.analyze ? 'ANALYZE, BUFFERS, FORMAT JSON' : 'FORMAT JSON');
    } finally {
      await run(conn, 'ROLLBACK');
    }
  });
}

/** Makes hypopg available when the role may; false when it cannot be had. */
export async function ensureHypopg(db: Db): Promise<boolean> {
  try {
    await marked(sql`CREATE EXTENSION IF NOT EXISTS hypopg`).execute(db);
    return true;
  } catch {
    return false;
  }
}

export interface TrialCosts {
  before: number;
  after: number;
}

const totalCost = (root: ExplainRoot) => Number(root.Plan['Total Cost']);

/** Estimated cost without and with a hypothetical index (hypopg: nothing is built). */
export async function trialWithHypopg(db: Db, statement: string, parameters: readonly unknown[], createIndex: string): Promise<TrialCosts> {
  return db.connection().execute(async (conn) => {
    await run(conn, 'SELECT hypopg_reset()');
    try {
      const before = totalCost(await explainOn(conn, statement, parameters, 'FORMAT JSON'));
      await run(conn, 'SELECT indexrelid FROM hypopg_create_index($1)', [createIndex]);
      const after = totalCost(await explainOn(conn, statement, parameters, 'FORMAT JSON'));
      return { before, after };
    } finally {
      await run(conn, 'SELECT hypopg_reset()');
    }
  });
}

/**
 * Estimated cost without and with a real index built inside a transaction that is rolled back.
 * The lock timeout makes the trial give up rather than wait behind traffic; `buildTimeoutMs` bounds
 * how long the build holds its lock (writes to the table wait meanwhile).
 */
export async function trialWithRollback(
  db: Db,
  statement: string,
  parameters: readonly unknown[],
  createIndex: string,
  options: { timeoutMs: number; buildTimeoutMs: number; lockTimeoutMs: number },
): Promise<TrialCosts> {
  return db.connection().execute(async (conn) => {
    await run(conn, 'BEGIN');
    try {
      await run(conn, `SET LOCAL statement_timeout = '${ms(options.timeoutMs)}'`);
      await run(conn, `SET LOCAL lock_timeout = '${ms(options.lockTimeoutMs)}'`);
      const before = totalCost(await explainOn(conn, statement, parameters, 'FORMAT JSON'));
      await run(conn, `SET LOCAL statement_timeout = '${ms(options.buildTimeoutMs)}'`);
      await run(conn, createIndex);
      await run(conn, `SET LOCAL statement_timeout = '${ms(options.timeoutMs)}'`);
      const after = totalCost(await explainOn(conn, statement, parameters, 'FORMAT JSON'));
      return { before, after };
    } finally {
      await run(conn, 'ROLLBACK');
    }
  });
}

export async function serverVersion(db: Db): Promise<string> {
  const { rows } = await marked(sql<{ v: string }>`SELECT current_setting('server_version') AS v`).execute(db);
  return rows[0]?.v ?? 'unknown';
}

/** Rows in a table: the larger of the planner's estimate and the live-tuple count. */
export async function tableRows(db: Db, schema: string, table: string): Promise<number> {
  const { rows } = await marked(sql<{ n: string | number | null }>`
    SELECT greatest(c.reltuples::bigint, coalesce(s.n_live_tup, 0), 0) AS n
    FROM pg_class c
    JOIN pg_namespace ns ON ns.oid = c.relnamespace
    LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
    WHERE ns.nspname = ${schema} AND c.relname = ${table}`).execute(db);
  return Number(rows[0]?.n ?? 0);
}

/** `pg_stats.n_distinct` by column (empty until the table has been analysed). */
export async function columnDistinct(db: Db, schema: string, table: string): Promise<Map<string, number>> {
  const { rows } = await marked(sql<{ attname: string; n_distinct: number }>`
    SELECT attname::text AS attname, n_distinct FROM pg_stats WHERE schemaname = ${schema} AND tablename = ${table}`).execute(db);
  return new Map(rows.map((r) => [r.attname, Number(r.n_distinct)]));
}

/** The schema a table resolves to through the search path. */
export async function resolveSchema(db: Db, table: string): Promise<string | undefined> {
  const { rows } = await marked(sql<{ schema: string }>`
    SELECT ns.nspname::text AS schema FROM pg_class c JOIN pg_namespace ns ON ns.oid = c.relnamespace
    WHERE c.oid = to_regclass(${table})`).execute(db);
  return rows[0]?.schema;
}

/** An index row as the driver returns it: the counters may come back as strings (bigint). */
type IndexRow = Omit<IndexInfo, 'scans' | 'sizeBytes'> & { scans: string | number; size_bytes: string | number };

export async function listIndexes(db: Db): Promise<IndexInfo[]> {
  const { rows } = await marked(sql<IndexRow>`
    SELECT ns.nspname::text AS schema, t.relname::text AS table, i.relname::text AS name, am.amname::text AS method,
           ARRAY(
             SELECT a.attname::text
             FROM unnest(ix.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
             LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum AND k.attnum > 0
             WHERE k.ord <= ix.indnkeyatts
             ORDER BY k.ord
           ) AS columns,
           pg_get_expr(ix.indexprs, ix.indrelid) AS expressions,
           pg_get_expr(ix.indpred, ix.indrelid) AS predicate,
           ix.indisunique AS unique, ix.indisprimary AS primary, ix.indisvalid AS valid,
           coalesce(s.idx_scan, 0) AS scans, pg_relation_size(i.oid) AS size_bytes
    FROM pg_index ix
    JOIN pg_class i ON i.oid = ix.indexrelid
    JOIN pg_class t ON t.oid = ix.indrelid
    JOIN pg_namespace ns ON ns.oid = t.relnamespace
    JOIN pg_am am ON am.oid = i.relam
    LEFT JOIN pg_stat_user_indexes s ON s.indexrelid = i.oid
    WHERE ns.nspname NOT IN ('pg_catalog', 'information_schema') AND ns.nspname NOT LIKE 'pg\\_toast%'
    ORDER BY 1, 2, 3`).execute(db);
  return rows.map((r) => ({ ...r, scans: Number(r.scans), sizeBytes: Number(r.size_bytes) }));
}

export interface TableScanRow {
  schema: string;
  table: string;
  seq_scan: number;
  idx_scan: number;
  rows: number;
}

export async function tableScans(db: Db): Promise<TableScanRow[]> {
  const { rows } = await marked(sql<Record<string, string | number>>`
    SELECT s.schemaname::text AS schema, s.relname::text AS table, coalesce(s.seq_scan, 0) AS seq_scan,
           coalesce(s.idx_scan, 0) AS idx_scan, greatest(s.n_live_tup, c.reltuples::bigint, 0) AS rows
    FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
    ORDER BY 3 DESC`).execute(db);
  return rows.map((r) => ({
    schema: String(r.schema),
    table: String(r.table),
    seq_scan: Number(r.seq_scan),
    idx_scan: Number(r.idx_scan),
    rows: Number(r.rows),
  }));
}

export async function cacheHits(db: Db): Promise<{ table: [number, number]; index: [number, number] }> {
  const { rows } = await marked(sql<Record<string, string | null>>`
    SELECT (SELECT sum(heap_blks_hit) FROM pg_statio_user_tables) AS table_hit,
           (SELECT sum(heap_blks_read) FROM pg_statio_user_tables) AS table_read,
           (SELECT sum(idx_blks_hit) FROM pg_statio_user_indexes) AS index_hit,
           (SELECT sum(idx_blks_read) FROM pg_statio_user_indexes) AS index_read`).execute(db);
  const r = rows[0] ?? {};
  return {
    table: [Number(r.table_hit ?? 0), Number(r.table_read ?? 0)],
    index: [Number(r.index_hit ?? 0), Number(r.index_read ?? 0)],
  };
}

export interface ActivityRow {
  pid: number;
  state: string;
  duration_ms: number;
  wait_event_type: string | null;
  query: string;
}

/** Statements of this database running longer than `minMs`, this connection excluded. */
export async function longRunning(db: Db, minMs: number): Promise<ActivityRow[]> {
  const { rows } = await marked(sql<ActivityRow>`
    SELECT pid, coalesce(state, 'unknown') AS state, (extract(epoch FROM now() - query_start) * 1000)::float8 AS duration_ms,
           wait_event_type, query
    FROM pg_stat_activity
    WHERE datname = current_database() AND pid <> pg_backend_pid() AND state IS DISTINCT FROM 'idle'
      AND query_start < now() - make_interval(secs => ${minMs / 1000})
    ORDER BY query_start
    LIMIT 50`).execute(db);
  return rows.map((r) => ({ ...r, pid: Number(r.pid), duration_ms: Number(r.duration_ms) }));
}

export async function connectionsByState(db: Db): Promise<Array<{ state: string; count: number }>> {
  const { rows } = await marked(sql<{ state: string; count: string }>`
    SELECT coalesce(state, 'unknown') AS state, count(*) AS count
    FROM pg_stat_activity
    WHERE datname = current_database() AND backend_type IN ('client backend', 'standalone backend')
    GROUP BY 1 ORDER BY 1`).execute(db);
  return rows.map((r) => ({ state: r.state, count: Number(r.count) }));
}
