import murmurhash3 from 'murmurhash3js-revisited';
import { describe, expect, it } from 'vitest';
import type { Condition } from './conditions.js';
import { evaluateFlag } from './evaluate.js';
import { newFlag } from './flag-input.js';
import { planImport, readImportDocument } from './flag-transfer.js';
import { mapConstraint, readUnleashExport } from './unleash-import.js';

/** A small export in the shape of Unleash 8's `POST /api/admin/features-batch/export`. */
function unleashExport(
  features: Array<{ name: string; type?: string; description?: string; enabled?: boolean; variants?: object[] }>,
  strategies: object[],
  extra: object = {},
) {
  return {
    features: features.map((f) => ({
      name: f.name,
      description: f.description ?? '',
      type: f.type ?? 'release',
      project: 'default',
      stale: false,
      impressionData: false,
      archived: false,
    })),
    featureStrategies: strategies,
    featureEnvironments: features.map((f) => ({
      featureName: f.name,
      environment: 'production',
      enabled: f.enabled ?? true,
      variants: f.variants ?? [],
    })),
    contextFields: [],
    segments: [],
    tagTypes: [],
    featureTags: [],
    dependencies: [],
    ...extra,
  };
}

const rollout = (featureName: string, parameters: object, constraints: object[] = [], more: object = {}) => ({
  id: `${featureName}-s`,
  name: 'flexibleRollout',
  featureName,
  environment: 'production',
  parameters: { groupId: featureName, rollout: '100', stickiness: 'default', ...parameters },
  constraints,
  segments: [],
  variants: [],
  disabled: false,
  ...more,
});

const readOwnDefinition = () => ({
  name: 'own',
  description: '',
  is_enabled: true,
  rollout_percentage: 10,
  target_users: [],
  conditions: [],
  permanent: false,
  early_access: false,
  public_title: null,
  public_description: null,
  stage: null,
  client_visible: false,
  value_type: 'boolean',
  variants: [],
  default_variant: null,
  stickiness: 'targetingKey',
});

const one = (doc: ReturnType<typeof unleashExport>, environment?: string) => readUnleashExport(doc, environment ?? 'production')[0]!;

