// LISTEN/NOTIFY: PGlite delivers notifications itself; on PostgreSQL each channel gets a dedicated
// connection that reconnects by itself, with backoff, when the server goes away.
import type { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import type { DatabaseLogger } from './database-logger.js';

export type Unlisten = () => Promise<void>;

export interface ListenerOptions {
  /** Set on PostgreSQL. */
  databaseUrl: string | undefined;
  /** Set on the embedded database. */
  pglite: PGlite | undefined;
  logger: DatabaseLogger;
  /** Runs after a lost connection is re-established, before the subscriber's `onReconnect`. */
  beforeReconnect: () => Promise<unknown>;
}

export interface Listener {
  readonly listen: (channel: string, onMessage: (payload: string) => void, onReconnect?: () => void) => Promise<Unlisten>;
  /** Stops every channel still listened to. */
  readonly close: () => Promise<void>;
}

const CHANNEL_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const MAX_BACKOFF_MS = 5000;

async function listenPostgres(
  options: ListenerOptions,
  channel: string,
  onMessage: (payload: string) => void,
  onReconnect?: () => void,
): Promise<Unlisten> {
  const { logger } = options;
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
          await options.beforeReconnect();
          onReconnect?.();
        }
        return;
      } catch {
        await c.end().catch(() => undefined);
        await new Promise((r) => setTimeout(r, Math.min(MAX_BACKOFF_MS, 100 * 2 ** attempt)));
      }
    }
  };
  await connect(false);
  return async () => {
    stopped = true;
    await current?.end().catch(() => undefined);
  };
}

export function createListener(options: ListenerOptions): Listener {
  const active = new Set<Unlisten>();
  return {
    async listen(channel, onMessage, onReconnect) {
      if (!CHANNEL_NAME.test(channel)) throw new Error(`invalid channel name ${channel}`);
      const stop = options.pglite
        ? await options.pglite.listen(channel, onMessage)
        : await listenPostgres(options, channel, onMessage, onReconnect);
      const unlisten = async () => {
        if (active.delete(unlisten)) await stop();
      };
      active.add(unlisten);
      return unlisten;
    },
    async close() {
      await Promise.all([...active].map((unlisten) => unlisten()));
    },
  };
}
