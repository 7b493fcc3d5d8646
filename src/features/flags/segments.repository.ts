// SQL for segments: named, reusable condition sets that flag rules refer to by name.
import { sql, type Kysely, type Selectable } from 'kysely';
import { AppError } from '../../core/errors.js';
import type { DatabaseSchema, SegmentsTable } from '../../db/schema.js';
import type { FlagWrite } from './flags.types.js';
import { missingSegment, segmentsUsed } from './rules.js';

export type SegmentRow = Selectable<SegmentsTable>;

export interface SegmentWrite {
  name: string;
  description: string;
  conditions: unknown[];
}

export async function listSegments(db: Kysely<DatabaseSchema>): Promise<SegmentRow[]> {
  return db.selectFrom('segments').selectAll().orderBy('name').execute();
}

export async function findSegment(db: Kysely<DatabaseSchema>, name: string, forUpdate = false): Promise<SegmentRow | undefined> {
  const query = db.selectFrom('segments').selectAll().where('name', '=', name);
  return (forUpdate ? query.forUpdate() : query).executeTakeFirst();
}

export async function insertSegment(db: Kysely<DatabaseSchema>, segment: SegmentWrite): Promise<SegmentRow> {
  return db
    .insertInto('segments')
    .values({ ...segment, conditions: JSON.stringify(segment.conditions) })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function updateSegment(db: Kysely<DatabaseSchema>, segment: SegmentWrite): Promise<SegmentRow> {
  return db
    .updateTable('segments')
    .set({
      description: segment.description,
      conditions: JSON.stringify(segment.conditions),
      version: sql<number>`version + 1`,
      updated_at: sql<Date>`now()`,
    })
    .where('name', '=', segment.name)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function deleteSegment(db: Kysely<DatabaseSchema>, name: string): Promise<void> {
  await db.deleteFrom('segments').where('name', '=', name).execute();
}

/** The flags that name `segment` in their main rule or in any rule, in name order. */
export async function flagsUsingSegment(db: Kysely<DatabaseSchema>, segment: string): Promise<string[]> {
  const named = JSON.stringify([segment]);
  const inRule = JSON.stringify([{ segments: [segment] }]);
  const rows = await db
    .selectFrom('feature_flags')
    .select('name')
    .where(sql<boolean>`segments @> ${named}::jsonb or rules @> ${inRule}::jsonb`)
    .orderBy('name')
    .execute();
  return rows.map((r) => r.name);
}

/**
 * Moves every flag using `segment` to a new version, so each instance compiles it again with the segment's new
 * conditions and change streams announce it; returns the flags and their new versions.
 */
export async function bumpFlagsUsingSegment(
  db: Kysely<DatabaseSchema>,
  segment: string,
): Promise<Array<{ name: string; version: number }>> {
  const named = JSON.stringify([segment]);
  const inRule = JSON.stringify([{ segments: [segment] }]);
  return db
    .updateTable('feature_flags')
    .set({ version: sql<number>`version + 1`, updated_at: sql<Date>`now()` })
    .where(sql<boolean>`segments @> ${named}::jsonb or rules @> ${inRule}::jsonb`)
    .returning(['name', 'version'])
    .execute();
}

/**
 * VALIDATION_ERROR unless every segment `flag` names exists; the segments found are locked (FOR SHARE) until
 * the transaction ends, so none is deleted before the flag naming it is committed.
 */
export async function requireSegments(db: Kysely<DatabaseSchema>, flag: Pick<FlagWrite, 'segments' | 'rules'>): Promise<void> {
  const named = segmentsUsed(flag.rules, flag.segments);
  if (named.length === 0) return;
  const rows = await db.selectFrom('segments').select('name').where('name', 'in', named).forShare().execute();
  const found = new Set(rows.map((r) => r.name));
  const missing = missingSegment(flag, (name) => found.has(name));
  if (missing) throw new AppError('VALIDATION_ERROR', missing);
}
