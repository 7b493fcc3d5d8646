// Slow statements, off the request path: each shape is logged and explained at most once per
// cooldown, one at a time, once the pool is quiet; results are kept in a ring of the newest entries.
// The first slow statement loads the query parser; statements wait for it, then get its shapes.
import type { PoolState } from '../../db/database.js';
import { round } from './shape-stats.js';
import { explainSlowQuery, type ExplainDeps } from './explain-slow-query.js';
import { shapeOf } from './fingerprint.js';
import type { SlowQuerySink } from './query-recorder.js';
import { errorNote, slowQueryEntry, type AnalysisJob, type SlowQuery } from './slow-query-entry.js';

export interface SlowQueryAnalyserDeps extends ExplainDeps {
  logger: { warn(obj: object, msg: string): void };
  poolState(): PoolState;
  /** A shape is logged and explained at most once per this period. */
  cooldownMs: number;
  /** Shapes whose last explanation is remembered: twice this many. */
  maxShapes: number;
  parser: ParserLoader;
}

/** The query parser as the service loads it: on demand, once; `load` never rejects (false: it failed). */
export interface ParserLoader {
  loaded(): boolean;
  load(): Promise<boolean>;
}

export interface SlowQueryAnalyser extends SlowQuerySink {
  /** Analysed and skipped slow statements, newest first. */
  recent: () => SlowQuery[];
  /** The analysis under way, if any. */
  running(): Promise<void> | undefined;
  /** Drops queued work and waits for the analysis under way. */
  stop(): Promise<void>;
}

const MAX_ANALYSIS_QUEUE = 32;
const RING_SIZE = 200;
/** Waits this long at most for a quiet pool before analysing anyway. */
const MAX_QUIET_WAIT_MS = 5_000;

interface AnalyserState {
  deps: SlowQueryAnalyserDeps;
  /** When each shape was last explained, oldest first. */
  lastExplained: Map<string, number>;
  ring: SlowQuery[];
  queue: AnalysisJob[];
  analysing: Promise<void> | undefined;
  /** Statements (with rough shapes) waiting for the parser to load. */
  waiting: AnalysisJob[];
  parserWait: Promise<void> | undefined;
  stopped: boolean;
}

export function createSlowQueryAnalyser(deps: SlowQueryAnalyserDeps): SlowQueryAnalyser {
  const state: AnalyserState = {
    deps,
    lastExplained: new Map(),
    ring: [],
    queue: [],
    analysing: undefined,
    waiting: [],
    parserWait: undefined,
    stopped: false,
  };
  return {
    offer: (job) => (deps.parser.loaded() ? offer(state, job) : awaitParser(state, job)),
    batchDone: () => pump(state),
    recent: () => [...state.ring].reverse(),
    running: () => state.analysing ?? state.parserWait,
    async stop() {
      state.stopped = true;
      state.queue.length = 0;
      for (const job of state.waiting.splice(0)) job.parameters = undefined;
      await state.parserWait;
      await state.analysing;
    },
  };
}

function remember(state: AnalyserState, entry: SlowQuery): void {
  state.ring.push(entry);
  if (state.ring.length > RING_SIZE) state.ring.shift();
}

function dueForExplain(state: AnalyserState, fingerprint: string, at: number): boolean {
  const { lastExplained, deps } = state;
  const last = lastExplained.get(fingerprint);
  if (last !== undefined && at - last < deps.cooldownMs) return false;
  lastExplained.delete(fingerprint);
  lastExplained.set(fingerprint, at);
  if (lastExplained.size > 2 * deps.maxShapes) lastExplained.delete(lastExplained.keys().next().value!);
  return true;
}

function offer(state: AnalyserState, job: AnalysisJob): void {
  if (state.stopped || !dueForExplain(state, job.fingerprint, job.at)) return;
  logSlow(state, job);
  if (state.queue.length >= MAX_ANALYSIS_QUEUE) remember(state, slowQueryEntry(job, state.deps.now, 'skipped', 'analysis queue full'));
  else state.queue.push(job);
}

/**
 * Holds a slow statement until the parser has loaded (starting the load), then offers it with the
 * parser's shape. The cooldown is applied to the rough shape meanwhile, so a burst of one statement
 * holds one job; a statement the parser could not be loaded for is logged and recorded as skipped.
 */
function awaitParser(state: AnalyserState, job: AnalysisJob): void {
  if (state.stopped || !dueForExplain(state, job.fingerprint, job.at)) return;
  if (state.waiting.length >= MAX_ANALYSIS_QUEUE) {
    logSlow(state, job);
    remember(state, slowQueryEntry(job, state.deps.now, 'skipped', 'analysis queue full'));
    job.parameters = undefined;
    return;
  }
  state.waiting.push(job);
  state.parserWait ??= state.deps.parser.load().then((loaded) => {
    state.parserWait = undefined;
    for (const waiting of state.waiting.splice(0)) {
      if (loaded) {
        Object.assign(waiting, shapeOf(waiting.sql));
        offer(state, waiting);
      } else {
        logSlow(state, waiting);
        remember(state, slowQueryEntry(waiting, state.deps.now, 'skipped', 'query parser unavailable'));
        waiting.parameters = undefined;
      }
    }
    pump(state);
  });
}

function logSlow(state: AnalyserState, job: AnalysisJob): void {
  state.deps.logger.warn(
    { fingerprint: job.fingerprint, query: job.query, type: job.type, durationMs: round(job.durationMs) },
    'slow query',
  );
}

function pump(state: AnalyserState): void {
  if (state.analysing || state.queue.length === 0 || state.stopped) return;
  state.analysing = (async () => {
    while (state.queue.length > 0 && !state.stopped) {
      const job = state.queue.shift()!;
      try {
        await quietPool(state);
        if (state.stopped) break;
        remember(state, await explainSlowQuery(state.deps, job));
      } catch (err) {
        state.deps.logger.warn({ err: { message: errorNote(err) }, fingerprint: job.fingerprint }, 'slow query analysis failed');
      } finally {
        job.parameters = undefined;
      }
    }
  })().finally(() => {
    state.analysing = undefined;
    pump(state);
  });
}

/** Waits until a connection is free and nobody queues for one, seen twice in a row. */
async function quietPool(state: AnalyserState): Promise<void> {
  const deadline = state.deps.now() + MAX_QUIET_WAIT_MS;
  let quietTicks = 0;
  while (quietTicks < 2 && state.deps.now() < deadline && !state.stopped) {
    await new Promise((r) => setTimeout(r, 10));
    const p = state.deps.poolState();
    quietTicks = p.waiting === 0 && p.inUse < p.max ? quietTicks + 1 : 0;
  }
}
