// Index suggestions from slow plans: each candidate index a plan points at is tried (hypothetically
// with hypopg, else built and rolled back) and kept only when it cuts the statement's cost enough.
// A suggestion is dropped once an index serving it exists.
import type { Kysely } from 'kysely';
import type { PoolState } from '../../db/database.js';
import type { DatabaseSchema } from '../../db/schema.js';
import {
  LOCK_TIMEOUT_MS,
  columnDistinct,
  ensureHypopg,
  listIndexes,
  resolveSchema,
  tableRows,
  trialWithHypopg,
  trialWithRollback,
  type TrialCosts,
} from './db-insights.repository.js';
import type { IndexInfo } from './duplicate-indexes.js';
import { findIndexCandidates, type ExplainRoot, type IndexCandidate } from './plan-analysis.js';
import type { AnalysisJob } from './slow-query-entry.js';
import {
  MIN_REDUCTION_PCT,
  MIN_TABLE_ROWS,
  coveringIndex,
  createIndexStatement,
  orderColumns,
  reductionPct,
  type ExistingIndex,
  type IndexColumn,
} from './suggest.js';

export interface Suggestion {
  table: string;
  schema: string;
  columns: string[];
  statement: string;
  cost_before: number;
  cost_after: number;
  reduction_pct: number;
  verified_by: 'hypopg' | 'rollback';
  reason: string;
  fingerprint: string;
  query: string;
  verified_at: string;
}

export interface IndexSuggestionsDeps {
  db: Kysely<DatabaseSchema>;
  kind: PoolState['kind'];
  /** A verified suggestion is tried again at most once per this period. */
  cooldownMs: number;
  explainTimeoutMs: number;
  now: () => number;
}

export interface IndexSuggestions {
  /** Tries the indexes `root` points at; `parameters` are the statement's live values. */
  suggestFrom(job: AnalysisJob, parameters: readonly unknown[], root: ExplainRoot): Promise<void>;
  /** The suggestions no index in `existing` serves yet, largest cost reduction first. */
  current(existing: readonly ExistingIndex[]): Suggestion[];
}

const MAX_SUGGESTIONS = 100;
/**
 * A trial build holds a SHARE lock (writes to the table wait) until it is rolled back: on PostgreSQL
 * it may take this long at most, else the suggestion stays unverified and is not shown.
 */
const TRIAL_BUILD_TIMEOUT_MS = 1_000;
/** PGlite enforces no statement timeout and has one connection: larger tables are not trial-built there. */
const PGLITE_TRIAL_MAX_ROWS = 300_000;

const REASONS: Record<IndexCandidate['reason'], string> = {
  seq_scan_filter: 'sequential scan with a filter',
  index_scan_filter: 'index scan discarding most rows it reads by a filter',
  sort_under_limit: 'sort under a LIMIT',
  join_inner_seq_scan: 'sequential scan on the inner side of a join',
};

function describeCandidate(c: IndexCandidate, rows: number): string {
  const parts = [`${REASONS[c.reason]} on ${c.table} (${Math.round(rows)} rows)`];
  if (c.equality.length) parts.push(`equality on ${c.equality.join(', ')}`);
  if (c.range.length) parts.push(`range on ${c.range.join(', ')}`);
  if (c.sort.length) parts.push(`ordered by ${c.sort.map((s) => `${s.column}${s.desc ? ' DESC' : ''}`).join(', ')}`);
  return parts.join('; ');
}

const columnLabel = (c: IndexColumn) => `${c.column}${c.desc ? ' DESC' : ''}`;

function suggestionKey(schema: string, table: string, columns: readonly IndexColumn[]): string {
  return `${schema}.${table}(${columns.map(columnLabel).join(',')})`;
}

function toExisting(ix: IndexInfo): ExistingIndex {
  return { schema: ix.schema, table: ix.table, name: ix.name, columns: ix.columns, valid: ix.valid, partial: ix.predicate !== null };
}

/** The database's indexes in the form coverage checks take. */
export async function existingIndexes(db: Kysely<DatabaseSchema>): Promise<ExistingIndex[]> {
  return (await listIndexes(db)).map(toExisting);
}

