import { describe, expect, it } from 'vitest';
import { createActivityCounter, type ActivityWriters } from './activity-counter.js';
import type { AdminRequestCount, EvaluationSubject, PageViewCount } from './kpis.repository.js';

function writers(failing = { requests: false }) {
  const written = { requests: [] as AdminRequestCount[], views: [] as PageViewCount[], subjects: [] as EvaluationSubject[] };
  const write: ActivityWriters = {
    adminRequests: (rows) => (failing.requests ? Promise.reject(new Error('down')) : (written.requests.push(...rows), Promise.resolve())),
    pageViews: (rows) => (written.views.push(...rows), Promise.resolve()),
    flagReach: (rows) => (written.subjects.push(...rows), Promise.resolve()),
  };
  return { written, write };
}

const at = (iso: string) => new Date(iso);

describe('activity counter', () => {
  it('writes one row per hour, outcome and actor, and one per day and person for page views', async () => {
    const { written, write } = writers();
    const counter = createActivityCounter(write);
    counter.adminRequest('served', 'a@example.com', at('2026-06-01T10:05:00Z'));
    counter.adminRequest('served', 'a@example.com', at('2026-06-01T10:55:00Z'));
    counter.adminRequest('served', 'a@example.com', at('2026-06-01T11:00:00Z'));
    counter.adminRequest('refused', null, at('2026-06-01T10:10:00Z'));
    counter.adminRequest('served', null, at('2026-06-01T10:20:00Z'));
    counter.pageView('a@example.com', at('2026-06-01T23:59:00Z'));
    counter.pageView('a@example.com', at('2026-06-01T00:00:00Z'));
    counter.pageView('a@example.com', at('2026-06-02T00:00:00Z'));
    await counter.flush();
    expect(written.requests).toEqual([
      { hour: at('2026-06-01T10:00:00Z'), outcome: 'served', actor: 'a@example.com', count: 2 },
      { hour: at('2026-06-01T11:00:00Z'), outcome: 'served', actor: 'a@example.com', count: 1 },
      { hour: at('2026-06-01T10:00:00Z'), outcome: 'refused', actor: 'anonymous', count: 1 },
      { hour: at('2026-06-01T10:00:00Z'), outcome: 'unidentified', actor: '', count: 1 },
    ]);
    expect(written.views).toEqual([
      { day: '2026-06-01', actor: 'a@example.com', views: 2 },
      { day: '2026-06-02', actor: 'a@example.com', views: 1 },
    ]);
    await counter.flush();
    expect(written.requests).toHaveLength(4);
  });

  it('keeps counts it could not write and adds them to the next flush', async () => {
    const failing = { requests: true };
    const { written, write } = writers(failing);
    const counter = createActivityCounter(write);
    counter.adminRequest('refused', null, at('2026-06-01T10:05:00Z'));
    await expect(counter.flush()).rejects.toThrow('down');
    counter.adminRequest('refused', null, at('2026-06-01T10:06:00Z'));
    failing.requests = false;
    await counter.flush();
    expect(written.requests).toEqual([{ hour: at('2026-06-01T10:00:00Z'), outcome: 'refused', actor: 'anonymous', count: 2 }]);
  });

  it('records whom each flag was evaluated for by targeting key and lower-case email, once per flush', async () => {
    const { written, write } = writers();
    const counter = createActivityCounter(write);
    counter.evaluated('alpha', 'user-1', 'Tester@Example.com', at('2026-06-01T10:00:00Z'));
    counter.evaluated('alpha', 'user-1', undefined, at('2026-06-01T10:30:00Z'));
    counter.evaluated('beta', 'Someone@Example.com', undefined, at('2026-06-01T10:00:00Z'));
    counter.evaluated('beta', 'bad\u0000key', '', at('2026-06-01T10:00:00Z'));
    await counter.flush();
    expect(written.subjects).toEqual([
      { flag: 'alpha', subject: 'user-1', at: at('2026-06-01T10:30:00Z') },
      { flag: 'alpha', subject: 'tester@example.com', at: at('2026-06-01T10:00:00Z') },
      { flag: 'beta', subject: 'someone@example.com', at: at('2026-06-01T10:00:00Z') },
    ]);
  });

  it('records the flags of one bulk evaluation for each of its subjects', async () => {
    const { written, write } = writers();
    const counter = createActivityCounter(write);
    counter.evaluatedAll(['alpha', 'beta'], 'user-1', 'T@Example.com', at('2026-06-01T10:00:00Z'));
    counter.evaluatedAll(['alpha'], '', 'bad\u0000mail', at('2026-06-01T11:00:00Z'));
    await counter.flush();
    expect(written.subjects).toEqual([
      { flag: 'alpha', subject: 'user-1', at: at('2026-06-01T10:00:00Z') },
      { flag: 'alpha', subject: 't@example.com', at: at('2026-06-01T10:00:00Z') },
      { flag: 'beta', subject: 'user-1', at: at('2026-06-01T10:00:00Z') },
      { flag: 'beta', subject: 't@example.com', at: at('2026-06-01T10:00:00Z') },
    ]);
  });

  it('holds at most 50,000 flag and subject pairs between writes; a new pair after that waits for the next write', async () => {
    const { written, write } = writers();
    const counter = createActivityCounter(write);
    const flags = Array.from({ length: 50 }, (_, i) => `flag-${i}`);
    for (let user = 0; user < 1000; user++) counter.evaluatedAll(flags, `user-${user}`, undefined, at('2026-06-01T10:00:00Z'));
    counter.evaluated('other', 'user-0', undefined, at('2026-06-01T10:01:00Z'));
    counter.evaluated('flag-0', 'user-0', undefined, at('2026-06-01T10:02:00Z'));
    await counter.flush();
    expect(written.subjects).toHaveLength(50_000);
    expect(written.subjects.find((s) => s.flag === 'other')).toBeUndefined();
    expect(written.subjects.find((s) => s.flag === 'flag-0' && s.subject === 'user-0')?.at).toEqual(at('2026-06-01T10:02:00Z'));
    counter.evaluated('other', 'user-0', undefined, at('2026-06-01T10:03:00Z'));
    await counter.flush();
    expect(written.subjects.slice(50_000)).toEqual([{ flag: 'other', subject: 'user-0', at: at('2026-06-01T10:03:00Z') }]);
  });

  it('keeps reach rows whose write failed, without taking a newer evaluation time back', async () => {
    const attempts: EvaluationSubject[][] = [];
    let failing = true;
    const holder: { counter?: ReturnType<typeof createActivityCounter> } = {};
    const counter = createActivityCounter({
      adminRequests: () => Promise.resolve(),
      pageViews: () => Promise.resolve(),
      flagReach: (rows) => {
        attempts.push(rows.map((r) => ({ ...r })));
        if (!failing) return Promise.resolve();
        // An evaluation arriving while the write is under way.
        holder.counter!.evaluated('alpha', 'user-1', undefined, at('2026-06-01T10:30:00Z'));
        return Promise.reject(new Error('down'));
      },
    });
    holder.counter = counter;
    counter.evaluated('alpha', 'user-1', undefined, at('2026-06-01T10:00:00Z'));
    counter.evaluated('beta', 'user-1', undefined, at('2026-06-01T10:00:00Z'));
    await expect(counter.flush()).rejects.toThrow('down');
    failing = false;
    await counter.flush();
    expect(attempts[1]).toEqual([
      { flag: 'alpha', subject: 'user-1', at: at('2026-06-01T10:30:00Z') },
      { flag: 'beta', subject: 'user-1', at: at('2026-06-01T10:00:00Z') },
    ]);
  });
});
