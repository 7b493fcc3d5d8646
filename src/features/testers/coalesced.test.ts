import { describe, expect, it } from 'vitest';
import { coalesced } from './coalesced.js';

describe('coalesced', () => {
  it('runs one load at a time; callers during a load share one load started after it', async () => {
    const started: number[] = [];
    const finish: Array<() => void> = [];
    const refresh = coalesced(() => {
      started.push(started.length);
      return new Promise<void>((resolve) => finish.push(resolve));
    });
    const first = refresh();
    const waiting = Array.from({ length: 10 }, () => refresh());
    expect(started).toEqual([0]);
    expect(new Set(waiting).size).toBe(1);
    finish[0]!();
    await first;
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual([0, 1]);
    finish[1]!();
    await Promise.all(waiting);
    // Idle again: the next caller starts a load of its own at once.
    void refresh();
    expect(started).toEqual([0, 1, 2]);
    finish[2]!();
  });

  it('starts the queued load even when the running one failed', async () => {
    let calls = 0;
    const refresh = coalesced(async () => {
      calls++;
      if (calls === 1) throw new Error('down');
    });
    const first = refresh();
    const second = refresh();
    await expect(first).rejects.toThrow('down');
    await expect(second).resolves.toBeUndefined();
    expect(calls).toBe(2);
  });
});
