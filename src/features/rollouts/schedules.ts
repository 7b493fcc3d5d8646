// Scheduled changes: a flag patch stored with its due time, editable and cancellable until it
// runs; claimed by one instance when due and applied through the flags' audited change path, with
// the schedule's id as the request id (so a claim left by a dead instance is finished, not repeated).
import type { Kysely } from 'kysely';
import { AppError } from '../../core/errors.js';
import type { Actor } from '../../core/principal.js';
import type { DatabaseSchema } from '../../db/schema.js';
import {
  claimDueSchedules,
  findSchedule,
  finishSchedule,
  insertSchedule,
  listSchedules,
  updatePendingSchedule,
  versionWrittenBy,
  type ScheduleRow,
  type ScheduleStatus,
} from './rollouts.repository.js';
import type { FlagPatch, RolloutsDeps, ScheduleInput } from './rollouts.types.js';

/** A claimed schedule not finished within this long belongs to an instance that died. */
const STALE_CLAIM_MS = 5 * 60_000;

function parseAt(at: string): Date {
  const date = new Date(at);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(at) || Number.isNaN(date.getTime())) {
    throw new AppError('VALIDATION_ERROR', 'body/at must be an ISO 8601 date and time, e.g. 2026-12-24T09:00:00Z.');
  }
  return date;
}

function checkPatch(change: FlagPatch): FlagPatch {
  if (change.is_enabled === undefined && change.rollout_percentage === undefined && change.target_users === undefined) {
    throw new AppError('VALIDATION_ERROR', 'body/change must set is_enabled, rollout_percentage or target_users.');
  }
  return change;
}

/** Applies one claimed schedule through the flags' audited path; the request id names the schedule. */
async function apply(deps: RolloutsDeps, s: ScheduleRow): Promise<void> {
  const { db, clock } = deps;
  const requestId = `schedule:${s.id}`;
  // A stale claim (its instance died) may have written the flag already: the audit log tells.
  const already = await versionWrittenBy(db, s.flag_name, requestId);
  const now = clock();
  if (already !== undefined) return finishSchedule(db, s.id, { status: 'done', now, resultVersion: already });
  try {
    const by = { actor: s.created_by, isOwner: false, requestId };
    const row = await deps.flags.update(s.flag_name, s.change, s.expected_version ?? undefined, by);
    await finishSchedule(db, s.id, { status: 'done', now, resultVersion: row.version });
  } catch (err) {
    if (err instanceof AppError && err.status < 500) {
      await finishSchedule(db, s.id, { status: 'failed', now, error: err.message });
      return;
    }
    // The database or the flag write failed for now: due again at the next pass.
    await finishSchedule(db, s.id, { status: 'pending', now }).catch(() => undefined);
    throw err;
  }
}

export function createSchedules(deps: RolloutsDeps) {
  const { db, clock } = deps;
  const audit = (
    trx: Kysely<DatabaseSchema>,
    action: string,
    row: ScheduleRow,
    by: Pick<Actor, 'actor' | 'requestId'>,
    before?: ScheduleRow,
  ) =>
    deps.recordAudit(trx, {
      actor: by.actor,
      action,
      entityType: 'scheduled_change',
      entityId: row.id,
      before: before ? { flag: before.flag_name, run_at: before.run_at, change: before.change, status: before.status } : undefined,
      after: { flag: row.flag_name, run_at: row.run_at, change: row.change, status: row.status },
      requestId: by.requestId,
    });

  const getSchedule = async (id: string) => {
    const row = await findSchedule(db, id);
    if (!row) throw new AppError('NOT_FOUND', 'No scheduled change with this id.');
    return row;
  };
  const editPending = async (id: string, by: Actor, action: string, patch: Parameters<typeof updatePendingSchedule>[2]) => {
    const before = await getSchedule(id);
    const row = await db.transaction().execute(async (trx) => {
      const updated = await updatePendingSchedule(trx, id, { ...patch, updated_at: clock() });
      if (updated) await audit(trx, action, updated, by, before);
      return updated;
    });
    if (!row) throw new AppError('CONFLICT', `This change is ${(await getSchedule(id)).status} and can no longer be edited or cancelled.`);
    return row;
  };

  return {
    async schedule(input: ScheduleInput, by: Actor) {
      const runAt = parseAt(input.at);
      const change = checkPatch(input.change);
      if (!deps.flags.current(input.flag)) throw new AppError('NOT_FOUND', `No flag named "${input.flag}".`);
      return db.transaction().execute(async (trx) => {
        const row = await insertSchedule(trx, {
          flag_name: input.flag,
          run_at: runAt,
          change: { ...change },
          expected_version: input.expected_version ?? null,
          created_by: by.actor,
          now: clock(),
        });
        await deps.recordAudit(trx, {
          actor: by.actor,
          action: 'schedule.create',
          entityType: 'scheduled_change',
          entityId: row.id,
          after: { flag: row.flag_name, run_at: row.run_at, change: row.change },
          requestId: by.requestId,
        });
        return row;
      });
    },
    schedules: (filter: { status?: ScheduleStatus; flag?: string; limit: number }) => listSchedules(db, filter),
    getSchedule,
    async editSchedule(id: string, patch: Partial<ScheduleInput>, by: Actor) {
      if (patch.flag !== undefined) throw new AppError('VALIDATION_ERROR', 'body/flag cannot be changed: cancel and schedule anew.');
      return editPending(id, by, 'schedule.update', {
        ...(patch.at !== undefined ? { run_at: parseAt(patch.at) } : {}),
        ...(patch.change !== undefined ? { change: JSON.stringify(checkPatch(patch.change)) } : {}),
        ...(patch.expected_version !== undefined ? { expected_version: patch.expected_version } : {}),
      });
    },
    cancelSchedule: (id: string, by: Actor) => editPending(id, by, 'schedule.cancel', { status: 'cancelled' }),
  };
}

/** Claims the changes due now (and stale claims) and applies each; resolves to how many. */
export async function runSchedules(deps: RolloutsDeps): Promise<number> {
  const now = deps.clock();
  const staleBefore = new Date(now.getTime() - STALE_CLAIM_MS);
  const claimed = await claimDueSchedules(deps.db, { now, instanceId: deps.instanceId, staleBefore, limit: 20 });
  for (const s of claimed) await apply(deps, s);
  return claimed.length;
}
