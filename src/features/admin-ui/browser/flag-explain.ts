// The explain tool in a flag's card: "why does this user get this?" for a targeting key, an email and
// attributes given as rows (names offered from the flag's conditions) or, for experts, as JSON.
import { api } from './api.js';
import type { Explanation, Flag } from './api-types.js';
import { showError } from './common.js';
import { el, fill } from './dom.js';
import { clearInvalid, field, markInvalid } from './flag-forms.js';
import { conditionText } from './operators.js';

const flagPath = (name: string): string => `/api/admin/flags/${encodeURIComponent(name)}`;

/** A step in words; a condition is told with its operator's label and what the context held. */
function stepText(step: Explanation['steps'][number]): string {
  if (step.step !== 'condition') return step.detail ?? '';
  const held = step.actual === undefined ? 'the context lacks it' : `the context has ${JSON.stringify(step.actual)}`;
  return `${conditionText(step)}: ${step.matched ? 'matches' : 'does not match'} (${held})`;
}

const explanation = (answer: Explanation) => [
  el(
    'p',
    { class: 'mb-1' },
    el('strong', {}, typeof answer.value === 'boolean' ? String(answer.value) : JSON.stringify(answer.value)),
    typeof answer.value === 'boolean' || answer.errorCode ? '' : ` · variant ${answer.variant}`,
    ` · reason ${answer.reason}`,
    answer.errorCode ? ` · ${answer.errorCode}` : '',
    answer.bucket !== undefined ? ` · bucket ${answer.bucket}` : '',
    answer.target !== undefined ? ` · variant hash ${answer.target}` : '',
  ),
  el(
    'ol',
    { class: 'small mb-0' },
    answer.steps.map((s) => el('li', {}, el('span', { class: 'fw-semibold' }, s.step), `: ${stepText(s)}`)),
  ),
];

/** One attribute of the explain form's context: its name (offered from the flag's conditions) and value. */
function attributeRow(base: string, index: number, name: string, value: string): HTMLElement {
  const id = `${base}-attr-${index}`;
  return el(
    'div',
    { class: 'row g-2 align-items-end explain-attribute' },
    field(
      'col-5',
      'Attribute name',
      `${id}-name`,
      el('input', {
        class: 'form-control form-control-sm',
        id: `${id}-name`,
        list: `${base}-names`,
        maxlength: '100',
        value: name,
        dataset: { part: 'name' },
      }),
    ),
    field(
      'col-5',
      'Attribute value',
      `${id}-value`,
      el('input', { class: 'form-control form-control-sm', id: `${id}-value`, maxlength: '500', value, dataset: { part: 'value' } }),
    ),
    el(
      'div',
      { class: 'col-2' },
      el(
        'button',
        {
          type: 'button',
          class: 'btn btn-sm btn-outline-danger w-100',
          'aria-label': `Remove attribute ${index + 1}`,
          onclick: (e) => e.currentTarget.closest('.explain-attribute')?.remove(),
        },
        '×',
      ),
    ),
  );
}

/** The attributes the rows describe, values as typed (text, as the conditions editor stores them); rows without a name are skipped. */
function attributesOf(rows: HTMLElement): Record<string, unknown> {
  const attributes: Record<string, unknown> = {};
  for (const row of rows.querySelectorAll('.explain-attribute')) {
    const name = row.querySelector<HTMLInputElement>('[data-part="name"]')?.value.trim() ?? '';
    if (name !== '') attributes[name] = row.querySelector<HTMLInputElement>('[data-part="value"]')?.value ?? '';
  }
  return attributes;
}

