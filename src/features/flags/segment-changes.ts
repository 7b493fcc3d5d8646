// Segments: validated, audited writes. A change reaches every flag using the segment through the flags'
// own live-update path: the segment and those flags' new versions are committed and announced together.
// A segment still named by a flag cannot be deleted.
import type { Kysely } from 'kysely';
import { AppError } from '../../core/errors.js';
import type { Actor } from '../../core/principal.js';
import { isUniqueViolation } from '../../db/errors.js';
import type { DatabaseSchema } from '../../db/schema.js';
import { validateConditions } from './conditions.js';
import type { FlagChangesDeps } from './flag-changes.js';
import { notifyFlagChange } from './flags.repository.js';
import type { FlagChange } from './flags.types.js';
import { SEGMENT_NAME } from './rules.js';
import {
  bumpFlagsUsingSegment,
  deleteSegment,
  findSegment,
  flagsUsingSegment,
  insertSegment,
  listSegments,
  updateSegment,
  type SegmentRow,
  type SegmentWrite,
} from './segments.repository.js';

export interface SegmentInput {
  description?: string;
  conditions?: unknown[];
}

export interface SegmentWithUse extends SegmentRow {
  /** The flags naming this segment, in name order. */
  used_by: string[];
}

export interface Segments {
  list(): Promise<SegmentWithUse[]>;
  create(input: SegmentInput & { name: string }, by: Actor): Promise<SegmentWithUse>;
  /** NOT_FOUND, or CONFLICT when `expectedVersion` is not the stored one. */
  update(name: string, patch: SegmentInput, expectedVersion: number | undefined, by: Actor): Promise<SegmentWithUse>;
  /** NOT_FOUND, or CONFLICT naming the flags that still use it. */
  remove(name: string, expectedVersion: number | undefined, by: Actor): Promise<void>;
}

function checkedConditions(input: unknown): unknown[] {
  const checked = validateConditions(input, 'body/conditions');
  if (!checked.ok) throw new AppError('VALIDATION_ERROR', `${checked.field} ${checked.message}.`);
  if (checked.conditions.length === 0) throw new AppError('VALIDATION_ERROR', 'body/conditions must hold at least one condition.');
  return checked.conditions;
}

function checkedDescription(value: string | undefined, base: string): string {
  return value === undefined ? base : value.trim();
}

/** The segment's row, locked until the transaction ends: NOT_FOUND, or CONFLICT when `expectedVersion` differs. */
async function lockedSegment(trx: Kysely<DatabaseSchema>, name: string, expectedVersion: number | undefined): Promise<SegmentRow> {
  const before = await findSegment(trx, name, true);
  if (!before) throw new AppError('NOT_FOUND', `No segment named "${name}".`);
  if (expectedVersion !== undefined && before.version !== expectedVersion)
    throw new AppError(
      'CONFLICT',
      `The segment changed meanwhile: version is ${before.version}, not ${expectedVersion}. Reload and retry.`,
    );
  return before;
}

/** Inserts an audited segment and announces it; CONFLICT when the name is taken. */
async function insertAudited(deps: FlagChangesDeps, write: SegmentWrite, by: Actor): Promise<SegmentRow> {
  try {
    return await deps.db.transaction().execute(async (trx) => {
      const inserted = await insertSegment(trx, write);
      await deps.recordAudit(trx, {
        actor: by.actor,
        action: 'segment.create',
        entityType: 'segment',
        entityId: inserted.name,
        after: inserted,
        requestId: by.requestId,
      });
      await notifyFlagChange(trx, { op: 'segments' });
      return inserted;
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new AppError('CONFLICT', `A segment named "${write.name}" already exists.`);
    throw err;
  }
}

export function createSegments(deps: FlagChangesDeps): Segments {
  const { db } = deps;

  /** Applies the announced changes on this instance too (read-your-writes). */
  async function applyHere(changes: FlagChange[]): Promise<void> {
    for (const change of changes) await deps.store.apply(change);
  }

  return {
    async list() {
      const rows = await listSegments(db);
      return Promise.all(rows.map(async (row) => ({ ...row, used_by: await flagsUsingSegment(db, row.name) })));
    },

    async create(input, by) {
      if (!SEGMENT_NAME.test(input.name))
        throw new AppError('VALIDATION_ERROR', 'body/name must be a lowercase slug: a-z, 0-9, then up to 99 of a-z 0-9 . _ -.');
      const write: SegmentWrite = {
        name: input.name,
        description: checkedDescription(input.description, ''),
        conditions: checkedConditions(input.conditions ?? []),
      };
      const row = await insertAudited(deps, write, by);
      await applyHere([{ op: 'segments' }]);
      return { ...row, used_by: [] };
    },

    async update(name, patch, expectedVersion, by) {
      const { row, changes, usedBy } = await db.transaction().execute(async (trx) => {
        const before = await lockedSegment(trx, name, expectedVersion);
        const after = await updateSegment(trx, {
          name,
          description: checkedDescription(patch.description, before.description),
          conditions: patch.conditions === undefined ? before.conditions : checkedConditions(patch.conditions),
        });
        const bumped = await bumpFlagsUsingSegment(trx, name);
        await deps.recordAudit(trx, {
          actor: by.actor,
          action: 'segment.update',
          entityType: 'segment',
          entityId: name,
          before,
          after,
          requestId: by.requestId,
        });
        // The segments first: each instance then compiles the flags that follow with the new conditions.
        const announced: FlagChange[] = [
          { op: 'segments' },
          ...bumped.map((f) => ({ op: 'upsert' as const, name: f.name, version: f.version })),
        ];
        for (const change of announced) await notifyFlagChange(trx, change);
        return { row: after, changes: announced, usedBy: bumped.map((f) => f.name).sort() };
      });
      await applyHere(changes);
      return { ...row, used_by: usedBy };
    },

    async remove(name, expectedVersion, by) {
      await db.transaction().execute(async (trx) => {
        const before = await lockedSegment(trx, name, expectedVersion);
        const usedBy = await flagsUsingSegment(trx, name);
        if (usedBy.length > 0)
          throw new AppError(
            'CONFLICT',
            `The segment "${name}" is still used by ${usedBy.map((f) => `"${f}"`).join(', ')}: remove it from them first.`,
          );
        await deleteSegment(trx, name);
        await deps.recordAudit(trx, {
          actor: by.actor,
          action: 'segment.delete',
          entityType: 'segment',
          entityId: name,
          before,
          requestId: by.requestId,
        });
        await notifyFlagChange(trx, { op: 'segments' });
      });
      await applyHere([{ op: 'segments' }]);
    },
  };
}
