// Unleash 8 feature exports (`POST /api/admin/features-batch/export`) read as flag definitions: what maps
// exactly, and, for everything else, the reason the flag is refused. Pure: no I/O, no clock.
import type { FlagInput } from './flag-input.js';
import { SEGMENT_NAME } from './rules.js';
import { VARIANT_NAME } from './variants.js';

/** One flag read from an export: its definition, or the reasons it cannot be expressed here. */
export interface ImportCandidate {
  name: string;
  /** The full definition (absent when refused). */
  input?: FlagInput & { name: string };
  /** Why the flag cannot be imported faithfully; any entry refuses the flag. */
  refused: string[];
  /** Differences that do not change who gets what in the usual cases (e.g. a bucket group id). */
  notes: string[];
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => value !== null && typeof value === 'object' && !Array.isArray(value);
const list = (value: unknown): Json[] => (Array.isArray(value) ? value.filter(isObject) : []);
const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** Whether a JSON document looks like an Unleash feature export. */
export function isUnleashExport(doc: unknown): doc is Json {
  return isObject(doc) && Array.isArray(doc.features) && (Array.isArray(doc.featureStrategies) || Array.isArray(doc.featureEnvironments));
}

/** Unleash context field → our context attribute (OFREP contexts are flat; Unleash's userId is the targeting key). */
function attributeOf(contextName: string): string {
  return contextName === 'userId' ? 'targetingKey' : contextName;
}

/** Unleash stickiness → ours, or undefined when there is no equivalent (`random`). */
function stickinessOf(value: string | undefined): string | undefined {
  if (value === undefined || value === '' || value === 'default' || value === 'userId') return 'targetingKey';
  if (value === 'random') return undefined;
  return value;
}

const STRING_OPERATORS: Record<string, string> = {
  STR_CONTAINS: 'contains',
  STR_STARTS_WITH: 'starts_with',
  STR_ENDS_WITH: 'ends_with',
};
const ONE_VALUE_OPERATORS: Record<string, string> = {
  NUM_GT: 'gt',
  NUM_GTE: 'gte',
  NUM_LT: 'lt',
  NUM_LTE: 'lte',
  DATE_AFTER: 'after',
  DATE_BEFORE: 'before',
  SEMVER_EQ: 'semver_eq',
  SEMVER_GT: 'semver_gt',
  SEMVER_LT: 'semver_lt',
};
const NUMERIC = new Set(['NUM_GT', 'NUM_GTE', 'NUM_LT', 'NUM_LTE', 'NUM_EQ']);

/**
 * One Unleash constraint as our conditions (ANDed), or a refusal reason. `NOT_IN` becomes an inverted `in`:
 * Unleash's `NOT_IN` matches a context without the attribute, and so does an inverted `in`, while our `not_in` does not.
 */
export function mapConstraint(constraint: Json): { conditions: Json[] } | { refused: string } {
  const operator = str(constraint.operator) ?? '';
  const contextName = str(constraint.contextName);
  if (contextName === undefined || contextName === '') return { refused: `a constraint without contextName` };
  const attribute = attributeOf(contextName);
  const inverted = constraint.inverted === true;
  const values = Array.isArray(constraint.values) ? constraint.values.filter((v): v is string => typeof v === 'string') : [];
  const value = str(constraint.value);
  const switches = (caseInsensitive: boolean, invert: boolean) => ({
    ...(caseInsensitive && { case_insensitive: true }),
    ...(invert && { inverted: true }),
  });
  if (operator === 'IN' || operator === 'NOT_IN') {
    // Unleash's IN and NOT_IN ignore caseInsensitive.
    const invert = operator === 'NOT_IN' ? !inverted : inverted;
    return { conditions: [{ attribute, operator: 'in', values, ...switches(false, invert) }] };
  }
  if (operator in STRING_OPERATORS) {
    return {
      conditions: [{ attribute, operator: STRING_OPERATORS[operator], values, ...switches(constraint.caseInsensitive === true, inverted) }],
    };
  }
  if (operator in ONE_VALUE_OPERATORS || operator === 'NUM_EQ') {
    const raw = value ?? values[0];
    if (raw === undefined) return { refused: `constraint ${operator} on ${contextName} has no value` };
    let operand: string | number = raw;
    if (NUMERIC.has(operator)) {
      operand = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(operand))
        return { refused: `constraint ${operator} on ${contextName} has a value that is not a number` };
    }
    if (operator === 'NUM_EQ') {
      // Unleash compares numbers; our eq compares exact JSON values, so equality is "≥ and ≤".
      if (inverted) return { refused: `an inverted NUM_EQ constraint on ${contextName} has no equivalent (conditions are ANDed)` };
      return {
        conditions: [
          { attribute, operator: 'gte', values: [operand] },
          { attribute, operator: 'lte', values: [operand] },
        ],
      };
    }
    return { conditions: [{ attribute, operator: ONE_VALUE_OPERATORS[operator], values: [operand], ...switches(false, inverted) }] };
  }
  return { refused: `constraint operator ${operator || '(none)'} on ${contextName} has no equivalent` };
}

