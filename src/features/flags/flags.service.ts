// Flag administration: validated, audited changes committed together with a NOTIFY so every
// instance applies them; optimistic concurrency through the version.
import type { Kysely } from 'kysely';
import type { AuditEntry } from '../../core/audit.js';
import { AppError } from '../../core/errors.js';
import type { DatabaseSchema } from '../../db/schema.js';
import { validateConditions, type EvaluationContext } from './conditions.js';
import { explainFlag, type Explanation } from './evaluate.js';
import type { FlagStore } from './flag-store.js';
import { deleteFlag, findFlag, insertFlag, notifyFlagChange, updateFlag, type FlagRow, type FlagWrite } from './flags.repository.js';

export type RecordAudit = (db: Kysely<DatabaseSchema>, entry: AuditEntry) => Promise<void>;

export const FLAG_NAME = /^[a-z0-9][a-z0-9._-]{0,99}$/;
export const MAX_TARGET_USERS = 1000;

export interface FlagInput {
  name?: string;
  description?: string;
  is_enabled?: boolean;
  rollout_percentage?: number;
  target_users?: string[];
  conditions?: unknown[];
  permanent?: boolean;
}

export interface Actor {
  actor: string;
  requestId: string | null;
}

export interface FlagsService {
  create(input: FlagInput & { name: string }, by: Actor): Promise<FlagRow>;
  update(name: string, patch: FlagInput, expectedVersion: number | undefined, by: Actor): Promise<FlagRow>;
  toggle(name: string, expectedVersion: number | undefined, by: Actor): Promise<FlagRow>;
  remove(name: string, expectedVersion: number | undefined, by: Actor): Promise<void>;
  explain(name: string, context: EvaluationContext): Explanation;
}

function normalizeTargets(targets: string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const [i, raw] of targets.entries()) {
    const value = raw.trim();
    if (value === '' || value.length > 254) throw new AppError('VALIDATION_ERROR', `body/target_users/${i} must be 1 to 254 characters.`);
    const key = value.includes('@') ? value.toLowerCase() : value;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(value);
    }
  }
  if (out.length > MAX_TARGET_USERS)
    throw new AppError('VALIDATION_ERROR', `body/target_users must hold at most ${MAX_TARGET_USERS} entries.`);
  return out;
}

function merge(base: FlagWrite, patch: FlagInput, now: Date, previous?: FlagRow): FlagWrite {
  let conditions = base.conditions;
  if (patch.conditions !== undefined) {
    const checked = validateConditions(patch.conditions, 'body/conditions');
    if (!checked.ok) throw new AppError('VALIDATION_ERROR', `${checked.field} ${checked.message}.`);
    conditions = checked.conditions;
  }
  const next: FlagWrite = {
    name: base.name,
    description: patch.description ?? base.description,
    is_enabled: patch.is_enabled ?? base.is_enabled,
    rollout_percentage: patch.rollout_percentage ?? base.rollout_percentage,
    target_users: patch.target_users === undefined ? base.target_users : normalizeTargets(patch.target_users),
    conditions,
    permanent: patch.permanent ?? base.permanent,
    full_rollout_since: null,
  };
  const full = next.is_enabled && next.rollout_percentage === 100;
  next.full_rollout_since = full ? (previous?.full_rollout_since ?? now) : null;
  return next;
}

const writable = (row: FlagRow): FlagWrite => ({
  name: row.name,
  description: row.description,
  is_enabled: row.is_enabled,
  rollout_percentage: row.rollout_percentage,
  target_users: row.target_users,
  conditions: row.conditions,
  permanent: row.permanent,
  full_rollout_since: row.full_rollout_since,
});

const isUniqueViolation = (err: unknown) => (err as { code?: string }).code === '23505';

export function createFlagsService(deps: {
  db: Kysely<DatabaseSchema>;
  store: FlagStore;
  recordAudit: RecordAudit;
  now?: () => Date;
}): FlagsService {
  const now = deps.now ?? (() => new Date());

  async function change(
    name: string,
    expectedVersion: number | undefined,
    by: Actor,
    action: string,
    compute: (before: FlagRow) => FlagWrite | null,
  ): Promise<FlagRow | null> {
    const result = await deps.db.transaction().execute(async (trx) => {
      const before = await findFlag(trx, name, true);
      if (!before) throw new AppError('NOT_FOUND', `No flag named "${name}".`);
      if (expectedVersion !== undefined && before.version !== expectedVersion) {
        throw new AppError(
          'CONFLICT',
          `The flag changed meanwhile: version is ${before.version}, not ${expectedVersion}. Reload and retry.`,
        );
      }
      const next = compute(before);
      const after = next === null ? null : await updateFlag(trx, name, next);
      if (next === null) await deleteFlag(trx, name);
      await deps.recordAudit(trx, { actor: by.actor, action, entityType: 'flag', entityId: name, before, after, requestId: by.requestId });
      await notifyFlagChange(
        trx,
        after ? { op: 'upsert', name, version: after.version } : { op: 'delete', name, version: before.version + 1 },
      );
      return { after, version: after?.version ?? before.version + 1 };
    });
    // Read-your-writes on this instance; the notification brings the others along.
    await deps.store.apply(
      result.after ? { op: 'upsert', name, version: result.version } : { op: 'delete', name, version: result.version },
    );
    return result.after;
  }

  return {
    async create(input, by) {
      if (!FLAG_NAME.test(input.name)) {
        throw new AppError('VALIDATION_ERROR', 'body/name must be a lowercase slug: a-z, 0-9, then up to 99 of a-z 0-9 . _ -.');
      }
      const base: FlagWrite = {
        name: input.name,
        description: '',
        is_enabled: false,
        rollout_percentage: 0,
        target_users: [],
        conditions: [],
        permanent: false,
        full_rollout_since: null,
      };
      const flag = merge(base, input, now());
      let row: FlagRow;
      try {
        row = await deps.db.transaction().execute(async (trx) => {
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
        if (isUniqueViolation(err)) throw new AppError('CONFLICT', `A flag named "${input.name}" already exists.`);
        throw err;
      }
      await deps.store.apply({ op: 'upsert', name: row.name, version: row.version });
      return row;
    },

    async update(name, patch, expectedVersion, by) {
      return (await change(name, expectedVersion, by, 'flag.update', (before) => merge(writable(before), patch, now(), before)))!;
    },

    async toggle(name, expectedVersion, by) {
      return (await change(name, expectedVersion, by, 'flag.toggle', (before) =>
        merge(writable(before), { is_enabled: !before.is_enabled }, now(), before),
      ))!;
    },

    async remove(name, expectedVersion, by) {
      await change(name, expectedVersion, by, 'flag.delete', () => null);
    },

    explain(name, context) {
      return explainFlag(deps.store.evaluable(name), context, {
        betaUser: deps.store.overrideFor(
          typeof context.targetingKey === 'string' ? context.targetingKey : undefined,
          typeof context.email === 'string' ? context.email : undefined,
        ),
      });
    },
  };
}
