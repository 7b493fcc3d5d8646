// Seeded random flags (boolean and typed, with every operator, targets, stickiness) and evaluation
// contexts, the same on every run: the material of the rules-migration equivalence test.
import type { FlagInput } from '../../src/features/flags/flag-input.js';

/** mulberry32: a small seeded generator, uniform in [0, 1). */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(rng: () => number, items: readonly T[]): T => items[Math.floor(rng() * items.length)]!;
const COUNTRIES = ['NO', 'SE', 'DK', 'US', 'de', 'fr'];
const PLANS = ['free', 'pro', 'team', 'Enterprise'];
const VERSIONS = ['1.1.0', '1.2.0', '1.2.1', '2.0.0-beta.1', '2.9.9', '3.0.0', 'v1.0', '10.0.0'];
const DATES = ['2024-01-01', '2025-06-30T12:00:00Z', '2026-12-01T00:00:00+02:00', '2030-01-01'];

/** One valid condition, drawn over every operator and both switches. */
function condition(rng: () => number): Record<string, unknown> {
  const kind = Math.floor(rng() * 9);
  const inverted = rng() < 0.15 ? { inverted: true } : {};
  switch (kind) {
    case 0:
      return {
        attribute: 'country',
        operator: pick(rng, ['in', 'not_in']),
        values: [pick(rng, COUNTRIES), pick(rng, COUNTRIES)],
        ...inverted,
      };
    case 1:
      return { attribute: 'plan', operator: pick(rng, ['eq', 'neq']), values: [pick(rng, PLANS)], ...inverted };
    case 2:
      return {
        attribute: pick(rng, ['email', 'targetingKey']),
        operator: pick(rng, ['contains', 'starts_with', 'ends_with']),
        values: [pick(rng, ['user-1', 'U', '@example.com', 'x', 'USER-'])],
        ...(rng() < 0.5 ? { case_insensitive: true } : {}),
        ...inverted,
      };
    case 3:
      return { attribute: 'age', operator: pick(rng, ['gt', 'gte', 'lt', 'lte']), values: [pick(rng, [18, 21, 30, 65])], ...inverted };
    case 4:
      return {
        attribute: 'appVersion',
        operator: pick(rng, ['semver_gt', 'semver_lt', 'semver_eq']),
        values: [pick(rng, VERSIONS.slice(0, 6))],
        ...inverted,
      };
    case 5:
      return { attribute: 'signupDate', operator: pick(rng, ['before', 'after']), values: [pick(rng, DATES)], ...inverted };
    case 6:
      return { attribute: pick(rng, ['orgId', 'beta']), operator: 'exists', values: [], ...inverted };
    case 7:
      return { attribute: 'beta', operator: 'eq', values: [rng() < 0.5], ...inverted };
    default:
      return { attribute: 'orgId', operator: 'in', values: ['org-1', 'org-2', 'org-3'], ...inverted };
  }
}

/** `count` valid flag inputs: half boolean, the rest string, number and object flags with weighted variants and pins. */
export function randomFlags(rng: () => number, count: number): Array<FlagInput & { name: string }> {
  const flags: Array<FlagInput & { name: string }> = [];
  for (let i = 0; i < count; i++) {
    const type = i % 2 === 0 ? 'boolean' : pick(rng, ['string', 'number', 'object'] as const);
    const conditions = Array.from({ length: Math.floor(rng() * 4) }, () => condition(rng));
    const targets = Array.from({ length: Math.floor(rng() * 3) }, () =>
      pick(rng, ['user-7', 'user-42', 'Someone@Example.com', 'user-999']),
    );
    const flag: FlagInput & { name: string } = {
      name: `random-${i}`,
      is_enabled: rng() < 0.85,
      rollout_percentage: pick(rng, [0, 1, 5, 10, 33, 50, 75, 99, 100, Math.floor(rng() * 101)]),
      target_users: targets,
      conditions,
      stickiness: pick(rng, ['targetingKey', 'targetingKey', 'orgId', 'plan']),
    };
    if (type !== 'boolean') {
      const count = 1 + Math.floor(rng() * 3);
      const variants = Array.from({ length: count }, (_, v) => ({
        name: `v${v}`,
        value: type === 'string' ? `value-${v}` : type === 'number' ? v * 10 : { size: v },
        weight: pick(rng, [0, 1, 50, 100, 333]) + (v === 0 ? 1 : 0),
        overrides: rng() < 0.2 ? [pick(rng, ['user-3', 'user-8'])] : [],
      }));
      Object.assign(flag, { value_type: type, variants, default_variant: 'v0' });
    }
    flags.push(flag);
  }
  return flags;
}

/** `count` contexts: targeting keys (sometimes missing), emails, orgs, plans, countries, ages, versions, dates. */
export function randomContexts(rng: () => number, count: number): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  for (let i = 0; i < count; i++) {
    const context: Record<string, unknown> = {};
    if (rng() < 0.95) context.targetingKey = rng() < 0.5 ? `user-${Math.floor(rng() * 1000)}` : `USER-${Math.floor(rng() * 50)}`;
    if (rng() < 0.3) context.email = pick(rng, ['someone@example.com', 'SOMEONE@EXAMPLE.COM', 'x@other.org']);
    if (rng() < 0.5) context.orgId = `org-${Math.floor(rng() * 10)}`;
    if (rng() < 0.6) context.plan = pick(rng, PLANS);
    if (rng() < 0.7) context.country = pick(rng, COUNTRIES);
    if (rng() < 0.6) context.age = rng() < 0.8 ? Math.floor(rng() * 80) : String(Math.floor(rng() * 80));
    if (rng() < 0.6) context.appVersion = pick(rng, VERSIONS);
    if (rng() < 0.4) context.signupDate = pick(rng, DATES);
    if (rng() < 0.3) context.beta = rng() < 0.5;
    out.push(context);
  }
  return out;
}
