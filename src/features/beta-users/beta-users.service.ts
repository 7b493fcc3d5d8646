// Beta testers: invitations, roles (granted by owners only), per-flag overrides, bulk import,
// invite redemption. Every change is audited in its own transaction.
import { parse } from 'csv-parse/sync';
import type { Kysely } from 'kysely';
import type { AuditEntry } from '../../core/audit.js';
import { AppError } from '../../core/errors.js';
import { isUuid } from '../../core/ids.js';
import type { DatabaseSchema } from '../../db/schema.js';
import {
  deleteUser,
  findUserById,
  insertUser,
  newInviteCode,
  redeemInvite,
  updateUser,
  type BetaUserRow,
} from './beta-users.repository.js';

export type RecordAudit = (db: Kysely<DatabaseSchema>, entry: AuditEntry) => Promise<void>;
/** Tells flag evaluation that per-user overrides changed (committed with the change). */
export type OverridesChanged = (db: Kysely<DatabaseSchema>) => Promise<void>;

export interface Actor {
  actor: string;
  isOwner: boolean;
  requestId: string | null;
}

export interface UserPatch {
  is_active?: boolean;
  notes?: string | null;
  flag_set?: Record<string, boolean>;
  role?: 'TESTER' | 'ADMIN';
}

export interface ImportResult {
  created: BetaUserRow[];
  duplicates: string[];
  invalid: Array<{ line: number; value: string; reason: string }>;
}

const EMAIL = /^[^\s@,;<>"]+@[^\s@,;<>"]+\.[^\s@,;<>"]+$/;
export const MAX_IMPORT_LINES = 5000;

/** The fields of one pasted line (comma, semicolon or tab separated; RFC 4180 quotes). */
function csvFields(line: string): string[] {
  try {
    const records: unknown = parse(line, { delimiter: [',', ';', '\t'], relax_column_count: true, relax_quotes: true });
    const first = Array.isArray(records) ? (records[0] as unknown) : undefined;
    return Array.isArray(first) ? first.map(String) : [];
  } catch {
    return line.split(/[,;\t]/);
  }
}

const isUnique = (err: unknown) => (err as { code?: string }).code === '23505';
const hasOverrides = (row: BetaUserRow) => Object.keys(row.flag_set).length > 0;

export interface BetaUsersService {
  create(
    input: { email: string; role?: 'TESTER' | 'ADMIN'; notes?: string | null; flag_set?: Record<string, boolean> },
    by: Actor,
  ): Promise<BetaUserRow>;
  get(id: string): Promise<BetaUserRow>;
  update(id: string, patch: UserPatch, by: Actor): Promise<BetaUserRow>;
  remove(id: string, by: Actor): Promise<void>;
  regenerateInvite(id: string, by: Actor): Promise<BetaUserRow>;
  importList(text: string, by: Actor): Promise<ImportResult>;
  redeem(code: string, email: string, requestId: string | null): Promise<BetaUserRow>;
}

export function createBetaUsersService(deps: {
  db: Kysely<DatabaseSchema>;
  recordAudit: RecordAudit;
  overridesChanged: OverridesChanged;
}): BetaUsersService {
  const { db } = deps;

  const requireUuid = (id: string) => {
    if (!isUuid(id)) throw new AppError('NOT_FOUND', 'No such tester.');
  };

  async function change(
    id: string,
    by: Actor,
    action: string,
    compute: (before: BetaUserRow) => UserPatch & { invite_code?: string; redeemed_at?: null },
  ) {
    requireUuid(id);
    return db.transaction().execute(async (trx) => {
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
    async create(input, by) {
      const role = input.role ?? 'TESTER';
      if (role !== 'TESTER' && !by.isOwner) throw new AppError('FORBIDDEN', 'Only an owner may grant a role.');
      const row = await db.transaction().execute(async (trx) => {
        const inserted = await insertUser(trx, {
          email: input.email.trim(),
          role,
          notes: input.notes ?? null,
          flagSet: input.flag_set ?? {},
          source: 'admin',
        });
        if (!inserted) throw new AppError('CONFLICT', `A tester with the email ${input.email.trim()} already exists.`);
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
      return row;
    },

    async get(id) {
      requireUuid(id);
      const row = await findUserById(db, id);
      if (!row) throw new AppError('NOT_FOUND', 'No such tester.');
      return row;
    },

    update(id, patch, by) {
      if (patch.role !== undefined && !by.isOwner) throw new AppError('FORBIDDEN', 'Only an owner may change a role.');
      return change(id, by, 'beta_user.update', (before) => {
        // Activating or deactivating an admin grants or revokes console access: owners only.
        if (patch.is_active !== undefined && before.role !== 'TESTER' && !by.isOwner) {
          throw new AppError('FORBIDDEN', 'Only an owner may activate or deactivate an admin.');
        }
        return patch;
      });
    },

    async remove(id, by) {
      requireUuid(id);
      await db.transaction().execute(async (trx) => {
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
    },

    regenerateInvite(id, by) {
      return change(id, by, 'beta_user.invite', () => ({ invite_code: newInviteCode(), redeemed_at: null }));
    },

    async importList(text, by) {
      const lines = text.split(/\r?\n/);
      if (lines.length > MAX_IMPORT_LINES) throw new AppError('VALIDATION_ERROR', `body/text holds more than ${MAX_IMPORT_LINES} lines.`);
      const result: ImportResult = { created: [], duplicates: [], invalid: [] };
      const seen = new Set<string>();
      const wanted: Array<{ email: string; notes: string | null }> = [];
      lines.forEach((raw, index) => {
        // A pasted list or CSV: the first field is the email, an optional second one the notes.
        const [first = '', second = ''] = csvFields(raw);
        const email = first.trim();
        if (email === '' || (index === 0 && email.toLowerCase() === 'email')) return;
        if (!EMAIL.test(email) || email.length > 254) {
          result.invalid.push({ line: index + 1, value: raw.slice(0, 200), reason: 'not an email address' });
          return;
        }
        const key = email.toLowerCase();
        if (seen.has(key)) {
          result.duplicates.push(email);
          return;
        }
        seen.add(key);
        const notes = second.trim();
        wanted.push({ email, notes: notes === '' ? null : notes.slice(0, 2000) });
      });
      // One transaction: everything new is created, or nothing is.
      await db.transaction().execute(async (trx) => {
        for (const w of wanted) {
          const row = await insertUser(trx, { email: w.email, role: 'TESTER', notes: w.notes, flagSet: {}, source: 'import' });
          if (row) result.created.push(row);
          else result.duplicates.push(w.email);
        }
        await deps.recordAudit(trx, {
          actor: by.actor,
          action: 'beta_user.import',
          entityType: 'beta_user',
          after: { created: result.created.length, duplicates: result.duplicates.length, invalid: result.invalid.length },
          requestId: by.requestId,
        });
      });
      return result;
    },

    async redeem(code, email, requestId) {
      try {
        const row = await db.transaction().execute(async (trx) => {
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
        if (isUnique(err)) throw new AppError('CONFLICT', 'Try again.');
        throw err;
      }
    },
  };
}