describe('Unleash constraint operators', () => {
  it.each([
    [{ operator: 'IN', values: ['pro', 'team'] }, [{ attribute: 'plan', operator: 'in', values: ['pro', 'team'] }]],
    [{ operator: 'IN', values: ['pro'], inverted: true }, [{ attribute: 'plan', operator: 'in', values: ['pro'], inverted: true }]],
    // NOT_IN matches a context without the attribute in Unleash: so does an inverted `in`.
    [{ operator: 'NOT_IN', values: ['free'] }, [{ attribute: 'plan', operator: 'in', values: ['free'], inverted: true }]],
    [{ operator: 'NOT_IN', values: ['free'], inverted: true }, [{ attribute: 'plan', operator: 'in', values: ['free'] }]],
    [{ operator: 'IN', values: ['Pro'], caseInsensitive: true }, [{ attribute: 'plan', operator: 'in', values: ['Pro'] }]],
    [{ operator: 'STR_CONTAINS', values: ['ro'] }, [{ attribute: 'plan', operator: 'contains', values: ['ro'] }]],
    [
      { operator: 'STR_STARTS_WITH', values: ['P'], caseInsensitive: true },
      [{ attribute: 'plan', operator: 'starts_with', values: ['P'], case_insensitive: true }],
    ],
    [
      { operator: 'STR_ENDS_WITH', values: ['o'], inverted: true },
      [{ attribute: 'plan', operator: 'ends_with', values: ['o'], inverted: true }],
    ],
    [{ operator: 'NUM_GT', value: '5' }, [{ attribute: 'plan', operator: 'gt', values: [5] }]],
    [{ operator: 'NUM_GTE', value: '5.5' }, [{ attribute: 'plan', operator: 'gte', values: [5.5] }]],
    [{ operator: 'NUM_LT', value: '-1' }, [{ attribute: 'plan', operator: 'lt', values: [-1] }]],
    [{ operator: 'NUM_LTE', value: '0', inverted: true }, [{ attribute: 'plan', operator: 'lte', values: [0], inverted: true }]],
    [
      { operator: 'NUM_EQ', value: '3' },
      [
        { attribute: 'plan', operator: 'gte', values: [3] },
        { attribute: 'plan', operator: 'lte', values: [3] },
      ],
    ],
    [
      { operator: 'DATE_AFTER', value: '2026-01-01T00:00:00.000Z' },
      [{ attribute: 'plan', operator: 'after', values: ['2026-01-01T00:00:00.000Z'] }],
    ],
    [
      { operator: 'DATE_BEFORE', value: '2026-01-01T00:00:00.000Z' },
      [{ attribute: 'plan', operator: 'before', values: ['2026-01-01T00:00:00.000Z'] }],
    ],
    [{ operator: 'SEMVER_EQ', value: '1.2.3' }, [{ attribute: 'plan', operator: 'semver_eq', values: ['1.2.3'] }]],
    [{ operator: 'SEMVER_GT', value: '1.2.3' }, [{ attribute: 'plan', operator: 'semver_gt', values: ['1.2.3'] }]],
    [{ operator: 'SEMVER_LT', value: '2.0.0' }, [{ attribute: 'plan', operator: 'semver_lt', values: ['2.0.0'] }]],
  ])('maps %j', (constraint, conditions) => {
    expect(mapConstraint({ contextName: 'plan', ...constraint })).toEqual({ conditions });
  });

  it('reads userId as the targeting key', () => {
    expect(mapConstraint({ contextName: 'userId', operator: 'IN', values: ['u1'] })).toEqual({
      conditions: [{ attribute: 'targetingKey', operator: 'in', values: ['u1'] }],
    });
  });

  it.each([
    [{ operator: 'REGEX', values: ['.*'] }, /REGEX on plan has no equivalent/],
    [{ operator: 'NUM_EQ', value: '3', inverted: true }, /inverted NUM_EQ/],
    [{ operator: 'NUM_GT', value: 'lots' }, /not a number/],
    [{ operator: 'SEMVER_GT' }, /has no value/],
  ])('refuses %j', (constraint, reason) => {
    const mapped = mapConstraint({ contextName: 'plan', ...constraint });
    expect('refused' in mapped && mapped.refused).toMatch(reason);
  });

  it('keeps the Unleash answer for a context without the attribute (NOT_IN matches it)', () => {
    const doc = unleashExport(
      [{ name: 'not-free' }],
      [rollout('not-free', {}, [{ contextName: 'plan', operator: 'NOT_IN', values: ['free'] }])],
    );
    const flag = newFlag(one(doc).input!, new Date());
    const row = { ...flag, conditions: flag.conditions as Condition[] };
    expect(evaluateFlag(row, { targetingKey: 'a' }).value).toBe(true);
    expect(evaluateFlag(row, { targetingKey: 'a', plan: 'free' }).value).toBe(false);
    expect(evaluateFlag(row, { targetingKey: 'a', plan: 'pro' }).value).toBe(true);
  });
});