interface SuggestionsState {
  deps: IndexSuggestionsDeps;
  suggestions: Map<string, Suggestion>;
  /** Whether hypothetical indexes can be had; asked once, on the first trial. */
  hypopg: boolean | undefined;
}

export function createIndexSuggestions(deps: IndexSuggestionsDeps): IndexSuggestions {
  const state: SuggestionsState = { deps, suggestions: new Map(), hypopg: undefined };
  return {
    suggestFrom: (job, parameters, root) => suggestFrom(state, job, parameters, root),
    current(existing) {
      for (const [key, s] of state.suggestions) {
        const columns = s.columns.map((c) => ({ column: c.replace(/ DESC$/, ''), desc: c.endsWith(' DESC') }));
        if (coveringIndex(existing, s.schema, s.table, columns)) state.suggestions.delete(key);
      }
      return [...state.suggestions.values()].sort((a, b) => b.reduction_pct - a.reduction_pct);
    },
  };
}

async function suggestFrom(state: SuggestionsState, job: AnalysisJob, parameters: readonly unknown[], root: ExplainRoot): Promise<void> {
  const { deps, suggestions } = state;
  const candidates = findIndexCandidates(root);
  if (candidates.length === 0) return;
  let existing: ExistingIndex[] | undefined;
  for (const candidate of candidates) {
    const schema = candidate.schema ?? (await resolveSchema(deps.db, candidate.table));
    if (!schema) continue;
    const rows = Math.max(candidate.rowsScanned, await tableRows(deps.db, schema, candidate.table));
    if (rows < MIN_TABLE_ROWS) continue;
    const distinct = await columnDistinct(deps.db, schema, candidate.table);
    const columns = orderColumns(candidate, new Map([...distinct].map(([c, n]) => [c, { nDistinct: n }])), rows);
    if (columns.length === 0) continue;
    const key = suggestionKey(schema, candidate.table, columns);
    const known = suggestions.get(key);
    if (known && deps.now() - Date.parse(known.verified_at) < deps.cooldownMs) continue;
    existing ??= await existingIndexes(deps.db);
    if (coveringIndex(existing, schema, candidate.table, columns)) continue;
    state.hypopg ??= deps.kind === 'postgres' && (await ensureHypopg(deps.db));
    if (!state.hypopg && deps.kind === 'pglite' && rows > PGLITE_TRIAL_MAX_ROWS) continue;
    const costs = await trialCosts(
      state,
      job.sql,
      parameters,
      createIndexStatement({ schema, table: candidate.table }, columns, { concurrently: false, name: '' }),
    );
    const reduction = reductionPct(costs.before, costs.after);
    if (reduction < MIN_REDUCTION_PCT) {
      suggestions.delete(key);
      continue;
    }
    if (!known && suggestions.size >= MAX_SUGGESTIONS) suggestions.delete(suggestions.keys().next().value!);
    suggestions.set(key, {
      table: candidate.table,
      schema,
      columns: columns.map(columnLabel),
      statement: createIndexStatement({ schema, table: candidate.table }, columns, { concurrently: deps.kind === 'postgres' }),
      cost_before: costs.before,
      cost_after: costs.after,
      reduction_pct: reduction,
      verified_by: state.hypopg ? 'hypopg' : 'rollback',
      reason: describeCandidate(candidate, rows),
      fingerprint: job.fingerprint,
      query: job.query,
      verified_at: new Date(deps.now()).toISOString(),
    });
  }
}

/** The statement's estimated cost without and with the trial index. */
function trialCosts(state: SuggestionsState, statement: string, parameters: readonly unknown[], trial: string): Promise<TrialCosts> {
  const { db, explainTimeoutMs } = state.deps;
  return state.hypopg
    ? trialWithHypopg(db, statement, parameters, trial)
    : trialWithRollback(db, statement, parameters, trial, {
        timeoutMs: explainTimeoutMs,
        buildTimeoutMs: Math.min(TRIAL_BUILD_TIMEOUT_MS, explainTimeoutMs),
        lockTimeoutMs: LOCK_TIMEOUT_MS,
      });
}
