import { afterEach, describe, expect, it, vi } from 'vitest';
import { createJob } from './jobs.js';

const logger = () => {
  const warnings: Array<{ obj: object; msg: string }> = [];
  return { warnings, warn: (obj: object, msg: string) => warnings.push({ obj, msg }) };
};

describe('createJob', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs on its interval until stopped', async () => {
    vi.useFakeTimers();
    let runs = 0;
    const job = createJob({ name: 'count', intervalMs: 1000, run: async () => void runs++ }, logger());
    void job.start();
    await vi.advanceTimersByTimeAsync(999);
    expect(runs).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(runs).toBe(1);
    await vi.advanceTimersByTimeAsync(2000);
    expect(runs).toBe(3);
    await job.stop();
    await vi.advanceTimersByTimeAsync(5000);
    expect(runs).toBe(3);
  });

  it('runs at start when asked, and lengthens waits by the jitter share', async () => {
    vi.useFakeTimers();
    let runs = 0;
    const job = createJob({ name: 'j', intervalMs: 1000, jitter: 0.5, runAtStart: true, run: async () => void runs++ }, logger(), () => 1);
    void job.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(runs).toBe(1);
    await vi.advanceTimersByTimeAsync(1499);
    expect(runs).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(runs).toBe(2);
    await job.stop();
  });

  it('never overlaps a slow run, and stop waits for the run in progress', async () => {
    vi.useFakeTimers();
    let active = 0;
    let most = 0;
    let finished = 0;
    const job = createJob(
      {
        name: 'slow',
        intervalMs: 10,
        run: async () => {
          active++;
          most = Math.max(most, active);
          await new Promise((r) => setTimeout(r, 100));
          active--;
          finished++;
        },
      },
      logger(),
    );
    void job.start();
    await vi.advanceTimersByTimeAsync(15);
    const manual = job.runNow();
    expect(active).toBe(1);
    const stopping = job.stop();
    await vi.advanceTimersByTimeAsync(100);
    await manual;
    await stopping;
    expect(most).toBe(1);
    expect(finished).toBe(1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(finished).toBe(1);
  });

  it('logs a failing run and keeps its schedule', async () => {
    vi.useFakeTimers();
    const log = logger();
    let runs = 0;
    const job = createJob(
      {
        name: 'write counts',
        intervalMs: 100,
        run: async () => {
          runs++;
          throw new Error('db down');
        },
      },
      log,
    );
    void job.start();
    await vi.advanceTimersByTimeAsync(300);
    await job.stop();
    expect(runs).toBe(3);
    expect(log.warnings).toHaveLength(3);
    expect(log.warnings[0]).toEqual({ obj: { job: 'write counts', err: { message: 'db down' } }, msg: 'could not write counts' });
  });
});
