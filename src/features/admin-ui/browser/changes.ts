// What an audit entry changed, read from its before and after: the fields that differ (bookkeeping
// aside), as one line for a flag's history or as a list with additions and removals marked.
import { el } from './dom.js';

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Fields every write touches: they say nothing about the change. */
const BOOKKEEPING = ['version', 'updated_at', 'full_rollout_since'];

export interface FieldChange {
  field: string;
  /** `added`: only after has it; `removed`: only before has it. */
  kind: 'changed' | 'added' | 'removed';
  before: unknown;
  after: unknown;
}

/** The fields that differ between before and after (either may be missing: everything was added or removed). */
export function changedFields(before: unknown, after: unknown): FieldChange[] {
  const old = isRecord(before) ? before : {};
  const now = isRecord(after) ? after : {};
  const fields = [...new Set([...Object.keys(now), ...Object.keys(old)])].filter((k) => !BOOKKEEPING.includes(k));
  return fields.flatMap((field): FieldChange[] => {
    const had = Object.hasOwn(old, field);
    const has = Object.hasOwn(now, field);
    if (had && has && JSON.stringify(old[field]) === JSON.stringify(now[field])) return [];
    return [{ field, kind: had && has ? 'changed' : has ? 'added' : 'removed', before: old[field], after: now[field] }];
  });
}

/** ` · field: before → after; …` for the fields an audit entry changed (bookkeeping fields aside). */
export function describeChange(before: unknown, after: unknown): string {
  if (!isRecord(before) || !isRecord(after)) return '';
  const changed = changedFields(before, after).filter((c) => c.kind !== 'removed');
  return changed.length
    ? ` · ${changed.map((c) => `${c.field}: ${JSON.stringify(c.before)} → ${JSON.stringify(c.after)}`).join('; ')}`
    : '';
}

const shown = (value: unknown): string => (value === undefined ? '—' : JSON.stringify(value));

/** The changed fields as a list: old → new, additions and removals marked (and said, not only coloured). */
export function changeList(before: unknown, after: unknown): HTMLElement | null {
  const changes = changedFields(before, after);
  if (changes.length === 0) return null;
  return el(
    'ul',
    { class: 'list-unstyled small mb-0 audit-diff' },
    changes.map((c) =>
      el(
        'li',
        { class: `diff-${c.kind}`, dataset: { field: c.field } },
        el('span', { class: 'fw-semibold' }, c.field),
        ': ',
        c.kind === 'added'
          ? [el('span', { class: 'visually-hidden' }, 'added '), el('ins', {}, shown(c.after))]
          : c.kind === 'removed'
            ? [el('span', { class: 'visually-hidden' }, 'removed '), el('del', {}, shown(c.before))]
            : [el('del', {}, shown(c.before)), ' → ', el('ins', {}, shown(c.after))],
      ),
    ),
  );
}
