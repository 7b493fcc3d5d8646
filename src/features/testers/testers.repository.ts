// SQL for the testers' side: their sessions, one-time links, the waitlist, the mail outbox, and
// the erasure of a leaving tester's address from the rows that may still quote it.
import { sql, type Kysely, type Selectable } from 'kysely';
import { containsPattern } from '../../db/like.js';
import type { DatabaseSchema, MailOutboxTable, TesterLinksTable, TesterSessionsTable, WaitlistTable } from '../../db/schema.js';

type Db = Kysely<DatabaseSchema>;
export type SessionRow = Selectable<TesterSessionsTable>;
export type WaitlistRow = Selectable<WaitlistTable>;
export type OutboxRow = Selectable<MailOutboxTable>;
export type LinkPurpose = TesterLinksTable['purpose'];
export type MailKind = MailOutboxTable['kind'];

export async function insertSession(
  db: Db,
  s: { idHash: string; userId: string; csrfToken: string; now: Date; expiresAt: Date },
): Promise<void> {
  await db
    .insertInto('tester_sessions')
    .values({ id_hash: s.idHash, user_id: s.userId, csrf_token: s.csrfToken, last_seen_at: s.now, expires_at: s.expiresAt })
    .execute();
}

export async function findSession(db: Db, idHash: string): Promise<SessionRow | undefined> {
  return db.selectFrom('tester_sessions').selectAll().where('id_hash', '=', idHash).executeTakeFirst();
}

export async function touchSession(db: Db, idHash: string, at: Date): Promise<void> {
  await db.updateTable('tester_sessions').set({ last_seen_at: at }).where('id_hash', '=', idHash).execute();
}

export async function deleteSession(db: Db, idHash: string): Promise<void> {
  await db.deleteFrom('tester_sessions').where('id_hash', '=', idHash).execute();
}

export async function deleteExpiredSessions(db: Db, now: Date, idleBefore: Date): Promise<number> {
  const result = await db
    .deleteFrom('tester_sessions')
    .where((eb) => eb.or([eb('expires_at', '<=', now), eb('last_seen_at', '<=', idleBefore)]))
    .executeTakeFirst();
  await db.deleteFrom('tester_links').where('expires_at', '<=', now).execute();
  return Number(result.numDeletedRows);
}

export async function insertLink(
  db: Db,
  link: { tokenHash: string; purpose: LinkPurpose; userId?: string; waitlistId?: string; expiresAt: Date },
): Promise<void> {
  await db
    .insertInto('tester_links')
    .values({
      token_hash: link.tokenHash,
      purpose: link.purpose,
      user_id: link.userId ?? null,
      waitlist_id: link.waitlistId ?? null,
      expires_at: link.expiresAt,
    })
    .execute();
}

/** Uses a link once: only unused, unexpired, for this purpose. Concurrent uses: one wins. */
export async function consumeLink(
  db: Db,
  tokenHash: string,
  purpose: LinkPurpose,
  now: Date,
): Promise<{ user_id: string | null; waitlist_id: string | null } | undefined> {
  return db
    .updateTable('tester_links')
    .set({ used_at: now })
    .where('token_hash', '=', tokenHash)
    .where('purpose', '=', purpose)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .returning(['user_id', 'waitlist_id'])
    .executeTakeFirst();
}

export async function findWaitlistByEmail(db: Db, email: string): Promise<WaitlistRow | undefined> {
  return db
    .selectFrom('waitlist')
    .selectAll()
    .where(sql<string>`lower(email)`, '=', email.toLowerCase())
    .executeTakeFirst();
}

/** A new pending entry, or undefined when the address is on the list already. */
export async function insertWaitlist(db: Db, email: string): Promise<WaitlistRow | undefined> {
  return db
    .insertInto('waitlist')
    .values({ email })
    .onConflict((oc) => oc.expression(sql`lower(email)`).doNothing())
    .returningAll()
    .executeTakeFirst();
}

export async function confirmWaitlist(db: Db, id: string): Promise<void> {
  await db
    .updateTable('waitlist')
    .set({ status: 'confirmed', confirmed_at: sql<Date>`now()` })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .execute();
}

export async function listWaitlist(db: Db, status: WaitlistRow['status'] | undefined, limit: number): Promise<WaitlistRow[]> {
  let query = db.selectFrom('waitlist').selectAll();
  if (status) query = query.where('status', '=', status);
  return query.orderBy('created_at').orderBy('id').limit(limit).execute();
}

