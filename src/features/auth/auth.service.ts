// Console sessions (server-side, opaque ids, idle and absolute timeouts), roles decided from
// ADMIN_EMAILS and owner grants at every request, owners and admins bound to their first provider
// account, and one-time owner sign-in links.
import { hash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { AuditEntry } from '../../core/audit.js';
import type { Clock } from '../../core/clock.js';
import { emailKey, hasAsciiLocalPart } from '../../core/email.js';
import type { Principal, Role } from '../../core/principal.js';
import type { RecordAudit } from '../../db/audit.js';
import type { DatabaseSchema } from '../../db/schema.js';
import {
  type FailedSignIn,
  bindIdentity,
  consumeLoginLink,
  deleteAllSessions,
  deleteExpiredSessions,
  deleteSession,
  findAdminGrantEmail,
  findSession,
  insertLoginLink,
  insertSession,
  recordFailedSignIn,
  touchSession,
} from './auth.repository.js';

export interface AuthServiceDeps {
  db: Kysely<DatabaseSchema>;
  adminEmails: readonly string[];
  idleTimeoutMs: number;
  absoluteTimeoutMs: number;
  now: Clock;
  recordAudit: RecordAudit;
  onBackgroundError?: (err: unknown) => void;
}

export interface SignInIdentity {
  email: string;
  issuer: string;
  subject: string;
  userAgent: string | null;
  ip: string | null;
}

/** What the provider vouched for at the end of a sign-in. */
export interface ProviderIdentity {
  email: string;
  emailVerified: boolean;
  issuer: string;
  subject: string;
}

/** Console access for a provider identity: a role and the address in comparison form, or why not. */
export type Admission = { role: 'OWNER' | 'ADMIN'; email: string } | { refused: RefusalReason };

export type RefusalReason = 'email not verified' | 'no console access' | 'non-ASCII local part' | 'address bound to another account';

export interface StartedSession {
  sessionId: string;
  csrfToken: string;
  role: 'OWNER' | 'ADMIN';
  expiresAt: Date;
}

export const LOGIN_LINK_TTL_MS = 15 * 60_000;
/** `last_seen_at` is written at most this often per session. */
const TOUCH_EVERY_MS = 60_000;

export const hashSecret = (value: string): string => hash('sha256', value, 'hex');
const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;

export interface AuthService {
  /** OWNER for ADMIN_EMAILS, ADMIN for an active grant, otherwise undefined (no console access). */
  roleFor(email: string): Promise<'OWNER' | 'ADMIN' | undefined>;
  /** Whether a provider-verified identity may use the console; binds an owner's or admin's address at first sign-in. */
  admit(identity: ProviderIdentity): Promise<Admission>;
  startSession(identity: SignInIdentity, role: 'OWNER' | 'ADMIN', requestId: string | null): Promise<StartedSession>;
  resolveSession(sessionId: string): Promise<Extract<Principal, { kind: 'session' }> | undefined>;
  endSession(principal: Extract<Principal, { kind: 'session' }>, requestId: string | null): Promise<void>;
  revokeAllSessions(actor: string, requestId: string | null): Promise<number>;
  mintLoginLink(actor: string): Promise<{ token: string; email: string; expiresAt: Date }>;
  redeemLoginLink(token: string): Promise<string | undefined>;
  audit(entry: AuditEntry): Promise<void>;
  /** Audits a failed sign-in, folded with the same client's other failures on that route in the last minutes. */
  recordFailedSignIn(failure: FailedSignIn): Promise<void>;
  deleteExpired(): Promise<number>;
}

type SessionOps = Pick<AuthService, 'startSession' | 'resolveSession' | 'endSession' | 'revokeAllSessions' | 'deleteExpired'>;
type LinkOps = Pick<AuthService, 'mintLoginLink' | 'redeemLoginLink'>;

export function createAuthService(deps: AuthServiceDeps): AuthService {
  const owners = new Set(deps.adminEmails.map(emailKey));
  const effectiveRole = (email: string, granted: boolean): Role => (owners.has(emailKey(email)) ? 'OWNER' : granted ? 'ADMIN' : 'TESTER');
  const roleFor: AuthService['roleFor'] = async (email) => {
    const key = emailKey(email);
    if (owners.has(key)) return 'OWNER';
    // The index lookup lowercases beyond ASCII: the grant counts only if the comparison forms agree.
    const granted = await findAdminGrantEmail(deps.db, key);
    return granted !== undefined && emailKey(granted) === key ? 'ADMIN' : undefined;
  };
  return {
    roleFor,
    admit: (identity) => admit(deps, roleFor, identity),
    ...sessionOps(deps, effectiveRole),
    ...loginLinkOps(deps),
    audit: (entry) => deps.recordAudit(deps.db, entry),
    recordFailedSignIn: (failure) => recordFailedSignIn(deps.db, failure),
  };
}

/** Sign-in through the provider: a verified address with a role, written in ASCII, from the account first seen with it. */
async function admit(deps: AuthServiceDeps, roleFor: AuthService['roleFor'], identity: ProviderIdentity): Promise<Admission> {
  if (!identity.emailVerified || identity.email === '') return { refused: 'email not verified' };
  const role = await roleFor(identity.email);
  if (!role) return { refused: 'no console access' };
  // Such an address reached a role only through normalisation: it resembles an owner's or admin's.
  if (!hasAsciiLocalPart(identity.email)) return { refused: 'non-ASCII local part' };
  const email = emailKey(identity.email);
  const bound = await bindIdentity(deps.db, email, { issuer: identity.issuer, subject: identity.subject });
  if (bound.issuer !== identity.issuer || bound.subject !== identity.subject) return { refused: 'address bound to another account' };
  return { role, email };
}

/** Server-side sessions: opaque ids stored hashed, idle and absolute timeouts, touched at most once a minute. */
function sessionOps(deps: AuthServiceDeps, effectiveRole: (email: string, granted: boolean) => Role): SessionOps {
  const lastTouch = new Map<string, number>();
  return {
    async startSession(identity, role, requestId) {
      const sessionId = randomBytes(32).toString('base64url');
      const csrfToken = randomBytes(32).toString('base64url');
      const now = deps.now();
      const expiresAt = new Date(now.getTime() + deps.absoluteTimeoutMs);
      await deps.db.transaction().execute(async (trx) => {
        await insertSession(trx, { idHash: hashSecret(sessionId), csrfToken, now, expiresAt, role, ...identity });
        await deps.recordAudit(trx, {
          actor: identity.email,
          action: 'auth.sign_in',
          entityType: 'session',
          entityId: null,
          after: { email: identity.email, role, issuer: identity.issuer },
          requestId,
        });
      });
      return { sessionId, csrfToken, role, expiresAt };
    },

    async resolveSession(sessionId) {
      if (!SESSION_ID.test(sessionId)) return undefined;
      const idHash = hashSecret(sessionId);
      const row = await findSession(deps.db, idHash);
      if (!row) return undefined;
      const now = deps.now().getTime();
      // The last touch this instance wrote may not have committed yet: count it too.
      const lastSeen = Math.max(row.last_seen_at.getTime(), lastTouch.get(idHash) ?? 0);
      if (row.expires_at.getTime() <= now || lastSeen + deps.idleTimeoutMs <= now) {
        await deleteSession(deps.db, idHash);
        return undefined;
      }
      if (now - lastSeen >= TOUCH_EVERY_MS) {
        lastTouch.set(idHash, now);
        if (lastTouch.size > 10_000) lastTouch.clear();
        touchSession(deps.db, idHash, new Date(now)).catch(deps.onBackgroundError ?? (() => undefined));
      }
      return {
        kind: 'session',
        sessionId: idHash,
        email: row.email,
        role: effectiveRole(row.email, row.admin_granted),
        csrfToken: row.csrf_token,
      };
    },

    async endSession(principal, requestId) {
      await deps.db.transaction().execute(async (trx) => {
        await deleteSession(trx, principal.sessionId);
        await deps.recordAudit(trx, { actor: principal.email, action: 'auth.sign_out', entityType: 'session', requestId });
      });
    },

    async revokeAllSessions(actor, requestId) {
      return deps.db.transaction().execute(async (trx) => {
        const count = await deleteAllSessions(trx);
        await deps.recordAudit(trx, { actor, action: 'session.revoke_all', entityType: 'session', after: { revoked: count }, requestId });
        return count;
      });
    },

    deleteExpired() {
      const now = deps.now();
      return deleteExpiredSessions(deps.db, now, new Date(now.getTime() - deps.idleTimeoutMs));
    },
  };
}

/** One-time owner sign-in links: stored hashed, single use, 15 minutes. */
function loginLinkOps(deps: AuthServiceDeps): LinkOps {
  return {
    async mintLoginLink(actor) {
      const email = deps.adminEmails[0]!;
      const token = randomBytes(32).toString('base64url');
      const expiresAt = new Date(deps.now().getTime() + LOGIN_LINK_TTL_MS);
      await deps.db.transaction().execute(async (trx) => {
        await insertLoginLink(trx, hashSecret(token), email, expiresAt);
        await deps.recordAudit(trx, {
          actor,
          action: 'auth.link_created',
          entityType: 'login_link',
          after: { email, expiresAt },
          requestId: null,
        });
      });
      return { token, email, expiresAt };
    },

    redeemLoginLink(token) {
      if (!SESSION_ID.test(token)) return Promise.resolve(undefined);
      return consumeLoginLink(deps.db, hashSecret(token), deps.now());
    },
  };
}
