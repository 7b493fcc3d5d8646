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
  // By flag, variant, then targeting key: flag and variant names are the flag store's own strings,
  // so only the request's key is hashed, once, where a joined key was a new string per evaluation.
  type Table = Map<string, Map<string, Map<string, PendingRow>>>;
  let rows: Table = new Map();
  let size = 0;
  function* entries(table: Table): Generator<[string, PendingRow]> {
    for (const byVariant of table.values()) for (const byKey of byVariant.values()) yield* byKey;
  }
  const put = (row: PendingRow, targetingKey: string) => {
    let byVariant = rows.get(row.flag_name);
    if (byVariant === undefined) rows.set(row.flag_name, (byVariant = new Map<string, Map<string, PendingRow>>()));
    let byKey = byVariant.get(row.variant);
    if (byKey === undefined) byVariant.set(row.variant, (byKey = new Map<string, PendingRow>()));
    byKey.set(targetingKey, row);
    size++;
  };
  return {
    record(flag, variant, targetingKey, at) {
      const row = rows.get(flag)?.get(variant)?.get(targetingKey);
      if (row) {
        row.exposures++;
        row.at = at;
        return;
      }
      put({ flag_name: flag, variant, subject: subjectOf(targetingKey), exposures: 1, at }, targetingKey);
    },
    async flush(write) {
      if (size === 0) return 0;
      const taken = rows;
      const takenSize = size;
      rows = new Map();
      size = 0;
      try {
        await write([...entries(taken)].map(([, { at, ...row }]) => ({ ...row, last_seen: new Date(at) })));
      } catch (err) {
        for (const [targetingKey, row] of entries(taken)) {
          const existing = rows.get(row.flag_name)?.get(row.variant)?.get(targetingKey);
          if (existing) {
            existing.exposures += row.exposures;
            if (row.at > existing.at) existing.at = row.at;
          } else put(row, targetingKey);
        }
        throw err;
      }
      return takenSize;
    },
    get size() {
      return size;
    },
  };
}
