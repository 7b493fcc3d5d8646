// Changes to testers, each audited in its own transaction: only owners grant roles or touch admins;
// per-flag overrides are announced to flag evaluation in the same commit.
import type { Kysely } from 'kysely';
import { AppError } from '../../core/errors.js';
import { isUuid } from '../../core/ids.js';
import type { Actor } from '../../core/principal.js';
import type { RecordAudit } from '../../db/audit.js';
import { isUniqueViolation } from '../../db/errors.js';
import type { DatabaseSchema } from '../../db/schema.js';
import { deleteUser, findUserById, insertUser, newInviteCode, redeemInvite, updateUser } from './beta-users.repository.js';
import type { BetaUserRow, NewTesterInput, UserPatch } from './beta-users.types.js';

export interface TesterChangesDeps {
  db: Kysely<DatabaseSchema>;
  recordAudit: RecordAudit;
  /** Tells flag evaluation that per-user overrides changed (committed with the change). */
  overridesChanged(trx: Kysely<DatabaseSchema>): Promise<void>;
}

export interface TesterChanges {
  create(input: NewTesterInput, by: Actor): Promise<BetaUserRow>;
  update(id: string, patch: UserPatch, by: Actor): Promise<BetaUserRow>;
  remove(id: string, by: Actor): Promise<void>;
  regenerateInvite(id: string, by: Actor): Promise<BetaUserRow>;
  redeem(code: string, email: string, requestId: string | null): Promise<BetaUserRow>;
}

const hasOverrides = (row: BetaUserRow) => Object.keys(row.flag_set).length > 0;

/** A malformed id names no tester: 404, never a query error. */
export function requireTesterId(id: string): void {
  if (!isUuid(id)) throw new AppError('NOT_FOUND', 'No such tester.');
}

async function createAudited(deps: TesterChangesDeps, input: NewTesterInput, by: Actor): Promise<BetaUserRow> {
  const role = input.role ?? 'TESTER';
  if (role !== 'TESTER' && !by.isOwner) throw new AppError('FORBIDDEN', 'Only an owner may grant a role.');
  return deps.db.transaction().execute(async (trx) => {
    const email = input.email.trim();
    const inserted = await insertUser(trx, { email, role, notes: input.notes ?? null, flagSet: input.flag_set ?? {}, source: 'admin' });
    if (!inserted) throw new AppError('CONFLICT', `A tester with the email ${email} already exists.`);
    await deps.recordAudit(trx, {
      actor: by.actor,
      action: 'beta_user.create',
      entityType: 'beta_user',
      entityId: inserted.id,
      after: inserted,
      requestId: by.requestId,
    });
    if (hasOverrides(inserted)) await deps.overridesChanged(trx);
    return inserted;
  });
}

async function removeAudited(deps: TesterChangesDeps, id: string, by: Actor): Promise<void> {
  requireTesterId(id);
  await deps.db.transaction().execute(async (trx) => {
    const before = await findUserById(trx, id, true);
    if (!before) throw new AppError('NOT_FOUND', 'No such tester.');
    if (before.role !== 'TESTER' && !by.isOwner) throw new AppError('FORBIDDEN', 'Only an owner may remove an admin.');
    await deleteUser(trx, id);
    await deps.recordAudit(trx, {
      actor: by.actor,
      action: 'beta_user.delete',
      entityType: 'beta_user',
      entityId: id,
      before,
      requestId: by.requestId,
    });
    if (hasOverrides(before)) await deps.overridesChanged(trx);
  });
}

async function redeemAudited(deps: TesterChangesDeps, code: string, email: string, requestId: string | null): Promise<BetaUserRow> {
  try {
    const row = await deps.db.transaction().execute(async (trx) => {
      const redeemed = await redeemInvite(trx, code, email);
      if (!redeemed) return undefined;
      await deps.recordAudit(trx, {
        actor: redeemed.email,
        action: 'beta_user.redeem',
        entityType: 'beta_user',
        entityId: redeemed.id,
        requestId,
      });
      return redeemed;
    });
    // One answer for wrong, foreign and used codes, so codes cannot be probed.
    if (!row) throw new AppError('NOT_FOUND', 'This invite code is not valid for this email, or has been used.');
    return row;
  } catch (err) {
    if (isUniqueViolation(err)) throw new AppError('CONFLICT', 'Try again.');
    throw err;
  }
}

export function createTesterChanges(deps: TesterChangesDeps): TesterChanges {
  /** Updates one tester under its row lock with what `compute` makes of it. */
  async function change(id: string, by: Actor, action: string, compute: (before: BetaUserRow) => Parameters<typeof updateUser>[2]) {
    requireTesterId(id);
    return deps.db.transaction().execute(async (trx) => {
      const before = await findUserById(trx, id, true);
      if (!before) throw new AppError('NOT_FOUND', 'No such tester.');
      const after = await updateUser(trx, id, compute(before));
      await deps.recordAudit(trx, {
        actor: by.actor,
        action,
        entityType: 'beta_user',
        entityId: id,
        before,
        after,
        requestId: by.requestId,
      });
      if (hasOverrides(before) || hasOverrides(after)) await deps.overridesChanged(trx);
      return after;
    });
  }

  return {
    create: (input, by) => createAudited(deps, input, by),
    update(id, patch, by) {
      if (patch.role !== undefined && !by.isOwner) throw new AppError('FORBIDDEN', 'Only an owner may change a role.');
      return change(id, by, 'beta_user.update', (before) => {
        // Activating or deactivating an admin grants or revokes console access: owners only.
        if (patch.is_active !== undefined && before.role !== 'TESTER' && !by.isOwner) {
          throw new AppError('FORBIDDEN', 'Only an owner may activate or deactivate an admin.');
        }
        if (before.erased_at !== null && patch.is_active === true) throw new AppError('CONFLICT', 'This tester left the program.');
        // An admin activating an unconfirmed tester vouches for the address.
        return patch.is_active === true && before.verified_at === null ? { ...patch, verified_at: new Date() } : patch;
      });
    },
    remove: (id, by) => removeAudited(deps, id, by),
    regenerateInvite: (id, by) => change(id, by, 'beta_user.invite', () => ({ invite_code: newInviteCode(), redeemed_at: null })),
    redeem: (code, email, requestId) => redeemAudited(deps, code, email, requestId),
  };
}
