// Feature flags: on/off switches, rollout sliders (with the testers a new percentage covers, shown
// before saving), target users, conditions, the explain tool, adoption, staleness and history.
import { $, api, el, fill, fmtAgo, fmtDate, fmtInt, fmtPercent, showError, sparkline, statusBadge, toast } from './common.js';

const list = $('#flags');
/** The operators the flags API accepts, as the server rendered them. */
const OPERATORS = list.dataset.operators.split(' ');
const flags = new Map();
let activeTesters = null;

/** Sends a change conditional on the version shown, then redraws the flag from the answer. */
async function change(name, method, path, body) {
  const flag = flags.get(name);
  try {
    const updated = await api(path, { method, body, headers: { 'if-match': `"${flag.version}"` } });
    flags.set(name, { ...flag, ...updated });
    redraw(name);
    toast(`Saved ${name}.`);
    return true;
  } catch (err) {
    if (err.status === 409) {
      toast(`${name} was changed by someone else: reloaded. Apply your change again.`, 'error');
      await load();
    } else showError(err);
    return false;
  }
}

const coverage = (pct) =>
  activeTesters === null ? '' : `≈ ${fmtInt(Math.round((activeTesters * pct) / 100))} of ${fmtInt(activeTesters)} active testers`;

function confirmOff(name) {
  const dialog = $('#confirm-dialog');
  $('#confirm-text').textContent = `${name} is on for everyone (100 %). Turning it off takes it away from every user at once.`;
  dialog.returnValue = '';
  dialog.showModal();
  return new Promise((resolve) => dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true }));
}

function switchControl(flag) {
  const id = `enabled-${flag.name}`;
  return el(
    'div',
    { class: 'form-check form-switch fs-5 mb-0' },
    el('input', {
      class: 'form-check-input',
      type: 'checkbox',
      role: 'switch',
      id,
      checked: flag.is_enabled,
      onchange: async (e) => {
        const input = e.target;
        if (!input.checked && flag.rollout_percentage === 100 && !(await confirmOff(flag.name))) {
          input.checked = true;
          return;
        }
        input.disabled = true;
        if (!(await change(flag.name, 'POST', `/api/admin/flags/${encodeURIComponent(flag.name)}/toggle`))) {
          input.checked = !input.checked;
          input.disabled = false;
        }
      },
    }),
    el('label', { class: 'form-check-label fs-6', for: id }, flag.is_enabled ? 'On' : 'Off'),
  );
}

function rolloutControl(flag) {
  const id = `rollout-${flag.name}`;
  const output = el('output', { for: id, class: 'fw-semibold', id: `${id}-value` }, `${flag.rollout_percentage} %`);
  const covers = el('span', { class: 'small text-secondary', id: `${id}-covers` }, coverage(flag.rollout_percentage));
  const save = el('button', { type: 'button', class: 'btn btn-sm btn-primary', disabled: true, id: `${id}-save` }, 'Save rollout');
  const reset = el('button', { type: 'button', class: 'btn btn-sm btn-outline-secondary', disabled: true }, 'Reset');
  const slider = el('input', {
    type: 'range',
    class: 'form-range',
    min: '0',
    max: '100',
    step: '1',
    id,
    value: String(flag.rollout_percentage),
    'aria-describedby': `${id}-covers`,
  });
  const update = () => {
    const pct = Number(slider.value);
    output.textContent = `${pct} %`;
    covers.textContent = coverage(pct);
    const changed = pct !== flag.rollout_percentage;
    save.disabled = !changed;
    reset.disabled = !changed;
  };
  slider.addEventListener('input', update);
  slider.addEventListener('change', update);
  reset.addEventListener('click', () => {
    slider.value = String(flag.rollout_percentage);
    update();
  });
  save.addEventListener('click', async () => {
    save.disabled = true;
    await change(flag.name, 'PATCH', `/api/admin/flags/${encodeURIComponent(flag.name)}`, { rollout_percentage: Number(slider.value) });
  });
  return el(
    'div',
    {},
    el(
      'div',
      { class: 'd-flex flex-wrap gap-2 align-items-baseline' },
      el('label', { for: id, class: 'form-label mb-0' }, 'Rollout'),
      output,
      covers,
    ),
    slider,
    el('div', { class: 'd-flex gap-2' }, save, reset),
  );
}

