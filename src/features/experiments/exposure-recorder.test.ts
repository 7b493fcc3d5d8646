import { describe, expect, it } from 'vitest';
import { createExposureRecorder, subjectOf, type ExposureRow } from './exposure-recorder.js';

describe('exposure recorder', () => {
  it('folds exposures by flag, variant and subject, keeping only a digest of the key', async () => {
    const recorder = createExposureRecorder();
    recorder.record('chat-model', 'b', 'user-1', 1000);
    recorder.record('chat-model', 'b', 'user-1', 2000);
    recorder.record('chat-model', 'a', 'user-2', 1500);
    recorder.record('tone', 'b', 'user-1', 1500);
    expect(recorder.size).toBe(3);
    let written: ExposureRow[] = [];
    expect(await recorder.flush(async (rows) => void (written = rows))).toBe(3);
    expect(recorder.size).toBe(0);
    const row = written.find((r) => r.flag_name === 'chat-model' && r.variant === 'b')!;
    expect(row).toEqual({ flag_name: 'chat-model', variant: 'b', subject: subjectOf('user-1'), exposures: 2, last_seen: new Date(2000) });
    expect(JSON.stringify(written)).not.toContain('user-');
    expect(subjectOf('user-1')).not.toBe(subjectOf('user-2'));
  });

  it('puts the rows back, added to newer ones, when a write fails', async () => {
    const recorder = createExposureRecorder();
    recorder.record('f', 'on', 'k', 1000);
    await expect(
      recorder.flush(async () => {
        recorder.record('f', 'on', 'k', 3000);
        throw new Error('database down');
      }),
    ).rejects.toThrow('database down');
    let written: ExposureRow[] = [];
    await recorder.flush(async (rows) => void (written = rows));
    expect(written).toEqual([{ flag_name: 'f', variant: 'on', subject: subjectOf('k'), exposures: 2, last_seen: new Date(3000) }]);
    expect(await recorder.flush(async () => undefined)).toBe(0);
  });
});