const PAYLOAD_TYPES: Record<string, 'string' | 'number' | 'object'> = { string: 'string', csv: 'string', number: 'number', json: 'object' };

/** Unleash variants (weights out of 1000) as a typed flag's value type, variants and default, or refusal reasons. */
function mapVariants(
  variants: Json[],
  stickiness: string,
  refused: string[],
  notes: string[],
): Pick<FlagInput, 'value_type' | 'variants' | 'default_variant'> {
  const types = new Set<string>();
  const out: Array<{ name: string; value: unknown; weight: number; overrides: string[] }> = [];
  for (const variant of variants) {
    const name = str(variant.name) ?? '';
    const payload = isObject(variant.payload) ? variant.payload : undefined;
    const type = payload ? PAYLOAD_TYPES[str(payload.type) ?? ''] : undefined;
    if (!payload || !type) {
      refused.push(
        `variant "${name}" has ${payload ? `a payload of type ${String(payload.type)}` : 'no payload'}: a typed flag serves a string, number or JSON value`,
      );
      continue;
    }
    // Names here are lowercase slugs: "A" is served as "a" (listed in the notes); other names are refused.
    const served = VARIANT_NAME.test(name) ? name : name.toLowerCase();
    if (!VARIANT_NAME.test(served) || (served !== name && variants.some((v) => v !== variant && str(v.name) === served))) {
      refused.push(`variant name "${name}" is not a lowercase slug (a-z, 0-9, then . _ -) and cannot be lowercased into a distinct one`);
    } else if (served !== name) {
      notes.push(`variant "${name}" is served as "${served}": variant names here are lowercase`);
    }
    const variantStickiness = stickinessOf(str(variant.stickiness));
    if (variantStickiness !== undefined && variantStickiness !== stickiness) {
      refused.push(`variant "${name}" uses stickiness ${String(variant.stickiness)}, the rollout ${stickiness}: one stickiness per flag`);
    }
    types.add(type);
    let value: unknown = str(payload.value) ?? '';
    if (type === 'number') value = Number(value);
    if (type === 'object') {
      try {
        value = JSON.parse(String(value));
      } catch {
        refused.push(`variant "${name}" has a JSON payload that does not parse`);
      }
    }
    const overrides: string[] = [];
    for (const override of list(variant.overrides)) {
      if (override.contextName !== 'userId')
        refused.push(`variant "${name}" is pinned by ${String(override.contextName)}: pins are by userId only`);
      else overrides.push(...(Array.isArray(override.values) ? override.values.filter((v): v is string => typeof v === 'string') : []));
    }
    out.push({ name: served, value, weight: typeof variant.weight === 'number' ? variant.weight : 0, overrides });
  }
  if (types.size > 1) refused.push(`variants mix payload types (${[...types].join(', ')}): a flag serves one type`);
  if (out.length === 0 || types.size !== 1) return {};
  notes.push(`a context outside the rollout gets the default variant "${out[0]!.name}" where Unleash answers the "disabled" variant`);
  return { value_type: [...types][0] as 'string' | 'number' | 'object', variants: out, default_variant: out[0]!.name };
}

