// Tester sessions: server-side rows under hashed opaque ids, idle and absolute timeouts like the
// console's, last use written at most once a minute (on the session and on the tester).
import { hash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Clock } from '../../core/clock.js';
import type { DatabaseSchema } from '../../db/schema.js';
import { deleteExpiredSessions, deleteSession, findSession, insertSession, touchSession } from './testers.repository.js';
import type { TesterAccountsPort, TesterSession } from './testers.types.js';

export const hashToken = (value: string): string => hash('sha256', value, 'hex');
/** 256 random bits, URL-safe. */
export const newToken = (): string => randomBytes(32).toString('base64url');
const TOKEN = /^[A-Za-z0-9_-]{43}$/;
export const isTokenShaped = (value: string): boolean => TOKEN.test(value);

const TOUCH_EVERY_MS = 60_000;

export interface TesterSessionsDeps {
  db: Kysely<DatabaseSchema>;
  accounts: TesterAccountsPort;
  clock: Clock;
  idleTimeoutMs: number;
  absoluteTimeoutMs: number;
  onBackgroundError: (err: unknown) => void;
}

export interface TesterSessions {
  /** Starts a session in `db` (a transaction, with the sign-in it belongs to). */
  start(db: Kysely<DatabaseSchema>, userId: string): Promise<{ sessionId: string; csrfToken: string; expiresAt: Date }>;
  /** The live session behind a cookie value, or undefined (expired, idle, unknown, or the tester left). */
  resolve(sessionId: string): Promise<TesterSession | undefined>;
  end(idHash: string): Promise<void>;
  deleteExpired(): Promise<number>;
}

export function createTesterSessions(deps: TesterSessionsDeps): TesterSessions {
  const lastTouch = new Map<string, number>();
  return {
    async start(db, userId) {
      const sessionId = newToken();
      const csrfToken = newToken();
      const now = deps.clock();
      const expiresAt = new Date(now.getTime() + deps.absoluteTimeoutMs);
      await insertSession(db, { idHash: hashToken(sessionId), userId, csrfToken, now, expiresAt });
      return { sessionId, csrfToken, expiresAt };
    },

    async resolve(sessionId) {
      if (!isTokenShaped(sessionId)) return undefined;
      const idHash = hashToken(sessionId);
      const row = await findSession(deps.db, idHash);
      if (!row) return undefined;
      const now = deps.clock().getTime();
      const lastSeen = Math.max(row.last_seen_at.getTime(), lastTouch.get(idHash) ?? 0);
      const tester = await deps.accounts.findById(deps.db, row.user_id);
      if (!tester || tester.erased_at !== null || row.expires_at.getTime() <= now || lastSeen + deps.idleTimeoutMs <= now) {
        await deleteSession(deps.db, idHash);
        return undefined;
      }
      if (now - lastSeen >= TOUCH_EVERY_MS) {
        lastTouch.set(idHash, now);
        if (lastTouch.size > 10_000) lastTouch.clear();
        const at = new Date(now);
        Promise.all([touchSession(deps.db, idHash, at), deps.accounts.touchSeen(deps.db, tester.id, at)]).catch(deps.onBackgroundError);
      }
      return { idHash, csrfToken: row.csrf_token, tester };
    },

    end: (idHash) => deleteSession(deps.db, idHash),

    deleteExpired() {
      const now = deps.clock();
      return deleteExpiredSessions(deps.db, now, new Date(now.getTime() - deps.idleTimeoutMs));
    },
  };
}
