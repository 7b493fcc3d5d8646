// Moving flag definitions between instances: the versioned export document, and the import plan (per flag
// create, update with a field diff, unchanged, or refused with reasons) computed from it or from an Unleash
// export. Pure: the current flags and the time are passed in.
import { AppError } from '../../core/errors.js';
import { editFlag, newFlag, type FlagInput } from './flag-input.js';
import type { FlagRow, FlagWrite } from './flags.types.js';
import { missingSegment } from './rules.js';
import { isUnleashExport, readUnleashExport, type ImportCandidate } from './unleash-import.js';

export const EXPORT_FORMAT = 'nous-beta-suite/flags';
export const EXPORT_VERSION = 1;

/** The fields a definition carries: not the id, version, authorship, timestamps or adoption. */
export const DEFINITION_FIELDS = [
  'description',
  'is_enabled',
  'rollout_percentage',
  'target_users',
  'conditions',
  'permanent',
  'early_access',
  'public_title',
  'public_description',
  'stage',
  'client_visible',
  'value_type',
  'variants',
  'default_variant',
  'stickiness',
  'segments',
  'rules',
] as const satisfies ReadonlyArray<keyof FlagWrite & keyof FlagInput>;

export type FlagDefinition = Pick<FlagWrite, (typeof DEFINITION_FIELDS)[number]> & { name: string };

export interface FlagExport {
  format: typeof EXPORT_FORMAT;
  version: typeof EXPORT_VERSION;
  exported_at: string;
  flags: FlagDefinition[];
}

export function definitionOf(flag: FlagWrite | FlagRow): FlagDefinition {
  const out: Record<string, unknown> = { name: flag.name };
  for (const field of DEFINITION_FIELDS) out[field] = flag[field];
  return out as FlagDefinition;
}

export function exportDocument(flags: readonly FlagRow[], now: Date): FlagExport {
  return {
    format: EXPORT_FORMAT,
    version: EXPORT_VERSION,
    exported_at: now.toISOString(),
    flags: [...flags].sort((a, b) => a.name.localeCompare(b.name)).map(definitionOf),
  };
}

export interface FieldChange {
  field: string;
  from: unknown;
  to: unknown;
}

export interface PlanEntry {
  name: string;
  action: 'create' | 'update' | 'unchanged' | 'refused' | 'invalid';
  /** For an update: each field that changes. */
  changes: FieldChange[];
  /** For refused: why; for invalid: the validation message. */
  reasons: string[];
  notes: string[];
}

export interface ImportPlan {
  source: 'beta-suite' | 'unleash';
  /** The Unleash environment read (Unleash exports only). */
  environment?: string;
  flags: PlanEntry[];
  summary: Record<PlanEntry['action'], number>;
}

/** What an import writes, per accepted flag (computed again under row locks when applied). */
export interface PlannedWrite {
  name: string;
  input: FlagInput & { name: string };
}

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

const nullableString = (v: unknown) => v === null || typeof v === 'string';
/** Each definition field's JSON type, checked before the definition's own validation (which assumes typed input). */
const FIELD_TYPES: Record<(typeof DEFINITION_FIELDS)[number], [string, (v: unknown) => boolean]> = {
  description: ['a string', (v) => typeof v === 'string'],
  is_enabled: ['true or false', (v) => typeof v === 'boolean'],
  rollout_percentage: ['a whole number from 0 to 100', (v) => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 100],
  target_users: ['an array of strings', (v) => Array.isArray(v) && v.every((x) => typeof x === 'string')],
  conditions: ['an array', Array.isArray],
  permanent: ['true or false', (v) => typeof v === 'boolean'],
  early_access: ['true or false', (v) => typeof v === 'boolean'],
  public_title: ['a string or null', nullableString],
  public_description: ['a string or null', nullableString],
  stage: ['alpha, beta, preview or null', (v) => v === null || v === 'alpha' || v === 'beta' || v === 'preview'],
  client_visible: ['true or false', (v) => typeof v === 'boolean'],
  value_type: ['boolean, string, number or object', (v) => ['boolean', 'string', 'number', 'object'].includes(v as string)],
  variants: ['an array', Array.isArray],
  default_variant: ['a string or null', nullableString],
  stickiness: ['a string', (v) => typeof v === 'string'],
  segments: ['an array of segment names', (v) => Array.isArray(v) && v.every((x) => typeof x === 'string')],
  rules: ['an array of rules', Array.isArray],
};
/** Fields a definition written before rules existed lacks: read as none. */
const ADDED_FIELDS: ReadonlySet<string> = new Set(['segments', 'rules']);

/** VALIDATION_ERROR naming the first field of a definition that is missing or of the wrong type. */
function checkDefinitionTypes(input: Record<string, unknown>): void {
  for (const field of DEFINITION_FIELDS) {
    const [expected, check] = FIELD_TYPES[field];
    if (!Object.hasOwn(input, field) && ADDED_FIELDS.has(field)) continue;
    if (!Object.hasOwn(input, field)) throw new AppError('VALIDATION_ERROR', `${field} is missing: a definition carries every field.`);
    if (!check(input[field])) throw new AppError('VALIDATION_ERROR', `${field} must be ${expected}.`);
  }
}

