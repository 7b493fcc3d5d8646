// Background reachability probe: `SELECT 1` within a timeout, so health checks and the pool's quick
// refusal know whether the database answers, and since when.
import pg from 'pg';
import type { DatabaseLogger } from './database-logger.js';

export interface ProbeState {
  /** `undefined` until the first probe has answered. */
  reachable: boolean | undefined;
  latencyMs: number | undefined;
  checkedAt: Date | undefined;
  /** Since when the current state holds. */
  since: Date;
  consecutiveFailures: number;
}

export interface ProbeOptions {
  /** Set on PostgreSQL; unset → the embedded database, probed through `pool`. */
  databaseUrl: string | undefined;
  pool: pg.Pool;
  /** A probe slower than this counts as a failure. */
  timeoutMs: number;
  logger: DatabaseLogger;
}

export interface Probe {
  readonly state: () => ProbeState;
  /** Runs one probe now (or joins the one running) and returns the new state. */
  readonly probe: () => Promise<ProbeState>;
  /** Probes every `intervalMs` until `close()`. */
  readonly start: (intervalMs: number) => void;
  readonly close: () => Promise<void>;
}

interface ProbeConnection {
  query(): Promise<unknown>;
  drop(): Promise<void>;
}

/**
 * On PostgreSQL the probe has a connection of its own: a pool exhausted by slow queries is busy,
 * not unreachable, and must not fail /healthz nor turn every request into an immediate 503.
 */
function dedicatedConnection(databaseUrl: string, timeoutMs: number): ProbeConnection {
  let connection: Promise<pg.Client> | undefined;
  return {
    query() {
      if (!connection) {
        const client = new pg.Client({
          connectionString: databaseUrl,
          application_name: 'beta-suite-probe',
          connectionTimeoutMillis: timeoutMs,
        });
        const connecting = client.connect().then(() => client);
        client.on('error', () => undefined); // the next probe reports it
        client.on('end', () => {
          if (connection === connecting) connection = undefined;
        });
        connection = connecting;
      }
      return connection.then((client) => client.query('SELECT 1'));
    },
    drop() {
      const connecting = connection;
      connection = undefined;
      return (connecting ?? Promise.resolve(undefined)).then((client) => client?.end()).catch(() => undefined);
    },
  };
}

async function answersWithin(query: Promise<unknown>, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      query,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('probe timed out')), timeoutMs);
      }),
    ]);
    return true;
  } catch {
    query.catch(() => undefined);
    return false;
  } finally {
    clearTimeout(timer);
  }
}

function nextState(previous: ProbeState, ok: boolean, latencyMs: number): ProbeState {
  const changed = previous.reachable !== ok;
  return {
    reachable: ok,
    latencyMs: ok ? latencyMs : undefined,
    checkedAt: new Date(),
    since: changed ? new Date() : previous.since,
    consecutiveFailures: ok ? 0 : previous.consecutiveFailures + 1,
  };
}

export function createProbe(options: ProbeOptions): Probe {
  const { logger, timeoutMs } = options;
  const connection: ProbeConnection =
    options.databaseUrl !== undefined
      ? dedicatedConnection(options.databaseUrl, timeoutMs)
      : { query: () => options.pool.query('SELECT 1'), drop: async () => undefined };
  let state: ProbeState = { reachable: undefined, latencyMs: undefined, checkedAt: undefined, since: new Date(), consecutiveFailures: 0 };
  let probing: Promise<ProbeState> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  async function runProbe(): Promise<ProbeState> {
    const started = performance.now();
    const ok = await answersWithin(connection.query(), timeoutMs);
    if (!ok) void connection.drop();
    const latencyMs = Math.round((performance.now() - started) * 1000) / 1000;
    const previous = state;
    state = nextState(previous, ok, latencyMs);
    if (previous.reachable !== ok) {
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
    state: () => state,
    probe,
    start(intervalMs) {
      if (timer || stopped) return;
      const tick = () => {
        void probe().finally(() => {
          if (!stopped) timer = setTimeout(tick, intervalMs);
        });
      };
      tick();
    },
    async close() {
      stopped = true;
      clearTimeout(timer);
      await probing?.catch(() => undefined);
      await connection.drop();
    },
  };
}
