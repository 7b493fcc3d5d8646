// A typed flag's variants in its card: one row per variant (name, value of the flag's type, weight,
// pinned users, default), rows added and removed, saved together; and the variants' summary.
import type { Flag } from './api-types.js';
import { el } from './dom.js';
import { fieldErrorOf } from './field-errors.js';
import type { FlagEditing } from './flag-editors.js';
import { markInvalid, saveAction, type SaveFeedback } from './flag-forms.js';

type Variant = Flag['variants'][number];

const valueText = (type: Flag['value_type'], value: unknown) =>
  type === 'string' && typeof value === 'string' ? value : JSON.stringify(value ?? null);

/** `control 50 % · short 50 %`, the default marked. */
export function variantSummary(flag: Flag): string {
  const total = flag.variants.reduce((sum, v) => sum + v.weight, 0);
  return flag.variants
    .map((v) => {
      const share = total > 0 ? Math.round((v.weight / total) * 1000) / 10 : 0;
      return `${v.name} ${share} %${v.name === flag.default_variant ? ' (default)' : ''}`;
    })
    .join(' · ');
}

function variantRow(flag: Flag, variant: Partial<Variant>, index: number): HTMLElement {
  const base = `variant-${flag.name}-${index}`;
  const input = (id: string, label: string, control: HTMLElement, cls: string) =>
    el('div', { class: cls }, el('label', { class: 'form-label small', for: `${base}-${id}` }, label), control);
  const value =
    flag.value_type === 'object'
      ? el('textarea', { class: 'form-control form-control-sm font-monospace', id: `${base}-value`, rows: '2', dataset: { part: 'value' } })
      : el('input', {
          class: 'form-control form-control-sm',
          id: `${base}-value`,
          type: flag.value_type === 'number' ? 'number' : 'text',
          step: 'any',
          dataset: { part: 'value' },
        });
  value.value = variant.value === undefined ? '' : valueText(flag.value_type, variant.value);
  const pins = el('textarea', {
    class: 'form-control form-control-sm font-monospace',
    id: `${base}-pins`,
    rows: '1',
    dataset: { part: 'pins' },
  });
  pins.value = (variant.overrides ?? []).join('\n');
  const row: HTMLDivElement = el(
    'div',
    { class: 'row g-2 align-items-end variant-row', dataset: { index: String(index) } },
    input(
      'name',
      'Variant name',
      el('input', {
        class: 'form-control form-control-sm',
        id: `${base}-name`,
        value: variant.name ?? '',
        maxlength: '64',
        dataset: { part: 'name' },
      }),
      'col-6 col-md-2',
    ),
    input('value', `Value (${flag.value_type === 'object' ? 'JSON object' : flag.value_type})`, value, 'col-6 col-md-3'),
    input(
      'weight',
      'Weight',
      el('input', {
        class: 'form-control form-control-sm',
        id: `${base}-weight`,
        type: 'number',
        min: '0',
        max: '10000',
        step: '1',
        value: String(variant.weight ?? 0),
        dataset: { part: 'weight' },
      }),
      'col-4 col-md-1',
    ),
    input('pins', 'Pinned users (one per line)', pins, 'col-8 col-md-3'),
    el(
      'div',
      { class: 'col-6 col-md-2 form-check ps-4' },
      el('input', {
        class: 'form-check-input',
        type: 'radio',
        name: `default-${flag.name}`,
        id: `${base}-default`,
        checked: variant.name !== undefined && variant.name === flag.default_variant,
        dataset: { part: 'default' },
      }),
      el('label', { class: 'form-check-label small', for: `${base}-default` }, 'Default (off / not matched)'),
    ),
    el(
      'div',
      { class: 'col-6 col-md-1' },
      el('button', { type: 'button', class: 'btn btn-sm btn-outline-danger', onclick: (): void => row.remove() }, 'Remove'),
    ),
  );
  return row;
}

/** The rows as the API takes them; undefined (the value marked beside itself) when a value is not of the flag's type. */
function readVariants(flag: Flag, rows: HTMLElement): { variants: Variant[]; defaultVariant: string | null } | undefined {
  const variants: Variant[] = [];
  let defaultVariant: string | null = null;
  for (const row of rows.querySelectorAll<HTMLElement>('.variant-row')) {
    const part = <T extends HTMLElement>(name: string) => row.querySelector<T>(`[data-part="${name}"]`)!;
    const name = part<HTMLInputElement>('name').value.trim();
    const raw = part<HTMLInputElement | HTMLTextAreaElement>('value').value;
    let value: unknown = raw;
    if (flag.value_type !== 'string') {
      try {
        value = JSON.parse(raw);
      } catch {
        markInvalid(
          part('value'),
          `The value of ${name || 'a variant'} must be ${flag.value_type === 'number' ? 'a number' : 'a JSON object'}.`,
        );
        return undefined;
      }
    }
    const overrides = part<HTMLTextAreaElement>('pins')
      .value.split(/\r?\n/)
      .map((s) => s.trim())
      .filter(Boolean);
    variants.push({ name, value, weight: Number(part<HTMLInputElement>('weight').value), overrides });
    if (part<HTMLInputElement>('default').checked) defaultVariant = name;
  }
  return { variants, defaultVariant };
}

export function variantsEditor(flag: Flag, editing: FlagEditing): HTMLElement {
  let next = flag.variants.length;
  const rows = el(
    'div',
    { class: 'vstack gap-2' },
    flag.variants.map((v, i) => variantRow(flag, v, i)),
  );
  // The API names a refused variant by its place in the list sent, which is the rows' order.
  const invalid = (raw: string) => {
    const problem = fieldErrorOf(raw);
    if (problem?.path[0] === 'default_variant') {
      const chosen =
        rows.querySelector<HTMLElement>('[data-part="default"]:checked') ?? rows.querySelector<HTMLElement>('[data-part="default"]');
      if (!chosen) return false;
      markInvalid(chosen, problem.message);
      return true;
    }
    if (problem?.path[0] !== 'variants' || typeof problem.path[1] !== 'number') return false;
    const part = { name: 'name', value: 'value', weight: 'weight', overrides: 'pins' }[String(problem.path[2])] ?? 'name';
    const control = rows.querySelectorAll('.variant-row')[problem.path[1]]?.querySelector<HTMLElement>(`[data-part="${part}"]`);
    if (!control) return false;
    markInvalid(control, problem.message);
    return true;
  };
  const save = async (feedback: SaveFeedback) => {
    const read = readVariants(flag, rows);
    return read ? editing.patch(flag, { variants: read.variants, default_variant: read.defaultVariant }, feedback) : false;
  };
  const box: HTMLElement = el(
    'div',
    {},
    el('h3', { class: 'h6' }, `Variants (${flag.value_type})`),
    el(
      'p',
      { class: 'small text-secondary' },
      'Users the flag is on for get a variant by weight (sticky per targeting key, as Unleash assigns them); pinned users always get their variant while the flag is on; everyone else gets the default.',
    ),
    rows,
    el(
      'div',
      { class: 'd-flex flex-wrap gap-2 mt-2 align-items-start' },
      el(
        'button',
        { type: 'button', class: 'btn btn-sm btn-outline-secondary', onclick: () => rows.append(variantRow(flag, {}, next++)) },
        'Add variant',
      ),
      saveAction(`variants-${flag.name}`, 'Save variants', () => box, save, invalid),
    ),
  );
  return box;
}