const PERMANENT_TYPES = new Set(['kill-switch', 'permission', 'operational']);

/** One strategy that decides by its own conditions and rollout: a rule here (the last one is the main rule). */
interface Gate {
  conditions: Json[];
  segments: string[];
  rollout: number;
  stickiness: string;
  variants: Json[];
}

/** Segment ids → names (ours are slugs; the export carries names only, so the segments must exist here by name). */
function segmentNames(doc: Json, ids: unknown, refused: string[]): string[] {
  if (!Array.isArray(ids)) return [];
  const byId = new Map(list(doc.segments).map((s) => [s.id, str(s.name)]));
  return ids.flatMap((id) => {
    const name = byId.get(id);
    if (name === undefined) {
      refused.push(`a strategy uses segment ${String(id)}, which the export does not name`);
      return [];
    }
    if (!SEGMENT_NAME.test(name)) {
      refused.push(`segment "${name}" is not a lowercase slug (a-z, 0-9, then . _ -): segments are referred to by name`);
      return [];
    }
    return [name];
  });
}

/** A strategy's constraints as conditions (ANDed); what has no equivalent goes to `refused`. */
function strategyConditions(strategy: Json, refused: string[]): Json[] {
  const conditions: Json[] = [];
  for (const constraint of list(strategy.constraints)) {
    const mapped = mapConstraint(constraint);
    if ('refused' in mapped) refused.push(mapped.refused);
    else conditions.push(...mapped.conditions);
  }
  return conditions;
}

const userIdsOf = (parameters: Json): string[] =>
  (str(parameters.userIds) ?? '')
    .split(',')
    .map((id) => id.trim())
    .filter((id) => id !== '');

/**
 * The strategies (an OR, in their order) as target users and gates. A plain userWithId strategy becomes target
 * users (checked first; an OR does not depend on order); every other strategy a gate.
 */
function readStrategies(doc: Json, name: string, strategies: Json[], refused: string[], notes: string[]) {
  const targets: string[] = [];
  const gates: Gate[] = [];
  for (const strategy of strategies) {
    const kind = str(strategy.name) ?? '';
    const parameters = isObject(strategy.parameters) ? strategy.parameters : {};
    if (!['default', 'flexibleRollout', 'userWithId'].includes(kind)) {
      refused.push(`strategy ${kind} has no equivalent (only default, flexibleRollout and userWithId)`);
      continue;
    }
    const segments = segmentNames(doc, strategy.segments, refused);
    const conditions = strategyConditions(strategy, refused);
    if (kind === 'userWithId' && conditions.length === 0 && segments.length === 0 && list(strategy.constraints).length === 0) {
      targets.push(...userIdsOf(parameters));
      continue;
    }
    const gate: Gate = { conditions, segments, rollout: 100, stickiness: 'targetingKey', variants: list(strategy.variants) };
    if (kind === 'userWithId') gate.conditions.unshift({ attribute: 'targetingKey', operator: 'in', values: userIdsOf(parameters) });
    if (kind === 'flexibleRollout') {
      gate.rollout = Number(str(parameters.rollout) ?? parameters.rollout ?? 100);
      if (!Number.isInteger(gate.rollout) || gate.rollout < 0 || gate.rollout > 100)
        refused.push(`its rollout ${String(parameters.rollout)} is not a whole percentage`);
      const mapped = stickinessOf(str(parameters.stickiness));
      if (mapped === undefined) refused.push('its rollout uses random stickiness (buckets here are always sticky)');
      else gate.stickiness = mapped;
      const groupId = str(parameters.groupId);
      if (groupId !== undefined && groupId !== '' && groupId !== name) {
        notes.push(`Unleash buckets on "${groupId}:<id>", this instance on "${name}:<id>": users may land in different buckets`);
      }
    }
    gates.push(gate);
  }
  return { targets, gates };
}