function targetsEditor(flag) {
  const id = `targets-${flag.name}`;
  const area = el('textarea', { class: 'form-control font-monospace', id, rows: '3' });
  area.value = flag.target_users.join('\n');
  return el(
    'div',
    {},
    el('label', { class: 'form-label', for: id }, 'Target users (targeting keys or emails, one per line): always on'),
    area,
    el(
      'button',
      {
        type: 'button',
        class: 'btn btn-sm btn-outline-primary mt-2',
        onclick: () =>
          void change(flag.name, 'PATCH', `/api/admin/flags/${encodeURIComponent(flag.name)}`, {
            target_users: area.value
              .split(/\r?\n/)
              .map((s) => s.trim())
              .filter(Boolean),
          }),
      },
      'Save target users',
    ),
  );
}

function conditionRow(c, index, flagName) {
  const base = `cond-${flagName}-${index}`;
  return el(
    'div',
    { class: 'row g-2 align-items-end condition' },
    el(
      'div',
      { class: 'col-12 col-md-4' },
      el('label', { class: 'form-label small', for: `${base}-attr` }, 'Attribute'),
      el('input', {
        class: 'form-control form-control-sm',
        id: `${base}-attr`,
        dataset: { part: 'attribute' },
        value: c.attribute ?? '',
        maxlength: '100',
      }),
    ),
    el(
      'div',
      { class: 'col-6 col-md-3' },
      el('label', { class: 'form-label small', for: `${base}-op` }, 'Operator'),
      el(
        'select',
        { class: 'form-select form-select-sm', id: `${base}-op`, dataset: { part: 'operator' } },
        OPERATORS.map((op) => el('option', { value: op, selected: op === c.operator }, op)),
      ),
    ),
    el(
      'div',
      { class: 'col-6 col-md-4' },
      el('label', { class: 'form-label small', for: `${base}-values` }, 'Values (comma-separated)'),
      el('input', {
        class: 'form-control form-control-sm',
        id: `${base}-values`,
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
          onclick: (e) => e.target.closest('.condition').remove(),
        },
        '×',
      ),
    ),
  );
}

function conditionsEditor(flag) {
  const rows = el(
    'div',
    { class: 'vstack gap-2' },
    flag.conditions.map((c, i) => conditionRow(c, i, flag.name)),
  );
  let next = flag.conditions.length;
  const read = () =>
    [...rows.querySelectorAll('.condition')].map((row) => ({
      attribute: row.querySelector('[data-part="attribute"]').value.trim(),
      operator: row.querySelector('[data-part="operator"]').value,
      values: row
        .querySelector('[data-part="values"]')
        .value.split(',')
        .map((v) => v.trim())
        .filter(Boolean),
    }));
  return el(
    'fieldset',
    {},
    el('legend', { class: 'form-label fs-6' }, 'Conditions (all must match; a missing attribute never matches)'),
    rows,
    el(
      'div',
      { class: 'd-flex gap-2 mt-2' },
      el(
        'button',
        {
          type: 'button',
          class: 'btn btn-sm btn-outline-secondary',
          onclick: () => rows.append(conditionRow({ operator: 'eq', values: [] }, next++, flag.name)),
        },
        'Add condition',
      ),
      el(
        'button',
        {
          type: 'button',
          class: 'btn btn-sm btn-outline-primary',
          onclick: () => void change(flag.name, 'PATCH', `/api/admin/flags/${encodeURIComponent(flag.name)}`, { conditions: read() }),
        },
        'Save conditions',
      ),
    ),
  );
}

