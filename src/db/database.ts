// Opens the database — PostgreSQL through a `pg` pool, or embedded PGlite behind the same pg
// interface — wraps it in Kysely with query timing, and probes its reachability in the background.
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { createPgConfig } from '@electric-sql/pglite/node-postgres';
import { Kysely, PostgresDialect, type CompiledQuery, type PostgresPool, type PostgresPoolClient } from 'kysely';
import pg from 'pg';
import type { Config } from '../core/config.js';
import type { QueryType } from '../core/metrics.js';
import { lockDataDir } from './data-dir-lock.js';
import { databaseUnavailable } from './errors.js';
import { classifyQuery } from './query-type.js';
import type { DatabaseSchema } from './schema.js';

export type DatabaseKind = 'pglite' | 'postgres';

/** SQL starting with this comment is diagnostic work on the database, left out of the query metrics. */
export const DIAGNOSTIC_QUERY_MARKER = '/* db-insights */';

export interface PoolState {
  kind: DatabaseKind;
  max: number;
  total: number;
  idle: number;
  inUse: number;
  waiting: number;
}

export interface ProbeState {
  /** `undefined` until the first probe has answered. */
  reachable: boolean | undefined;
  latencyMs: number | undefined;
  checkedAt: Date | undefined;
  /** Since when the current state holds. */
  since: Date;
  consecutiveFailures: number;
}

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

export interface DatabaseLogger {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

export interface OpenDatabaseOptions {
  databaseUrl: string | undefined;
  dataDir: string;
  pool: Config['dbPool'];
  logger: DatabaseLogger;
  /** Called after every query (only records; never queries). */
  onQuery?: (type: QueryType, durationMs: number, failed: boolean, sql: string) => void;
  /** Probe timeout; a probe slower than this counts as a failure. */
  probeTimeoutMs?: number;
}

/** Connections idle longer than this are checked with `SELECT 1` before being handed out. */
const CHECKOUT_CHECK_AFTER_IDLE_MS = 10_000;
const PGLITE_SUBDIR = 'pgdata';

export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  const { logger } = options;
  let kind: DatabaseKind;
  let pool: pg.Pool;
  let pglite: PGlite | undefined;
  let unlock: (() => void) | undefined;

  if (options.databaseUrl !== undefined) {
    kind = 'postgres';
    pool = new pg.Pool({
      connectionString: options.databaseUrl,
      min: options.pool.min,
      max: options.pool.max,
      idleTimeoutMillis: options.pool.idleMs,
      connectionTimeoutMillis: options.pool.acquireTimeoutMs,
      maxLifetimeSeconds: options.pool.recycleS,
      application_name: 'beta-suite',
    });
  } else {
    kind = 'pglite';
    unlock = lockDataDir(options.dataDir);
    try {
      pglite = await PGlite.create(join(options.dataDir, PGLITE_SUBDIR));
    } catch (err) {
      unlock();
      throw err;
    }
    // PGlite runs one query at a time: a single long-lived connection.
    pool = new pg.Pool({ ...createPgConfig(pglite), max: 1, idleTimeoutMillis: 0 });
  }
  // An idle client losing its server must not crash the process; the probe reports the outage.
  pool.on('error', (err) => logger.warn({ err: { message: err.message } }, 'database connection lost'));

  const now = new Date();
  let state: ProbeState = { reachable: undefined, latencyMs: undefined, checkedAt: undefined, since: now, consecutiveFailures: 0 };
  const lastCheckout = new WeakMap<pg.PoolClient, number>();
  // pg emits 'error' on a checked-out client whose server goes away; without a listener that
  // would be an uncaught exception. The query in progress is rejected either way.
  const onClientError = (err: Error) => logger.warn({ err: { message: err.message } }, 'database connection lost');

