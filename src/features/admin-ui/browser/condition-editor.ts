// A list of conditions to edit (attribute, operator, values and the switches of each), used for a flag's
// conditions, its rules' and segments'. Attribute fields suggest the names recent traffic carried.
import type { Condition } from './api-types.js';
import { attributeListId } from './context-lists.js';
import { el } from './dom.js';
import type { FieldError } from './field-errors.js';
import { field, markInvalid } from './flag-forms.js';
import { conditionSwitches, readSwitches } from './flag-targeting.js';
import { operatorLabel } from './operators.js';

/** One condition's row; its controls' ids start with `${base}-${index}`. */
export function conditionRow(c: Partial<Condition>, base: string, index: number, operators: readonly string[]): HTMLElement {
  const id = `${base}-${index}`;
  return el(
    'div',
    { class: 'row g-2 align-items-end condition' },
    field(
      'col-12 col-md-4',
      'Attribute',
      `${id}-attr`,
      el('input', {
        class: 'form-control form-control-sm',
        id: `${id}-attr`,
        dataset: { part: 'attribute' },
        value: c.attribute ?? '',
        maxlength: '100',
        list: attributeListId(),
        autocomplete: 'off',
      }),
    ),
    field(
      'col-6 col-md-3',
      'Operator',
      `${id}-op`,
      el(
        'select',
        { class: 'form-select form-select-sm', id: `${id}-op`, dataset: { part: 'operator' } },
        operators.map((op) => el('option', { value: op, selected: op === c.operator }, operatorLabel(op))),
      ),
    ),
    field(
      'col-6 col-md-4',
      'Values (comma-separated)',
      `${id}-values`,
      el('input', {
        class: 'form-control form-control-sm',
        id: `${id}-values`,
        dataset: { part: 'values' },
        value: (c.values ?? []).join(', '),
      }),
    ),
    el(
      'div',
      { class: 'col-12 col-md-1' },
      el(
        'button',
        {
          type: 'button',
          class: 'btn btn-sm btn-outline-danger w-100',
          'aria-label': `Remove condition ${index + 1}`,
          onclick: (e) => {
            const row = e.currentTarget.closest('.condition');
            const box = row?.parentElement;
            row?.remove();
            box?.dispatchEvent(new Event('input', { bubbles: true }));
          },
        },
        '×',
      ),
    ),
    conditionSwitches(id, c),
  );
}

/** A condition as its row reads now; values stay text, as typed. */
export function readCondition(row: Element) {
  const part = (name: string) => row.querySelector<HTMLInputElement | HTMLSelectElement>(`[data-part="${name}"]`)?.value ?? '';
  return {
    attribute: part('attribute').trim(),
    operator: part('operator'),
    values: part('values')
      .split(',')
      .map((v) => v.trim())
      .filter(Boolean),
    ...readSwitches(row),
  };
}

/** The conditions of `rows` (a container of {@link conditionRow}s), in order. */
export const readConditions = (rows: ParentNode) => [...rows.querySelectorAll(':scope > .condition')].map(readCondition);

/**
 * Marks the control a refused condition names (`['conditions', 1, 'values', 0]`, `path` from the list on) in
 * `rows`; false when there is no such row.
 */
export function markCondition(rows: ParentNode, path: FieldError['path'], message: string): boolean {
  if (typeof path[0] !== 'number') return false;
  const row = rows.querySelectorAll(':scope > .condition')[path[0]];
  const part = path[1] === 'attribute' || path[1] === 'operator' ? path[1] : 'values';
  const control = row?.querySelector<HTMLElement>(`[data-part="${part}"]`);
  if (!control) return false;
  markInvalid(control, message);
  return true;
}

/** Editable conditions with an "Add condition" button: `rows` holds them, `add` the button. */
export function conditionList(base: string, conditions: readonly Partial<Condition>[], operators: readonly string[]) {
  const rows = el(
    'div',
    { class: 'vstack gap-2' },
    conditions.map((c, i) => conditionRow(c, base, i, operators)),
  );
  let next = conditions.length;
  const add = el(
    'button',
    {
      type: 'button',
      class: 'btn btn-sm btn-outline-secondary',
      onclick: () => {
        const row = conditionRow({ operator: 'eq', values: [] }, base, next++, operators);
        rows.append(row);
        row.querySelector<HTMLInputElement>('[data-part="attribute"]')?.focus();
        rows.dispatchEvent(new Event('input', { bubbles: true }));
      },
    },
    'Add condition',
  );
  return { rows, add, read: () => readConditions(rows) };
}
