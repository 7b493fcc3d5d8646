// SQL for the testers' own side of their rows: confirming an address, per-flag enrolment, erasure,
// invite mail and last-seen stamps, testers from the waitlist, and the owner's funnel.
import { sql, type Kysely } from 'kysely';
import type { DatabaseSchema } from '../../db/schema.js';
import { findUserByEmail, insertUser } from './beta-users.repository.js';
import type { BetaUserRow } from './beta-users.types.js';

/** Confirms an address (a followed link): an unconfirmed tester becomes active and joined. */
export async function verifyUser(db: Kysely<DatabaseSchema>, id: string): Promise<BetaUserRow | undefined> {
  return db
    .updateTable('beta_users')
    .set({
      verified_at: sql<Date>`now()`,
      is_active: true,
      redeemed_at: sql<Date>`coalesce(redeemed_at, now())`,
      joined_at: sql<Date>`now()`,
      updated_at: sql<Date>`now()`,
    })
    .where('id', '=', id)
    .where('verified_at', 'is', null)
    .where('erased_at', 'is', null)
    .returningAll()
    .executeTakeFirst();
}

/** Writes one flag of the tester's overrides (other flags untouched, in one statement). */
export async function setFlagOverride(db: Kysely<DatabaseSchema>, id: string, flag: string, enrolled: boolean): Promise<BetaUserRow> {
  return db
    .updateTable('beta_users')
    .set({
      flag_set: sql<string>`flag_set || jsonb_build_object(${flag}::text, ${enrolled}::boolean)`,
      updated_at: sql<Date>`now()`,
    })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Leaves a tombstone: no address, no notes, no overrides, never active again. */
export async function eraseUser(db: Kysely<DatabaseSchema>, id: string, tombstone: string): Promise<BetaUserRow> {
  return db
    .updateTable('beta_users')
    .set({
      email: tombstone,
      notes: null,
      flag_set: '{}',
      is_active: false,
      erased_at: sql<Date>`now()`,
      updated_at: sql<Date>`now()`,
    })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function markInvited(db: Kysely<DatabaseSchema>, id: string): Promise<void> {
  await db
    .updateTable('beta_users')
    .set({ invited_at: sql<Date>`now()` })
    .where('id', '=', id)
    .execute();
}

export async function touchUserSeen(db: Kysely<DatabaseSchema>, id: string, at: Date): Promise<void> {
  await db.updateTable('beta_users').set({ last_seen_at: at }).where('id', '=', id).execute();
}

/** A tester for an approved waitlist entry (source `waitlist`), or the one that already has the address. */
export async function ensureWaitlistTester(db: Kysely<DatabaseSchema>, email: string): Promise<BetaUserRow> {
  const created = await insertUser(db, { email, role: 'TESTER', notes: null, flagSet: {}, source: 'waitlist' });
  const row = created ?? (await findUserByEmail(db, email));
  if (!row) throw new Error('tester vanished while being created');
  return row;
}

export interface Funnel {
  invited: number;
  joined: number;
  enrolled: number;
  gave_feedback_30d: number;
}

/** Testers invited, joined, enrolled in at least one feature, and who gave feedback since `since`. */
export async function funnelCounts(db: Kysely<DatabaseSchema>, since: Date): Promise<Funnel> {
  const { rows } = await sql<Funnel>`
    SELECT
      (SELECT count(*) FROM beta_users WHERE role = 'TESTER' AND erased_at IS NULL AND verified_at IS NOT NULL)::int AS invited,
      (SELECT count(*) FROM beta_users WHERE role = 'TESTER' AND erased_at IS NULL AND redeemed_at IS NOT NULL)::int AS joined,
      (SELECT count(*) FROM beta_users u WHERE u.role = 'TESTER' AND u.is_active AND u.redeemed_at IS NOT NULL
         AND EXISTS (SELECT 1 FROM jsonb_each(u.flag_set) e WHERE e.value = 'true'::jsonb))::int AS enrolled,
      (SELECT count(DISTINCT f.user_id) FROM beta_feedback f JOIN beta_users u ON u.id = f.user_id
         WHERE f.created_at >= ${since} AND u.role = 'TESTER' AND u.redeemed_at IS NOT NULL)::int AS gave_feedback_30d`.execute(db);
  return rows[0]!;
}