/** The flag's rules and main rule from its gates: the last gate is the main rule, the others rules before it. */
function rulesOf(gates: Gate[], noStrategies: boolean) {
  const main = gates.at(-1);
  const rules = gates.slice(0, -1).map((gate) => ({
    conditions: gate.conditions,
    segments: gate.segments,
    rollout_percentage: gate.rollout,
    stickiness: gate.stickiness,
  }));
  return {
    rules,
    // No strategy at all: on for everyone; only userWithId strategies: on for those users only.
    main: main ?? { conditions: [], segments: [], rollout: noStrategies ? 100 : 0, stickiness: 'targetingKey', variants: [] },
  };
}

/** One Unleash feature in `environment` as a flag definition, or the reasons it is refused. */
function mapFeature(doc: Json, feature: Json, environment: string): ImportCandidate {
  const name = str(feature.name) ?? '';
  const refused: string[] = [];
  const notes: string[] = [];
  const all = list(doc.featureStrategies)
    .filter((s) => s.featureName === name && (s.environment === undefined || s.environment === environment))
    .sort((a, b) => (typeof a.sortOrder === 'number' && typeof b.sortOrder === 'number' ? a.sortOrder - b.sortOrder : 0));
  // A feature without strategies is on for everyone; one whose strategies are all disabled is on for no one.
  const strategies = all.filter((s) => s.disabled !== true);
  const featureEnv = list(doc.featureEnvironments).find(
    (e) => e.featureName === name && (e.environment === undefined || e.environment === environment),
  );
  if (list(doc.dependencies).some((d) => d.feature === name || d.child === name))
    refused.push('it depends on another flag (dependencies are not supported)');
  const { targets, gates } = readStrategies(doc, name, strategies, refused, notes);
  const { rules, main } = rulesOf(gates, all.length === 0);
  if (targets.length > 0 && gates.length > 0) notes.push('target users are matched by targeting key or email; Unleash matches userId only');
  const withVariants = gates.filter((g) => g.variants.length > 0);
  if (gates.length > 1 && withVariants.length > 0)
    refused.push('several strategies, some with their own variants: here a typed flag has one set of variants');
  const envVariants = featureEnv ? list(featureEnv.variants) : list(feature.variants);
  const variants = mapVariants(main.variants.length > 0 ? main.variants : envVariants, main.stickiness, refused, notes);
  for (const gate of gates) {
    if (gate.stickiness !== 'targetingKey' && gate.rollout > 0 && gate.rollout < 100) {
      notes.push(
        `a context without ${gate.stickiness} is bucketed on its targeting key, where Unleash falls back to a random session or does not match`,
      );
    }
  }
  if (refused.length > 0) return { name, refused, notes: [...new Set(notes)] };
  return {
    name,
    refused,
    notes: [...new Set(notes)],
    input: {
      name,
      description: str(feature.description) ?? '',
      is_enabled: featureEnv?.enabled === true,
      rollout_percentage: main.rollout,
      target_users: targets,
      conditions: main.conditions,
      segments: main.segments,
      rules,
      permanent: PERMANENT_TYPES.has(str(feature.type) ?? ''),
      stickiness: main.stickiness,
      value_type: variants.value_type ?? 'boolean',
      variants: variants.variants ?? [],
      default_variant: variants.default_variant ?? null,
    },
  };
}

/** Every feature of an Unleash export read in one environment. */
export function readUnleashExport(doc: Json, environment: string | undefined): ImportCandidate[] {
  const env = environment ?? 'production';
  return list(doc.features).map((feature) => {
    if (feature.archived === true) return { name: str(feature.name) ?? '', refused: ['it is archived in Unleash'], notes: [] };
    return mapFeature(doc, feature, env);
  });
}
