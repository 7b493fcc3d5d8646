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
  return {
    count(flag, value, at) {
      const hour = Math.floor(at / HOUR) * HOUR;
      const key = `${flag}\u0000${hour}\u0000${value}`;
      const row = pending.get(key);
      if (row) row.count++;
      else pending.set(key, { flag_name: flag, hour: new Date(hour), value, count: 1 });
    },
    async flush(write) {
      if (pending.size === 0) return 0;
      const taken = pending;
      pending = new Map();
      try {
        await write([...taken.values()]);
      } catch (err) {
        for (const [key, row] of taken) {
          const existing = pending.get(key);
          if (existing) existing.count += row.count;
          else pending.set(key, row);
        }
        throw err;
      }
      return taken.size;
    },
  };
}
