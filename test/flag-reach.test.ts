// A flag's reach over the contexts this instance evaluated recently: the kill switch, target users and
// conditions all count, and an instance that evaluated nothing says so. Each rule, and the main rule, is
// also counted on its own; the attribute names seen (never their values) are offered for conditions.
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
  type Share = { matched: number; share: number | null };
  type Reach = Share & { sample: number; rules: Array<Share & { index: number }>; main: Share };
  const reachOf = async (name: string) => {
    const res = await t.app.inject({ url: `/api/admin/flags/${name}/reach`, headers: admin });
    expect(res.statusCode).toBe(200);
    return res.json<Reach>();
  };
  /** The flag's own reach, as before rules existed. */
  const reach = async (name: string) => {
    const { sample, matched, share } = await reachOf(name);
    return { sample, matched, share };
  };
  const attributes = async () => {
    const res = await t.app.inject({ url: '/api/admin/contexts/attributes', headers: admin });
    expect(res.statusCode).toBe(200);
    return res.json<{ names: string[] }>().names;
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

  it('counts each rule and the main rule on their own, whatever the kill switch and the rules before say', async () => {
    const segment = await t.app.inject({
      method: 'POST',
      url: '/api/admin/segments',
      headers: admin,
      payload: { name: 'in-us', conditions: [{ attribute: 'country', operator: 'eq', values: ['US'] }] },
    });
    expect(segment.statusCode).toBe(201);
    expect(
      (
        await create({
          name: 'ruled',
          is_enabled: false,
          rollout_percentage: 100,
          conditions: [{ attribute: 'plan', operator: 'eq', values: ['free'] }],
          rules: [
            { name: 'all', conditions: [], rollout_percentage: 100 },
            { name: 'us pro', conditions: [{ attribute: 'plan', operator: 'eq', values: ['pro'] }], segments: ['in-us'] },
            { name: 'nobody', conditions: [], rollout_percentage: 0 },
          ],
        })
      ).statusCode,
    ).toBe(201);
    const ruled = await reachOf('ruled');
    // Off: the flag reaches no one, yet each rule is counted as if it were alone.
    expect(ruled).toEqual({
      sample: 10,
      matched: 0,
      share: 0,
      rules: [
        { index: 0, matched: 10, share: 1 },
        { index: 1, matched: 4, share: 0.4 },
        { index: 2, matched: 0, share: 0 },
      ],
      main: { matched: 6, share: 0.6 },
    });
    // A flag without rules has none; its main rule is its own conditions and rollout.
    expect(await reachOf('pro-in-us')).toMatchObject({ rules: [], main: { matched: 6, share: 0.6 } });
  });

  it('suggests the attribute names recent contexts carried, never their values', async () => {
    const names = await attributes();
    expect(names).toEqual(['country', 'currentTime', 'email', 'plan', 'targetingKey']);
    const res = await t.app.inject({
      method: 'POST',
      url: '/ofrep/v1/evaluate/flags/everyone',
      headers: evaluate,
      payload: { context: { targetingKey: 'x', tenantId: 'acme-secret', 'not a name': 1 } },
    });
    expect(res.statusCode).toBe(200);
    const after = await attributes();
    expect(after).toContain('tenantId');
    expect(after).not.toContain('not a name');
    expect(JSON.stringify(after)).not.toContain('acme-secret');
    expect((await t.app.inject({ url: '/api/admin/contexts/attributes' })).statusCode).toBe(401);
    expect((await t.app.inject({ url: '/api/admin/contexts/attributes', headers: evaluate })).statusCode).toBe(403);
  });
});
