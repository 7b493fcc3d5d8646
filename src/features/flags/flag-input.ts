// What an edit makes of a flag: validated input merged over the current state. Pure: the time
// is passed in.
import { AppError } from '../../core/errors.js';
import { validateConditions } from './conditions.js';
import type { FlagRow, FlagStage, FlagWrite } from './flags.types.js';
import { checkSegmentNames, checkStickiness, validateRules, type Validation } from './rules.js';
import { validateVariants, type ValueType } from './variants.js';

export const FLAG_NAME = /^[a-z0-9][a-z0-9._-]{0,99}$/;
export const MAX_TARGET_USERS = 1000;

export interface FlagInput {
  name?: string;
  description?: string;
  is_enabled?: boolean;
  rollout_percentage?: number;
  target_users?: string[];
  conditions?: unknown[];
  permanent?: boolean;
  early_access?: boolean;
  public_title?: string | null;
  public_description?: string | null;
  stage?: FlagStage | null;
  client_visible?: boolean;
  value_type?: ValueType;
  /** A typed flag's variants, validated against its value type (see variants.ts). */
  variants?: unknown[];
  default_variant?: string | null;
  /** The context attribute to bucket on; `default` is read as `targetingKey`. */
  stickiness?: string;
  /** Segments (by name) the main rule's context must also match. */
  segments?: unknown[];
  /** Rules checked in order before the main rule (see rules.ts). */
  rules?: unknown[];
}

/** The value type, variants and default variant `patch` leaves: checked together, so a flag never serves a wrong type. */
function mergeVariants(base: FlagWrite, patch: FlagInput): Pick<FlagWrite, 'value_type' | 'variants' | 'default_variant'> {
  const type = patch.value_type ?? base.value_type;
  if (type === 'boolean') {
    const variants = patch.variants ?? (patch.value_type === 'boolean' ? [] : base.variants);
    if (variants.length > 0) {
      throw new AppError(
        'VALIDATION_ERROR',
        'body/variants must be empty for a boolean flag: variants are for string, number and object flags.',
      );
    }
    if (patch.default_variant !== undefined && patch.default_variant !== null) {
      throw new AppError('VALIDATION_ERROR', 'body/default_variant must be null for a boolean flag.');
    }
    return { value_type: 'boolean', variants: [], default_variant: null };
  }
  if (patch.value_type !== undefined && patch.value_type !== base.value_type && patch.variants === undefined) {
    throw new AppError('VALIDATION_ERROR', `body/variants must be given with value_type ${type}: each variant's value must be a ${type}.`);
  }
  const checked = validateVariants(
    type,
    patch.variants ?? base.variants,
    patch.default_variant === undefined ? base.default_variant : patch.default_variant,
    'body/variants',
  );
  if (!checked.ok) throw new AppError('VALIDATION_ERROR', `${checked.field} ${checked.message}.`);
  return { value_type: type, variants: checked.variants, default_variant: checked.defaultVariant };
}

/** The checked value, or a validation error naming the field. */
function checked<T>(result: Validation<T>): T {
  if (!result.ok) throw new AppError('VALIDATION_ERROR', `${result.field} ${result.message}.`);
  return result.value;
}

/** A patch's value for a nullable field: absent keeps `base`, null clears, text is trimmed ('' clears). */
function nullableText(value: string | null | undefined, base: string | null): string | null {
  if (value === undefined) return base;
  const trimmed = value?.trim() ?? '';
  return trimmed === '' ? null : trimmed;
}

function normalizeTargets(targets: string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const [i, raw] of targets.entries()) {
    const value = raw.trim();
    if (value === '' || value.length > 254) throw new AppError('VALIDATION_ERROR', `body/target_users/${i} must be 1 to 254 characters.`);
    const key = value.includes('@') ? value.toLowerCase() : value;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(value);
    }
  }
  if (out.length > MAX_TARGET_USERS)
    throw new AppError('VALIDATION_ERROR', `body/target_users must hold at most ${MAX_TARGET_USERS} entries.`);
  return out;
}

/** `patch` over `base`; `previous` keeps the date a full rollout began. */
export function mergeFlag(base: FlagWrite, patch: FlagInput, now: Date, previous?: FlagRow): FlagWrite {
  let conditions = base.conditions;
  if (patch.conditions !== undefined) {
    const checked = validateConditions(patch.conditions, 'body/conditions');
    if (!checked.ok) throw new AppError('VALIDATION_ERROR', `${checked.field} ${checked.message}.`);
    conditions = checked.conditions;
  }
  const next: FlagWrite = {
    name: base.name,
    description: patch.description ?? base.description,
    is_enabled: patch.is_enabled ?? base.is_enabled,
    rollout_percentage: patch.rollout_percentage ?? base.rollout_percentage,
    target_users: patch.target_users === undefined ? base.target_users : normalizeTargets(patch.target_users),
    conditions,
    permanent: patch.permanent ?? base.permanent,
    full_rollout_since: null,
    early_access: patch.early_access ?? base.early_access,
    public_title: nullableText(patch.public_title, base.public_title),
    public_description: nullableText(patch.public_description, base.public_description),
    stage: patch.stage === undefined ? base.stage : patch.stage,
    client_visible: patch.client_visible ?? base.client_visible,
    ...mergeVariants(base, patch),
    stickiness: patch.stickiness === undefined ? base.stickiness : checked(checkStickiness(patch.stickiness, 'body/stickiness')),
    segments: patch.segments === undefined ? base.segments : checked(checkSegmentNames(patch.segments, 'body/segments')),
    rules: base.rules,
  };
  // Rules are checked against the variants the flag ends with, so none names a variant it no longer has.
  if (patch.rules !== undefined || next.value_type !== base.value_type || patch.variants !== undefined) {
    next.rules = checked(validateRules(patch.rules ?? base.rules, next.value_type, next.variants, 'body/rules'));
  }
  const full = next.is_enabled && next.rollout_percentage === 100;
  next.full_rollout_since = full ? (previous?.full_rollout_since ?? now) : null;
  return next;
}

/** A new flag: off, for no one, unless the input says otherwise. */
export function newFlag(input: FlagInput & { name: string }, now: Date): FlagWrite {
  if (!FLAG_NAME.test(input.name)) {
    throw new AppError('VALIDATION_ERROR', 'body/name must be a lowercase slug: a-z, 0-9, then up to 99 of a-z 0-9 . _ -.');
  }
  const base: FlagWrite = {
    name: input.name,
    description: '',
    is_enabled: false,
    rollout_percentage: 0,
    target_users: [],
    conditions: [],
    permanent: false,
    full_rollout_since: null,
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
  };
  return mergeFlag(base, input, now);
}

/** `patch` over the stored flag `row`. */
export function editFlag(row: FlagRow, patch: FlagInput, now: Date): FlagWrite {
  const current: FlagWrite = {
    name: row.name,
    description: row.description,
    is_enabled: row.is_enabled,
    rollout_percentage: row.rollout_percentage,
    target_users: row.target_users,
    conditions: row.conditions,
    permanent: row.permanent,
    full_rollout_since: row.full_rollout_since,
    early_access: row.early_access,
    public_title: row.public_title,
    public_description: row.public_description,
    stage: row.stage,
    client_visible: row.client_visible,
    value_type: row.value_type,
    variants: row.variants,
    default_variant: row.default_variant,
    stickiness: row.stickiness,
    segments: row.segments,
    rules: row.rules as FlagWrite['rules'],
  };
  return mergeFlag(current, patch, now, row);
}
