// What the flag routes call: audited changes, the console's reads (flags with adoption figures,
// evaluation series), evaluation and explanation over the snapshot, and its change feed.
import type { Kysely } from 'kysely';
import { emailKey } from '../../core/email.js';
import { AppError } from '../../core/errors.js';
import type { Clock } from '../../core/clock.js';
import type { Actor } from '../../core/principal.js';
import type { DatabaseSchema } from '../../db/schema.js';
import { adoptionOf, type Adoption } from './adoption.js';
import type { EvaluationContext } from './conditions.js';
import { evaluateFlag, explainFlag, type EvaluationResult, type Explanation } from './evaluate.js';
import type { EvaluationCounter } from './evaluation-counter.js';
import { editFlag } from './flag-input.js';
import { createFlagChanges, type FlagChanges, type FlagChangesDeps } from './flag-changes.js';
import { createFlagTransfer, type FlagTransfer } from './flag-import.js';
import type { FlagStore, StoreEvent } from './flag-store.js';
import { adoptionSince, evaluationSeries, lockTargetingFlags, notifyFlagChange, updateFlag } from './flags.repository.js';
import type { FlagChange, FlagRow, SeriesPoint } from './flags.types.js';
import { createRecentContexts, type RecentContexts } from './recent-contexts.js';
import { attributeNames, rulesReach, type RulesReach } from './rule-reach.js';
import { createSegments, type Segments } from './segment-changes.js';

export type { FlagInput } from './flag-input.js';
export type { Adoption } from './adoption.js';
export type { StoreEvent } from './flag-store.js';

/** The moment adoption is measured at, and how long unused (or fully rolled out) makes a flag stale. */
export interface AdoptionWindow {
  now: Date;
  staleDays: number;
}

export interface FlagDetail {
  flag: FlagRow;
  adoption: Adoption;
  /** Evaluations per hour over the last 24 hours and per day over the last 30, oldest first. */
  hourly: SeriesPoint[];
  daily: SeriesPoint[];
}

export interface FlagReads {
  list(window: AdoptionWindow): Promise<Array<{ flag: FlagRow; adoption: Adoption }>>;
  /** NOT_FOUND when no flag has this name. */
  detail(name: string, window: AdoptionWindow): Promise<FlagDetail>;
}

/** Who asks: `client` (a client key) sees only flags marked client-visible, as if no other flag existed. */
export interface EvaluationAudience {
  clientOnly?: boolean;
}

/**
 * A flag evaluated over the recent contexts: how many there were, how many it reaches, and the share (null
 * without any); and how many each rule, and the main rule, would take on its own.
 */
export interface FlagReach extends RulesReach {
  sample: number;
  matched: number;
  share: number | null;
}

export interface FlagEvaluation {
  /** Evaluates one flag for a context; successful evaluations are counted for the hourly figures. */
  /** The context gets the server's `currentTime` unless it holds one (see {@link withCurrentTime}). */
  evaluate(name: string, context: EvaluationContext, audience?: EvaluationAudience): EvaluationResult;
  /** Every flag, by name, evaluated for one context (its beta user looked up once) and counted like `evaluate`. */
  evaluateAll(context: EvaluationContext, audience?: EvaluationAudience): Array<{ name: string; result: EvaluationResult }>;
  explain(name: string, context: EvaluationContext): Explanation;
  /**
   * NOT_FOUND when no flag has this name. Evaluates the flag as it is now (kill switch, targets, beta users,
   * conditions, rollout) over the contexts recently evaluated on this instance, without counting them. A
   * boolean flag reaches a context when it answers true; a typed flag when it serves a variant other than its default.
   */
  reach(name: string): FlagReach;
  /** The attribute names (never values) in the contexts recently evaluated here, for suggestions (see rule-reach.ts). */
  contextAttributes(): string[];
  /** Every flag, by name. */
  snapshot(): FlagRow[];
  /** The conditions of each segment the flag names (as this instance holds them), for servers evaluating it themselves. */
  segmentConditions(flag: FlagRow): Record<string, unknown[]>;
  /** Changes after `seq`, or undefined when they are no longer held (then send the snapshot). */
  changesSince(seq: number): StoreEvent[] | undefined;
  lastChange(): number;
  subscribe(listener: (event: StoreEvent) => void): () => void;
}

/** Taking an address out of every flag's target users (a tester leaving the program). */
export interface TargetErasure {
  /**
   * Removes `email` (compared by `emailKey`) from every flag's target users in `trx`, each change
   * audited (naming neither the address nor the remaining targets) and announced to every instance
   * at commit; resolves to the changes to apply on this instance once `trx` committed.
   */
  dropTargetEmail(trx: Kysely<DatabaseSchema>, email: string, by: Pick<Actor, 'actor' | 'requestId'>): Promise<FlagChange[]>;
  /** Brings this instance's snapshot along with committed changes now. */
  applyCommitted(changes: FlagChange[]): Promise<void>;
}

export interface FlagsService extends FlagChanges, FlagReads, FlagEvaluation, TargetErasure, FlagTransfer {
  /** Named condition sets flag rules refer to. */
  segments: Segments;
}

export interface FlagsServiceDeps extends FlagChangesDeps {
  counter: EvaluationCounter;
  /** Where evaluated contexts are kept for reach estimates; a ring of 1,000 unless given. */
  recent?: RecentContexts;
}

