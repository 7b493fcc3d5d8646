// Flag administration: validated, audited changes committed together with a NOTIFY so every
// instance applies them; optimistic concurrency through the version.
import type { Kysely } from 'kysely';
import type { Clock } from '../../core/clock.js';
import { AppError } from '../../core/errors.js';
import type { Actor } from '../../core/principal.js';
import type { RecordAudit } from '../../db/audit.js';
import { isUniqueViolation } from '../../db/errors.js';
import type { DatabaseSchema } from '../../db/schema.js';
import { editFlag, newFlag, type FlagInput } from './flag-input.js';
import type { FlagStore } from './flag-store.js';
import { deleteFlag, findFlag, insertFlag, notifyFlagChange, updateFlag } from './flags.repository.js';
import type { FlagRow, FlagWrite } from './flags.types.js';

export interface FlagChanges {
  create(input: FlagInput & { name: string }, by: Actor): Promise<FlagRow>;
  update(name: string, patch: FlagInput, expectedVersion: number | undefined, by: Actor): Promise<FlagRow>;
  toggle(name: string, expectedVersion: number | undefined, by: Actor): Promise<FlagRow>;
  remove(name: string, expectedVersion: number | undefined, by: Actor): Promise<void>;
}

export interface FlagChangesDeps {
  db: Kysely<DatabaseSchema>;
  store: FlagStore;
  recordAudit: RecordAudit;
  clock: Clock;
}

async function insertAudited(deps: FlagChangesDeps, flag: FlagWrite, by: Actor): Promise<FlagRow> {
  try {
    return await deps.db.transaction().execute(async (trx) => {
      const inserted = await insertFlag(trx, flag, by.actor);
      await deps.recordAudit(trx, {
        actor: by.actor,
        action: 'flag.create',
        entityType: 'flag',
        entityId: inserted.name,
        after: inserted,
        requestId: by.requestId,
      });
      await notifyFlagChange(trx, { op: 'upsert', name: inserted.name, version: inserted.version });
      return inserted;
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new AppError('CONFLICT', `A flag named "${flag.name}" already exists.`);
    throw err;
  }
}

/** Writes (or, when `compute` returns null, deletes) one flag under its row lock; returns the new row. */
async function changeAudited(
  deps: FlagChangesDeps,
  change: { name: string; expectedVersion: number | undefined; by: Actor; action: string },
  compute: (before: FlagRow) => FlagWrite | null,
): Promise<{ after: FlagRow | null; version: number }> {
  const { name, expectedVersion, by } = change;
  return deps.db.transaction().execute(async (trx) => {
    const before = await findFlag(trx, name, true);
    if (!before) throw new AppError('NOT_FOUND', `No flag named "${name}".`);
    if (expectedVersion !== undefined && before.version !== expectedVersion) {
      throw new AppError('CONFLICT', `The flag changed meanwhile: version is ${before.version}, not ${expectedVersion}. Reload and retry.`);
    }
    const next = compute(before);
    const after = next === null ? null : await updateFlag(trx, name, next);
    if (next === null) await deleteFlag(trx, name);
    await deps.recordAudit(trx, {
      actor: by.actor,
      action: change.action,
      entityType: 'flag',
      entityId: name,
      before,
      after,
      requestId: by.requestId,
    });
    await notifyFlagChange(
      trx,
      after ? { op: 'upsert', name, version: after.version } : { op: 'delete', name, version: before.version + 1 },
    );
    return { after, version: after?.version ?? before.version + 1 };
  });
}

export function createFlagChanges(deps: FlagChangesDeps): FlagChanges {
  async function change(
    name: string,
    expectedVersion: number | undefined,
    by: Actor,
    action: string,
    compute: (before: FlagRow) => FlagWrite | null,
  ): Promise<FlagRow | null> {
    const result = await changeAudited(deps, { name, expectedVersion, by, action }, compute);
    // Read-your-writes on this instance; the notification brings the others along.
    await deps.store.apply(
      result.after ? { op: 'upsert', name, version: result.version } : { op: 'delete', name, version: result.version },
    );
    return result.after;
  }

  return {
    async create(input, by) {
      const row = await insertAudited(deps, newFlag(input, deps.clock()), by);
      await deps.store.apply({ op: 'upsert', name: row.name, version: row.version });
      return row;
    },
    async update(name, patch, expectedVersion, by) {
      return (await change(name, expectedVersion, by, 'flag.update', (before) => editFlag(before, patch, deps.clock())))!;
    },
    async toggle(name, expectedVersion, by) {
      return (await change(name, expectedVersion, by, 'flag.toggle', (before) =>
        editFlag(before, { is_enabled: !before.is_enabled }, deps.clock()),
      ))!;
    },
    async remove(name, expectedVersion, by) {
      await change(name, expectedVersion, by, 'flag.delete', () => null);
    },
  };
}
