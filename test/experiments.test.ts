// Experiment results through the real server: exposures counted from OFREP answers, ratings by the
// variant each feedback recorded, Welch's test against the control, and figures that stay exact
// when feedback is removed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExperimentResponse } from '../src/features/experiments/experiments.schemas.js';
import { createTestApp, type TestApp } from './helpers/test-app.js';

describe('experiment results', () => {
  let t: TestApp;
  let admin: Record<string, string>;
  let evaluate: Record<string, string>;
  const served = new Map<string, string>();
  const feedbackIds: Array<{ id: string; variant: string; rating: number }> = [];

  const experiment = async (query = '') => {
    const res = await t.app.inject({ url: `/api/admin/flags/half/experiment${query}`, headers: admin });
    expect(res.statusCode, res.body).toBe(200);
    return res.json<ExperimentResponse>();
  };
  const row = (result: ExperimentResponse, variant: string) => result.variants.find((v) => v.variant === variant)!;

  beforeAll(async () => {
    t = await createTestApp();
    admin = { authorization: `Bearer ${await t.token('admin')}` };
    evaluate = { authorization: `Bearer ${await t.token('evaluate')}` };
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/admin/flags',
      headers: admin,
      payload: { name: 'half', is_enabled: true, rollout_percentage: 50 },
    });
    expect(created.statusCode).toBe(201);
    // 60 users, each evaluated twice (the second time through the bulk endpoint).
    for (let i = 0; i < 60; i++) {
      const context = { targetingKey: `user-${i}` };
      const one = await t.app.inject({ method: 'POST', url: '/ofrep/v1/evaluate/flags/half', headers: evaluate, payload: { context } });
      served.set(`user-${i}`, one.json<{ variant: string }>().variant);
      const bulk = await t.app.inject({ method: 'POST', url: '/ofrep/v1/evaluate/flags', headers: evaluate, payload: { context } });
      expect(bulk.statusCode).toBe(200);
    }
    // Anonymous evaluations (no targeting key) are not exposures of anyone.
    await t.app.inject({ method: 'POST', url: '/ofrep/v1/evaluate/flags', headers: evaluate, payload: { context: {} } });
    await t.services.experiments.flush();
    // Testers rate: users served "on" give 5s and 4s, users served "off" 2s and 3s.
    for (let i = 0; i < 60; i += 2) {
      const variant = served.get(`user-${i}`)!;
      const rating = variant === 'on' ? (i % 4 === 0 ? 5 : 4) : i % 4 === 0 ? 2 : 3;
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/feedback',
        payload: { rating, variants: { half: variant, other: 'x' } },
      });
      expect(res.statusCode, res.body).toBe(201);
      feedbackIds.push({ id: res.json<{ id: string }>().id, variant, rating });
    }
    // Feedback without variants, or about another flag, does not count.
    await t.app.inject({ method: 'POST', url: '/api/feedback', payload: { rating: 1 } });
    await t.app.inject({ method: 'POST', url: '/api/feedback', payload: { rating: 1, variants: { other: 'on' } } });
  });
  afterAll(() => t?.close());

  it('counts exposures and distinct users per variant from the answers served', async () => {
    const result = await experiment();
    expect(result.control).toBe('off');
    expect(result.method).toMatch(/Welch/);
    expect(result.since).not.toBeNull();
    const onUsers = [...served.values()].filter((v) => v === 'on').length;
    expect(onUsers).toBeGreaterThan(10);
    expect(onUsers).toBeLessThan(50);
    expect(row(result, 'on')).toMatchObject({ current: true, distinct_users: onUsers, exposures: onUsers * 2 });
    expect(row(result, 'off')).toMatchObject({ current: true, distinct_users: 60 - onUsers, exposures: (60 - onUsers) * 2 });
  });

  it('averages the ratings of each variant and compares them with the control', async () => {
    const result = await experiment();
    for (const variant of ['on', 'off']) {
      const ratings = feedbackIds.filter((f) => f.variant === variant).map((f) => f.rating);
      const r = row(result, variant);
      expect(r.feedback_count).toBe(ratings.length);
      expect(r.mean_rating).toBeCloseTo(ratings.reduce((a, b) => a + b, 0) / ratings.length, 10);
      expect(r.ci95![0]).toBeLessThan(r.mean_rating!);
      expect(r.ci95![1]).toBeGreaterThan(r.mean_rating!);
    }
    expect(row(result, 'off')).toMatchObject({ difference_to_control: null, p_value: null, significant: null });
    const on = row(result, 'on');
    expect(on.difference_to_control).toBeCloseTo(on.mean_rating! - row(result, 'off').mean_rating!, 10);
    expect(on.significant).toBe(true);
    expect(on.p_value).toBeLessThan(0.05);
    // Against "on" as the control, "off" is the one significantly different (lower).
    const flipped = await experiment('?control=on');
    expect(flipped.control).toBe('on');
    expect(row(flipped, 'off').difference_to_control).toBeCloseTo(-on.difference_to_control!, 10);
  });

  it('stays exact after feedback is removed', async () => {
    const removed = feedbackIds.filter((f) => f.variant === 'on').slice(0, 3);
    for (const f of removed) {
      const res = await t.app.inject({ method: 'DELETE', url: `/api/admin/feedback/${f.id}`, headers: admin });
      expect(res.statusCode, res.body).toBe(204);
    }
    const kept = feedbackIds.filter((f) => f.variant === 'on' && !removed.includes(f)).map((f) => f.rating);
    const on = row(await experiment(), 'on');
    expect(on.feedback_count).toBe(kept.length);
    expect(on.mean_rating).toBeCloseTo(kept.reduce((a, b) => a + b, 0) / kept.length, 10);
  });

  it('refuses an unknown flag, a control that is not a variant, and callers without admin rights', async () => {
    const missing = await t.app.inject({ url: '/api/admin/flags/nope/experiment', headers: admin });
    expect(missing.statusCode).toBe(404);
    const badControl = await t.app.inject({ url: '/api/admin/flags/half/experiment?control=blue', headers: admin });
    expect(badControl.statusCode).toBe(400);
    expect(badControl.json<{ error: { message: string } }>().error.message).toContain('not a variant');
    expect((await t.app.inject({ url: '/api/admin/flags/half/experiment' })).statusCode).toBe(401);
    expect((await t.app.inject({ url: '/api/admin/flags/half/experiment', headers: evaluate })).statusCode).toBe(403);
  });
});
