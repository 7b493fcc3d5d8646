// The flags page's segments: named condition sets that flag rules refer to, each with its conditions in
// words and the flags using it; created and edited with the same condition editor as flags, deleted unless
// in use (the server's refusal, naming the flags, is shown in place).
import { api, ApiError, send } from './api.js';
import type { Segment } from './api-types.js';
import { messageOf, toast } from './common.js';
import { conditionList, markCondition } from './condition-editor.js';
import { forgetSegments, segmentList } from './context-lists.js';
import { byId, el, fill } from './dom.js';
import { fieldErrorOf } from './field-errors.js';
import { clearInvalid, field, markInvalid } from './flag-forms.js';
import { FLAGS, SEGMENTS } from './ids.js';
import { conditionText } from './operators.js';

const section = byId(SEGMENTS.section, HTMLDetailsElement);
const list = byId(SEGMENTS.list, HTMLElement);
const createBox = byId(SEGMENTS.create, HTMLElement);
const status = byId(SEGMENTS.status, HTMLElement);
const operators = (byId(FLAGS.list, HTMLElement).dataset.operators ?? '').split(' ');
const segmentPath = (name: string) => `/api/admin/segments/${encodeURIComponent(name)}`;

const alertBox = (message: string) => el('div', { class: 'alert alert-danger py-2 mb-0 mt-2', role: 'alert' }, message);

/** "Used by 2 flags: checkout, search" */
function usedByText(s: Segment): string {
  const n = s.used_by.length;
  return n === 0 ? 'Used by no flag' : `Used by ${n} flag${n === 1 ? '' : 's'}: ${s.used_by.join(', ')}`;
}

const nameInput = (base: string) =>
  el('input', {
    class: 'form-control form-control-sm',
    id: `${base}-name`,
    required: true,
    maxlength: '100',
    pattern: '[a-z0-9][a-z0-9._\\-]{0,99}',
    'aria-describedby': `${base}-name-help`,
  });

const nameField = (name: HTMLInputElement) =>
  el(
    'div',
    { class: 'col-12 col-md-4' },
    el('label', { class: 'form-label small', for: name.id }, 'Name'),
    name,
    el('div', { class: 'form-text', id: `${name.id}-help` }, 'Lowercase letters, digits, dot, dash, underscore.'),
  );

/**
 * A segment's form: name (new segments only), description and conditions. `submit` sends the body; a refused
 * field is marked beside itself, any other failure said in the form.
 */
function segmentForm(
  base: string,
  segment: Segment | undefined,
  label: string,
  submit: (body: { name?: string; description: string; conditions: unknown[] }) => Promise<void>,
  cancel?: () => void,
): HTMLElement {
  const name = segment ? null : nameInput(base);
  const description = el('input', {
    class: 'form-control form-control-sm',
    id: `${base}-description`,
    maxlength: '2000',
    value: segment?.description ?? '',
  });
  const conditions = conditionList(`${base}-cond`, segment?.conditions ?? [{ operator: 'eq', values: [] }], operators);
  const problem = el('div');
  const button = el('button', { type: 'submit', class: 'btn btn-sm btn-primary' }, label);
  const form: HTMLFormElement = el(
    'form',
    { class: 'row g-2 align-items-end segment-form', novalidate: true },
    name ? nameField(name) : null,
    field('col-12 col-md-8', 'Description', description.id, description),
    el(
      'fieldset',
      { class: 'col-12' },
      el('legend', { class: 'form-label small mb-1' }, 'Conditions (all must match)'),
      conditions.rows,
      el('div', { class: 'mt-2' }, conditions.add),
    ),
    el(
      'div',
      { class: 'col-12 d-flex flex-wrap gap-2' },
      button,
      cancel ? el('button', { type: 'button', class: 'btn btn-sm btn-outline-secondary', onclick: cancel }, 'Cancel') : null,
    ),
    el('div', { class: 'col-12' }, problem),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    clearInvalid(form);
    problem.replaceChildren();
    if (name && !name.checkValidity()) {
      markInvalid(
        name,
        name.value.trim() === '' ? 'Enter a name.' : 'A segment name is lowercase letters, digits, dot, dash or underscore.',
      );
      return;
    }
    button.disabled = true;
    const body = { ...(name && { name: name.value.trim() }), description: description.value.trim(), conditions: conditions.read() };
    void submit(body)
      .catch((err: unknown) => {
        const fieldError = err instanceof ApiError && err.status === 400 ? fieldErrorOf(err.raw) : undefined;
        const [part, ...rest] = fieldError?.path ?? [];
        if (fieldError && part === 'conditions' && markCondition(conditions.rows, rest, fieldError.message)) return;
        if (fieldError && part === 'name' && name) return markInvalid(name, fieldError.message);
        if (fieldError && part === 'description') return markInvalid(description, fieldError.message);
        fill(problem, alertBox(messageOf(err)));
      })
      .finally(() => {
        button.disabled = false;
      });
  });
  return form;
}

