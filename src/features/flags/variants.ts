// Typed flags' variants: what makes a list of variants valid for a value type, and the sticky,
// Unleash-compatible choice of a variant for a targeting key. Pure: no I/O, no clock.
import { hash } from 'node:crypto';
import { hasherFor } from './bucket.js';

export const VALUE_TYPES = ['boolean', 'string', 'number', 'object'] as const;
export type ValueType = (typeof VALUE_TYPES)[number];

/** A variant as stored: its value matches the flag's value type. */
export interface Variant {
  name: string;
  value: unknown;
  /** 0 to {@link VARIANT_LIMITS.weight}: a variant of weight 0 is served only by pins or as the default. */
  weight: number;
  /** Targeting keys (compared exactly) and emails (entries holding `@`, case-insensitively) pinned to this variant. */
  overrides: string[];
}

export const VARIANT_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;
export const VARIANT_LIMITS = {
  variants: 50,
  weight: 10_000,
  /** Bytes of a value's JSON text. */
  valueBytes: 8192,
  depth: 20,
  /** Pins over all variants of a flag. */
  overrides: 1000,
} as const;

/** Unleash's seed for variant hashing (its rollouts use seed 0). */
export const VARIANT_SEED = 86028157;

export type VariantsValidation = { ok: true; variants: Variant[]; defaultVariant: string } | { ok: false; field: string; message: string };

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype;

/** Why a string cannot be stored as JSON text in PostgreSQL, or undefined. */
function badText(text: string): string | undefined {
  if (text.includes('\u0000')) return 'must not contain the NUL character';
  if (!text.isWellFormed()) return 'must not contain unpaired UTF-16 surrogates';
  return undefined;
}

/** Why `value` is not a storable JSON value (nesting depth, text PostgreSQL refuses), or undefined. */
function badJson(value: unknown, depth: number): string | undefined {
  if (depth > VARIANT_LIMITS.depth) return `must not nest deeper than ${VARIANT_LIMITS.depth} levels`;
  if (typeof value === 'string') return badText(value);
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : 'must hold only finite numbers';
  if (typeof value === 'boolean' || value === null) return undefined;
  if (Array.isArray(value)) {
    for (const item of value) {
      const bad = badJson(item, depth + 1);
      if (bad) return bad;
    }
    return undefined;
  }
  if (isPlainObject(value)) {
    for (const [key, item] of Object.entries(value)) {
      const bad = badText(key) ?? badJson(item, depth + 1);
      if (bad) return bad;
    }
    return undefined;
  }
  return 'must be JSON';
}

/** Why `value` is not a value of `type`, or undefined. */
function badValue(type: Exclude<ValueType, 'boolean'>, value: unknown): string | undefined {
  switch (type) {
    case 'string':
      if (typeof value !== 'string') return 'must be a string (the flag serves strings)';
      break;
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) return 'must be a finite number (the flag serves numbers)';
      return undefined;
    case 'object':
      if (!isPlainObject(value)) return 'must be a JSON object (the flag serves objects)';
      break;
  }
  const bad = badJson(value, 0);
  if (bad) return bad;
  const bytes = Buffer.byteLength(JSON.stringify(value));
  return bytes > VARIANT_LIMITS.valueBytes ? `must be at most ${VARIANT_LIMITS.valueBytes} bytes as JSON (it is ${bytes})` : undefined;
}

/**
 * Checks a typed flag's variants and default variant (`field` prefixes the error's field, e.g. `body/variants`):
 * names unique slugs, values of the type, weights whole numbers summing to more than 0, each pin on one variant
 * only, and the default one of the variants. Returns them normalised (pins trimmed, emails deduplicated).
 */
