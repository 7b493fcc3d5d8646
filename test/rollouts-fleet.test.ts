// Three instances on one PostgreSQL database running the same due work at the same moments: every
// scheduled change and every plan step is applied exactly once (counted in the audit log), also
// when one instance is closed in the middle of a plan.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../src/db/database.js';
import { quietLogger } from './helpers/database-urls.js';
import { buildInstance, HOUR, testClock, type Instance } from './helpers/rollout-apps.js';
import { createTestDatabase, TEST_DATABASE_KIND, TEST_POOL, type TestDatabase } from './helpers/test-database.js';

describe.skipIf(TEST_DATABASE_KIND !== 'postgres')('rollouts on a fleet of three instances (PostgreSQL)', () => {
  let testDb: TestDatabase;
  const extraDatabases: Database[] = [];
  let fleet: Instance[] = [];
  let admin: string;
  const clock = testClock();

  beforeAll(async () => {
    testDb = await createTestDatabase();
    const databases = [testDb.database];
    for (let i = 1; i < 3; i++) {
      const database = await openDatabase({
        databaseUrl: testDb.databaseUrl,
        dataDir: testDb.dataDir,
        pool: TEST_POOL,
        logger: quietLogger,
      });
      extraDatabases.push(database);
      databases.push(database);
    }
    fleet = await Promise.all(
      databases.map((database, i) => buildInstance(database, { dataDir: testDb.dataDir, instanceId: `node-${i}`, now: clock.now })),
    );
    admin = await fleet[0]!.token('admin');
  });
  afterAll(async () => {
    for (const instance of fleet) await instance.app.close().catch(() => undefined);
    for (const database of extraDatabases) await database.close().catch(() => undefined);
    await testDb?.destroy();
  });

  const call = async (instance: Instance, method: 'GET' | 'POST' | 'PUT', url: string, body?: object) => {
    const res = await instance.app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${admin}` },
      ...(body ? { payload: body } : {}),
    });
    return { status: res.statusCode, body: JSON.parse(res.body || '{}') as Record<string, unknown> };
  };
  /** Every live instance runs its pass at the same moment, twice. */
  const tick = async () => {
    for (let round = 0; round < 2; round++) await Promise.all(fleet.map((instance) => instance.services.rollouts.runDue()));
  };
  const auditCount = async (action: string, actor?: string, entity?: string) => {
    let query = testDb.database.db
      .selectFrom('audit_log')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('action', '=', action);
    if (actor) query = query.where('actor', '=', actor);
    if (entity) query = query.where('entity_id', '=', entity);
    return Number((await query.executeTakeFirstOrThrow()).n);
  };
  /** Until every instance's snapshot holds the flag (announced by NOTIFY). */
  const seenEverywhere = (flag: string) =>
    expect.poll(() => fleet.every((instance) => instance.services.flags.store.get(flag) !== undefined), { timeout: 5000 }).toBe(true);

  it('applies each of ten changes due at once exactly once', async () => {
    const flags = Array.from({ length: 10 }, (_, i) => `fleet-sched-${i}`);
    for (const name of flags) expect((await call(fleet[0]!, 'POST', '/api/admin/flags', { name })).status).toBe(201);
    await Promise.all(flags.map(seenEverywhere));
    const at = new Date(clock.now().getTime() + HOUR).toISOString();
    for (const [i, flag] of flags.entries()) {
      const res = await call(fleet[i % 3]!, 'POST', '/api/admin/schedules', {
        flag,
        at,
        change: { is_enabled: true, rollout_percentage: 30 },
      });
      expect(res.status).toBe(201);
    }
    clock.advance(HOUR);
    await tick();
    expect(await auditCount('flag.update')).toBe(10);
    const done = await call(fleet[1]!, 'GET', '/api/admin/schedules?status=done');
    expect((done.body.items as unknown[]).length).toBe(10);
  });

  it('runs every step of a plan exactly once, also after an instance is closed mid-plan', async () => {
    const flag = 'fleet-ramp';
    await call(fleet[0]!, 'POST', '/api/admin/flags', { name: flag });
    await seenEverywhere(flag);
    const steps = [5, 25, 50, 100].map((percentage) => ({ percentage, min_duration: '1h' }));
    const guards = [{ kind: 'rating', min_mean: 3.5, min_ratings: 3 }];
    expect((await call(fleet[2]!, 'PUT', `/api/admin/flags/${flag}/plan`, { steps, guards })).status).toBe(201);
    await tick();
    for (let step = 1; step <= 4; step++) {
      for (const rating of [5, 4, 5]) {
        const res = await fleet[0]!.app.inject({ method: 'POST', url: '/api/feedback', payload: { rating, feature: flag } });
        expect(res.statusCode).toBe(201);
      }
      clock.advance(HOUR);
      await tick();
      if (step === 2) {
        // One instance leaves the fleet in the middle of the plan.
        await fleet[1]!.app.close();
        fleet = [fleet[0]!, fleet[2]!];
      }
    }
    const plan = await call(fleet[0]!, 'GET', `/api/admin/flags/${flag}/plan`);
    expect(plan.body.status).toBe('done');
    expect((await call(fleet[1]!, 'GET', `/api/admin/flags/${flag}`)).body.rollout_percentage).toBe(100);
    expect(await auditCount('flag.update', 'release-plan', flag)).toBe(4);
    expect(await auditCount('plan.advance', 'release-plan', flag)).toBe(3);
    expect(await auditCount('plan.done', 'release-plan', flag)).toBe(1);
  });
});
