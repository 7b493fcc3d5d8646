// SQL for beta testers: invite codes, roles, per-flag overrides, search with a stable cursor.
import { randomBytes } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { containsPattern } from '../../db/like.js';
import type { DatabaseSchema } from '../../db/schema.js';
import type { BetaUserRow, Source, TesterRole, UserCounts, UserFilter, UserPatch } from './beta-users.types.js';

/** 192 random bits, URL-safe, 32 characters (the report's column width). */
export const newInviteCode = (): string => randomBytes(24).toString('base64url');

export async function insertUser(
  db: Kysely<DatabaseSchema>,
  user: { email: string; role: TesterRole; notes: string | null; flagSet: Record<string, boolean | string>; source: Source },
): Promise<BetaUserRow | undefined> {
  return db
    .insertInto('beta_users')
    .values({
      email: user.email,
      invite_code: newInviteCode(),
      role: user.role,
      notes: user.notes,
      flag_set: JSON.stringify(user.flagSet),
      source: user.source,
      // An address typed into public feedback is nobody's word: unverified, and not active, until confirmed.
      is_active: user.source !== 'feedback',
      verified_at: user.source === 'feedback' ? null : sql<Date>`now()`,
    })
    .onConflict((oc) => oc.expression(sql`lower(email)`).doNothing())
    .returningAll()
    .executeTakeFirst();
}

export async function findUserById(db: Kysely<DatabaseSchema>, id: string, forUpdate = false): Promise<BetaUserRow | undefined> {
  const query = db.selectFrom('beta_users').selectAll().where('id', '=', id);
  return (forUpdate ? query.forUpdate() : query).executeTakeFirst();
}

export async function findUserByEmail(db: Kysely<DatabaseSchema>, email: string): Promise<BetaUserRow | undefined> {
  return db
    .selectFrom('beta_users')
    .selectAll()
    .where(sql<string>`lower(email)`, '=', email.toLowerCase())
    .executeTakeFirst();
}

/** The testers a list filter selects (search, role, status, source, joined), not yet ordered or paged. */
function filteredUsers(db: Kysely<DatabaseSchema>, filter: Omit<UserFilter, 'after' | 'limit' | 'order'>) {
  let query = db.selectFrom('beta_users');
  if (filter.search) {
    const pattern = containsPattern(filter.search);
    query = query.where((eb) => eb.or([eb('email', 'ilike', pattern), eb('notes', 'ilike', pattern)]));
  }
  if (filter.role) query = query.where('role', '=', filter.role);
  if (filter.active !== undefined) query = query.where('is_active', '=', filter.active);
  if (filter.source) query = query.where('source', '=', filter.source);
  if (filter.joined !== undefined) query = query.where('redeemed_at', filter.joined ? 'is not' : 'is', null);
  return query;
}

/** How many testers the filter selects, counting no further than `cap`. */
export async function countMatchingUsers(
  db: Kysely<DatabaseSchema>,
  filter: Omit<UserFilter, 'after' | 'limit' | 'order'>,
  cap: number,
): Promise<number> {
  const row = await db
    .selectFrom(
      filteredUsers(db, filter)
        .select(sql`1`.as('one'))
        .limit(cap)
        .as('m'),
    )
    .select(sql<string>`count(*)`.as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function listUsers(db: Kysely<DatabaseSchema>, filter: UserFilter): Promise<BetaUserRow[]> {
  let query = filteredUsers(db, filter).selectAll();
  if (filter.order === 'newest') {
    if (filter.after) query = query.where(sql<boolean>`(created_at, id) < (${filter.after.at}, ${filter.after.id}::uuid)`);
    return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(filter.limit).execute();
  }
  if (filter.after) query = query.where(sql<boolean>`(created_at, id) > (${filter.after.at}, ${filter.after.id}::uuid)`);
  return query.orderBy('created_at').orderBy('id').limit(filter.limit).execute();
}

export async function updateUser(
  db: Kysely<DatabaseSchema>,
  id: string,
  patch: UserPatch & { invite_code?: string; redeemed_at?: null; verified_at?: Date },
): Promise<BetaUserRow> {
  const { flag_set, ...rest } = patch;
  return db
    .updateTable('beta_users')
    .set({ ...rest, ...(flag_set === undefined ? {} : { flag_set: JSON.stringify(flag_set) }), updated_at: sql<Date>`now()` })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function deleteUser(db: Kysely<DatabaseSchema>, id: string): Promise<void> {
  await db.deleteFrom('beta_users').where('id', '=', id).execute();
}

/**
 * Marks an invite joined; only for the code's own email, only once, only while active (or not yet
 * confirmed: redeeming confirms the address). Concurrent redeems: one wins.
 */
export async function redeemInvite(db: Kysely<DatabaseSchema>, code: string, email: string): Promise<BetaUserRow | undefined> {
  return db
    .updateTable('beta_users')
    .set({
      redeemed_at: sql<Date>`now()`,
      joined_at: sql<Date>`now()`,
      updated_at: sql<Date>`now()`,
      is_active: true,
      verified_at: sql<Date>`coalesce(verified_at, now())`,
    })
    .where('invite_code', '=', code)
    .where(sql<string>`lower(email)`, '=', email.toLowerCase())
    .where('redeemed_at', 'is', null)
    .where('erased_at', 'is', null)
    .where((eb) => eb.or([eb('is_active', '=', true), eb('verified_at', 'is', null)]))
    .returningAll()
    .executeTakeFirst();
}

/** Every tester, oldest first, read in pages: the table is never held in memory. */
export async function* allUsers(db: Kysely<DatabaseSchema>, pageSize = 1000): AsyncGenerator<BetaUserRow> {
  let after: UserFilter['after'];
  for (;;) {
    const page = await listUsers(db, { after, limit: pageSize });
    if (page.length === 0) return;
    yield* page;
    const last = page[page.length - 1]!;
    after = { at: last.created_at, id: last.id };
  }
}

/** The id of the tester with this email, created (source `feedback`, unverified, TESTER) when unknown. */
export async function ensureTester(db: Kysely<DatabaseSchema>, email: string): Promise<string> {
  const created = await insertUser(db, { email, role: 'TESTER', notes: null, flagSet: {}, source: 'feedback' });
  if (created) return created.id;
  const existing = await findUserByEmail(db, email);
  if (!existing) throw new Error('tester vanished while being created');
  return existing.id;
}

/** Head counts for the console: everyone, active, admins, invites redeemed, and testers who joined (redeemed their invite) since `since`. */
export async function countUsers(db: Kysely<DatabaseSchema>, since: Date): Promise<UserCounts> {
  const row = await db
    .selectFrom('beta_users')
    .select([
      sql<number>`count(*)::int`.as('total'),
      sql<number>`(count(*) filter (where is_active))::int`.as('active'),
      sql<number>`(count(*) filter (where role = 'ADMIN'))::int`.as('admins'),
      sql<number>`(count(*) filter (where redeemed_at is not null))::int`.as('redeemed'),
      sql<number>`(count(*) filter (where redeemed_at >= ${since}))::int`.as('joined_7d'),
    ])
    .executeTakeFirstOrThrow();
  return row;
}
