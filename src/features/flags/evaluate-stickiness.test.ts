import { describe, expect, it } from 'vitest';
import { bucketOf } from './bucket.js';
import { compileFlag, stickinessAttribute, stickyKey } from './compile.js';
import { evaluateFlag, explainFlag, type Flag } from './evaluate.js';

const flag = (patch: Partial<Flag> = {}): Flag => ({
  name: 'org-rollout',
  is_enabled: true,
  rollout_percentage: 50,
  target_users: [],
  conditions: [],
  ...patch,
});
const byOrg = flag({ stickiness: 'orgId' });
const bucketFor = (key: string) => bucketOf('org-rollout', key);
const typed = (patch: Partial<Flag> = {}): Flag =>
  flag({
    name: 'org-copy',
    stickiness: 'orgId',
    rollout_percentage: 100,
    value_type: 'string',
    variants: [
      { name: 'control', value: 'Hello', weight: 1, overrides: ['pinned-user'] },
      { name: 'short', value: 'Hi', weight: 1, overrides: [] },
      { name: 'long', value: 'Hello there', weight: 2, overrides: [] },
    ],
    default_variant: 'control',
    ...patch,
  });

describe('stickiness', () => {
  it('reads default, absent and malformed stickiness as targetingKey, and any other name as itself', () => {
    expect(stickinessAttribute(undefined)).toBe('targetingKey');
    expect(stickinessAttribute('default')).toBe('targetingKey');
    expect(stickinessAttribute('')).toBe('targetingKey');
    expect(stickinessAttribute(42)).toBe('targetingKey');
    expect(stickinessAttribute('orgId')).toBe('orgId');
    expect(stickinessAttribute('targetingKey')).toBe('targetingKey');
  });

  it('buckets on the stickiness attribute: a string as is, a finite number as its decimal text', () => {
    const compiled = compileFlag(byOrg);
    expect(stickyKey(compiled, { orgId: 'acme', targetingKey: 'u1' }, 'u1')).toEqual({ attribute: 'orgId', key: 'acme' });
    expect(stickyKey(compiled, { orgId: 42 }, undefined)).toEqual({ attribute: 'orgId', key: '42' });
    expect(stickyKey(compiled, { orgId: -1.5 }, undefined)).toEqual({ attribute: 'orgId', key: '-1.5' });
  });

  it('falls back to the targetingKey when the attribute is missing, empty or not a string or finite number', () => {
    const compiled = compileFlag(byOrg);
    for (const orgId of [undefined, '', null, true, Number.NaN, Infinity, {}, ['acme']]) {
      expect(stickyKey(compiled, { orgId, targetingKey: 'u1' }, 'u1')).toEqual({ attribute: 'targetingKey', key: 'u1' });
      expect(stickyKey(compiled, { orgId }, undefined)).toBeUndefined();
    }
    // Only own properties count, as for conditions.
    expect(stickyKey(compileFlag(flag({ stickiness: 'toString' })), {}, 'u1')).toEqual({ attribute: 'targetingKey', key: 'u1' });
  });

  it('gives everyone of an organisation the same answer, the bucket of the organisation id', () => {
    for (const orgId of ['acme', 'globex', 'initech', 'umbrella', 'hooli', 'stark', 'wayne', 'wonka']) {
      const bucket = bucketFor(orgId);
      const answers = ['u1', 'u2', 'u3', 'u4'].map((targetingKey) => evaluateFlag(byOrg, { targetingKey, orgId }));
      for (const answer of answers) {
        expect(answer).toEqual({ value: bucket <= 50, reason: 'SPLIT', variant: bucket <= 50 ? 'on' : 'off', bucket });
      }
    }
  });

  it('with the attribute missing, answers exactly as a targetingKey flag does', () => {
    for (const targetingKey of ['u1', 'u2', 'user-1', 'user-2', 'ü-7']) {
      expect(evaluateFlag(byOrg, { targetingKey })).toEqual(evaluateFlag(flag(), { targetingKey }));
      expect(evaluateFlag(byOrg, { targetingKey }).bucket).toBe(bucketFor(targetingKey));
    }
    expect(evaluateFlag(byOrg, {})).toMatchObject({ reason: 'ERROR', errorCode: 'TARGETING_KEY_MISSING' });
    expect(evaluateFlag(byOrg, { orgId: 'acme' })).toMatchObject({ reason: 'SPLIT', bucket: bucketFor('acme') });
  });

  it('default and targetingKey stickiness answer as a flag without stickiness', () => {
    for (const stickiness of ['default', 'targetingKey']) {
      for (const targetingKey of ['u1', 'u2', 'u3']) {
        const context = { targetingKey, orgId: 'acme' };
        expect(evaluateFlag(flag({ stickiness }), context)).toEqual(evaluateFlag(flag(), context));
      }
    }
  });

  it('keeps targeting on the targetingKey: target users and full rollouts ignore stickiness', () => {
    expect(
      evaluateFlag(flag({ stickiness: 'orgId', rollout_percentage: 0, target_users: ['u1'] }), { targetingKey: 'u1', orgId: 'x' }),
    ).toEqual({
      value: true,
      reason: 'TARGETING_MATCH',
      variant: 'on',
    });
    expect(evaluateFlag(flag({ stickiness: 'orgId', rollout_percentage: 100 }), {})).toMatchObject({ value: true, reason: 'STATIC' });
  });

  it('explains which attribute decided the bucket, and what a missing one needs', () => {
    const rollout = (context: Record<string, unknown>) => explainFlag(byOrg, context).steps.at(-1);
    const acme = bucketFor('acme');
    expect(rollout({ targetingKey: 'u1', orgId: 'acme' })).toEqual({
      step: 'rollout',
      percentage: 50,
      threshold: 50,
      bucket: acme,
      stickiness: 'orgId',
      matched: acme <= 50,
      detail: `bucket ${acme} ${acme <= 50 ? '<=' : '>'} 50: ${acme <= 50 ? 'in' : 'not in'} the rollout (bucketed on orgId)`,
    });
    expect(rollout({ targetingKey: 'u1' })).toMatchObject({ stickiness: 'targetingKey', bucket: bucketFor('u1') });
    expect(rollout({})).toEqual({
      step: 'rollout',
      percentage: 50,
      threshold: 50,
      matched: false,
      detail: 'a partial rollout needs the orgId attribute or a targetingKey to place the user in a bucket',
    });
  });
});

