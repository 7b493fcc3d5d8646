// Counts evaluations per flag and value in memory and flushes them periodically into the hourly
// table: one write per flag, hour and value per interval, never one per evaluation.
import type { EvaluationCount } from './flags.types.js';

export interface EvaluationCounter {
  count(flag: string, value: boolean, at: number): void;
  /** Takes the pending counts (they are put back if the write fails). */
  flush(write: (rows: EvaluationCount[]) => Promise<void>): Promise<number>;
}

const HOUR = 3_600_000;

export function createEvaluationCounter(): EvaluationCounter {
  let pending = new Map<string, EvaluationCount>();
  // The rows of the current hour by flag ([false, true]), so counting needs no key string. Emptied
  // whenever the hour changes or the pending rows are taken or put back.
  let currentHour = Number.NaN;
  let rowsByFlag = new Map<string, [EvaluationCount | undefined, EvaluationCount | undefined]>();

  function rowFor(flag: string, hour: number, value: boolean): EvaluationCount {
    const key = `${flag}\u0000${hour}\u0000${value}`;
    let row = pending.get(key);
    if (!row) pending.set(key, (row = { flag_name: flag, hour: new Date(hour), value, count: 0 }));
    return row;
  }

  return {
    count(flag, value, at) {
      const hour = Math.floor(at / HOUR) * HOUR;
      if (hour !== currentHour) {
        currentHour = hour;
        rowsByFlag = new Map();
      }
      let rows = rowsByFlag.get(flag);
      if (rows === undefined) rowsByFlag.set(flag, (rows = [undefined, undefined]));
      const slot = value ? 1 : 0;
      (rows[slot] ??= rowFor(flag, hour, value)).count++;
    },
    async flush(write) {
      if (pending.size === 0) return 0;
      const taken = pending;
      pending = new Map();
      rowsByFlag = new Map();
      try {
        await write([...taken.values()]);
      } catch (err) {
        for (const [key, row] of taken) {
          const existing = pending.get(key);
          if (existing) existing.count += row.count;
          else pending.set(key, row);
        }
        rowsByFlag = new Map();
        throw err;
      }
      return taken.size;
    },
  };
}
