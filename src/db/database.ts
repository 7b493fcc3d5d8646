// Opens the database — PostgreSQL through a `pg` pool, or embedded PGlite behind the same pg
// interface — wraps it in Kysely with query timing, and probes its reachability in the background.
import { Kysely } from 'kysely';
import type { Config } from '../core/config.js';
import type { QueryType } from '../core/metrics.js';
import type { DatabaseLogger } from './database-logger.js';
import { createListener } from './listener.js';
import { openPool, type DatabaseKind, type PoolState } from './pool.js';
import { createProbe, type ProbeState } from './probe.js';
import { createQueryInstrumentation, type QueryObserver } from './query-instrumentation.js';
import type { DatabaseSchema } from './schema.js';

export type { DatabaseLogger } from './database-logger.js';
export type { DatabaseKind, PoolState } from './pool.js';
export type { ProbeState } from './probe.js';
export { DIAGNOSTIC_QUERY_MARKER, type QueryEvent, type QueryObserver } from './query-instrumentation.js';

export interface Database {
  readonly kind: DatabaseKind;
  readonly db: Kysely<DatabaseSchema>;
  /**
   * Calls `observer` after every query, while its connection is still held: observers must only
   * record or enqueue, never query. Returns the function that stops observing.
   */
  observeQueries(observer: QueryObserver): () => void;
  poolState(): PoolState;
  probeState(): ProbeState;
  /** Runs one probe now and returns the new state. */
  probe(): Promise<ProbeState>;
  /** Probes every `intervalMs` until `close()`. */
  startProbe(intervalMs: number): void;
  /**
   * Calls `onMessage` for each NOTIFY on `channel` (delivered when the sending transaction commits),
   * on a dedicated connection that reconnects by itself. Notifications sent while it was down are
   * lost, so `onReconnect` runs after every re-established connection: reload state there.
   */
  listen(channel: string, onMessage: (payload: string) => void, onReconnect?: () => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  databaseUrl: string | undefined;
  /** The embedded database's folder, kept private to the owner (0700). */
  dataDir: string;
  pool: Config['dbPool'];
  logger: DatabaseLogger;
  /** Called after every query (only records; never queries). */
  onQuery?: (type: QueryType, durationMs: number, failed: boolean, sql: string) => void;
  /** Probe timeout; a probe slower than this counts as a failure. */
  probeTimeoutMs?: number;
}

export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  const { databaseUrl, logger } = options;
  const pool = await openPool(options);
  const probe = createProbe({
    databaseUrl,
    pool: pool.pg,
    timeoutMs: options.probeTimeoutMs ?? Math.min(2000, options.pool.acquireTimeoutMs),
    logger,
  });
  const queries = createQueryInstrumentation(options.onQuery);
  const db = new Kysely<DatabaseSchema>({
    dialect: queries.dialect(pool.forKysely(() => probe.state().reachable === false)),
    log: queries.log,
  });
  const listener = createListener({ databaseUrl, pglite: pool.pglite, logger, beforeReconnect: probe.probe });
  let closed = false;

  return {
    kind: pool.kind,
    db,
    observeQueries: queries.observe,
    poolState: pool.state,
    probeState: probe.state,
    probe: probe.probe,
    startProbe: probe.start,
    listen: listener.listen,
    async close() {
      if (closed) return;
      closed = true;
      await probe.close();
      await listener.close();
      await db.destroy();
      await pool.close();
    },
  };
}
