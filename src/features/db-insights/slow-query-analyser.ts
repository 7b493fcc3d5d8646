// Slow statements, off the request path: each shape is logged and explained at most once per
// cooldown, one at a time, once the pool is quiet; results are kept in a ring of the newest entries.
import type { PoolState } from '../../db/database.js';
import { round } from './shape-stats.js';
import { explainSlowQuery, type ExplainDeps } from './explain-slow-query.js';
import type { SlowQuerySink } from './query-recorder.js';
import { errorNote, slowQueryEntry, type AnalysisJob, type SlowQuery } from './slow-query-entry.js';

export interface SlowQueryAnalyserDeps extends ExplainDeps {
  logger: { warn(obj: object, msg: string): void };
  poolState(): PoolState;
  /** A shape is logged and explained at most once per this period. */
  cooldownMs: number;
  /** Shapes whose last explanation is remembered: twice this many. */
  maxShapes: number;
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
  stopped: boolean;
}

export function createSlowQueryAnalyser(deps: SlowQueryAnalyserDeps): SlowQueryAnalyser {
  const state: AnalyserState = { deps, lastExplained: new Map(), ring: [], queue: [], analysing: undefined, stopped: false };
  return {
    offer: (job) => offer(state, job),
    batchDone: () => pump(state),
    recent: () => [...state.ring].reverse(),
    running: () => state.analysing,
    async stop() {
      state.stopped = true;
      state.queue.length = 0;
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
  state.deps.logger.warn(
    { fingerprint: job.fingerprint, query: job.query, type: job.type, durationMs: round(job.durationMs) },
    'slow query',
  );
  if (state.queue.length >= MAX_ANALYSIS_QUEUE) remember(state, slowQueryEntry(job, state.deps.now, 'skipped', 'analysis queue full'));
  else state.queue.push(job);
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