describe('stickiness of typed flags', () => {
  it('chooses the variant by the same attribute: an organisation shares its variant', () => {
    for (const orgId of ['acme', 'globex', 'initech', 'umbrella', 'hooli']) {
      // The variant an organisation gets is the one a targetingKey equal to its id gets by default.
      const expected = evaluateFlag(typed({ stickiness: undefined }), { targetingKey: orgId });
      for (const targetingKey of ['u1', 'u2', 'u3']) {
        const result = evaluateFlag(typed(), { targetingKey, orgId });
        expect(result).toMatchObject({ variant: expected.variant, target: expected.target, reason: 'SPLIT' });
      }
    }
  });

  it('buckets the rollout and picks the variant on the attribute, falling back to the targetingKey', () => {
    const half = typed({ rollout_percentage: 50 });
    const acme = evaluateFlag(half, { targetingKey: 'u1', orgId: 'acme' });
    expect(acme.bucket).toBe(bucketOf('org-copy', 'acme'));
    expect(evaluateFlag(half, { targetingKey: 'u1' })).toEqual(
      evaluateFlag(typed({ rollout_percentage: 50, stickiness: undefined }), { targetingKey: 'u1' }),
    );
    expect(evaluateFlag(half, {})).toMatchObject({ reason: 'ERROR', errorCode: 'TARGETING_KEY_MISSING' });
    expect(evaluateFlag(typed(), {})).toMatchObject({ reason: 'ERROR', errorCode: 'TARGETING_KEY_MISSING' });
    expect(evaluateFlag(typed(), { orgId: 'acme' })).toMatchObject({
      reason: 'SPLIT',
      target: evaluateFlag(typed({ stickiness: undefined }), { targetingKey: 'acme' }).target,
    });
  });

  it('pins and target users still match the targetingKey, and their variant follows the stickiness', () => {
    expect(evaluateFlag(typed(), { targetingKey: 'pinned-user', orgId: 'acme' })).toMatchObject({
      variant: 'control',
      reason: 'TARGETING_MATCH',
    });
    const targeted = typed({ rollout_percentage: 0, target_users: ['vip'] });
    const expected = evaluateFlag(typed({ stickiness: undefined }), { targetingKey: 'acme' });
    expect(evaluateFlag(targeted, { targetingKey: 'vip', orgId: 'acme' })).toMatchObject({
      reason: 'TARGETING_MATCH',
      variant: expected.variant,
      target: expected.target,
    });
    expect(evaluateFlag(targeted, { email: 'nobody@x.io' })).toMatchObject({ reason: 'DEFAULT', variant: 'control' });
  });

  it('explains the attribute hashed for the variant, and what a missing one needs', () => {
    const step = (context: Record<string, unknown>) => explainFlag(typed(), context).steps.at(-1);
    const expected = evaluateFlag(typed({ stickiness: undefined }), { targetingKey: 'acme' });
    expect(step({ targetingKey: 'u1', orgId: 'acme' })).toEqual({
      step: 'variant',
      variant: expected.variant,
      totalWeight: 4,
      target: expected.target,
      stickiness: 'orgId',
      detail: `hash ${expected.target} of 4 falls in the weights of ${expected.variant} (bucketed on orgId)`,
    });
    expect(step({ targetingKey: 'u1' })).toMatchObject({ stickiness: 'targetingKey' });
    expect(step({})).toEqual({
      step: 'variant',
      totalWeight: 4,
      detail: 'choosing among weighted variants needs the orgId attribute or a targetingKey to place the user in a bucket',
    });
    expect(explainFlag(typed({ rollout_percentage: 30 }), {}).steps.at(-1)).toMatchObject({
      step: 'rollout',
      detail: 'a partial rollout needs the orgId attribute or a targetingKey to place the user in a bucket',
    });
    const out = explainFlag(typed({ rollout_percentage: 1 }), { orgId: 'acme' }).steps.at(-1);
    expect(out).toMatchObject({ step: 'rollout', stickiness: 'orgId', bucket: bucketOf('org-copy', 'acme') });
  });
});
