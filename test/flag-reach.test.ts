// A flag's reach over the contexts this instance evaluated recently: the kill switch, target users and
// conditions all count, and an instance that evaluated nothing says so.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/test-app.js';

describe('flag reach', () => {
  let t: TestApp;
  let admin: Record<string, string>;
  let evaluate: Record<string, string>;

  beforeAll(async () => {
    t = await createTestApp({ ADMIN_EMAILS: 'owner@example.com' });
    await t.app.ready();
    admin = { authorization: `Bearer ${await t.token('admin')}` };
    evaluate = { authorization: `Bearer ${await t.token('evaluate')}` };
  });
  afterAll(() => t.close());

  const create = (payload: object) => t.app.inject({ method: 'POST', url: '/api/admin/flags', headers: admin, payload });
  const reach = async (name: string) => {
    const res = await t.app.inject({ url: `/api/admin/flags/${name}/reach`, headers: admin });
    expect(res.statusCode).toBe(200);
    return res.json<{ sample: number; matched: number; share: number | null }>();
  };

  it('reports no sample before any evaluation, and refuses unknown flags and other roles', async () => {
    expect((await create({ name: 'everyone', is_enabled: true, rollout_percentage: 100 })).statusCode).toBe(201);
    expect(await reach('everyone')).toEqual({ sample: 0, matched: 0, share: null });
    expect((await t.app.inject({ url: '/api/admin/flags/nope/reach', headers: admin })).statusCode).toBe(404);
    expect((await t.app.inject({ url: '/api/admin/flags/everyone/reach' })).statusCode).toBe(401);
    expect((await t.app.inject({ url: '/api/admin/flags/everyone/reach', headers: evaluate })).statusCode).toBe(403);
  });

  it('evaluates the flag as it is now over the recent contexts', async () => {
    // Ten contexts: four pro users in the US, six free users elsewhere.
    for (let i = 0; i < 10; i++) {
      const context =
        i < 4 ? { targetingKey: `user-${i}`, plan: 'pro', country: 'US' } : { targetingKey: `user-${i}`, plan: 'free', country: 'FR' };
      const res = await t.app.inject({ method: 'POST', url: '/ofrep/v1/evaluate/flags', headers: evaluate, payload: { context } });
      expect(res.statusCode).toBe(200);
    }
    expect(await reach('everyone')).toEqual({ sample: 10, matched: 10, share: 1 });

    // Off: the kill switch takes it from everyone, whatever the rollout.
    await create({ name: 'switched-off', is_enabled: false, rollout_percentage: 100 });
    expect(await reach('switched-off')).toEqual({ sample: 10, matched: 0, share: 0 });

    // Conditions decide.
    await create({
      name: 'pro-in-us',
      is_enabled: true,
      rollout_percentage: 100,
      conditions: [
        { attribute: 'country', operator: 'in', values: ['US', 'CA'] },
        { attribute: 'plan', operator: 'eq', values: ['pro'] },
      ],
    });
    expect(await reach('pro-in-us')).toEqual({ sample: 10, matched: 4, share: 0.4 });

    // Target users are on even at 0 %.
    await create({ name: 'targets-only', is_enabled: true, rollout_percentage: 0, target_users: ['user-7', 'user-8'] });
    expect(await reach('targets-only')).toEqual({ sample: 10, matched: 2, share: 0.2 });

    // A change is seen at once, and asking for reach evaluates without adding to the sample.
    const patched = await t.app.inject({
      method: 'PATCH',
      url: '/api/admin/flags/pro-in-us',
      headers: admin,
      payload: { conditions: [{ attribute: 'plan', operator: 'eq', values: ['free'] }] },
    });
    expect(patched.statusCode).toBe(200);
    expect(await reach('pro-in-us')).toEqual({ sample: 10, matched: 6, share: 0.6 });
  });
});
