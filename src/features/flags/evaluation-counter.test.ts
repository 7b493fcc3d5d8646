import { describe, expect, it } from 'vitest';
import { createEvaluationCounter } from './evaluation-counter.js';
import type { EvaluationCount } from './flags.types.js';

const H = 3_600_000;
const T0 = Date.UTC(2026, 11, 4, 10, 0, 0);
const sorted = (rows: EvaluationCount[]) =>
  rows
    .map((r) => ({ ...r, hour: r.hour.toISOString() }))
    .sort((a, b) => `${a.flag_name}${a.hour}${a.value}`.localeCompare(`${b.flag_name}${b.hour}${b.value}`));

describe('createEvaluationCounter', () => {
  it('counts per flag, hour and value, and a flush takes everything once', async () => {
    const counter = createEvaluationCounter();
    counter.count('a', true, T0 + 5);
    counter.count('a', true, T0 + H - 1);
    counter.count('a', false, T0 + 10);
    counter.count('b', true, T0 + 20);
    counter.count('a', true, T0 + H); // the next hour
    counter.count('a', true, T0 + 30); // back in the first hour (a late caller)
    let written: EvaluationCount[] = [];
    expect(await counter.flush(async (rows) => void (written = rows))).toBe(4);
    expect(sorted(written)).toEqual([
      { flag_name: 'a', hour: new Date(T0).toISOString(), value: false, count: 1 },
      { flag_name: 'a', hour: new Date(T0).toISOString(), value: true, count: 3 },
      { flag_name: 'a', hour: new Date(T0 + H).toISOString(), value: true, count: 1 },
      { flag_name: 'b', hour: new Date(T0).toISOString(), value: true, count: 1 },
    ]);
    expect(await counter.flush(async () => undefined)).toBe(0);
    counter.count('a', true, T0 + 40);
    expect(await counter.flush(async (rows) => void (written = rows))).toBe(1);
    expect(written).toEqual([{ flag_name: 'a', hour: new Date(T0), value: true, count: 1 }]);
  });

  it('puts the counts of a failed write back, added to those counted meanwhile', async () => {
    const counter = createEvaluationCounter();
    counter.count('a', true, T0);
    counter.count('a', true, T0);
    counter.count('b', false, T0);
    await expect(
      counter.flush(async () => {
        counter.count('a', true, T0 + 1); // while the write is under way
        counter.count('c', true, T0 + 1);
        throw new Error('database gone');
      }),
    ).rejects.toThrow('database gone');
    counter.count('a', true, T0 + 2);
    counter.count('b', false, T0 + 2);
    let written: EvaluationCount[] = [];
    expect(await counter.flush(async (rows) => void (written = rows))).toBe(3);
    expect(sorted(written)).toEqual([
      { flag_name: 'a', hour: new Date(T0).toISOString(), value: true, count: 4 },
      { flag_name: 'b', hour: new Date(T0).toISOString(), value: false, count: 2 },
      { flag_name: 'c', hour: new Date(T0).toISOString(), value: true, count: 1 },
    ]);
  });
});