function segmentItem(s: Segment): HTMLElement {
  const base = `segment-${s.name}`;
  const problem = el('div');
  const editor = el('div', { class: 'mt-2' });
  const edit = el('button', { type: 'button', class: 'btn btn-sm btn-outline-secondary', 'aria-expanded': 'false' }, 'Edit');
  const close = () => {
    editor.replaceChildren();
    edit.setAttribute('aria-expanded', 'false');
    edit.focus();
  };
  edit.addEventListener('click', () => {
    if (editor.childElementCount > 0) return close();
    edit.setAttribute('aria-expanded', 'true');
    fill(
      editor,
      segmentForm(
        `${base}-edit`,
        s,
        'Save segment',
        async (body) => {
          await api<Segment>(segmentPath(s.name), { method: 'PATCH', body, headers: { 'if-match': `"${s.version}"` } });
          toast(`Saved segment ${s.name}.`);
          await load();
        },
        close,
      ),
    );
    editor.querySelector<HTMLElement>('input')?.focus();
  });
  const remove = async () => {
    problem.replaceChildren();
    if (!confirm(`Delete the segment ${s.name}?`)) return;
    try {
      await send(segmentPath(s.name), { method: 'DELETE', headers: { 'if-match': `"${s.version}"` } });
      toast(`Deleted segment ${s.name}.`);
      await load();
    } catch (err) {
      fill(problem, alertBox(`Not deleted: ${messageOf(err)}`));
    }
  };
  return el(
    'article',
    { class: 'border rounded p-2 segment', dataset: { segment: s.name } },
    el('h3', { class: 'h6 mb-1 text-break' }, s.name),
    s.description ? el('p', { class: 'small text-secondary mb-1 text-break' }, s.description) : null,
    el('p', { class: 'small mb-1 text-break segment-conditions' }, s.conditions.map((c) => conditionText(c)).join(' and ')),
    el('p', { class: 'small text-secondary mb-2 segment-used-by' }, usedByText(s)),
    el(
      'div',
      { class: 'd-flex flex-wrap gap-2' },
      edit,
      el('button', { type: 'button', class: 'btn btn-sm btn-outline-danger', onclick: () => void remove() }, 'Delete'),
    ),
    problem,
    editor,
  );
}

async function load(): Promise<void> {
  forgetSegments();
  try {
    const items = await segmentList();
    status.textContent = `(${items.length})`;
    fill(list, items.length === 0 ? el('p', { class: 'small text-secondary mb-0' }, 'No segments yet.') : items.map(segmentItem));
  } catch (err) {
    status.textContent = '';
    fill(
      list,
      el(
        'div',
        { class: 'alert alert-danger d-flex flex-wrap gap-2 align-items-center py-2 mb-0', role: 'alert' },
        `Could not load the segments: ${messageOf(err)}`,
        el('button', { type: 'button', class: 'btn btn-sm btn-danger', onclick: () => void load() }, 'Retry'),
      ),
    );
  }
}

function drawCreate(): void {
  fill(
    createBox,
    el('h3', { class: 'h6' }, 'New segment'),
    segmentForm(SEGMENTS.create, undefined, 'Create segment', async (body) => {
      const created = await api<Segment>('/api/admin/segments', { method: 'POST', body });
      toast(`Created segment ${created.name}.`);
      drawCreate();
      await load();
    }),
  );
}

// Drawn when first opened and loaded each time, so "used by" reflects rules saved since.
section.addEventListener('toggle', () => {
  if (!section.open) return;
  if (createBox.childElementCount === 0) drawCreate();
  void load();
});