/** Our own document's flags as candidates: every definition field must be present (a definition is whole). */
function readOwnExport(doc: Record<string, unknown>): ImportCandidate[] {
  if (doc.version !== EXPORT_VERSION) throw new AppError('VALIDATION_ERROR', `body/version must be ${EXPORT_VERSION}.`);
  if (!Array.isArray(doc.flags)) throw new AppError('VALIDATION_ERROR', 'body/flags must be an array of flag definitions.');
  return doc.flags.map((item: unknown, i) => {
    if (!isObject(item) || typeof item.name !== 'string') return { name: `#${i}`, refused: [`flags/${i} has no name`], notes: [] };
    const unknownKey = Object.keys(item).find((key) => key !== 'name' && !(DEFINITION_FIELDS as readonly string[]).includes(key));
    if (unknownKey !== undefined) return { name: item.name, refused: [`field ${unknownKey} is not part of a flag definition`], notes: [] };
    return { name: item.name, input: item as unknown as FlagInput & { name: string }, refused: [], notes: [] };
  });
}

/** The candidates a document holds: our own export, or an Unleash feature export read in `environment`. */
export function readImportDocument(
  doc: unknown,
  environment?: string,
): { source: ImportPlan['source']; environment?: string; candidates: ImportCandidate[] } {
  if (isObject(doc) && doc.format === EXPORT_FORMAT) return { source: 'beta-suite', candidates: readOwnExport(doc) };
  if (isUnleashExport(doc)) {
    const env = readEnv(doc, environment);
    return { source: 'unleash', environment: env, candidates: readUnleashExport(doc, env) };
  }
  throw new AppError(
    'VALIDATION_ERROR',
    `body must be a flag export (format "${EXPORT_FORMAT}") or an Unleash feature export (features, featureStrategies, featureEnvironments).`,
  );
}

function readEnv(doc: Record<string, unknown>, wanted: string | undefined): string | undefined {
  const names = new Set<string>();
  for (const key of ['featureEnvironments', 'featureStrategies']) {
    for (const row of Array.isArray(doc[key]) ? (doc[key] as unknown[]) : []) {
      if (isObject(row) && typeof row.environment === 'string') names.add(row.environment);
    }
  }
  if (wanted !== undefined) {
    if (names.size > 0 && !names.has(wanted)) {
      throw new AppError('VALIDATION_ERROR', `environment "${wanted}" is not in the export (it holds ${[...names].join(', ')}).`);
    }
    return wanted;
  }
  return names.has('production') ? 'production' : [...names][0];
}

/** JSON with object keys sorted: jsonb does not keep key order, so stored and incoming values compare by content. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    isObject(v)
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, v[k]]),
        )
      : v,
  );
}
const same = (a: unknown, b: unknown) => canonical(a) === canonical(b);

/** Each candidate against the current flags: what the import would do, validated as a manual change is. */
export function planImport(
  read: ReturnType<typeof readImportDocument>,
  current: ReadonlyMap<string, FlagRow>,
  now: Date,
  /** The segments that exist; a flag naming another is invalid, as its write would be refused. Unchecked when absent. */
  segments?: ReadonlySet<string>,
): { plan: ImportPlan; writes: PlannedWrite[] } {
  const flags: PlanEntry[] = [];
  const writes: PlannedWrite[] = [];
  const seen = new Set<string>();
  for (const candidate of read.candidates) {
    const entry: PlanEntry = {
      name: candidate.name,
      action: 'refused',
      changes: [],
      reasons: [...candidate.refused],
      notes: candidate.notes,
    };
    if (seen.has(candidate.name)) entry.reasons.push('the document names this flag more than once');
    seen.add(candidate.name);
    if (entry.reasons.length > 0 || !candidate.input) {
      flags.push(entry);
      continue;
    }
    const before = current.get(candidate.name);
    let after: FlagWrite;
    try {
      if (read.source === 'beta-suite') checkDefinitionTypes(candidate.input as unknown as Record<string, unknown>);
      after = before ? editFlag(before, candidate.input, now) : newFlag(candidate.input, now);
      const missing = segments && missingSegment(after, (name) => segments.has(name));
      if (missing) throw new AppError('VALIDATION_ERROR', missing);
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      flags.push({ ...entry, action: 'invalid', reasons: [err.message] });
      continue;
    }
    if (before) {
      const was = definitionOf(before);
      const next = definitionOf(after);
      for (const field of DEFINITION_FIELDS) {
        if (!same(was[field], next[field])) entry.changes.push({ field, from: was[field], to: next[field] });
      }
    }
    entry.action = !before ? 'create' : entry.changes.length > 0 ? 'update' : 'unchanged';
    if (entry.action !== 'unchanged') writes.push({ name: candidate.name, input: candidate.input });
    flags.push(entry);
  }
  const summary = { create: 0, update: 0, unchanged: 0, refused: 0, invalid: 0 };
  for (const entry of flags) summary[entry.action]++;
  return {
    plan: { source: read.source, ...(read.environment !== undefined && { environment: read.environment }), flags, summary },
    writes,
  };
}
