import { describe, expect, it } from 'vitest';
import { compileFlag, type Flag } from './compile.js';
import type { EvaluationContext } from './conditions.js';
import { attributeNames, rulesReach } from './rule-reach.js';

const flag = (over: Partial<Flag>): Flag => ({
  name: 'f',
  is_enabled: true,
  rollout_percentage: 100,
  target_users: [],
  conditions: [],
  ...over,
});
const contexts: EvaluationContext[] = Array.from({ length: 200 }, (_, i) => ({
  targetingKey: `user-${i}`,
  plan: i % 4 === 0 ? 'pro' : 'free',
  ...(i % 2 === 0 && { org: `org-${i % 10}` }),
}));

describe('rules reach', () => {
  it('counts each rule on its own, whatever comes before it, and the main rule last', () => {
    const compiled = compileFlag(
      flag({
        is_enabled: false,
        rollout_percentage: 0,
        conditions: [{ attribute: 'plan', operator: 'eq', values: ['free'] }],
        rules: [
          { name: 'everyone', conditions: [], segments: [], rollout_percentage: 100, stickiness: 'targetingKey' },
          {
            name: 'pro',
            conditions: [{ attribute: 'plan', operator: 'eq', values: ['pro'] }],
            segments: [],
            rollout_percentage: 100,
            stickiness: 'targetingKey',
          },
          { name: 'half', conditions: [], segments: [], rollout_percentage: 50, stickiness: 'targetingKey' },
          { name: 'none', conditions: [], segments: [], rollout_percentage: 0, stickiness: 'targetingKey' },
        ],
      }),
    );
    const reach = rulesReach(compiled, contexts);
    expect(reach.rules.map((r) => [r.index, r.matched])).toEqual([
      [0, 200],
      [1, 50],
      [2, expect.any(Number)],
      [3, 0],
    ]);
    // A 50 % rollout takes about half, by bucket.
    expect(reach.rules[2]!.matched).toBeGreaterThan(70);
    expect(reach.rules[2]!.matched).toBeLessThan(130);
    expect(reach.rules[1]!.share).toBe(0.25);
    // The main rule's conditions match 150, but its rollout is 0 %.
    expect(reach.main).toEqual({ matched: 0, share: 0 });
  });

  it('needs the stickiness attribute or a targetingKey for a partial rollout, and a segment that exists', () => {
    const rules = [
      { name: '', conditions: [], segments: [], rollout_percentage: 99, stickiness: 'org' },
      { name: '', conditions: [], segments: ['pros'], rollout_percentage: 100, stickiness: 'targetingKey' },
      { name: '', conditions: [], segments: ['missing'], rollout_percentage: 100, stickiness: 'targetingKey' },
    ];
    const lookup = new Map([['pros', [{ attribute: 'plan', operator: 'eq' as const, values: ['pro'] }]]]);
    const anonymous = contexts.map(({ targetingKey: _key, ...rest }) => rest);
    const reach = rulesReach(compileFlag(flag({ rules }), lookup), anonymous);
    // Only contexts with an org can be bucketed; nearly all of them fall within 99 %.
    expect(reach.rules[0]!.matched).toBeGreaterThan(80);
    expect(reach.rules[0]!.matched).toBeLessThanOrEqual(100);
    expect(reach.rules[1]!.matched).toBe(50);
    expect(reach.rules[2]!.matched).toBe(0);
    expect(reach.main).toEqual({ matched: 200, share: 1 });
  });

  it('answers null shares without a sample', () => {
    const reach = rulesReach(compileFlag(flag({ rules: [{ conditions: [], segments: [], rollout_percentage: 100 }] })), []);
    expect(reach).toEqual({ rules: [{ index: 0, matched: 0, share: null }], main: { matched: 0, share: null } });
  });
});

describe('attribute names', () => {
  it('lists names, never values, sorted, with the always-offered ones, and skips names no condition could use', () => {
    const names = attributeNames([
      { plan: 'pro', Country: 'FR', 'bad name': 1, 'app.version': '2' },
      { plan: 'free', _x: 1 },
    ]);
    expect(names).toEqual(['_x', 'app.version', 'Country', 'currentTime', 'email', 'plan', 'targetingKey']);
    expect(names).not.toContain('pro');
  });

  it('stops at the limit but always keeps targetingKey, email and currentTime', () => {
    const many = [Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`a${i}`, i]))];
    const names = attributeNames(many);
    expect(names).toHaveLength(200);
    expect(names).toEqual(expect.arrayContaining(['targetingKey', 'email', 'currentTime']));
  });
});