describe('Unleash features', () => {
  it('maps a flexible rollout with constraints, stickiness and enabled state', () => {
    const doc = unleashExport(
      [{ name: 'checkout', description: 'New checkout', enabled: true, type: 'kill-switch' }],
      [rollout('checkout', { rollout: '25', stickiness: 'accountId' }, [{ contextName: 'country', operator: 'IN', values: ['FR'] }])],
    );
    const c = one(doc);
    expect(c.refused).toEqual([]);
    expect(c.input).toEqual({
      name: 'checkout',
      description: 'New checkout',
      is_enabled: true,
      rollout_percentage: 25,
      target_users: [],
      conditions: [{ attribute: 'country', operator: 'in', values: ['FR'] }],
      segments: [],
      rules: [],
      permanent: true,
      stickiness: 'accountId',
      value_type: 'boolean',
      variants: [],
      default_variant: null,
    });
    expect(c.notes.join(' ')).toMatch(/without accountId is bucketed on its targeting key/);
  });

  it('maps default (everyone), userWithId (target users), no strategy (everyone) and the disabled state', () => {
    const doc = unleashExport(
      [{ name: 'everyone', enabled: false }, { name: 'listed' }, { name: 'bare' }],
      [
        { name: 'default', featureName: 'everyone', parameters: {}, constraints: [], segments: [] },
        { name: 'userWithId', featureName: 'listed', parameters: { userIds: 'u1, u2,u3' }, constraints: [], segments: [] },
      ],
    );
    const [everyone, listed, bare] = readUnleashExport(doc, 'production');
    expect(everyone!.input).toMatchObject({ is_enabled: false, rollout_percentage: 100 });
    expect(listed!.input).toMatchObject({ is_enabled: true, rollout_percentage: 0, target_users: ['u1', 'u2', 'u3'] });
    expect(bare!.input).toMatchObject({ is_enabled: true, rollout_percentage: 100 });
    const off = one(unleashExport([{ name: 'paused' }], [rollout('paused', {}, [], { disabled: true })]));
    expect(off.input).toMatchObject({ is_enabled: true, rollout_percentage: 0 });
  });

  it('notes a group id other than the flag name instead of refusing', () => {
    const c = one(unleashExport([{ name: 'grouped' }], [rollout('grouped', { rollout: '50', groupId: 'shared' })]));
    expect(c.refused).toEqual([]);
    expect(c.notes.join(' ')).toMatch(/"shared:<id>".*"grouped:<id>"/);
  });

  it('maps variants (weights out of 1000) with payloads, pins and stickiness', () => {
    const variants = [
      { name: 'blue', weight: 500, weightType: 'variable', stickiness: 'default', payload: { type: 'string', value: 'b' }, overrides: [] },
      {
        name: 'green',
        weight: 500,
        weightType: 'variable',
        stickiness: 'default',
        payload: { type: 'string', value: 'g' },
        overrides: [{ contextName: 'userId', values: ['vip'] }],
      },
    ];
    const c = one(unleashExport([{ name: 'colour', variants }], [rollout('colour', {})]));
    expect(c.input).toMatchObject({
      value_type: 'string',
      default_variant: 'blue',
      variants: [
        { name: 'blue', value: 'b', weight: 500, overrides: [] },
        { name: 'green', value: 'g', weight: 500, overrides: ['vip'] },
      ],
    });
    const json = one(
      unleashExport(
        [{ name: 'conf' }],
        [rollout('conf', {}, [], { variants: [{ name: 'a', weight: 1000, payload: { type: 'json', value: '{"x":1}' } }] })],
      ),
    );
    expect(json.input).toMatchObject({ value_type: 'object', variants: [{ name: 'a', value: { x: 1 }, weight: 1000 }] });
  });

  it.each([
    [
      'a strategy other than default, flexibleRollout and userWithId',
      [{ name: 'remoteAddress', featureName: 'f', parameters: { IPs: '10.0.0.1' } }],
      {},
      /strategy remoteAddress has no equivalent/,
    ],
    [
      'a segment whose name is not a slug',
      [rollout('f', {}, [], { segments: [1] })],
      { segments: [{ id: 1, name: 'Beta testers' }] },
      /segment "Beta testers" is not a lowercase slug/,
    ],
    ['a segment the export does not name', [rollout('f', {}, [], { segments: [7] })], {}, /segment 7, which the export does not name/],
    [
      'several strategies, one with its own variants',
      [
        rollout('f', { rollout: '10' }),
        { ...rollout('f', {}, [], { variants: [{ name: 'a', weight: 1000, payload: { type: 'string', value: 'x' } }] }), id: 'two' },
      ],
      {},
      /several strategies, some with their own variants/,
    ],
    [
      'dependencies',
      [rollout('f', {})],
      { dependencies: [{ feature: 'f', dependencies: [{ feature: 'parent', enabled: true }] }] },
      /depends on another flag/,
    ],
    ['an operator without an equivalent', [rollout('f', {}, [{ contextName: 'x', operator: 'REGEX', values: ['a'] }])], {}, /REGEX/],
    ['random stickiness', [rollout('f', { rollout: '50', stickiness: 'random' })], {}, /random stickiness/],
    [
      'a variant stickiness other than the rollout stickiness',
      [
        rollout('f', { stickiness: 'sessionId' }, [], {
          variants: [{ name: 'a', weight: 1000, stickiness: 'userId', payload: { type: 'string', value: 'x' } }],
        }),
      ],
      {},
      /stickiness userId, the rollout sessionId/,
    ],
    ['a variant without payload', [rollout('f', {}, [], { variants: [{ name: 'a', weight: 1000 }] })], {}, /no payload/],
    [
      'variants of mixed payload types',
      [
        rollout('f', {}, [], {
          variants: [
            { name: 'a', weight: 500, payload: { type: 'string', value: 'x' } },
            { name: 'b', weight: 500, payload: { type: 'number', value: '2' } },
          ],
        }),
      ],
      {},
      /mix payload types/,
    ],
  ])('refuses %s, naming the reason', (_label, strategies, extra, reason) => {
    const c = one(unleashExport([{ name: 'f' }], strategies, extra));
    expect(c.input).toBeUndefined();
    expect(c.refused.join(' ')).toMatch(reason);
  });

  it('reads the chosen environment, production by default, and refuses an environment the export lacks', () => {
    const doc = {
      ...unleashExport([{ name: 'f' }], [rollout('f', { rollout: '30' }), { ...rollout('f', { rollout: '70' }), environment: 'staging' }]),
    };
    doc.featureEnvironments.push({ featureName: 'f', environment: 'staging', enabled: false, variants: [] });
    expect(readImportDocument(doc).environment).toBe('production');
    expect(readImportDocument(doc).candidates[0]!.input).toMatchObject({ rollout_percentage: 30, is_enabled: true });
    expect(readImportDocument(doc, 'staging').candidates[0]!.input).toMatchObject({ rollout_percentage: 70, is_enabled: false });
    expect(() => readImportDocument(doc, 'qa')).toThrow(/environment "qa" is not in the export/);
  });

  it('serves a capitalised variant name in lowercase, noting it, and refuses a name that cannot be a slug', () => {
    const doc = unleashExport(
      [{ name: 'f' }, { name: 'g' }, { name: 'h' }],
      [
        rollout('f', {}, [], { variants: [{ name: 'A', weight: 1000, payload: { type: 'string', value: 'x' } }] }),
        rollout('g', { rollout: '10' }),
        rollout('h', {}, [], { variants: [{ name: 'big blue', weight: 1000, payload: { type: 'string', value: 'x' } }] }),
      ],
    );
    const { plan, writes } = planImport(readImportDocument(doc), new Map(), new Date());
    expect(plan.flags[0]).toMatchObject({ name: 'f', action: 'create' });
    expect(plan.flags[0]!.notes.join(' ')).toMatch(/variant "A" is served as "a"/);
    expect(writes[0]!.input).toMatchObject({ variants: [{ name: 'a' }], default_variant: 'a' });
    expect(plan.flags[1]).toMatchObject({ name: 'g', action: 'create' });
    expect(plan.flags[2]).toMatchObject({ name: 'h', action: 'refused' });
    expect(plan.flags[2]!.reasons[0]).toMatch(/variant name "big blue" is not a lowercase slug/);
    expect(writes.map((w) => w.name)).toEqual(['f', 'g']);
  });

  it('reads several strategies (an OR) as rules before the main rule, the last strategy being the main rule', () => {
    const doc = unleashExport(
      [{ name: 'or' }],
      [
        { name: 'userWithId', featureName: 'or', parameters: { userIds: 'u1' }, constraints: [], segments: [] },
        {
          ...rollout('or', { rollout: '30', stickiness: 'userId' }, [{ contextName: 'country', operator: 'IN', values: ['US'] }]),
          id: 'a',
        },
        { ...rollout('or', { rollout: '100' }, [], { segments: [1] }), id: 'b' },
        {
          name: 'userWithId',
          featureName: 'or',
          parameters: { userIds: 'u7,u8' },
          constraints: [{ contextName: 'plan', operator: 'IN', values: ['pro'] }],
          segments: [],
        },
      ],
      { segments: [{ id: 1, name: 'beta-testers' }] },
    );
    const c = one(doc);
    expect(c.refused).toEqual([]);
    expect(c.input).toMatchObject({
      target_users: ['u1'],
      rules: [
        {
          conditions: [{ attribute: 'country', operator: 'in', values: ['US'] }],
          segments: [],
          rollout_percentage: 30,
          stickiness: 'targetingKey',
        },
        { conditions: [], segments: ['beta-testers'], rollout_percentage: 100, stickiness: 'targetingKey' },
      ],
      // A userWithId strategy with constraints is a gate like any other: user ids as a condition.
      conditions: [
        { attribute: 'targetingKey', operator: 'in', values: ['u7', 'u8'] },
        { attribute: 'plan', operator: 'in', values: ['pro'] },
      ],
      segments: [],
      rollout_percentage: 100,
    });
    const flag = newFlag(c.input!, new Date());
    const answer = (context: Record<string, unknown>) =>
      evaluateFlag({ ...flag, conditions: flag.conditions as Condition[] }, context).value;
    expect(answer({ targetingKey: 'u1' })).toBe(true);
    expect(answer({ targetingKey: 'u7', plan: 'pro' })).toBe(true);
    expect(answer({ targetingKey: 'u7', plan: 'free' })).toBe(false);
  });

  it('plans a definition of our own format with a field of the wrong type as invalid', () => {
    const doc = {
      format: 'nous-beta-suite/flags',
      version: 1,
      flags: [
        { ...readOwnDefinition(), is_enabled: 'yes' },
        Object.fromEntries(Object.entries({ ...readOwnDefinition(), name: 'no-stage' }).filter(([key]) => key !== 'stage')),
      ],
    };
    const { plan } = planImport(readImportDocument(doc), new Map(), new Date());
    expect(plan.flags[0]).toMatchObject({ action: 'invalid', reasons: ['is_enabled must be true or false.'] });
    expect(plan.flags[1]).toMatchObject({ action: 'invalid', reasons: ['stage is missing: a definition carries every field.'] });
  });
});

describe('an imported gradual rollout', () => {
  it('answers like Unleash for the same users (Unleash hashes groupId:userId with seed 0, groupId defaulting to the flag name)', () => {
    const doc = unleashExport([{ name: 'rollout-30' }], [rollout('rollout-30', { rollout: '30', groupId: 'rollout-30' })]);
    const imported = newFlag(one(doc).input!, new Date());
    const flag = { ...imported, conditions: imported.conditions as Condition[] };
    const unleashEnabled = (userId: string) =>
      (murmurhash3.x86.hash32(new TextEncoder().encode(`rollout-30:${userId}`), 0) % 100) + 1 <= 30;
    const users = Array.from({ length: 500 }, (_, i) => `user-${i}`);
    const answers = users.map((userId) => evaluateFlag(flag, { targetingKey: userId }).value === true);
    expect(answers).toEqual(users.map(unleashEnabled));
    expect(answers.filter(Boolean).length).toBeGreaterThan(100);
  });
});
