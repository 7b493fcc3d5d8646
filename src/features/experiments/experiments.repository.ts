// SQL for experiment results: exposures per flag, variant and subject (added to in batches), and the
// ratings of feedback that recorded which variant of a flag its author was served.
import { sql, type Kysely } from 'kysely';
import type { DatabaseSchema } from '../../db/schema.js';
import type { ExposureRow } from './exposure-recorder.js';

export interface ExposureTotals {
  variant: string;
  exposures: number;
  distinct_users: number;
  first_seen: Date;
}

export interface VariantRating {
  variant: string;
  rating: number;
}

/** Adds a batch of exposures: one row per flag, variant and subject, counts summed. */
export async function addExposures(db: Kysely<DatabaseSchema>, rows: readonly ExposureRow[]): Promise<void> {
  // Sorted so concurrent instances lock rows in the same order.
  const sorted = [...rows].sort((a, b) => cmp(a.flag_name, b.flag_name) || cmp(a.variant, b.variant) || cmp(a.subject, b.subject));
  for (let i = 0; i < sorted.length; i += 1000) {
    await db
      .insertInto('flag_variant_exposures')
      .values(sorted.slice(i, i + 1000).map((r) => ({ ...r, first_seen: r.last_seen })))
      .onConflict((oc) =>
        oc.columns(['flag_name', 'variant', 'subject']).doUpdateSet({
          exposures: sql`flag_variant_exposures.exposures + excluded.exposures`,
          last_seen: sql`greatest(flag_variant_exposures.last_seen, excluded.last_seen)`,
        }),
      )
      .execute();
  }
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export async function exposureTotals(db: Kysely<DatabaseSchema>, flag: string): Promise<ExposureTotals[]> {
  const rows = await db
    .selectFrom('flag_variant_exposures')
    .select([
      'variant',
      sql<string>`sum(exposures)`.as('exposures'),
      sql<string>`count(*)`.as('distinct_users'),
      sql<Date>`min(first_seen)`.as('first_seen'),
    ])
    .where('flag_name', '=', flag)
    .groupBy('variant')
    .execute();
  return rows.map((r) => ({
    variant: r.variant,
    exposures: Number(r.exposures),
    distinct_users: Number(r.distinct_users),
    first_seen: r.first_seen,
  }));
}

/** Every rating whose feedback recorded a variant of `flag`, read afresh so removed feedback no longer counts. */
export async function ratingsByVariant(db: Kysely<DatabaseSchema>, flag: string): Promise<VariantRating[]> {
  return db
    .selectFrom('beta_feedback')
    .select([sql<string>`variants ->> ${flag}`.as('variant'), 'rating'])
    .where(sql<boolean>`variants ? ${flag}`)
    .execute();
}

/** Forgets a flag's exposures (the flag was deleted: a new flag of the same name starts afresh). */
export async function deleteExposures(db: Kysely<DatabaseSchema>, flag: string): Promise<void> {
  await db.deleteFrom('flag_variant_exposures').where('flag_name', '=', flag).execute();
}