export function validateVariants(
  type: Exclude<ValueType, 'boolean'>,
  input: unknown,
  defaultVariant: unknown,
  field = 'variants',
): VariantsValidation {
  const fail = (at: string, message: string) => ({ ok: false as const, field: at, message });
  if (!Array.isArray(input)) return fail(field, `must be an array of variants for a ${type} flag`);
  if (input.length < 1) return fail(field, `must hold at least one variant for a ${type} flag`);
  if (input.length > VARIANT_LIMITS.variants) return fail(field, `must hold at most ${VARIANT_LIMITS.variants} variants`);
  const variants: Variant[] = [];
  const names = new Set<string>();
  const pinned = new Map<string, string>();
  let totalWeight = 0;
  let pins = 0;
  for (let i = 0; i < input.length; i++) {
    const at = `${field}/${i}`;
    const item: unknown = input[i];
    if (!isPlainObject(item)) return fail(at, 'must be an object with name, value and weight');
    const unknownKey = Object.keys(item).find((key) => !['name', 'value', 'weight', 'overrides'].includes(key));
    if (unknownKey !== undefined) return fail(`${at}/${unknownKey}`, 'is not a known field (name, value, weight, overrides)');
    const { name, value, weight } = item;
    if (typeof name !== 'string' || !VARIANT_NAME.test(name)) {
      return fail(`${at}/name`, 'must be a lowercase slug: a-z, 0-9, then up to 63 of a-z 0-9 . _ -');
    }
    if (names.has(name)) return fail(`${at}/name`, `repeats the name "${name}": variant names must be unique`);
    names.add(name);
    if (!Object.hasOwn(item, 'value')) return fail(`${at}/value`, 'is required');
    const badValueReason = badValue(type, value);
    if (badValueReason) return fail(`${at}/value`, badValueReason);
    if (typeof weight !== 'number' || !Number.isInteger(weight) || weight < 0 || weight > VARIANT_LIMITS.weight) {
      return fail(`${at}/weight`, `must be a whole number from 0 to ${VARIANT_LIMITS.weight}`);
    }
    totalWeight += weight;
    const rawOverrides = item.overrides ?? [];
    if (!Array.isArray(rawOverrides)) return fail(`${at}/overrides`, 'must be an array of targeting keys or emails');
    const overrides: string[] = [];
    for (let j = 0; j < rawOverrides.length; j++) {
      const raw: unknown = rawOverrides[j];
      const entry = typeof raw === 'string' ? raw.trim() : '';
      if (entry === '' || entry.length > 254 || badText(entry)) {
        return fail(`${at}/overrides/${j}`, 'must be a targeting key or an email of 1 to 254 characters');
      }
      const key = entry.includes('@') ? entry.toLowerCase() : entry;
      const other = pinned.get(key);
      if (other === name) continue;
      if (other !== undefined) return fail(`${at}/overrides/${j}`, `"${entry}" is already pinned to the variant "${other}"`);
      pinned.set(key, name);
      overrides.push(entry);
    }
    pins += overrides.length;
    if (pins > VARIANT_LIMITS.overrides)
      return fail(`${at}/overrides`, `the variants may pin at most ${VARIANT_LIMITS.overrides} users in all`);
    variants.push({ name, value, weight, overrides });
  }
  if (totalWeight <= 0) return fail(field, 'must give at least one variant a weight above 0');
  if (typeof defaultVariant !== 'string' || !names.has(defaultVariant)) {
    return fail(field.replace(/variants$/, 'default_variant'), `must name one of the variants (${[...names].join(', ')})`);
  }
  return { ok: true, variants, defaultVariant };
}

/** A variant prepared for evaluation: its value's JSON text and a digest of it (answers and ETags use them). */
export interface CompiledVariant {
  readonly name: string;
  readonly value: unknown;
  readonly weight: number;
  readonly index: number;
  /** `JSON.stringify(value)`. */
  readonly json: string;
  /** A short digest of name and value: equal for equal variants across versions and instances. */
  readonly tag: string;
}