/** Entries to approve, locked: the given ids (pending or confirmed), or the oldest `next` confirmed ones. */
export async function lockForApproval(db: Db, pick: { ids: string[] } | { next: number }): Promise<WaitlistRow[]> {
  let query = db.selectFrom('waitlist').selectAll().where('status', '<>', 'approved');
  query = 'ids' in pick ? query.where('id', 'in', pick.ids) : query.where('status', '=', 'confirmed').limit(pick.next);
  return query.orderBy('created_at').orderBy('id').forUpdate().skipLocked().execute();
}

export async function markApproved(db: Db, id: string, userId: string): Promise<void> {
  await db
    .updateTable('waitlist')
    .set({ status: 'approved', approved_at: sql<Date>`now()`, user_id: userId })
    .where('id', '=', id)
    .execute();
}

export async function insertOutbox(db: Db, mail: { kind: MailKind; toMasked: string; userId: string | null }): Promise<string> {
  const row = await db
    .insertInto('mail_outbox')
    .values({ kind: mail.kind, to_masked: mail.toMasked, user_id: mail.userId })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function recordAttempt(db: Db, id: string, attempt: number, error: string | undefined, final: boolean): Promise<void> {
  await db
    .updateTable('mail_outbox')
    .set({
      attempts: attempt,
      last_error: error ?? null,
      ...(error === undefined ? { status: 'sent' as const, sent_at: sql<Date>`now()` } : final ? { status: 'failed' as const } : {}),
    })
    .where('id', '=', id)
    .execute();
}

/**
 * Claims mail left `queued` (an instance stopped while sending) older than `olderThanS` seconds: each
 * row is marked failed as interrupted, by exactly one caller, who may send it again as a new mail.
 */
export async function claimInterrupted(db: Db, olderThanS: number): Promise<Array<Pick<OutboxRow, 'id' | 'kind' | 'user_id'>>> {
  const { rows } = await sql<Pick<OutboxRow, 'id' | 'kind' | 'user_id'>>`
    UPDATE mail_outbox SET status = 'failed', last_error = 'interrupted by a shutdown'
    WHERE id IN (
      SELECT id FROM mail_outbox WHERE status = 'queued' AND created_at < now() - make_interval(secs => ${olderThanS}) ORDER BY created_at FOR UPDATE SKIP LOCKED
    )
    RETURNING id, kind, user_id`.execute(db);
  return rows;
}

export async function listOutbox(db: Db, limit: number): Promise<OutboxRow[]> {
  return db.selectFrom('mail_outbox').selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
}

const regexOf = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Removes a leaving tester's address from everything that may quote it, in the caller's
 * transaction: sessions, links and the waitlist go; feedback stays without the link to them; the
 * audit log names them by id instead.
 */
export async function eraseTesterTraces(db: Db, userId: string, email: string, replacement: string): Promise<void> {
  const like = containsPattern(email);
  const re = regexOf(email);
  await db.deleteFrom('tester_sessions').where('user_id', '=', userId).execute();
  await db.deleteFrom('tester_links').where('user_id', '=', userId).execute();
  await db
    .deleteFrom('waitlist')
    .where(sql<string>`lower(email)`, '=', email.toLowerCase())
    .execute();
  await sql`
    UPDATE beta_feedback SET
      user_id = NULL,
      email = NULL,
      comment = CASE WHEN comment ILIKE ${like} THEN regexp_replace(comment, ${re}, '[erased]', 'gi') ELSE comment END,
      metadata = CASE WHEN metadata::text ILIKE ${like} THEN regexp_replace(metadata::text, ${re}, '[erased]', 'gi')::jsonb ELSE metadata END
    WHERE user_id = ${userId} OR lower(email) = ${email.toLowerCase()} OR comment ILIKE ${like} OR metadata::text ILIKE ${like}`.execute(
    db,
  );
  await sql`
    UPDATE audit_log SET
      actor = CASE WHEN actor ILIKE ${like} THEN regexp_replace(actor, ${re}, ${replacement}, 'gi') ELSE actor END,
      before = CASE WHEN before::text ILIKE ${like} THEN regexp_replace(before::text, ${re}, ${replacement}, 'gi')::jsonb ELSE before END,
      after = CASE WHEN after::text ILIKE ${like} THEN regexp_replace(after::text, ${re}, ${replacement}, 'gi')::jsonb ELSE after END
    WHERE actor ILIKE ${like} OR before::text ILIKE ${like} OR after::text ILIKE ${like}`.execute(db);
}