/** A JSON object's text, or undefined when it is not one. */
function parseObject(text: string): Record<string, unknown> | undefined {
  if (text.trim() === '') return {};
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The context's attributes as rows of name and value, or as a JSON object behind the "JSON" toggle; switching
 * carries the attributes over, so both send the same request. `read` marks a JSON text that is not an object.
 */
function attributesEditor(base: string, names: readonly string[]) {
  const rows = el('div', { class: 'vstack gap-2', id: `${base}-rows` });
  let next = 0;
  const addRow = (name = '', value = '') => rows.append(attributeRow(base, next++, name, value));
  for (const name of names.length > 0 ? names : ['']) addRow(name);
  const json = el('textarea', {
    class: 'form-control form-control-sm font-monospace',
    id: `${base}-attrs`,
    rows: '3',
    placeholder: '{"plan":"pro"}',
  });
  const jsonBox = el('div', { hidden: true }, el('label', { class: 'form-label small', for: json.id }, 'Attributes (JSON object)'), json);
  const rowsBox = el(
    'div',
    {},
    rows,
    el(
      'datalist',
      { id: `${base}-names` },
      names.map((n) => el('option', { value: n })),
    ),
    el('button', { type: 'button', class: 'btn btn-sm btn-outline-secondary mt-2', onclick: () => addRow() }, 'Add attribute'),
  );
  const jsonMode = () => !jsonBox.hidden;
  const toggle = el('button', {
    type: 'button',
    class: 'btn btn-sm btn-outline-secondary',
    'aria-pressed': 'false',
    'aria-controls': json.id,
    id: `${base}-json`,
    text: 'JSON',
  });
  const box = el('div', {}, rowsBox, jsonBox);
  toggle.addEventListener('click', () => {
    clearInvalid(box);
    if (!jsonMode()) {
      json.value = JSON.stringify(attributesOf(rows), null, 1);
    } else {
      const attributes = parseObject(json.value);
      const simple =
        attributes && Object.values(attributes).every((v) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean');
      if (!attributes || !simple) {
        markInvalid(json, 'To edit these attributes as fields, write a JSON object of names and single values, e.g. {"plan":"pro"}.');
        return;
      }
      rows.replaceChildren();
      for (const [name, value] of Object.entries(attributes)) addRow(name, String(value));
      if (Object.keys(attributes).length === 0) addRow();
    }
    jsonBox.hidden = jsonMode();
    rowsBox.hidden = !jsonBox.hidden;
    toggle.setAttribute('aria-pressed', String(jsonMode()));
  });
  const read = (): Record<string, unknown> | undefined => {
    const attributes = jsonMode() ? parseObject(json.value) : attributesOf(rows);
    if (!attributes) markInvalid(json, 'Attributes must be a JSON object, e.g. {"plan":"pro"}.');
    return attributes;
  };
  return { box, toggle, read };
}

/**
 * "Why does this user get this?": a targeting key, an email and attribute rows (names offered from the
 * flag's conditions), or for experts the attributes as JSON; both send the same request.
 */
export function explainTool(flag: Flag): HTMLElement {
  const base = `explain-${flag.name}`;
  const result = el('div', { class: 'mt-2 explain-result', 'aria-live': 'polite' });
  const names = [...new Set(flag.conditions.map((c) => c.attribute))];
  const key = el('input', { class: 'form-control form-control-sm', id: `${base}-key`, maxlength: '500' });
  const email = el('input', { class: 'form-control form-control-sm', id: `${base}-email`, type: 'email' });
  const attributeFields = attributesEditor(base, names);
  const form = el(
    'form',
    { class: 'vstack gap-2', novalidate: true },
    el(
      'div',
      { class: 'row g-2' },
      field('col-12 col-md-6', 'Targeting key (user id)', key.id, key),
      field('col-12 col-md-6', 'Email', email.id, email),
    ),
    attributeFields.box,
    el(
      'div',
      { class: 'd-flex gap-2' },
      el('button', { type: 'submit', class: 'btn btn-sm btn-secondary' }, 'Explain'),
      attributeFields.toggle,
    ),
  );
  const contextOf = (): Record<string, unknown> | undefined => {
    const attributes = attributeFields.read();
    if (!attributes) return undefined;
    const context: Record<string, unknown> = { ...attributes };
    if (key.value.trim()) context.targetingKey = key.value.trim();
    if (email.value.trim()) context.email = email.value.trim();
    return context;
  };
  const explain = async () => {
    clearInvalid(form);
    const context = contextOf();
    if (!context) return;
    try {
      fill(result, explanation(await api<Explanation>(`${flagPath(flag.name)}/explain`, { method: 'POST', body: { context } })));
    } catch (err) {
      showError(err);
    }
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void explain();
  });
  return el('div', {}, el('h3', { class: 'h6' }, 'Why does this user get this?'), form, result);
}
