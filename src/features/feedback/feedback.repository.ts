// SQL for feedback: rows, exact daily aggregates kept in the same transaction, idempotency keys.
import { sql, type Kysely } from 'kysely';
import type { Position } from '../../core/cursor.js';
import { containsPattern } from '../../db/like.js';
import type { DatabaseSchema } from '../../db/schema.js';
import type { AggregateRow, FeedbackFilter, FeedbackRow, NewFeedback } from './feedback.types.js';

export type { AggregateRow } from './feedback.types.js';

/**
 * Stores one feedback row and adds it to its UTC day's aggregate ('' for no feature) in a single
 * statement, so a submission outside a transaction is one round trip and still all-or-nothing.
 */
export async function insertCountedFeedback(db: Kysely<DatabaseSchema>, row: NewFeedback): Promise<FeedbackRow> {
  return db
    .with('inserted', (qb) =>
      qb
        .insertInto('beta_feedback')
        .values({ ...row, metadata: row.metadata === null ? null : JSON.stringify(row.metadata) })
        .returningAll(),
    )
    .with('counted', (qb) =>
      qb
        .insertInto('feedback_stats_daily')
        .columns(['day', 'feature', 'rating', 'count'])
        .expression((eb) =>
          eb
            .selectFrom('inserted')
            .select([
              sql<string>`(inserted.created_at AT TIME ZONE 'UTC')::date`.as('day'),
              sql<string>`coalesce(inserted.feature, '')`.as('feature'),
              'inserted.rating',
              sql<number>`1`.as('count'),
            ]),
        )
        .onConflict((oc) => oc.columns(['day', 'feature', 'rating']).doUpdateSet({ count: sql`feedback_stats_daily.count + 1` })),
    )
    .selectFrom('inserted')
    .selectAll()
    .executeTakeFirstOrThrow();
}

/** Deletes one feedback row and takes it out of its day's aggregate; undefined when there is no such row. */
export async function deleteCountedFeedback(db: Kysely<DatabaseSchema>, id: string): Promise<FeedbackRow | undefined> {
  const row = await db.deleteFrom('beta_feedback').where('id', '=', id).returningAll().executeTakeFirst();
  if (!row) return undefined;
  const day = row.created_at.toISOString().slice(0, 10);
  const updated = await db
    .updateTable('feedback_stats_daily')
    .set({ count: sql`count - 1` })
    .where('day', '=', day)
    .where('feature', '=', row.feature ?? '')
    .where('rating', '=', row.rating)
    .returning('count')
    .executeTakeFirst();
  if (updated && Number(updated.count) === 0) {
    await db
      .deleteFrom('feedback_stats_daily')
      .where('day', '=', day)
      .where('feature', '=', row.feature ?? '')
      .where('rating', '=', row.rating)
      .where('count', '=', sql<string>`0`)
      .execute();
  }
  return row;
}

export async function readAggregates(db: Kysely<DatabaseSchema>): Promise<AggregateRow[]> {
  const rows = await db
    .selectFrom('feedback_stats_daily')
    .select([sql<string>`to_char(day, 'YYYY-MM-DD')`.as('day'), 'feature', 'rating', 'count'])
    .execute();
  return rows.map((r) => ({ day: r.day, feature: r.feature, rating: r.rating, count: Number(r.count) }));
}

export interface IdempotencyRecord {
  request_hash: string;
  status: number | null;
  response: unknown;
}

/** Claims a key; returns undefined when it was new, else what is stored under it. Waits for a concurrent claimer to finish. */
export async function claimIdempotencyKey(
  db: Kysely<DatabaseSchema>,
  scope: string,
  key: string,
  requestHash: string,
): Promise<IdempotencyRecord | undefined> {
  const claimed = await db
    .insertInto('idempotency_keys')
    .values({ scope, key, request_hash: requestHash })
    .onConflict((oc) => oc.columns(['scope', 'key']).doNothing())
    .returning('key')
    .executeTakeFirst();
  if (claimed) return undefined;
  return db
    .selectFrom('idempotency_keys')
    .select(['request_hash', 'status', 'response'])
    .where('scope', '=', scope)
    .where('key', '=', key)
    .executeTakeFirstOrThrow();
}

export async function storeIdempotentResponse(
  db: Kysely<DatabaseSchema>,
  scope: string,
  key: string,
  status: number,
  response: unknown,
): Promise<void> {
  await db
    .updateTable('idempotency_keys')
    .set({ status, response: JSON.stringify(response) })
    .where('scope', '=', scope)
    .where('key', '=', key)
    .execute();
}

export async function pruneIdempotencyKeys(db: Kysely<DatabaseSchema>, before: Date): Promise<void> {
  await db.deleteFrom('idempotency_keys').where('created_at', '<', before).execute();
}

export async function listFeedback(db: Kysely<DatabaseSchema>, f: FeedbackFilter): Promise<FeedbackRow[]> {
  let query = db.selectFrom('beta_feedback').selectAll();
  if (f.rating !== undefined) query = query.where('rating', '=', f.rating);
  if (f.feature !== undefined) query = query.where('feature', '=', f.feature);
  if (f.from !== undefined) query = query.where('created_at', '>=', f.from);
  if (f.to !== undefined) query = query.where('created_at', '<', f.to);
  if (f.userId !== undefined) query = query.where('user_id', '=', f.userId);
  if (f.q) {
    const pattern = containsPattern(f.q);
    query = query.where((eb) => eb.or([eb('comment', 'ilike', pattern), eb('email', 'ilike', pattern)]));
  }
  if (f.before) query = query.where(sql<boolean>`(created_at, id) < (${f.before.at}, ${f.before.id}::uuid)`);
  return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(f.limit).execute();
}

/** Every row `filter` matches, newest first, read in pages: the table is never held in memory. */
export async function* allFeedback(
  db: Kysely<DatabaseSchema>,
  filter: Omit<FeedbackFilter, 'before' | 'limit'>,
  pageSize = 1000,
): AsyncGenerator<FeedbackRow> {
  let before: Position | undefined;
  for (;;) {
    const page = await listFeedback(db, { ...filter, before, limit: pageSize });
    yield* page;
    const last = page[page.length - 1];
    if (!last || page.length < pageSize) return;
    before = { at: last.created_at, id: last.id };
  }
}
