// The shapes flags are stored and read in, shared by the repository, the service and the routes.
import type { Selectable } from 'kysely';
import type { FeatureFlagsTable } from '../../db/schema.js';
import type { Rule } from './rules.js';
import type { ValueType, Variant } from './variants.js';

export type FlagRow = Selectable<FeatureFlagsTable>;

/** Everything a change may set (the version and timestamps are the database's). */
export interface FlagWrite {
  name: string;
  description: string;
  is_enabled: boolean;
  rollout_percentage: number;
  target_users: string[];
  conditions: unknown[];
  permanent: boolean;
  full_rollout_since: Date | null;
  /** Listed in the testers' portal under `public_title`, `public_description` and `stage`. */
  early_access: boolean;
  public_title: string | null;
  public_description: string | null;
  stage: FlagStage | null;
  /** Evaluated for client keys (web pages); to them every other flag is missing. */
  client_visible: boolean;
  /** `boolean` unless a typed flag: then `variants` and `default_variant` say what it serves. */
  value_type: ValueType;
  variants: Variant[];
  default_variant: string | null;
  /** The context attribute rollouts and variant choices hash; contexts without it use their targetingKey. */
  stickiness: string;
  /** Segments (by name) the main rule's context must also match. */
  segments: string[];
  /** Rules checked in order before the main rule. */
  rules: Rule[];
}

export type FlagStage = 'alpha' | 'beta' | 'preview';

/** A beta user's per-flag overrides, as the snapshot holds them. */
export interface OverrideRow {
  id: string;
  email: string;
  is_active: boolean;
  flag_set: Record<string, boolean | string>;
}

export interface EvaluationCount {
  flag_name: string;
  hour: Date;
  value: boolean;
  /** Absent ('' in the table) for a boolean flag; the variant served by a typed flag (whose `value` is then false). */
  variant?: string;
  count: number;
}

export interface AdoptionRow {
  flag_name: string;
  evaluations_24h: number;
  true_24h: number;
  evaluations_7d: number;
  true_7d: number;
  last_evaluated_hour: Date | null;
  /** Evaluations per variant of a typed flag, over 24 hours and 7 days. */
  variants_24h: Record<string, number>;
  variants_7d: Record<string, number>;
}

export interface SeriesPoint {
  at: Date;
  evaluations: number;
  true_count: number;
}

/**
 * A change notification: one flag written or deleted, the overrides changed, or the segments changed (then
 * every flag using a changed segment follows with its own upsert).
 */
export interface FlagChange {
  op: 'upsert' | 'delete' | 'overrides' | 'segments';
  name?: string;
  version?: number;
}
