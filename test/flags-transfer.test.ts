// Moving flag definitions: export from one instance, import into a fresh one (same flags, same OFREP answers),
// dry runs that change nothing, refused flags reported and skipped, and a validation failure that applies nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/test-app.js';

const OWNER = 'owner@example.com';

const CONTEXTS = [
  { targetingKey: 'user-1' },
  { targetingKey: 'user-2', plan: 'pro', country: 'FR' },
  { targetingKey: 'user-3', plan: 'free', appVersion: '2.1.0' },
  { targetingKey: 'vip@example.com', email: 'vip@example.com' },
  ...Array.from({ length: 20 }, (_, i) => ({ targetingKey: `k-${i}`, plan: i % 2 ? 'pro' : 'team', appVersion: `1.${i}.0` })),
];

const SOURCE_FLAGS = [
  { name: 'plain-off', description: 'Off for everyone' },
  { name: 'half', is_enabled: true, rollout_percentage: 50, description: 'Half the users' },
  {
    name: 'targeted',
    is_enabled: true,
    rollout_percentage: 30,
    target_users: ['vip@example.com', 'user-1'],
    conditions: [
      { attribute: 'plan', operator: 'in', values: ['pro', 'team'] },
      { attribute: 'appVersion', operator: 'semver_gt', values: ['1.3.0'], inverted: true },
      { attribute: 'country', operator: 'starts_with', values: ['f'], case_insensitive: true },
    ],
    permanent: true,
    client_visible: true,
  },
  {
    name: 'colour',
    is_enabled: true,
    rollout_percentage: 100,
    stickiness: 'plan',
    value_type: 'string',
    variants: [
      { name: 'blue', value: 'b', weight: 300 },
      { name: 'green', value: 'g', weight: 700, overrides: ['user-3'] },
    ],
    default_variant: 'blue',
  },
  {
    name: 'portal-beta',
    early_access: true,
    public_title: 'New portal',
    public_description: 'Try it',
    stage: 'beta',
  },
];