function explainTool(flag) {
  const base = `explain-${flag.name}`;
  const result = el('div', { class: 'mt-2', 'aria-live': 'polite' });
  const form = el(
    'form',
    { class: 'row g-2 align-items-end', novalidate: true },
    el(
      'div',
      { class: 'col-12 col-md-4' },
      el('label', { class: 'form-label small', for: `${base}-key` }, 'Targeting key (user id)'),
      el('input', { class: 'form-control form-control-sm', id: `${base}-key`, name: 'targetingKey', maxlength: '500' }),
    ),
    el(
      'div',
      { class: 'col-12 col-md-3' },
      el('label', { class: 'form-label small', for: `${base}-email` }, 'Email'),
      el('input', { class: 'form-control form-control-sm', id: `${base}-email`, name: 'email', type: 'email' }),
    ),
    el(
      'div',
      { class: 'col-12 col-md-3' },
      el('label', { class: 'form-label small', for: `${base}-attrs` }, 'Attributes (JSON)'),
      el('input', {
        class: 'form-control form-control-sm font-monospace',
        id: `${base}-attrs`,
        name: 'attributes',
        placeholder: '{"plan":"pro"}',
      }),
    ),
    el('div', { class: 'col-12 col-md-2' }, el('button', { type: 'submit', class: 'btn btn-sm btn-secondary w-100' }, 'Explain')),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const data = new FormData(form);
    let context = {};
    const attrs = String(data.get('attributes') ?? '').trim();
    if (attrs) {
      try {
        context = JSON.parse(attrs);
        if (typeof context !== 'object' || context === null || Array.isArray(context)) throw new Error('not an object');
      } catch {
        toast('Attributes must be a JSON object, e.g. {"plan":"pro"}.', 'error');
        return;
      }
    }
    const key = String(data.get('targetingKey') ?? '').trim();
    const email = String(data.get('email') ?? '').trim();
    if (key) context.targetingKey = key;
    if (email) context.email = email;
    try {
      const answer = await api(`/api/admin/flags/${encodeURIComponent(flag.name)}/explain`, { method: 'POST', body: { context } });
      fill(
        result,
        el(
          'p',
          { class: 'mb-1' },
          el('strong', {}, answer.value ? 'true' : 'false'),
          ` · reason ${answer.reason}`,
          answer.errorCode ? ` · ${answer.errorCode}` : '',
          answer.bucket !== undefined ? ` · bucket ${answer.bucket}` : '',
        ),
        el(
          'ol',
          { class: 'small mb-0' },
          answer.steps.map((s) => el('li', {}, el('span', { class: 'fw-semibold' }, s.step), `: ${s.detail ?? ''}`)),
        ),
      );
    } catch (err) {
      showError(err);
    }
  });
  return el('div', {}, el('h3', { class: 'h6' }, 'Why does this user get this?'), form, result);
}

async function loadHistory(flag, box) {
  try {
    const page = await api(`/api/admin/audit?entity_type=flag&entity_id=${encodeURIComponent(flag.name)}&limit=20`);
    fill(
      box,
      page.items.length === 0
        ? el('p', { class: 'small text-secondary mb-0' }, 'No changes recorded.')
        : el(
            'ul',
            { class: 'list-unstyled small mb-0' },
            page.items.map((a) => el('li', {}, `${fmtDate(a.at)} · ${a.actor} · ${a.action}${describeChange(a.before, a.after)}`)),
          ),
    );
  } catch (err) {
    fill(box, el('p', { class: 'small text-danger' }, err.message));
  }
}

function describeChange(before, after) {
  if (!before || !after || typeof before !== 'object' || typeof after !== 'object') return '';
  const changed = Object.keys(after).filter(
    (k) => !['version', 'updated_at', 'full_rollout_since'].includes(k) && JSON.stringify(before[k]) !== JSON.stringify(after[k]),
  );
  return changed.length ? ` · ${changed.map((k) => `${k}: ${JSON.stringify(before[k])} → ${JSON.stringify(after[k])}`).join('; ')}` : '';
}

/** Permanent flags are never reported stale; deleting asks first. */
function lifecycleControls(flag) {
  const id = `permanent-${flag.name}`;
  return el(
    'div',
    { class: 'd-flex flex-wrap gap-3 align-items-center' },
    el(
      'div',
      { class: 'form-check mb-0' },
      el('input', {
        class: 'form-check-input',
        type: 'checkbox',
        id,
        checked: flag.permanent,
        onchange: (e) =>
          void change(flag.name, 'PATCH', `/api/admin/flags/${encodeURIComponent(flag.name)}`, { permanent: e.target.checked }),
      }),
      el('label', { class: 'form-check-label', for: id }, 'Permanent (an operational switch: never reported stale)'),
    ),
    el(
      'button',
      {
        type: 'button',
        class: 'btn btn-sm btn-outline-danger ms-auto',
        onclick: async () => {
          if (!confirm(`Delete ${flag.name}? Programs asking for it get FLAG_NOT_FOUND and fall back to their defaults.`)) return;
          try {
            await api(`/api/admin/flags/${encodeURIComponent(flag.name)}`, {
              method: 'DELETE',
              headers: { 'if-match': `"${flag.version}"` },
            });
            flags.delete(flag.name);
            document.getElementById(`flag-${flag.name}`)?.remove();
            toast(`Deleted ${flag.name}.`);
          } catch (err) {
            showError(err);
          }
        },
      },
      'Delete flag',
    ),
  );
}

