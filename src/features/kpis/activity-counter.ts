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

/**
 * Flag and subject pairs evaluated since the last write, by flag and then subject: flag names are the
 * flag store's own strings and a request's subject is hashed once, where a joined key would be a new
 * string to build and hash for every flag evaluated.
 */
function createReachTable() {
  let byFlag = new Map<string, Map<string, EvaluationSubject>>();
  let count = 0;
  const add = (flag: string, subject: string, at: Date) => {
    let bySubject = byFlag.get(flag);
    const existing = bySubject?.get(subject);
    if (existing) existing.at = at;
    else if (count < MAX_SUBJECTS) {
      if (bySubject === undefined) byFlag.set(flag, (bySubject = new Map<string, EvaluationSubject>()));
      bySubject.set(subject, { flag, subject, at });
      count++;
    }
  };
  return {
    add,
    take(): EvaluationSubject[] {
      const taken = byFlag;
      byFlag = new Map();
      count = 0;
      return [...taken.values()].flatMap((bySubject) => [...bySubject.values()]);
    },
    /** Rows whose write failed, kept for the next one without taking a newer evaluation's time back. */
    putBack(rows: readonly EvaluationSubject[]) {
      for (const row of rows) {
        const newer = byFlag.get(row.flag)?.get(row.subject);
        if (newer === undefined) add(row.flag, row.subject, row.at);
        else if (newer.at < row.at) newer.at = row.at;
      }
    },
  };
}

export function createActivityCounter(write: ActivityWriters): ActivityCounter {
  let requests = new Map<string, AdminRequestCount>();
  let views = new Map<string, PageViewCount>();
  const reach = createReachTable();
  let flushing: Promise<void> | undefined;

  const evaluatedAll = (flags: readonly string[], targetingKey: string | undefined, email: string | undefined, at: Date) => {
    const whom = subjectsOf(targetingKey, email);
    for (const flag of flags) for (const subject of whom) reach.add(flag, subject, at);
  };

  async function flushOnce(): Promise<void> {
    const taken = { requests, views };
    const reached = reach.take();
    requests = new Map();
    views = new Map();
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
    await write.flagReach(reached).catch((err: unknown) => {
      errors.push(err);
      reach.putBack(reached);
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