describe('flag export and import', () => {
  let source: TestApp;
  let target: TestApp;
  let sourceAdmin: Record<string, string>;
  let targetAdmin: Record<string, string>;

  beforeAll(async () => {
    source = await createTestApp({ ADMIN_EMAILS: OWNER });
    target = await createTestApp({ ADMIN_EMAILS: OWNER });
    await Promise.all([source.app.ready(), target.app.ready()]);
    sourceAdmin = { authorization: `Bearer ${await source.token('admin')}` };
    targetAdmin = { authorization: `Bearer ${await target.token('admin')}` };
    for (const payload of SOURCE_FLAGS) {
      const res = await source.app.inject({ method: 'POST', url: '/api/admin/flags', headers: sourceAdmin, payload });
      expect(res.statusCode, res.body).toBe(201);
    }
  }, 120_000);
  afterAll(async () => {
    await source?.close();
    await target?.close();
  });

  const exportOf = async (t: TestApp, headers: Record<string, string>) => {
    const res = await t.app.inject({ url: '/api/admin/flags/export', headers });
    expect(res.statusCode).toBe(200);
    return res.json<{ format: string; version: number; exported_at: string; flags: Array<Record<string, unknown>> }>();
  };
  const importInto = (t: TestApp, headers: Record<string, string>, payload: object, dryRun: boolean) =>
    t.app.inject({ method: 'POST', url: `/api/admin/flags/import?dry_run=${dryRun}`, headers, payload });
  const versions = async (t: TestApp, headers: Record<string, string>) =>
    Object.fromEntries(
      ((await t.app.inject({ url: '/api/admin/flags', headers })).json().items as Array<{ name: string; version: number }>).map((f) => [
        f.name,
        f.version,
      ]),
    );
  const auditActions = async (t: TestApp, headers: Record<string, string>) =>
    ((await t.app.inject({ url: '/api/admin/audit?entity_type=flag&limit=200', headers })).json().items as Array<{ action: string }>).map(
      (item) => item.action,
    );
  const answers = async (t: TestApp) => {
    const evaluate = { authorization: `Bearer ${await t.token('evaluate')}` };
    const out: unknown[] = [];
    for (const context of CONTEXTS) {
      const res = await t.app.inject({ method: 'POST', url: '/ofrep/v1/evaluate/flags', headers: evaluate, payload: { context } });
      expect(res.statusCode).toBe(200);
      out.push(res.json<{ flags: unknown[] }>().flags);
    }
    return out;
  };

  it('exports every definition, and a dry run into a fresh instance plans creates and changes nothing', async () => {
    const doc = await exportOf(source, sourceAdmin);
    expect(doc).toMatchObject({ format: 'nous-beta-suite/flags', version: 1 });
    expect(doc.flags.map((f) => f.name)).toEqual(['colour', 'half', 'plain-off', 'portal-beta', 'targeted']);
    expect(doc.flags[0]).not.toHaveProperty('version');
    expect(doc.flags[0]).not.toHaveProperty('adoption');

    const dry = await importInto(target, targetAdmin, doc, true);
    expect(dry.statusCode, dry.body).toBe(200);
    expect(dry.json()).toMatchObject({ dry_run: true, applied: false, plan: { source: 'beta-suite', summary: { create: 5, refused: 0 } } });
    expect(await versions(target, targetAdmin)).toEqual({});
    expect(await auditActions(target, targetAdmin)).toEqual([]);
  });

  it('imports into a fresh instance: identical definitions and identical OFREP answers, one audit entry per flag', async () => {
    const doc = await exportOf(source, sourceAdmin);
    const res = await importInto(target, targetAdmin, doc, false);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ applied: true, plan: { summary: { create: 5 } } });
    const copied = await exportOf(target, targetAdmin);
    expect(copied.flags).toEqual(doc.flags);
    expect(await answers(target)).toEqual(await answers(source));
    expect((await auditActions(target, targetAdmin)).filter((a) => a === 'flag.import')).toHaveLength(5);

    // The same document again changes nothing.
    const before = await versions(target, targetAdmin);
    const again = await importInto(target, targetAdmin, doc, false);
    expect(again.json()).toMatchObject({ applied: false, plan: { summary: { unchanged: 5, create: 0, update: 0 } } });
    expect(await versions(target, targetAdmin)).toEqual(before);
  });

  it('plans an update with its field diff; the dry run keeps versions and audit, the import bumps the version', async () => {
    const doc = await exportOf(source, sourceAdmin);
    const edited = { ...doc, flags: doc.flags.map((f) => (f.name === 'half' ? { ...f, rollout_percentage: 75 } : f)) };
    const before = await versions(target, targetAdmin);
    const audit = await auditActions(target, targetAdmin);
    const dry = await importInto(target, targetAdmin, edited, true);
    const entry = (dry.json().plan.flags as Array<{ name: string }>).find((f) => f.name === 'half');
    expect(entry).toMatchObject({ action: 'update', changes: [{ field: 'rollout_percentage', from: 50, to: 75 }] });
    expect(await versions(target, targetAdmin)).toEqual(before);
    expect(await auditActions(target, targetAdmin)).toEqual(audit);

    const applied = await importInto(target, targetAdmin, edited, false);
    expect(applied.json()).toMatchObject({ applied: true, plan: { summary: { update: 1, unchanged: 4 } } });
    expect(await versions(target, targetAdmin)).toEqual({ ...before, half: before.half! + 1 });
    const evaluate = { authorization: `Bearer ${await target.token('evaluate')}` };
    const live = await target.app.inject({ url: '/api/admin/flags/half', headers: targetAdmin });
    expect(live.json().rollout_percentage).toBe(75);
    expect(
      (
        await target.app.inject({
          method: 'POST',
          url: '/ofrep/v1/evaluate/flags/half',
          headers: evaluate,
          payload: { context: { targetingKey: 'x' } },
        })
      ).statusCode,
    ).toBe(200);
  });

  it('lists a refused Unleash flag and applies the others', async () => {
    const unleash = {
      features: [
        { name: 'unleash-ok', description: 'from Unleash', type: 'release', project: 'default', stale: false, impressionData: false },
        { name: 'unleash-or', description: '', type: 'release', project: 'default', stale: false, impressionData: false },
      ],
      featureStrategies: [
        {
          name: 'flexibleRollout',
          featureName: 'unleash-ok',
          parameters: { rollout: '40', stickiness: 'default', groupId: 'unleash-ok' },
          constraints: [{ contextName: 'plan', operator: 'NOT_IN', values: ['free'], caseInsensitive: false, inverted: false }],
          segments: [],
        },
        { name: 'default', featureName: 'unleash-or', parameters: {}, constraints: [], segments: [] },
        { name: 'userWithId', featureName: 'unleash-or', parameters: { userIds: 'a' }, constraints: [], segments: [] },
        { name: 'remoteAddress', featureName: 'unleash-or', parameters: { IPs: '10.0.0.1' }, constraints: [], segments: [] },
      ],
      featureEnvironments: [
        { featureName: 'unleash-ok', environment: 'production', enabled: true, variants: [] },
        { featureName: 'unleash-or', environment: 'production', enabled: true, variants: [] },
      ],
      contextFields: [],
      segments: [],
      tagTypes: [],
      featureTags: [],
      dependencies: [],
    };
    const res = await importInto(target, targetAdmin, unleash, false);
    expect(res.statusCode, res.body).toBe(200);
    const plan = res.json().plan as { environment: string; flags: Array<{ name: string; action: string; reasons: string[] }> };
    expect(plan.environment).toBe('production');
    expect(plan.flags.find((f) => f.name === 'unleash-ok')).toMatchObject({ action: 'create' });
    const refused = plan.flags.find((f) => f.name === 'unleash-or')!;
    expect(refused.action).toBe('refused');
    expect(refused.reasons.join(' ')).toMatch(/remoteAddress/);
    const names = Object.keys(await versions(target, targetAdmin));
    expect(names).toContain('unleash-ok');
    expect(names).not.toContain('unleash-or');
    const flag = (await target.app.inject({ url: '/api/admin/flags/unleash-ok', headers: targetAdmin })).json();
    expect(flag).toMatchObject({
      is_enabled: true,
      rollout_percentage: 40,
      conditions: [{ attribute: 'plan', operator: 'in', values: ['free'], inverted: true }],
    });
  });

  it('applies nothing when one accepted flag fails validation', async () => {
    const doc = await exportOf(source, sourceAdmin);
    const broken = {
      ...doc,
      flags: [
        ...doc.flags.map((f) => (f.name === 'half' ? { ...f, description: 'changed' } : f)),
        { ...doc.flags[0], name: 'broken', conditions: [{ attribute: 'age', operator: 'gt', values: ['old'] }] },
      ],
    };
    const before = await versions(target, targetAdmin);
    const audit = await auditActions(target, targetAdmin);
    const res = await importInto(target, targetAdmin, broken, false);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toMatch(/flag "broken".*conditions/);
    expect(await versions(target, targetAdmin)).toEqual(before);
    expect(await auditActions(target, targetAdmin)).toEqual(audit);
    const dry = await importInto(target, targetAdmin, broken, true);
    expect((dry.json().plan.flags as Array<{ name: string; action: string }>).find((f) => f.name === 'broken')?.action).toBe('invalid');
  });

  it('refuses a document of neither format, and requires an admin', async () => {
    expect((await importInto(target, targetAdmin, { hello: 'world' }, true)).statusCode).toBe(400);
    const monitor = { authorization: `Bearer ${await target.token('monitor')}` };
    expect((await target.app.inject({ url: '/api/admin/flags/export', headers: monitor })).statusCode).toBe(403);
    expect((await importInto(target, monitor, { format: 'nous-beta-suite/flags', version: 1, flags: [] }, true)).statusCode).toBe(403);
  });
});
