import { describe, expect, it } from 'vitest';
import { adoptionOf, staleness } from './adoption.js';
import type { AdoptionRow, FlagRow } from './flags.types.js';

const now = new Date('2026-06-01T00:00:00Z');
const daysAgo = (d: number) => new Date(now.getTime() - d * 86_400_000);
const flag = (patch: Partial<FlagRow> = {}): FlagRow => ({
  id: 'f',
  name: 'f',
  description: '',
  is_enabled: true,
  rollout_percentage: 50,
  target_users: [],
  conditions: [],
  permanent: false,
  full_rollout_since: null,
  version: 1,
  created_by: null,
  created_at: daysAgo(100),
  updated_at: daysAgo(1),
  early_access: false,
  public_title: null,
  public_description: null,
  stage: null,
  client_visible: false,
  value_type: 'boolean',
  variants: [],
  default_variant: null,
  stickiness: 'targetingKey',
  segments: [],
  rules: [],
  ...patch,
});
const evaluated = (hoursAgo: number, total = 10, trues = 5): AdoptionRow => ({
  flag_name: 'f',
  evaluations_24h: total,
  true_24h: trues,
  evaluations_7d: total,
  true_7d: trues,
  last_evaluated_hour: new Date(now.getTime() - hoursAgo * 3_600_000),
  variants_24h: {},
  variants_7d: {},
});

describe('staleness', () => {
  it('flags a flag not evaluated for the limit, or never evaluated since creation long ago', () => {
    expect(staleness(flag(), evaluated(31 * 24), now, 30)).toMatch(/not evaluated/);
    expect(staleness(flag(), evaluated(29 * 24), now, 30)).toBeNull();
    expect(staleness(flag(), undefined, now, 30)).toMatch(/not evaluated/);
    expect(staleness(flag({ created_at: daysAgo(2) }), undefined, now, 30)).toBeNull();
  });
  it('flags a flag on for everyone longer than the limit, even while evaluated', () => {
    expect(staleness(flag({ rollout_percentage: 100, full_rollout_since: daysAgo(31) }), evaluated(1), now, 30)).toMatch(/on for everyone/);
    expect(staleness(flag({ rollout_percentage: 100, full_rollout_since: daysAgo(10) }), evaluated(1), now, 30)).toBeNull();
  });
  it('never flags a permanent flag, and honours another limit', () => {
    expect(staleness(flag({ permanent: true }), undefined, now, 30)).toBeNull();
    expect(staleness(flag(), evaluated(8 * 24), now, 7)).toMatch(/7 days/);
  });
});

describe('adoptionOf', () => {
  it('reports shares of true and no share without traffic', () => {
    expect(adoptionOf(flag(), evaluated(1, 3, 2), now, 30)).toMatchObject({ evaluations_24h: 3, true_share_24h: 0.6667, stale: false });
    expect(adoptionOf(flag({ created_at: daysAgo(1) }), undefined, now, 30)).toMatchObject({
      evaluations_24h: 0,
      true_share_24h: null,
      last_evaluated_hour: null,
      stale: false,
    });
  });
  it('reports a typed flag per variant, with no share of true', () => {
    const row = { ...evaluated(1, 4, 0), variants_24h: { control: 3, short: 1 }, variants_7d: { control: 3, short: 1 } };
    const typed = flag({ value_type: 'string', variants: [], default_variant: 'control' });
    expect(adoptionOf(typed, row, now, 30)).toMatchObject({
      evaluations_24h: 4,
      true_share_24h: null,
      variants_24h: { control: 3, short: 1 },
      variants_7d: { control: 3, short: 1 },
    });
    expect(adoptionOf(flag(), row, now, 30).true_share_24h).toBe(0);
  });
});
