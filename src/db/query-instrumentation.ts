// Times every query and counts its rows, for the per-type query metrics and for observers such as
// the database report. Runs while the query's connection is still held: it only records.
import {
  PostgresDialect,
  PostgresDriver,
  type CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type LogEvent,
  type PostgresPool,
  type QueryResult,
} from 'kysely';
import type { QueryType } from '../core/metrics.js';
import { classifyQuery } from './query-type.js';

/** SQL starting with this comment is diagnostic work on the database, left out of the query metrics. */
export const DIAGNOSTIC_QUERY_MARKER = '/* db-insights */';

/** One executed query, as seen by observers. `parameters` are live values: never store or log them. */
export interface QueryEvent {
  type: QueryType;
  sql: string;
  parameters: readonly unknown[];
  durationMs: number;
  failed: boolean;
  /** Rows returned, or affected by a write; undefined when failed or streamed. */
  rows: number | undefined;
}

export type QueryObserver = (event: QueryEvent) => void;

/** Called after every application query (diagnostics excluded); only records, never queries. */
export type OnQuery = (type: QueryType, durationMs: number, failed: boolean, sql: string) => void;

export interface QueryInstrumentation {
  /** The dialect for Kysely: PostgreSQL (or PGlite's pg interface) over `pool`, noting each result's row count. */
  readonly dialect: (pool: PostgresPool) => Dialect;
  /** Kysely's `log` option: reports each query with the duration Kysely measured around the statement alone. */
  readonly log: (event: LogEvent) => void;
  /** Returns the function that stops observing. */
  readonly observe: (observer: QueryObserver) => () => void;
}

type RowCounts = WeakMap<CompiledQuery, number>;

/*
 * Why the row count is not taken by a KyselyPlugin (checked on Kysely 0.28): `transformResult` runs
 * only after Kysely's `log` event, which must already carry the count, and never for a failed query.
 * Nor can a plugin time queries by `queryId`: `transformQuery` runs when the query is built, before
 * a connection is acquired, so the span includes the wait for the pool (a 5 ms query queued behind a
 * 200 ms one on a pool of 1 measured 237 ms); failures never reach `transformResult`; and the BEGIN,
 * COMMIT, ROLLBACK and savepoint statements the driver sends itself bypass plugins altogether. Timing
 * therefore stays with Kysely's `log` event, and the one hook left wraps each connection's
 * `executeQuery` once, beneath Kysely's logging wrapper, to note the count before `log` runs.
 */
class RowCountingDriver extends PostgresDriver {
  readonly #counted = new WeakSet<DatabaseConnection>();

  constructor(
    pool: PostgresPool,
    private readonly rowCounts: RowCounts,
  ) {
    super({ pool });
  }

  override async acquireConnection(): Promise<DatabaseConnection> {
    const connection = await super.acquireConnection();
    // Kysely wraps a connection for logging the first time it sees it, after this returns; wrapping
    // again later would run the count after the log event instead of before it.
    if (!this.#counted.has(connection)) {
      this.#counted.add(connection);
      const execute = connection.executeQuery.bind(connection);
      connection.executeQuery = async <R>(query: CompiledQuery): Promise<QueryResult<R>> => {
        const result = await execute<R>(query);
        this.rowCounts.set(query, result.numAffectedRows === undefined ? result.rows.length : Number(result.numAffectedRows));
        return result;
      };
    }
    return connection;
  }
}

class RowCountingDialect extends PostgresDialect {
  constructor(
    private readonly pool: PostgresPool,
    private readonly rowCounts: RowCounts,
  ) {
    super({ pool });
  }

  override createDriver(): Driver {
    return new RowCountingDriver(this.pool, this.rowCounts);
  }
}

export function createQueryInstrumentation(onQuery?: OnQuery): QueryInstrumentation {
  const rowCounts: RowCounts = new WeakMap();
  const observers = new Set<QueryObserver>();
  return {
    dialect: (pool) => new RowCountingDialect(pool, rowCounts),
    log(event) {
      if (!onQuery && observers.size === 0) return;
      const sql = event.query.sql;
      const type = classifyQuery(sql);
      const failed = event.level === 'error';
      // Diagnostics (the explain of a slow query, an index trial) are not application traffic: they
      // stay out of the query metrics that health, alerts and the KPIs read.
      if (!sql.startsWith(DIAGNOSTIC_QUERY_MARKER)) onQuery?.(type, event.queryDurationMillis, failed, sql);
      if (observers.size === 0) return;
      const observed: QueryEvent = {
        type,
        sql,
        parameters: event.query.parameters,
        durationMs: event.queryDurationMillis,
        failed,
        rows: failed ? undefined : rowCounts.get(event.query),
      };
      for (const observer of observers) observer(observed);
    },
    observe(observer) {
      observers.add(observer);
      return () => observers.delete(observer);
    },
  };
}
