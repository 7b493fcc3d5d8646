// Rollouts that run themselves, through the real server on PGlite and PostgreSQL with a clock the
// test moves: scheduled changes (edited, cancelled, run once, run after a full outage), and release
// plans stepping on time, paused by a burst of 1-star ratings (the alert webhook is told), rolled
// back by a guard, and paused by a change made by hand.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildInstance, HOUR, testClock, type Instance } from './helpers/rollout-apps.js';
import { createTestDatabase, type TestDatabase } from './helpers/test-database.js';

let testDb: TestDatabase;
let hooks: Server;
const received: Array<{ text: string; alert: { rule: string; message: string } }> = [];
let hookUrl = '';

beforeAll(async () => {
  testDb = await createTestDatabase();
  hooks = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      received.push(JSON.parse(body) as (typeof received)[number]);
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => hooks.listen(0, '127.0.0.1', resolve));
  hookUrl = `http://127.0.0.1:${(hooks.address() as AddressInfo).port}/hook`;
});
afterAll(async () => {
  await new Promise((resolve) => hooks?.close(resolve));
  await testDb?.destroy();
});

async function startInstance(clock: { now: () => Date }, background = false): Promise<{ app: Instance; admin: string; call: Call }> {
  const app = await buildInstance(testDb.database, {
    dataDir: testDb.dataDir,
    instanceId: 'solo',
    now: clock.now,
    background,
    env: { ALERT_WEBHOOK_URL: hookUrl, ALERT_COOLDOWN_S: '0' },
  });
  const admin = await app.token('admin');
  const call: Call = async (method, url, body, headers = {}) => {
    const res = await app.app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${admin}`, ...headers },
      ...(body === undefined ? {} : { payload: body as object }),
    });
    return { status: res.statusCode, body: res.body ? (JSON.parse(res.body) as Record<string, unknown>) : {} };
  };
  return { app, admin, call };
}
type Call = (
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  url: string,
  body?: unknown,
  headers?: Record<string, string>,
) => Promise<{ status: number; body: Record<string, unknown> }>;

const auditCount = async (action: string, entityId: string, actor?: string) => {
  let query = testDb.database.db
    .selectFrom('audit_log')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('action', '=', action)
    .where('entity_id', '=', entityId);
  if (actor) query = query.where('actor', '=', actor);
  return Number((await query.executeTakeFirstOrThrow()).n);
};

async function rate(app: Instance, feature: string, ratings: number[]): Promise<void> {
  for (const [i, rating] of ratings.entries()) {
    const res = await app.app.inject({
      method: 'POST',
      url: '/api/feedback',
      payload: { rating, feature, email: `rater-${feature}-${i}-${rating}-${Math.random().toString(36).slice(2, 8)}@example.com` },
    });
    expect(res.statusCode).toBe(201);
  }
}

describe('scheduled changes', () => {
  let clock: ReturnType<typeof testClock>;
  let app: Instance;
  let call: Call;

  beforeAll(async () => {
    clock = testClock();
    ({ app, call } = await startInstance(clock));
    expect((await call('POST', '/api/admin/flags', { name: 'sched-flag', rollout_percentage: 10, is_enabled: true })).status).toBe(201);
  });
  afterAll(async () => app?.app.close());

  it('refuses bad input with a 400 and unknown flags with a 404, storing nothing', async () => {
    const at = new Date(clock.now().getTime() + HOUR).toISOString();
    expect((await call('POST', '/api/admin/schedules', { flag: 'sched-flag', at, change: {} })).status).toBe(400);
    expect((await call('POST', '/api/admin/schedules', { flag: 'sched-flag', at: 'tomorrow', change: { is_enabled: false } })).status).toBe(
      400,
    );
    expect((await call('POST', '/api/admin/schedules', { flag: 'sched-flag', at, change: { rollout_percentage: 101 } })).status).toBe(400);
    expect((await call('POST', '/api/admin/schedules', { flag: 'sched-flag', at, change: { name: 'x' } })).status).toBe(400);
    expect((await call('POST', '/api/admin/schedules', { flag: 'no-such-flag', at, change: { is_enabled: false } })).status).toBe(404);
    expect((await call('GET', '/api/admin/schedules')).body.items).toEqual([]);
  });

  it('is refused to anonymous callers', async () => {
    const res = await app.app.inject({ method: 'GET', url: '/api/admin/schedules' });
    expect(res.statusCode).toBe(401);
  });

  it('runs a change once when due, through the audited flag path; edits and cancels until then', async () => {
    const at = new Date(clock.now().getTime() + HOUR).toISOString();
    const created = await call('POST', '/api/admin/schedules', { flag: 'sched-flag', at, change: { rollout_percentage: 40 } });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const other = await call('POST', '/api/admin/schedules', { flag: 'sched-flag', at, change: { is_enabled: false } });

    const edited = await call('PATCH', `/api/admin/schedules/${id}`, { change: { rollout_percentage: 60 } });
    expect(edited.status).toBe(200);
    expect(edited.body.change).toEqual({ rollout_percentage: 60 });
    expect((await call('DELETE', `/api/admin/schedules/${other.body.id as string}`)).body.status).toBe('cancelled');

    // Not due yet.
    await app.services.rollouts.runDue();
    expect((await call('GET', '/api/admin/flags/sched-flag')).body.rollout_percentage).toBe(10);

    clock.advance(HOUR);
    await app.services.rollouts.runDue();
    await app.services.rollouts.runDue();
    const flag = await call('GET', '/api/admin/flags/sched-flag');
    expect(flag.body).toMatchObject({ rollout_percentage: 60, is_enabled: true });
    const done = await call('GET', `/api/admin/schedules/${id}`);
    expect(done.body).toMatchObject({ status: 'done', result_version: flag.body.version });
    expect(await auditCount('flag.update', 'sched-flag')).toBe(1);

    // Ran: no longer editable or cancellable.
    expect((await call('PATCH', `/api/admin/schedules/${id}`, { change: { rollout_percentage: 5 } })).status).toBe(409);
    expect((await call('DELETE', `/api/admin/schedules/${id}`)).status).toBe(409);
    const pending = await call('GET', '/api/admin/schedules?status=pending');
    expect(pending.body.items).toEqual([]);
  });

  it('finishes a change claimed by an instance that died, writing the flag only if it had not', async () => {
    await call('POST', '/api/admin/flags', { name: 'crash-flag', is_enabled: true, rollout_percentage: 0 });
    const at = new Date(clock.now().getTime() - 60_000).toISOString();
    const written = await call('POST', '/api/admin/schedules', { flag: 'crash-flag', at, change: { rollout_percentage: 20 } });
    const unwritten = await call('POST', '/api/admin/schedules', { flag: 'crash-flag', at, change: { is_enabled: false } });
    // Both claimed ten minutes ago by an instance that died: one after writing its change, one before.
    const claimedAt = new Date(clock.now().getTime() - 10 * 60_000);
    await testDb.database.db
      .updateTable('scheduled_changes')
      .set({ status: 'running', claimed_by: 'dead-instance', claimed_at: claimedAt })
      .where('flag_name', '=', 'crash-flag')
      .execute();
    const id = written.body.id as string;
    await app.flags.service.update('crash-flag', { rollout_percentage: 20 }, undefined, {
      actor: 'test',
      isOwner: false,
      requestId: `schedule:${id}`,
    });

    await app.services.rollouts.runDue();
    expect((await call('GET', `/api/admin/schedules/${id}`)).body.status).toBe('done');
    expect((await call('GET', `/api/admin/schedules/${unwritten.body.id as string}`)).body.status).toBe('done');
    const flag = await call('GET', '/api/admin/flags/crash-flag');
    expect(flag.body).toMatchObject({ rollout_percentage: 20, is_enabled: false });
    // One write each: the one the dead instance made, and the one left to make.
    expect(await auditCount('flag.update', 'crash-flag')).toBe(2);
  });

  it('fails a change whose expected version is gone, leaving the flag alone', async () => {
    const version = (await call('GET', '/api/admin/flags/sched-flag')).body.version as number;
    const at = new Date(clock.now().getTime() + HOUR).toISOString();
    const created = await call('POST', '/api/admin/schedules', {
      flag: 'sched-flag',
      at,
      change: { rollout_percentage: 90 },
      expected_version: version,
    });
    expect((await call('PATCH', '/api/admin/flags/sched-flag', { description: 'edited meanwhile' })).status).toBe(200);
    clock.advance(HOUR);
    await app.services.rollouts.runDue();
    const row = await call('GET', `/api/admin/schedules/${created.body.id as string}`);
    expect(row.body.status).toBe('failed');
    expect(String(row.body.error)).toMatch(/changed meanwhile/);
    expect((await call('GET', '/api/admin/flags/sched-flag')).body.rollout_percentage).toBe(60);
  });
});

describe('a scheduled change due during a full outage', () => {
  it('runs once at the next start', async () => {
    const clock = testClock();
    const first = await startInstance(clock);
    await first.call('POST', '/api/admin/flags', { name: 'outage-flag', is_enabled: true, rollout_percentage: 0 });
    const at = new Date(clock.now().getTime() + 2 * HOUR).toISOString();
    const created = await first.call('POST', '/api/admin/schedules', { flag: 'outage-flag', at, change: { rollout_percentage: 100 } });
    await first.app.app.close();

    // Every instance down while it falls due; the next start runs it (background job, at start).
    clock.advance(3 * HOUR);
    const second = await startInstance(clock, true);
    await second.app.app.ready();
    try {
      await expect
        .poll(async () => (await second.call('GET', `/api/admin/schedules/${created.body.id as string}`)).body.status, { timeout: 10_000 })
        .toBe('done');
      expect((await second.call('GET', '/api/admin/flags/outage-flag')).body.rollout_percentage).toBe(100);
      await second.app.services.rollouts.runDue();
      expect(await auditCount('flag.update', 'outage-flag')).toBe(1);
    } finally {
      await second.app.app.close();
    }
  });
});

describe('release plans', () => {
  let clock: ReturnType<typeof testClock>;
  let app: Instance;
  let call: Call;
  let evaluate: string;

  beforeAll(async () => {
    clock = testClock();
    ({ app, call } = await startInstance(clock));
    evaluate = await app.token('evaluate');
  });
  afterAll(async () => app?.app.close());

  const percentage = async (flag: string) => (await call('GET', `/api/admin/flags/${flag}`)).body.rollout_percentage;
  const plan = async (flag: string) => (await call('GET', `/api/admin/flags/${flag}/plan`)).body;
  const steps = [
    { percentage: 5, min_duration: '1h' },
    { percentage: 25, min_duration: '1h' },
    { percentage: 50, min_duration: '1h' },
    { percentage: 100, min_duration: '1h' },
  ];
  const ratingGuard = { kind: 'rating', min_mean: 3.5, min_ratings: 5, on_fail: 'pause' };

  it('refuses malformed plans with a 400', async () => {
    await call('POST', '/api/admin/flags', { name: 'bad-plan' });
    const bad = [
      { steps: [], guards: [] },
      { steps: [{ percentage: 5, min_duration: 'soon' }], guards: [] },
      {
        steps: [
          { percentage: 50, min_duration: '1h' },
          { percentage: 25, min_duration: '1h' },
        ],
        guards: [],
      },
      { steps: [{ percentage: 5, min_duration: '1h' }], guards: [{ kind: 'rating', min_mean: 9, min_ratings: 1 }] },
    ];
    for (const body of bad) expect((await call('PUT', '/api/admin/flags/bad-plan/plan', body)).status).toBe(400);
    expect((await call('GET', '/api/admin/flags/bad-plan/plan')).status).toBe(404);
  });

  it('advances a four-step plan on time while ratings are good', async () => {
    const flag = 'ramp-good';
    await call('POST', '/api/admin/flags', { name: flag });
    const created = await call('PUT', `/api/admin/flags/${flag}/plan`, { steps, guards: [ratingGuard] });
    expect(created.status).toBe(201);
    expect((await call('PUT', `/api/admin/flags/${flag}/plan`, { steps, guards: [] })).status).toBe(409);

    await app.services.rollouts.runDue();
    expect(await percentage(flag)).toBe(5);
    expect((await call('GET', `/api/admin/flags/${flag}`)).body.is_enabled).toBe(true);
    for (const [i, expected] of [25, 50, 100].entries()) {
      await rate(app, flag, [5, 4, 4, 5, 3]);
      // Good ratings, but the step's time has not passed.
      clock.advance(HOUR - 60_000);
      await app.services.rollouts.runDue();
      expect(await percentage(flag)).toBe(steps[i]!.percentage);
      const current = await plan(flag);
      expect(current.readings).toEqual([expect.objectContaining({ kind: 'rating', status: 'ok', sample: 5 })]);
      clock.advance(60_000);
      await app.services.rollouts.runDue();
      expect(await percentage(flag)).toBe(expected);
    }
    const timeline = await plan(flag);
    expect((timeline.steps as Array<{ state: string }>).map((s) => s.state)).toEqual(['done', 'done', 'done', 'current']);
    await rate(app, flag, [5, 5, 5, 5, 5]);
    clock.advance(HOUR);
    await app.services.rollouts.runDue();
    expect((await plan(flag)).status).toBe('done');
    expect(await auditCount('flag.update', flag, 'release-plan')).toBe(4);
    expect(await auditCount('plan.advance', flag)).toBe(3);
  });

  it('waits while a step has too few ratings', async () => {
    const flag = 'ramp-quiet';
    await call('POST', '/api/admin/flags', { name: flag });
    await call('PUT', `/api/admin/flags/${flag}/plan`, { steps, guards: [ratingGuard] });
    await app.services.rollouts.runDue();
    await rate(app, flag, [5, 5]);
    clock.advance(2 * HOUR);
    await app.services.rollouts.runDue();
    expect(await percentage(flag)).toBe(5);
    const p = await plan(flag);
    expect(p.status).toBe('running');
    expect(p.readings).toEqual([expect.objectContaining({ status: 'waiting', sample: 2, min_sample: 5 })]);
  });

  it('pauses on a burst of 1-star ratings, tells the webhook, and records the figures', async () => {
    const flag = 'ramp-burst';
    await call('POST', '/api/admin/flags', { name: flag });
    await call('PUT', `/api/admin/flags/${flag}/plan`, {
      steps,
      guards: [ratingGuard, { kind: 'low_ratings', max_share_pct: 20, min_ratings: 5, on_fail: 'pause' }],
    });
    await app.services.rollouts.runDue();
    await rate(app, flag, [1, 1, 1, 1, 2, 5]);
    await app.services.rollouts.runDue();
    const p = await plan(flag);
    expect(p.status).toBe('paused');
    expect(String(p.attention)).toMatch(/below 3.5/);
    expect(await percentage(flag)).toBe(5);
    await expect.poll(() => received.find((r) => r.alert.rule === `release_plan:${flag}`), { timeout: 5000 }).toBeDefined();
    expect(received.find((r) => r.alert.rule === `release_plan:${flag}`)!.text).toMatch(/ramp-burst/);

    const row = await testDb.database.db
      .selectFrom('audit_log')
      .select('after')
      .where('action', '=', 'plan.guard_failed')
      .where('entity_id', '=', flag)
      .executeTakeFirstOrThrow();
    const readings = (row.after as { readings: Array<{ kind: string; value: number; sample: number }> }).readings;
    expect(readings).toEqual([
      expect.objectContaining({ kind: 'rating', value: 1.83, sample: 6, status: 'failed' }),
      expect.objectContaining({ kind: 'low_ratings', value: 83.3, sample: 6, status: 'failed' }),
    ]);

    // Paused: time passing does nothing; resuming restarts the step's window without the old ratings.
    clock.advance(5 * HOUR);
    await app.services.rollouts.runDue();
    expect(await percentage(flag)).toBe(5);
    const resumed = await call('POST', `/api/admin/flags/${flag}/plan/resume`);
    expect(resumed.body.status).toBe('running');
    await rate(app, flag, [5, 5, 4, 5, 5]);
    clock.advance(HOUR);
    await app.services.rollouts.runDue();
    expect(await percentage(flag)).toBe(25);
  });

  it('rolls back to the previous step when a roll-back guard fails', async () => {
    const flag = 'ramp-rollback';
    await call('POST', '/api/admin/flags', { name: flag, is_enabled: true, rollout_percentage: 1 });
    await call('PUT', `/api/admin/flags/${flag}/plan`, {
      steps,
      guards: [{ kind: 'errors', max_per_1000: 10, min_evaluations: 100, on_fail: 'rollback' }],
    });
    await app.services.rollouts.runDue();
    expect(await percentage(flag)).toBe(5);
    // Step 2 by hand (skip), then errors reported against it.
    expect((await call('POST', `/api/admin/flags/${flag}/plan/skip`)).status).toBe(200);
    await app.services.rollouts.runDue();
    expect(await percentage(flag)).toBe(25);

    for (let i = 0; i < 200; i++) {
      const res = await app.app.inject({
        method: 'POST',
        url: `/ofrep/v1/evaluate/flags/${flag}`,
        headers: { authorization: `Bearer ${evaluate}` },
        payload: { context: { targetingKey: `user-${i}` } },
      });
      expect(res.statusCode).toBe(200);
    }
    await app.flags.flushCounts();
    const signal = (body: unknown, token = evaluate) =>
      app.app.inject({
        method: 'POST',
        url: `/api/flags/${flag}/signals`,
        headers: { authorization: `Bearer ${token}` },
        payload: body as object,
      });
    expect((await signal({ kind: 'error', count: 1 }, 'nope')).statusCode).toBe(401);
    expect((await signal({ kind: 'oops', count: 1 })).statusCode).toBe(400);
    expect((await signal({ kind: 'error', count: 0 })).statusCode).toBe(400);
    expect(
      (
        await app.app.inject({
          method: 'POST',
          url: '/api/flags/nope/signals',
          headers: { authorization: `Bearer ${evaluate}` },
          payload: { kind: 'error', count: 1 },
        })
      ).statusCode,
    ).toBe(404);
    expect((await signal({ kind: 'error', count: 1 })).statusCode).toBe(204);
    await app.services.rollouts.runDue();
    expect(await percentage(flag)).toBe(25); // 5 per 1,000: holds
    expect((await signal({ kind: 'error', count: 5, variant: 'on' })).statusCode).toBe(204);
    await app.services.rollouts.runDue();
    expect(await percentage(flag)).toBe(5);
    const p = await plan(flag);
    expect(p).toMatchObject({ status: 'paused', current_step: 0 });
    expect(String(p.attention)).toMatch(/^Rolled back: 30 errors per 1,000 evaluations over 200/);
    expect(await auditCount('plan.rollback', flag)).toBe(1);
  });

  it('pauses the plan when the flag is changed by hand', async () => {
    const flag = 'ramp-manual';
    await call('POST', '/api/admin/flags', { name: flag });
    await call('PUT', `/api/admin/flags/${flag}/plan`, { steps, guards: [] });
    await app.services.rollouts.runDue();
    expect(await percentage(flag)).toBe(5);
    const version = (await call('GET', `/api/admin/flags/${flag}`)).body.version as number;
    expect((await call('PATCH', `/api/admin/flags/${flag}`, { rollout_percentage: 15 }, { 'if-match': `"${version}"` })).status).toBe(200);
    clock.advance(2 * HOUR);
    await app.services.rollouts.runDue();
    expect(await percentage(flag)).toBe(15);
    const p = await plan(flag);
    expect(p.status).toBe('paused');
    expect(String(p.attention)).toMatch(/changed by hand/);
    const attention = await call('GET', '/api/admin/plans');
    expect((attention.body.items as Array<{ flag: string }>).map((i) => i.flag)).toContain(flag);

    // Abort ends it for good; a new plan may then start.
    expect((await call('POST', `/api/admin/flags/${flag}/plan/abort`)).body.status).toBe('aborted');
    expect((await call('POST', `/api/admin/flags/${flag}/plan/resume`)).status).toBe(409);
    expect((await call('PUT', `/api/admin/flags/${flag}/plan`, { steps, guards: [] })).status).toBe(201);
  });
});
