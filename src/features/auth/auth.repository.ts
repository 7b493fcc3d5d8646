// SQL for console sessions, one-time owner sign-in links, admin grants, the provider accounts
// owners and admins are bound to, and the folded audit rows of failed sign-ins.
import { sql, type Kysely } from 'kysely';
import type { DatabaseSchema } from '../../db/schema.js';

export interface SessionRecord {
  id_hash: string;
  email: string;
  role: 'OWNER' | 'ADMIN';
  csrf_token: string;
  created_at: Date;
  last_seen_at: Date;
  expires_at: Date;
  /** Whether an owner's grant of ADMIN to this email still stands. */
  admin_granted: boolean;
}

export async function insertSession(
  db: Kysely<DatabaseSchema>,
  row: {
    idHash: string;
    email: string;
    role: 'OWNER' | 'ADMIN';
    issuer: string;
    subject: string;
    csrfToken: string;
    now: Date;
    expiresAt: Date;
    userAgent: string | null;
    ip: string | null;
  },
): Promise<void> {
  await db
    .insertInto('sessions')
    .values({
      id_hash: row.idHash,
      email: row.email,
      role: row.role,
      issuer: row.issuer,
      subject: row.subject,
      csrf_token: row.csrfToken,
      last_seen_at: row.now,
      expires_at: row.expiresAt,
      user_agent: row.userAgent,
      ip: row.ip,
    })
    .execute();
}

/** The session and, in the same query, whether its email still holds an active ADMIN grant. */
export async function findSession(db: Kysely<DatabaseSchema>, idHash: string): Promise<SessionRecord | undefined> {
  return db
    .selectFrom('sessions as s')
    .select([
      's.id_hash',
      's.email',
      's.role',
      's.csrf_token',
      's.created_at',
      's.last_seen_at',
      's.expires_at',
      sql<boolean>`exists (select 1 from beta_users b where lower(b.email) = lower(s.email) and b.role = 'ADMIN' and b.is_active)`.as(
        'admin_granted',
      ),
    ])
    .where('s.id_hash', '=', idHash)
    .executeTakeFirst();
}

export async function touchSession(db: Kysely<DatabaseSchema>, idHash: string, at: Date): Promise<void> {
  await db.updateTable('sessions').set({ last_seen_at: at }).where('id_hash', '=', idHash).execute();
}

export async function deleteSession(db: Kysely<DatabaseSchema>, idHash: string): Promise<boolean> {
  const result = await db.deleteFrom('sessions').where('id_hash', '=', idHash).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

export async function deleteAllSessions(db: Kysely<DatabaseSchema>): Promise<number> {
  const result = await db.deleteFrom('sessions').executeTakeFirst();
  return Number(result.numDeletedRows);
}

export async function deleteExpiredSessions(db: Kysely<DatabaseSchema>, now: Date, idleBefore: Date): Promise<number> {
  const result = await db
    .deleteFrom('sessions')
    .where((eb) => eb.or([eb('expires_at', '<=', now), eb('last_seen_at', '<', idleBefore)]))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** The address of the active ADMIN grant whose lowercased address is `lowered`, if any. */
export async function findAdminGrantEmail(db: Kysely<DatabaseSchema>, lowered: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('beta_users')
    .select('email')
    .where(sql<string>`lower(email)`, '=', lowered)
    .where('role', '=', 'ADMIN')
    .where('is_active', '=', true)
    .executeTakeFirst();
  return row?.email;
}

export interface BoundIdentity {
  issuer: string;
  subject: string;
}

/** Binds `key` to this provider account unless it is bound already; returns the account it is bound to. */
export async function bindIdentity(db: Kysely<DatabaseSchema>, key: string, identity: BoundIdentity): Promise<BoundIdentity> {
  await db
    .insertInto('console_identities')
    .values({ email: key, issuer: identity.issuer, subject: identity.subject })
    .onConflict((oc) => oc.column('email').doNothing())
    .execute();
  // A separate statement: it sees the row a concurrent first sign-in committed.
  return db.selectFrom('console_identities').select(['issuer', 'subject']).where('email', '=', key).executeTakeFirstOrThrow();
}

export async function insertLoginLink(db: Kysely<DatabaseSchema>, tokenHash: string, email: string, expiresAt: Date): Promise<void> {
  await db.insertInto('login_links').values({ token_hash: tokenHash, email, expires_at: expiresAt }).execute();
}

/** Marks an unused, unexpired link used and returns its email; concurrent redeems: one wins. */
export async function consumeLoginLink(db: Kysely<DatabaseSchema>, tokenHash: string, now: Date): Promise<string | undefined> {
  const row = await db
    .updateTable('login_links')
    .set({ used_at: now })
    .where('token_hash', '=', tokenHash)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .returning('email')
    .executeTakeFirst();
  return row?.email;
}

export interface FailedSignIn {
  /** `session`: the provider's callback; `login_link`: a one-time owner link. */
  entityType: 'session' | 'login_link';
  /** The client's address. */
  client: string;
  reason: string;
  requestId: string | null;
}

/**
 * Audits a failed sign-in as one row per route, client and ten-minute window: the first failure
 * inserts it with `count` 1, each repeat adds one and keeps the latest reason and request id. One
 * statement, so concurrent repeats meet on the unique key instead of adding rows.
 */
export async function recordFailedSignIn(db: Kysely<DatabaseSchema>, failure: FailedSignIn): Promise<void> {
  const action = 'auth.sign_in_failed';
  const window = sql`extract(epoch FROM date_bin(interval '10 minutes', now(), timestamptz '2000-01-01 00:00:00+00'))::bigint`;
  const after = JSON.stringify({ reason: failure.reason, client: failure.client, count: 1 });
  await sql`
    INSERT INTO audit_log (actor, action, entity_type, after, request_id, fold_key)
    VALUES ('anonymous', ${action}, ${failure.entityType}, ${after}::jsonb, ${failure.requestId},
      concat_ws(' ', ${action}::text, ${failure.entityType}::text, ${failure.client}::text, ${window}))
    ON CONFLICT (fold_key) WHERE fold_key IS NOT NULL DO UPDATE SET
      after = audit_log.after || jsonb_build_object(
        'count', (audit_log.after ->> 'count')::bigint + 1, 'reason', excluded.after -> 'reason', 'lastAt', now()),
      request_id = excluded.request_id`.execute(db);
}
