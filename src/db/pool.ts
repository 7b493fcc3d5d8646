// The connections behind Kysely: a `pg` pool on PostgreSQL (its minimum opened at start, connections
// recycled, a bounded wait to acquire one), or PGlite's single connection behind the same interface.
import type { PGlite } from '@electric-sql/pglite';
import type { PostgresPool, PostgresPoolClient } from 'kysely';
import pg from 'pg';
import type { Config } from '../core/config.js';
import type { DatabaseLogger } from './database-logger.js';
import { databaseUnavailable } from './errors.js';
import { restrictDataDirContents } from './private-data-dir.js';

export type DatabaseKind = 'pglite' | 'postgres';

export interface PoolState {
  kind: DatabaseKind;
  max: number;
  total: number;
  idle: number;
  inUse: number;
  waiting: number;
}

export interface PoolOptions {
  /** Unset → embedded PGlite in `dataDir`. */
  databaseUrl: string | undefined;
  dataDir: string;
  pool: Config['dbPool'];
  logger: DatabaseLogger;
}

export interface ConnectionPool {
  readonly kind: DatabaseKind;
  /** The pool itself, unchecked: the embedded database's probe queries through it. */
  readonly pg: pg.Pool;
  /** Set on the embedded database, which delivers notifications itself. */
  readonly pglite: PGlite | undefined;
  /** The pool handed to Kysely: refuses at once while `isDown()`, re-checks long-idle connections. */
  readonly forKysely: (isDown: () => boolean) => PostgresPool;
  readonly state: () => PoolState;
  /** Closes PGlite and releases DATA_DIR; Kysely ends the pool itself. */
  readonly close: () => Promise<void>;
}

/** SQL text → the name it is prepared under on each connection (see `preparedStatement`). */
const PREPARED_NAMES = new Map<string, string>();

/**
 * Marks a fixed statement, written out once, to be prepared on each connection the first time it
 * runs there and only bound and executed after that: the database parses and plans it once per
 * connection instead of on every call. Returns the text, to run as usual.
 */
export function preparedStatement(name: string, text: string): string {
  if (PREPARED_NAMES.get(text) === name) return text;
  if (PREPARED_NAMES.has(text) || [...PREPARED_NAMES.values()].includes(name)) throw new Error(`statement ${name} is prepared twice`);
  PREPARED_NAMES.set(text, name);
  return text;
}

type Query = (...args: unknown[]) => unknown;

/**
 * Sends the statements marked with `preparedStatement` under their name; everything else, and every
 * other way of calling (a query object, a callback as pg-pool passes one), exactly as it comes.
 */
function preparingQueries(client: pg.PoolClient): void {
  const query = client.query.bind(client) as Query;
  const preparing: Query = (text, ...rest) => {
    const name = typeof text === 'string' ? PREPARED_NAMES.get(text) : undefined;
    if (name === undefined) return query(text, ...rest);
    const [values, ...callback] = Array.isArray(rest[0]) ? rest : [undefined, ...rest];
    return query({ name, text, values }, ...callback);
  };
  Object.assign(client, { query: preparing });
}

/** Connections idle longer than this are checked with `SELECT 1` before being handed out. */
const CHECKOUT_CHECK_AFTER_IDLE_MS = 10_000;

type LastCheckout = WeakMap<pg.PoolClient, number>;

function connectionLost(logger: DatabaseLogger): (err: Error) => void {
  return (err) => logger.warn({ err: { message: err.message } }, 'database connection lost');
}

function checkedPool(
  pool: pg.Pool,
  kind: DatabaseKind,
  logger: DatabaseLogger,
  lastCheckout: LastCheckout,
  isDown: () => boolean,
): PostgresPool {
  // pg emits 'error' on a checked-out client whose server goes away; without a listener that
  // would be an uncaught exception. The query in progress is rejected either way.
  const onClientError = connectionLost(logger);
  return {
    async connect(): Promise<PostgresPoolClient> {
      // While the probe sees the database down, answer at once instead of queueing for the acquire timeout.
      if (isDown()) throw databaseUnavailable();
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
}

/** pg-pool's `min` only keeps connections; open them now so the first requests do not pay for it. */
async function openMinimum(pool: pg.Pool, min: number, lastCheckout: LastCheckout): Promise<void> {
  const clients = await Promise.all(Array.from({ length: min }, () => pool.connect()));
  for (const client of clients) {
    lastCheckout.set(client, Date.now());
    client.release();
  }
}

export async function openPool(options: PoolOptions): Promise<ConnectionPool> {
  const { databaseUrl, logger } = options;
  const lastCheckout: LastCheckout = new WeakMap();
  const kind: DatabaseKind = databaseUrl !== undefined ? 'postgres' : 'pglite';
  // Loaded only here, so a PostgreSQL deployment never loads PGlite.
  const embedded =
    databaseUrl === undefined
      ? await import('./embedded-database.js').then((m) => m.openEmbeddedDatabase(options.dataDir, logger))
      : undefined;
  const pool = embedded
    ? // PGlite runs one query at a time: a single long-lived connection.
      new pg.Pool({ ...embedded.poolConfig, max: 1, idleTimeoutMillis: 0 })
    : new pg.Pool({
        connectionString: databaseUrl,
        min: options.pool.min,
        max: options.pool.max,
        idleTimeoutMillis: options.pool.idleMs,
        connectionTimeoutMillis: options.pool.acquireTimeoutMs,
        maxLifetimeSeconds: options.pool.recycleS,
        application_name: 'beta-suite',
      });
  // An idle client losing its server must not crash the process; the probe reports the outage.
  pool.on('error', connectionLost(logger));
  // Every connection, however it is first used (Kysely, or pg-pool's own query as the probe uses).
  pool.on('connect', preparingQueries);
  if (kind === 'postgres' && options.pool.min > 0) await openMinimum(pool, options.pool.min, lastCheckout);

  return {
    kind,
    pg: pool,
    pglite: embedded?.pglite,
    forKysely: (isDown) => checkedPool(pool, kind, logger, lastCheckout, isDown),
    state: () => ({
      kind,
      max: kind === 'postgres' ? options.pool.max : 1,
      total: pool.totalCount,
      idle: pool.idleCount,
      inUse: pool.totalCount - pool.idleCount,
      waiting: pool.waitingCount,
    }),
    async close() {
      if (!embedded) return;
      await embedded.pglite.close();
      try {
        restrictDataDirContents(options.dataDir);
      } catch {
        // The next start narrows whatever this run left open.
      }
      embedded.unlock();
    },
  };
}