  const checkedPool: PostgresPool = {
    async connect(): Promise<PostgresPoolClient> {
      // While the probe sees the database down, answer at once instead of queueing for the acquire timeout.
      if (state.reachable === false) throw databaseUnavailable();
      for (let attempt = 0; ; attempt++) {
        const client = await pool.connect();
        if (!client.listeners('error').includes(onClientError)) client.on('error', onClientError);
        const idleSince = lastCheckout.get(client);
        lastCheckout.set(client, Date.now());
        if (kind === 'postgres' && idleSince !== undefined && Date.now() - idleSince > CHECKOUT_CHECK_AFTER_IDLE_MS) {
          try {
            await client.query('SELECT 1');
          } catch (err) {
            client.release(err as Error);
            if (attempt >= 1) throw err;
            continue;
          }
        }
        return client;
      }
    },
    end: () => pool.end(),
  };

  // Row counts by query object: the log event carries the query but not its result.
  const rowCounts = new WeakMap<CompiledQuery, number>();
  const dialect = new PostgresDialect({ pool: checkedPool });
  const createDriver = dialect.createDriver.bind(dialect);
  dialect.createDriver = () => {
    const driver = createDriver();
    const acquire = driver.acquireConnection.bind(driver);
    const counted = new WeakSet<object>();
    driver.acquireConnection = async () => {
      const connection = await acquire();
      if (!counted.has(connection)) {
        counted.add(connection);
        const execute = connection.executeQuery.bind(connection);
        connection.executeQuery = async <R>(query: CompiledQuery) => {
          const result = await execute<R>(query);
          rowCounts.set(query, result.numAffectedRows === undefined ? result.rows.length : Number(result.numAffectedRows));
          return result;
        };
      }
      return connection;
    };
    return driver;
  };
  const observers = new Set<QueryObserver>();
  const db = new Kysely<DatabaseSchema>({
    dialect,
    log: (event) => {
      if (!options.onQuery && observers.size === 0) return;
      const sql = event.query.sql;
      const type = classifyQuery(sql);
      const failed = event.level === 'error';
      // Diagnostics (the explain of a slow query, an index trial) are not application traffic: they
      // stay out of the query metrics that health, alerts and the KPIs read.
      if (!sql.startsWith(DIAGNOSTIC_QUERY_MARKER)) options.onQuery?.(type, event.queryDurationMillis, failed, sql);
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
  });

  if (kind === 'postgres' && options.pool.min > 0) {
    // pg-pool's `min` only keeps connections; open them now so the first requests do not pay for it.
    const clients = await Promise.all(Array.from({ length: options.pool.min }, () => pool.connect()));
    for (const client of clients) {
      lastCheckout.set(client, Date.now());
      client.release();
    }
  }

  const listeners = new Set<() => Promise<void>>();

  async function listenPostgres(channel: string, onMessage: (payload: string) => void, onReconnect?: () => void) {
    let current: pg.Client | undefined;
    let stopped = false;
    const connect = async (isReconnect: boolean): Promise<void> => {
      for (let attempt = 0; !stopped; attempt++) {
        const c = new pg.Client({
          connectionString: options.databaseUrl,
          application_name: 'beta-suite-listen',
          connectionTimeoutMillis: 5000,
        });
        c.on('notification', (msg) => {
          if (msg.channel === channel) onMessage(msg.payload ?? '');
        });
        c.on('error', (err) => logger.warn({ err: { message: err.message }, channel }, 'notification connection lost'));
        c.on('end', () => {
          if (!stopped && current === c) {
            current = undefined;
            void connect(true);
          }
        });
        try {
          await c.connect();
          await c.query(`LISTEN "${channel}"`);
          current = c;
          if (isReconnect) {
            logger.info({ channel }, 'notification connection re-established');
            // The pool refuses connections while the probe still reports the outage, so a reload
            // started now would fail and the missed notifications stay missed: probe first.
            await probe();
            onReconnect?.();
          }
          return;
        } catch {
          await c.end().catch(() => undefined);
          await new Promise((r) => setTimeout(r, Math.min(5000, 100 * 2 ** attempt)));
        }
      }
    };
    await connect(false);
    return async () => {
      stopped = true;
      await current?.end().catch(() => undefined);
    };
  }

  const probeTimeoutMs = options.probeTimeoutMs ?? Math.min(2000, options.pool.acquireTimeoutMs);
  let probeTimer: NodeJS.Timeout | undefined;
  let probing: Promise<ProbeState> | undefined;
  let closed = false;
  // On PostgreSQL the probe has a connection of its own: a pool exhausted by slow queries is busy,
  // not unreachable, and must not fail /healthz nor turn every request into an immediate 503.
  let probeConnection: Promise<pg.Client> | undefined;

  function probeQuery(): Promise<unknown> {
    if (kind !== 'postgres') return pool.query('SELECT 1');
    if (!probeConnection) {
      const client = new pg.Client({
        connectionString: options.databaseUrl,
        application_name: 'beta-suite-probe',
        connectionTimeoutMillis: probeTimeoutMs,
      });
      const connecting = client.connect().then(() => client);
      client.on('error', () => undefined); // the next probe reports it
      client.on('end', () => {
        if (probeConnection === connecting) probeConnection = undefined;
      });
      probeConnection = connecting;
    }
    return probeConnection.then((client) => client.query('SELECT 1'));
  }

  function dropProbeConnection(): Promise<void> {
    const connecting = probeConnection;
    probeConnection = undefined;
    return (connecting ?? Promise.resolve(undefined)).then((client) => client?.end()).catch(() => undefined);
  }

  async function runProbe(): Promise<ProbeState> {
    const started = performance.now();
    let ok = false;
    let timer: NodeJS.Timeout | undefined;
    const query = probeQuery();
    try {
      await Promise.race([
        query,
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error('probe timed out')), probeTimeoutMs);
        }),
      ]);
      ok = true;
    } catch {
      query.catch(() => undefined);
      void dropProbeConnection();
    } finally {
      clearTimeout(timer);
    }
    const latencyMs = Math.round((performance.now() - started) * 1000) / 1000;
    const changed = state.reachable !== ok;
    state = {
      reachable: ok,
      latencyMs: ok ? latencyMs : undefined,
      checkedAt: new Date(),
      since: changed ? new Date() : state.since,
      consecutiveFailures: ok ? 0 : state.consecutiveFailures + 1,
    };
    if (changed) {
      if (ok) logger.info({ latencyMs }, 'database reachable');
      else logger.warn({}, 'database unreachable');
    }
    return state;
  }

  function probe(): Promise<ProbeState> {
    probing ??= runProbe().finally(() => {
      probing = undefined;
    });
    return probing;
  }

  return {
    kind,
    db,
    observeQueries(observer) {
      observers.add(observer);
      return () => observers.delete(observer);
    },
    poolState() {
      const max = kind === 'postgres' ? options.pool.max : 1;
      return {
        kind,
        max,
        total: pool.totalCount,
        idle: pool.idleCount,
        inUse: pool.totalCount - pool.idleCount,
        waiting: pool.waitingCount,
      };
    },
    probeState: () => state,
    probe,
    async listen(channel, onMessage, onReconnect) {
      if (!/^[a-z_][a-z0-9_]{0,62}$/.test(channel)) throw new Error(`invalid channel name ${channel}`);
      const stop = pglite ? await pglite.listen(channel, onMessage) : await listenPostgres(channel, onMessage, onReconnect);
      const unlisten = async () => {
        if (listeners.delete(unlisten)) await stop();
      };
      listeners.add(unlisten);
      return unlisten;
    },
    startProbe(intervalMs) {
      if (probeTimer || closed) return;
      const tick = () => {
        void probe().finally(() => {
          if (!closed) probeTimer = setTimeout(tick, intervalMs);
        });
      };
      tick();
    },
    async close() {
      if (closed) return;
      closed = true;
      clearTimeout(probeTimer);
      await probing?.catch(() => undefined);
      await dropProbeConnection();
      await Promise.all([...listeners].map((unlisten) => unlisten()));
      await db.destroy();
      if (pglite) await pglite.close();
      unlock?.();
    },
  };
}
