// The query parser loads on demand: statements recorded before it loads are re-keyed by its shapes,
// and slow statements wait for it. Each test starts from freshly evaluated modules (parser unloaded).
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { QueryEvent } from '../../db/database.js';
import type * as Service from './db-insights.service.js';
import type * as Fingerprint from './fingerprint.js';
import type * as Recorder from './query-recorder.js';
import type * as Analyser from './slow-query-analyser.js';
import type { AnalysisJob } from './slow-query-entry.js';

let m: typeof Fingerprint & typeof Recorder & typeof Analyser & typeof Service;

beforeEach(async () => {
  vi.resetModules();
  m = {
    ...(await import('./fingerprint.js')),
    ...(await import('./query-recorder.js')),
    ...(await import('./slow-query-analyser.js')),
    ...(await import('./db-insights.service.js')),
  };
});

const event = (sql: string, durationMs = 1): QueryEvent => ({ type: 'SELECT', sql, parameters: [], durationMs, failed: false, rows: 1 });

function recorder(maxShapes = 100) {
  return m.createQueryRecorder({
    slowQueryMs: 1000,
    maxShapes,
    now: Date.now,
    slow: { offer: () => undefined, batchDone: () => undefined },
  });
}

async function drained(r: { busy(): boolean }): Promise<void> {
  while (r.busy()) await new Promise((resolve) => setTimeout(resolve, 5));
}

const calls = (r: ReturnType<typeof recorder>) => r.shapes.shapes().map((s) => [s.fingerprint, s.stats.calls]);

describe('shapes recorded before the parser loads', () => {
  it('are rough until it loads; statements seen before and after then count under one parser shape', async () => {
    const r = recorder();
    r.record(event('SELECT a FROM t WHERE b = 1'));
    r.record(event('SELECT a FROM t WHERE b = 2'));
    await drained(r);
    expect(m.parserLoaded()).toBe(false);
    expect(r.shapes.shapes()).toHaveLength(1);
    expect(r.shapes.shapes()[0]!.fingerprint).toMatch(/^x/);

    await m.loadParser();
    r.record(event('SELECT a FROM t WHERE b = 3'));
    await drained(r);
    const parsed = m.shapeOf('SELECT a FROM t WHERE b = 4');
    expect(parsed.fingerprint).not.toMatch(/^x/);
    expect(calls(r)).toEqual([[parsed.fingerprint, 3]]);
    expect(r.shapes.shapes()[0]!.query).toBe('SELECT a FROM t WHERE b = $1');
    expect(r.shapes.shapes()[0]!.sql).toBeUndefined();
  });

  it('merges rough shapes the parser finds equal, when the report asks for them', async () => {
    const r = recorder();
    r.record(event('SELECT a FROM t WHERE b = 1'));
    r.record(event('select a from t where b = $1'));
    r.record(event('SELECT a FROM t /* one */ WHERE c IN (1, 2)'));
    r.record(event('SELECT a FROM t WHERE c IN ($1, $2, $3)'));
    await drained(r);
    expect(r.shapes.size).toBe(4);

    await m.loadParser();
    r.adoptParserShapes();
    const [eq, inList] = [m.shapeOf('SELECT a FROM t WHERE b = 1'), m.shapeOf('SELECT a FROM t WHERE c IN (1, 2, 3, 4)')];
    expect(calls(r)).toEqual([
      [eq.fingerprint, 2],
      [inList.fingerprint, 2],
    ]);
    expect(r.shapes.totals().queries).toBe(4);
    expect(r.shapes.byType().get('SELECT')!.calls).toBe(4);
  });

  it('stay within maxShapes once merged, and later shapes evict as before', async () => {
    const r = recorder(2);
    r.record(event('SELECT a FROM t'));
    r.record(event('select a from t'));
    await drained(r);
    await m.loadParser();
    r.record(event('SELECT b FROM t'));
    r.record(event('SELECT c FROM t'));
    await drained(r);
    expect(r.shapes.size).toBe(2);
    expect(r.shapes.evicted).toBe(1);
    expect(calls(r)).toContainEqual([m.shapeOf('SELECT a FROM t').fingerprint, 2]);
  });
});

describe('slow statements offered before the parser loads', () => {
  const pool = () => ({ kind: 'postgres' as const, max: 1, total: 1, idle: 1, inUse: 0, waiting: 0 });
  const job = (sql: string, at: number): AnalysisJob => ({
    sql,
    parameters: ['value'],
    ...m.shapeOf(sql),
    type: 'OTHER',
    durationMs: 50,
    at,
  });

  function analyser(load?: () => Promise<void>) {
    const warnings: Array<[object, string]> = [];
    const logger = { warn: (obj: object, msg: string) => void warnings.push([obj, msg]), info: () => undefined };
    const parser = m.createParserLoader(logger, load);
    const a = m.createSlowQueryAnalyser({
      db: undefined as never,
      kind: 'postgres',
      explainTimeoutMs: 1000,
      logger,
      now: Date.now,
      suggestions: { suggestFrom: () => Promise.resolve() },
      poolState: pool,
      cooldownMs: 60_000,
      maxShapes: 10,
      parser,
    });
    return { a, warnings };
  }

  async function settled(a: { running(): Promise<void> | undefined }): Promise<void> {
    for (let p = a.running(); p; p = a.running()) await p;
  }

  it('load it, wait for it, and are logged and analysed once per parser shape', async () => {
    const { a, warnings } = analyser();
    const burst = [job('VACUUM t', 1), job('vacuum t', 2), job('VACUUM t', 3)];
    expect(burst[0]!.fingerprint).toMatch(/^x/);
    for (const j of burst) a.offer(j);
    a.batchDone();
    expect(a.running()).toBeDefined();
    await settled(a);
    expect(m.parserLoaded()).toBe(true);
    const parsed = m.shapeOf('VACUUM t').fingerprint;
    expect(a.recent().map((q) => [q.fingerprint, q.explained, q.note])).toEqual([[parsed, 'skipped', 'not a plannable statement']]);
    expect(warnings.filter(([, msg]) => msg === 'slow query').map(([obj]) => (obj as { fingerprint: string }).fingerprint)).toEqual([
      parsed,
    ]);
    expect(burst[0]!.parameters).toBeUndefined();
  });

  it('are recorded as skipped when it cannot load, logged without detail, and the next one tries again', async () => {
    let tries = 0;
    const { a, warnings } = analyser(() => {
      tries++;
      return Promise.reject(Object.assign(new Error('could not compile "secret-value" at 4242'), { stack: 'at secret (file.js:1)' }));
    });
    const first = job('VACUUM t', 1);
    a.offer(first);
    a.batchDone();
    await settled(a);
    expect(m.parserLoaded()).toBe(false);
    expect(tries).toBe(1);
    expect(a.recent().map((q) => [q.fingerprint, q.explained, q.note])).toEqual([
      [first.fingerprint, 'skipped', 'query parser unavailable'],
    ]);
    expect(first.parameters).toBeUndefined();
    const failure = warnings.find(([, msg]) => msg.startsWith('query parser could not be loaded'))!;
    expect(JSON.stringify(failure[0])).not.toMatch(/secret|4242|stack|file\.js/);
    expect(failure[0]).toEqual({ err: { message: expect.stringContaining('could not compile') } });

    a.offer(job('ANALYZE t', 2));
    a.batchDone();
    await settled(a);
    expect(tries).toBe(2);
  });
});