function createFlagReads(db: Kysely<DatabaseSchema>, store: FlagStore): FlagReads {
  return {
    async list({ now, staleDays }) {
      const adoption = new Map((await adoptionSince(db, now)).map((r) => [r.flag_name, r]));
      return store.all().map((flag) => ({ flag, adoption: adoptionOf(flag, adoption.get(flag.name), now, staleDays) }));
    },
    async detail(name, { now, staleDays }) {
      const flag = store.get(name);
      if (!flag) throw new AppError('NOT_FOUND', `No flag named "${name}".`);
      const [adoption, hourly, daily] = await Promise.all([
        adoptionSince(db, now).then((rows) => rows.find((r) => r.flag_name === flag.name)),
        evaluationSeries(db, flag.name, new Date(now.getTime() - 24 * 3_600_000), 'hour'),
        evaluationSeries(db, flag.name, new Date(now.getTime() - 30 * 86_400_000), 'day'),
      ]);
      return { flag, adoption: adoptionOf(flag, adoption, now, staleDays), hourly, daily };
    },
  };
}

function countResult(counter: EvaluationCounter, name: string, result: EvaluationResult, at: number): void {
  if (result.served === undefined) counter.count(name, result.value === true, at);
  else counter.countVariant(name, result.variant, at);
}

let isoAt = Number.NaN;
let isoText = '';

/** `now.toISOString()`, made once per millisecond: requests arriving within one share the text. */
function isoOf(now: Date): string {
  const at = now.getTime();
  if (at !== isoAt) {
    isoText = now.toISOString();
    isoAt = at;
  }
  return isoText;
}

/**
 * The context with the server's `currentTime` (ISO-8601) unless the caller sent one, so date conditions on
 * `currentTime` need no client clock. Read once per request: every flag of a bulk answer sees the same instant.
 */
export function withCurrentTime(context: EvaluationContext, now: Date): EvaluationContext {
  if (typeof context !== 'object' || context === null) return { currentTime: isoOf(now) };
  return Object.hasOwn(context, 'currentTime') ? context : { ...context, currentTime: isoOf(now) };
}

function reaches(result: EvaluationResult): boolean {
  if (result.errorCode) return false;
  return result.served === undefined ? result.value === true : result.reason !== 'DEFAULT' && result.reason !== 'DISABLED';
}

function createFlagEvaluation(store: FlagStore, counter: EvaluationCounter, clock: Clock, recent: RecentContexts): FlagEvaluation {
  const betaUserFor = (context: EvaluationContext) =>
    store.overrideFor(
      typeof context.targetingKey === 'string' && context.targetingKey !== '' ? context.targetingKey : undefined,
      typeof context.email === 'string' ? context.email : undefined,
    );
  return {
    evaluate(name, context, audience) {
      recent.record(context);
      const flag = audience?.clientOnly === true ? store.clientEvaluable(name) : store.evaluable(name);
      const result = evaluateFlag(flag, withCurrentTime(context, clock()), { betaUser: betaUserFor(context) });
      // Stamped with the wall clock: the hourly table records when traffic really happened.
      if (!result.errorCode) countResult(counter, name, result, Date.now());
      return result;
    },
    evaluateAll(context, audience) {
      recent.record(context);
      const options = { betaUser: betaUserFor(context) };
      const at = Date.now();
      const timed = withCurrentTime(context, clock());
      const flags = audience?.clientOnly === true ? store.clientEvaluables() : store.evaluables();
      return flags.map((flag) => {
        const result = evaluateFlag(flag, timed, options);
        if (!result.errorCode) countResult(counter, flag.name, result, at);
        return { name: flag.name, result };
      });
    },
    explain: (name, context) => explainFlag(store.evaluable(name), withCurrentTime(context, clock()), { betaUser: betaUserFor(context) }),
    reach(name) {
      const flag = store.evaluable(name);
      if (!flag) throw new AppError('NOT_FOUND', `No flag named "${name}".`);
      const sample = recent.sample();
      const now = clock();
      const timed = sample.map((context) => withCurrentTime(context, now));
      let matched = 0;
      timed.forEach((context, i) => {
        if (reaches(evaluateFlag(flag, context, { betaUser: betaUserFor(sample[i]!) }))) matched++;
      });
      return { sample: sample.length, matched, share: sample.length === 0 ? null : matched / sample.length, ...rulesReach(flag, timed) };
    },
    contextAttributes: () => attributeNames(recent.sample()),
    snapshot: () => store.all(),
    segmentConditions: (flag) => store.segmentConditions(flag),
    changesSince: (seq) => store.eventsSince(seq),
    lastChange: () => store.lastSeq(),
    subscribe: (listener) => store.subscribe(listener),
  };
}

function createTargetErasure(deps: FlagChangesDeps): TargetErasure {
  return {
    async dropTargetEmail(trx, email, by) {
      const key = emailKey(email);
      const changes: FlagChange[] = [];
      for (const before of await lockTargetingFlags(trx)) {
        const kept = before.target_users.filter((target) => emailKey(target) !== key);
        if (kept.length === before.target_users.length) continue;
        const after = await updateFlag(trx, before.name, editFlag(before, { target_users: kept }, deps.clock()));
        await deps.recordAudit(trx, {
          actor: by.actor,
          action: 'flag.target_erased',
          entityType: 'flag',
          entityId: before.name,
          before: { version: before.version, target_users: before.target_users.length },
          after: { version: after.version, target_users: kept.length },
          requestId: by.requestId,
        });
        const change: FlagChange = { op: 'upsert', name: before.name, version: after.version };
        await notifyFlagChange(trx, change);
        changes.push(change);
      }
      return changes;
    },
    async applyCommitted(changes) {
      for (const change of changes) await deps.store.apply(change);
    },
  };
}

export function createFlagsService(deps: FlagsServiceDeps): FlagsService {
  return {
    ...createFlagChanges(deps),
    ...createFlagReads(deps.db, deps.store),
    ...createFlagEvaluation(deps.store, deps.counter, deps.clock, deps.recent ?? createRecentContexts()),
    ...createTargetErasure(deps),
    ...createFlagTransfer(deps),
    segments: createSegments(deps),
  };
}