function flagCard(flag) {
  const a = flag.adoption;
  const history = el('div', {}, el('p', { class: 'small text-secondary mb-0' }, 'Loading…'));
  const details = el(
    'details',
    { class: 'mt-3' },
    el('summary', { class: 'small' }, 'Targeting, conditions, explain and history'),
    el(
      'div',
      { class: 'vstack gap-3 mt-3' },
      targetsEditor(flag),
      conditionsEditor(flag),
      explainTool(flag),
      lifecycleControls(flag),
      el('div', {}, el('h3', { class: 'h6' }, 'History'), history),
    ),
  );
  details.addEventListener('toggle', () => {
    if (details.open) void loadHistory(flag, history);
  });
  const spark = el('div', { class: 'adoption-spark', dataset: { flag: flag.name } });
  const card = el(
    'article',
    { class: 'card flag-card', id: `flag-${flag.name}`, dataset: { flag: flag.name } },
    el(
      'div',
      { class: 'card-body' },
      el(
        'div',
        { class: 'row g-3' },
        el(
          'div',
          { class: 'col-12 col-lg-4' },
          el(
            'h2',
            { class: 'h5 mb-1 text-break' },
            flag.name,
            ' ',
            a.stale ? el('span', { class: 'badge text-bg-warning', title: a.stale_reason ?? '' }, 'stale') : null,
            flag.permanent ? el('span', { class: 'badge text-bg-light border ms-1' }, 'permanent') : null,
          ),
          el('p', { class: 'small text-secondary mb-2 text-break' }, flag.description || 'No description.'),
          switchControl(flag),
          a.stale && a.stale_reason ? el('p', { class: 'small mb-0 mt-1' }, statusBadge('warn', 'stale'), ` ${a.stale_reason}`) : null,
        ),
        el('div', { class: 'col-12 col-md-6 col-lg-4' }, rolloutControl(flag)),
        el(
          'div',
          { class: 'col-12 col-md-6 col-lg-4' },
          el(
            'div',
            { class: 'small' },
            a.evaluations_24h > 0
              ? `${fmtInt(a.evaluations_24h)} evaluations in 24 h · ${fmtPercent(a.true_share_24h)} true`
              : 'Not evaluated in the last 24 h',
          ),
          el(
            'div',
            { class: 'small text-secondary' },
            `7 days: ${fmtInt(a.evaluations_7d)} · last evaluated ${a.last_evaluated_hour ? fmtAgo(a.last_evaluated_hour) : 'never'} · v${flag.version}`,
          ),
          spark,
        ),
      ),
      details,
    ),
  );
  void api(`/api/admin/flags/${encodeURIComponent(flag.name)}`)
    .then((full) =>
      fill(
        spark,
        sparkline(
          full.evaluations.hourly_24h.map((p) => p.evaluations),
          `${flag.name}: evaluations per hour, last 24 h`,
        ),
      ),
    )
    .catch(() => undefined);
  return card;
}

function redraw(name) {
  const existing = document.getElementById(`flag-${name}`);
  const card = flagCard(flags.get(name));
  if (existing) existing.replaceWith(card);
  else list.prepend(card);
}

async function load() {
  try {
    const [answer, users] = await Promise.all([api('/api/admin/flags'), api('/api/admin/users/summary').catch(() => null)]);
    activeTesters = users ? users.active : null;
    flags.clear();
    for (const f of answer.items) flags.set(f.name, f);
    const on = answer.items.filter((f) => f.is_enabled).length;
    const count = answer.items.length;
    $('#flags-summary').textContent =
      `${count} flag${count === 1 ? '' : 's'}, ${on} on${activeTesters === null ? '' : ` · ${fmtInt(activeTesters)} active testers`}`;
    fill(
      list,
      answer.items.length === 0
        ? el('p', { class: 'text-secondary' }, 'No flags yet: create the first one above.')
        : answer.items.map(flagCard),
    );
    const wanted = new URLSearchParams(location.search).get('flag');
    if (wanted) document.getElementById(`flag-${wanted}`)?.scrollIntoView();
  } catch (err) {
    showError(err);
  }
}

$('#create-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const name = $('#new-name');
  if (!name.checkValidity()) {
    toast('A flag name is lowercase letters, digits, dot, dash or underscore.', 'error');
    return;
  }
  try {
    const description = $('#new-description').value.trim();
    const created = await api('/api/admin/flags', { method: 'POST', body: { name: name.value.trim(), description } });
    flags.set(created.name, {
      ...created,
      adoption: {
        evaluations_24h: 0,
        true_share_24h: null,
        evaluations_7d: 0,
        true_share_7d: null,
        last_evaluated_hour: null,
        stale: false,
        stale_reason: null,
      },
    });
    list.querySelector(':scope > p')?.remove();
    redraw(created.name);
    e.target.reset();
    toast(`Created ${created.name} (off, 0 %).`);
  } catch (err) {
    showError(err);
  }
});

void load();