export interface CompiledVariants {
  readonly type: Exclude<ValueType, 'boolean'>;
  readonly list: readonly CompiledVariant[];
  readonly byName: ReadonlyMap<string, CompiledVariant>;
  readonly fallback: CompiledVariant;
  readonly totalWeight: number;
  /** The only variant with a weight above 0, when there is one: no hashing needed. */
  readonly sole: CompiledVariant | undefined;
  readonly pinnedKeys: ReadonlyMap<string, CompiledVariant>;
  readonly pinnedEmails: ReadonlyMap<string, CompiledVariant>;
  /** `murmur3_x86_32(utf8(flagName + ":" + targetingKey), 86028157) % totalWeight + 1`. */
  target(targetingKey: string): number;
  /** The first variant with a weight above 0 whose running weight sum reaches `target`. */
  pick(target: number): CompiledVariant;
}

/**
 * Prepares stored variants for evaluation; undefined when they cannot serve (not an array, no default among
 * them, no weight): evaluation then fails closed with an error rather than inventing a value.
 */
export function compileVariants(
  flagName: string,
  type: Exclude<ValueType, 'boolean'>,
  stored: unknown,
  defaultVariant: unknown,
): CompiledVariants | undefined {
  if (!Array.isArray(stored)) return undefined;
  const list: CompiledVariant[] = [];
  const byName = new Map<string, CompiledVariant>();
  const pinnedKeys = new Map<string, CompiledVariant>();
  const pinnedEmails = new Map<string, CompiledVariant>();
  let totalWeight = 0;
  for (const item of stored as unknown[]) {
    if (!isPlainObject(item) || typeof item.name !== 'string' || byName.has(item.name)) continue;
    const weight = typeof item.weight === 'number' && Number.isInteger(item.weight) && item.weight > 0 ? item.weight : 0;
    const json = JSON.stringify(item.value) ?? 'null';
    const variant: CompiledVariant = Object.freeze({
      name: item.name,
      value: item.value,
      weight,
      index: list.length,
      json,
      tag: hash('sha256', `${item.name}\u0000${json}`, 'base64url').slice(0, 16),
    });
    list.push(variant);
    byName.set(variant.name, variant);
    totalWeight += weight;
    if (Array.isArray(item.overrides)) {
      for (const entry of item.overrides as unknown[]) {
        if (typeof entry !== 'string' || entry === '') continue;
        if (!pinnedKeys.has(entry)) pinnedKeys.set(entry, variant);
        if (entry.includes('@') && !pinnedEmails.has(entry.toLowerCase())) pinnedEmails.set(entry.toLowerCase(), variant);
      }
    }
  }
  const fallback = typeof defaultVariant === 'string' ? byName.get(defaultVariant) : undefined;
  if (fallback === undefined || totalWeight <= 0) return undefined;
  const weighted = list.filter((v) => v.weight > 0);
  const hasher = hasherFor(flagName, VARIANT_SEED);
  return {
    type,
    list,
    byName,
    fallback,
    totalWeight,
    sole: weighted.length === 1 ? weighted[0] : undefined,
    pinnedKeys,
    pinnedEmails,
    target: (targetingKey) => (hasher(targetingKey) % totalWeight) + 1,
    pick(target) {
      let sum = 0;
      for (const variant of weighted) {
        sum += variant.weight;
        if (sum >= target) return variant;
      }
      return weighted[weighted.length - 1]!;
    },
  };
}

/** The variant pinned to this targeting key or (lower-cased) email, if any: the targeting key is checked first. */
export function pinnedVariant(
  variants: CompiledVariants,
  targetingKey: string | undefined,
  email: string | undefined,
): { variant: CompiledVariant; matchedBy: 'targetingKey' | 'email' } | undefined {
  if (targetingKey !== undefined) {
    const byKey =
      variants.pinnedKeys.get(targetingKey) ??
      (targetingKey.includes('@') ? variants.pinnedEmails.get(targetingKey.toLowerCase()) : undefined);
    if (byKey) return { variant: byKey, matchedBy: 'targetingKey' };
  }
  const byEmail = email === undefined ? undefined : variants.pinnedEmails.get(email);
  return byEmail ? { variant: byEmail, matchedBy: 'email' } : undefined;
}
