// Counts evaluations per flag and value (or a typed flag's variant) in memory and flushes them periodically into the hourly
// table: one write per flag, hour and value per interval, never one per evaluation.
import type { EvaluationCount } from './flags.types.js';

export interface EvaluationCounter {
  count(flag: string, value: boolean, at: number): void;
  /** Counts an evaluation of a typed flag that served `variant`. */
  countVariant(flag: string, variant: string, at: number): void;
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
  let variantRowsByFlag = new Map<string, Map<string, EvaluationCount>>();

  function rowFor(flag: string, hour: number, value: boolean, variant = ''): EvaluationCount {
    const key = `${flag}\u0000${hour}\u0000${value}\u0000${variant}`;
    let row = pending.get(key);
    if (!row) {
      row =
        variant === ''
          ? { flag_name: flag, hour: new Date(hour), value, count: 0 }
          : { flag_name: flag, hour: new Date(hour), value, variant, count: 0 };
      pending.set(key, row);
    }
    return row;
  }
  function enterHour(at: number): number {
    const hour = Math.floor(at / HOUR) * HOUR;
    if (hour !== currentHour) {
      currentHour = hour;
      rowsByFlag = new Map();
      variantRowsByFlag = new Map();
    }
    return hour;
  }

  return {
    countVariant(flag, variant, at) {
      const hour = enterHour(at);
      let rows = variantRowsByFlag.get(flag);
      if (rows === undefined) variantRowsByFlag.set(flag, (rows = new Map<string, EvaluationCount>()));
      let row = rows.get(variant);
      if (row === undefined) rows.set(variant, (row = rowFor(flag, hour, false, variant)));
      row.count++;
    },
    count(flag, value, at) {
      const hour = enterHour(at);
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
      variantRowsByFlag = new Map();
      try {
        await write([...taken.values()]);
      } catch (err) {
        for (const [key, row] of taken) {
          const existing = pending.get(key);
          if (existing) existing.count += row.count;
          else pending.set(key, row);
        }
        rowsByFlag = new Map();
        variantRowsByFlag = new Map();
        throw err;
      }
      return taken.size;
    },
  };
}
