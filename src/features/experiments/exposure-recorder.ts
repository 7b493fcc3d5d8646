// Exposures per flag, variant and subject, gathered in memory on the evaluation path and written in
// batches: one upsert per subject and interval, never one per evaluation. Subjects are stored as a
// digest of the targeting key, never the key itself.
import { createHash } from 'node:crypto';

export interface ExposureRow {
  flag_name: string;
  variant: string;
  subject: string;
  exposures: number;
  last_seen: Date;
}

export interface ExposureRecorder {
  record(flag: string, variant: string, targetingKey: string, at: number): void;
  /** Takes the pending rows (they are put back if the write fails). */
  flush(write: (rows: ExposureRow[]) => Promise<void>): Promise<number>;
  /** Rows waiting for the next write. */
  readonly size: number;
}

export function subjectOf(targetingKey: string): string {
  return createHash('sha256').update(targetingKey, 'utf8').digest('base64url').slice(0, 22);
}

/** A pending row: its last time kept as a number (a Date per evaluation showed in profiles), made a Date when written. */
type PendingRow = Omit<ExposureRow, 'last_seen'> & { at: number };

export function createExposureRecorder(): ExposureRecorder {
  let rows = new Map<string, PendingRow>();
  return {
    record(flag, variant, targetingKey, at) {
      const key = `${flag}\u0000${variant}\u0000${targetingKey}`;
      const row = rows.get(key);
      if (row) {
        row.exposures++;
        row.at = at;
        return;
      }
      rows.set(key, { flag_name: flag, variant, subject: subjectOf(targetingKey), exposures: 1, at });
    },
    async flush(write) {
      if (rows.size === 0) return 0;
      const taken = rows;
      rows = new Map();
      try {
        await write([...taken.values()].map(({ at, ...row }) => ({ ...row, last_seen: new Date(at) })));
      } catch (err) {
        for (const [key, row] of taken) {
          const existing = rows.get(key);
          if (existing) {
            existing.exposures += row.exposures;
            if (row.at > existing.at) existing.at = row.at;
          } else rows.set(key, row);
        }
        throw err;
      }
      return taken.size;
    },
    get size() {
      return rows.size;
    },
  };
}
