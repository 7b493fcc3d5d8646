// Export and import of flag definitions: the plan is computed from the database's flags; applying writes every
// accepted create and update in one transaction, each validated, versioned, audited (`flag.import`) and announced
// like a manual change, or nothing when any accepted flag fails validation.
import type { Actor } from '../../core/principal.js';
import { AppError } from '../../core/errors.js';
import { isUniqueViolation } from '../../db/errors.js';
import { editFlag, newFlag } from './flag-input.js';
import type { FlagChangesDeps } from './flag-changes.js';
import { exportDocument, planImport, readImportDocument, type FlagExport, type ImportPlan } from './flag-transfer.js';
import { findFlag, insertFlag, listFlags, notifyFlagChange, updateFlag } from './flags.repository.js';
import type { FlagChange } from './flags.types.js';
import { listSegments } from './segments.repository.js';

export interface ImportOptions {
  /** Compute and return the plan only (default false). */
  dryRun?: boolean;
  /** The Unleash environment to read; `production` when present, else the first. */
  environment?: string;
}

export interface ImportResult {
  dry_run: boolean;
  /** Whether anything was written. */
  applied: boolean;
  plan: ImportPlan;
}

export interface FlagTransfer {
  exportFlags(): Promise<FlagExport>;
  /** VALIDATION_ERROR (nothing written) when the document is unreadable or an accepted flag fails validation. */
  importFlags(doc: unknown, options: ImportOptions, by: Actor): Promise<ImportResult>;
}

export function createFlagTransfer(deps: FlagChangesDeps): FlagTransfer {
  return {
    async exportFlags() {
      return exportDocument(await listFlags(deps.db), deps.clock());
    },
    async importFlags(doc, options, by) {
      const read = readImportDocument(doc, options.environment);
      const dryRun = options.dryRun === true;
      const current = new Map((await listFlags(deps.db)).map((row) => [row.name, row]));
      const segments = new Set((await listSegments(deps.db)).map((s) => s.name));
      const { plan, writes } = planImport(read, current, deps.clock(), segments);
      if (dryRun) return { dry_run: true, applied: false, plan };
      const invalid = plan.flags.filter((entry) => entry.action === 'invalid');
      if (invalid.length > 0) {
        throw new AppError(
          'VALIDATION_ERROR',
          `Nothing imported: ${invalid.map((entry) => `flag "${entry.name}": ${entry.reasons.join(' ')}`).join('; ')}`,
        );
      }
      if (writes.length === 0) return { dry_run: false, applied: false, plan };
      let changes: FlagChange[];
      try {
        changes = await deps.db.transaction().execute(async (trx) => {
          const done: FlagChange[] = [];
          for (const write of writes) {
            // Recomputed under the row lock, so a change made since the plan is neither lost nor overwritten blindly.
            const before = await findFlag(trx, write.name, true);
            const now = deps.clock();
            const after = before
              ? await updateFlag(trx, write.name, editFlag(before, write.input, now))
              : await insertFlag(trx, newFlag(write.input, now), by.actor);
            await deps.recordAudit(trx, {
              actor: by.actor,
              action: 'flag.import',
              entityType: 'flag',
              entityId: write.name,
              ...(before && { before }),
              after,
              requestId: by.requestId,
            });
            const change: FlagChange = { op: 'upsert', name: write.name, version: after.version };
            await notifyFlagChange(trx, change);
            done.push(change);
          }
          return done;
        });
      } catch (err) {
        if (isUniqueViolation(err)) throw new AppError('CONFLICT', 'A flag was created meanwhile; nothing imported. Run the import again.');
        throw err;
      }
      // Read-your-writes on this instance; the notifications bring the others along.
      for (const change of changes) await deps.store.apply(change);
      return { dry_run: false, applied: true, plan };
    },
  };
}
