// Counts admin requests, console page views and the testers each flag is evaluated for in memory,
// and writes them in batches: one row per hour, outcome and actor (or day and actor, or flag and
// tester) per flush, never a write per request.
import type { AdminRequestCount, EvaluationSubject, PageViewCount } from './kpis.repository.js';

export interface ActivityWriters {
  adminRequests(rows: AdminRequestCount[]): Promise<void>;
  pageViews(rows: PageViewCount[]): Promise<void>;
  flagReach(rows: EvaluationSubject[]): Promise<void>;
}

export interface ActivityCounter {
  /** An admin route answered: refused (401/403), served to `actor`, or served with no identified admin (`actor` null). */
  adminRequest(outcome: 'refused' | 'served', actor: string | null, at: Date): void;
  pageView(actor: string, at: Date): void;
  evaluated(flag: string, targetingKey: string | undefined, email: string | undefined, at: Date): void;
  /** The same for several flags evaluated for one context (a bulk evaluation): its subjects worked out once. */
  evaluatedAll(flags: readonly string[], targetingKey: string | undefined, email: string | undefined, at: Date): void;
  /** Writes what is pending; what fails to write is kept for the next flush. */
  flush(): Promise<void>;
}

const HOUR = 3_600_000;
/** Distinct flag and subject pairs held between flushes; beyond it, new pairs wait for the next flush. */
const MAX_SUBJECTS = 50_000;
/** Subjects that can never match a tester (and that PostgreSQL would refuse, for NUL) are not kept. */
const usable = (subject: string) => subject !== '' && subject.length <= 320 && !subject.includes('\u0000');

/** Whom an evaluation was for: its targeting key (lower-cased when it is an email) and its email, each when usable. */
function subjectsOf(targetingKey: string | undefined, email: string | undefined): string[] {
  const whom: string[] = [];
  if (targetingKey !== undefined && usable(targetingKey)) whom.push(targetingKey.includes('@') ? targetingKey.toLowerCase() : targetingKey);
  if (email !== undefined && usable(email)) whom.push(email.toLowerCase());
  return whom;
}

export function createActivityCounter(write: ActivityWriters): ActivityCounter {
  let requests = new Map<string, AdminRequestCount>();
  let views = new Map<string, PageViewCount>();
  let subjects = new Map<string, EvaluationSubject>();
  let flushing: Promise<void> | undefined;

  const addSubject = (flag: string, subject: string, at: Date) => {
    const key = `${flag}\u0000${subject}`;
    const existing = subjects.get(key);
    if (existing) existing.at = at;
    else if (subjects.size < MAX_SUBJECTS) subjects.set(key, { flag, subject, at });
  };

  const evaluatedAll = (flags: readonly string[], targetingKey: string | undefined, email: string | undefined, at: Date) => {
    const whom = subjectsOf(targetingKey, email);
    for (const flag of flags) for (const subject of whom) addSubject(flag, subject, at);
  };

  async function flushOnce(): Promise<void> {
    const taken = { requests, views, subjects };
    requests = new Map();
    views = new Map();
    subjects = new Map();
    const errors: unknown[] = [];
    await write.adminRequests([...taken.requests.values()]).catch((err: unknown) => {
      errors.push(err);
      for (const [key, row] of taken.requests) {
        const existing = requests.get(key);
        if (existing) existing.count += row.count;
        else requests.set(key, row);
      }
    });
    await write.pageViews([...taken.views.values()]).catch((err: unknown) => {
      errors.push(err);
      for (const [key, row] of taken.views) {
        const existing = views.get(key);
        if (existing) existing.views += row.views;
        else views.set(key, row);
      }
    });
    await write.flagReach([...taken.subjects.values()]).catch((err: unknown) => {
      errors.push(err);
      for (const row of taken.subjects.values()) addSubject(row.flag, row.subject, row.at);
    });
    if (errors.length > 0) throw errors[0];
  }

  return {
    adminRequest(outcome, actor, at) {
      const hour = new Date(Math.floor(at.getTime() / HOUR) * HOUR);
      const row: AdminRequestCount =
        outcome === 'served' && actor === null
          ? { hour, outcome: 'unidentified', actor: '', count: 1 }
          : { hour, outcome, actor: actor ?? 'anonymous', count: 1 };
      const key = `${row.hour.getTime()}\u0000${row.outcome}\u0000${row.actor}`;
      const existing = requests.get(key);
      if (existing) existing.count++;
      else requests.set(key, row);
    },
    pageView(actor, at) {
      const day = at.toISOString().slice(0, 10);
      const key = `${day}\u0000${actor}`;
      const existing = views.get(key);
      if (existing) existing.views++;
      else views.set(key, { day, actor, views: 1 });
    },
    evaluated: (flag, targetingKey, email, at) => evaluatedAll([flag], targetingKey, email, at),
    evaluatedAll,
    async flush() {
      // One flush at a time; a caller arriving meanwhile waits for it and then writes what is new.
      while (flushing) await flushing.catch(() => undefined);
      flushing = flushOnce().finally(() => {
        flushing = undefined;
      });
      return flushing;
    },
  };
}
