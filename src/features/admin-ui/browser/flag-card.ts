// One flag's card: the on/off switch (asking before it takes a flag away from everyone), the
// rollout slider with the testers it would reach, adoption with its sparkline, and the editors.
import { api } from './api.js';
import type { FlagDetail, FlagWithAdoption } from './api-types.js';
import { statusBadge } from './common.js';
import { el, fill, sparkline } from './dom.js';
import {
  conditionsEditor,
  earlyAccessEditor,
  explainTool,
  flagPath,
  lifecycleControls,
  loadHistory,
  targetsEditor,
  type FlagEditing,
} from './flag-editors.js';
import { experimentPanel } from './flag-experiment.js';
import { fieldErrorOf } from './field-errors.js';
import { clearInvalid, markInvalid, saveState, type SaveFeedback } from './flag-forms.js';
import { planPanel } from './flag-plan.js';
import { rulesSection } from './flag-rules.js';
import { reviewChange, toastUndo } from './review.js';
import { variantsEditor, variantSummary } from './flag-variants.js';
import { fmtHour, fmtInt, fmtPercent, perHour } from './format.js';
import { flagCardId } from './ids.js';
import { rulesText } from './operators.js';

/** What serving a flag means in words: "on for 50 %", "off for everyone". */
const served = (on: boolean, pct: number) => (on ? `on for ${pct} %` : 'off for everyone');

/** Turning off a flag anyone gets is reviewed first, and can be undone from its toast for 10 s. */
async function turnOff(flag: FlagWithAdoption, editing: FlagEditing, feedback: SaveFeedback): Promise<boolean> {
  let comment = '';
  if (flag.rollout_percentage > 0) {
    const reviewed = await reviewChange({
      title: `Turn off ${flag.name}`,
      summary: `Everyone who gets ${flag.name} now (${flag.rollout_percentage} % of users, and its targets) gets the default at once.`,
      rows: [{ field: 'Served', before: served(true, flag.rollout_percentage), after: served(false, flag.rollout_percentage) }],
      confirm: 'Turn off',
    });
    if (reviewed === null) return false;
    comment = reviewed;
  }
  const done = await editing.toggle(flag, comment, feedback);
  // A failed undo is said in the card, as the toast is gone by then.
  if (done) toastUndo(`Turned off ${flag.name}.`, async () => void (await editing.toggle(flag, 'Undone from the console', feedback)));
  return done;
}

function switchControl(flag: FlagWithAdoption, editing: FlagEditing): HTMLElement {
  const id = `enabled-${flag.name}`;
  const state = saveState(id);
  const flip = async (input: HTMLInputElement) => {
    input.disabled = true;
    state.clear();
    const feedback = state.feedback(id);
    const done = input.checked ? await editing.toggle(flag, undefined, feedback) : await turnOff(flag, editing, feedback);
    if (!done) {
      input.checked = !input.checked;
      input.disabled = false;
    }
  };
  return el(
    'div',
    {},
    el(
      'div',
      { class: 'd-flex flex-wrap gap-2 align-items-center' },
      el(
        'div',
        { class: 'form-check form-switch fs-5 mb-0' },
        el('input', {
          class: 'form-check-input',
          type: 'checkbox',
          role: 'switch',
          id,
          checked: flag.is_enabled,
          onchange: (e) => flip(e.currentTarget),
        }),
        el('label', { class: 'form-check-label fs-6', for: id }, flag.is_enabled ? 'On' : 'Off'),
      ),
      state.status,
    ),
    state.problem,
  );
}

/** Narrowing a flag that is on takes it away from people who have it: reviewed first ('' when no review is needed). */
async function reviewNarrowing(flag: FlagWithAdoption, pct: number): Promise<string | null> {
  if (!flag.is_enabled || pct >= flag.rollout_percentage) return '';
  const lose = Math.round(((flag.rollout_percentage - pct) / flag.rollout_percentage) * 100);
  return reviewChange({
    title: `Narrow ${flag.name} from ${flag.rollout_percentage} % to ${pct} %`,
    summary: `About ${lose} % of the users who get ${flag.name} now lose it; its targets keep it.`,
    rows: [{ field: 'Rollout', before: `${flag.rollout_percentage} %`, after: `${pct} %` }],
    confirm: 'Narrow rollout',
  });
}

/** Marks a refused percentage (the API names it `body/rollout_percentage`) on the number field. */
const percentageInvalid = (number: HTMLInputElement) => (raw: string) => {
  const problem = fieldErrorOf(raw);
  if (problem?.path[0] !== 'rollout_percentage') return false;
  markInvalid(number, problem.message);
  return true;
};

function rolloutControl(flag: FlagWithAdoption, editing: FlagEditing): HTMLElement {
  const id = `rollout-${flag.name}`;
  const output = el('output', { for: id, class: 'fw-semibold', id: `${id}-value` }, `${flag.rollout_percentage} %`);
  const covers = el('span', { class: 'small text-secondary', id: `${id}-covers` }, editing.coverage(flag.rollout_percentage));
  const save = el('button', { type: 'button', class: 'btn btn-sm btn-primary', disabled: true, id: `${id}-save` }, 'Save rollout');
  const reset = el('button', { type: 'button', class: 'btn btn-sm btn-outline-secondary', disabled: true }, 'Reset');
  const state = saveState(id);
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
  const number = el('input', {
    type: 'number',
    class: 'form-control form-control-sm rollout-number',
    min: '0',
    max: '100',
    step: '1',
    inputmode: 'numeric',
    id: `${id}-number`,
    value: String(flag.rollout_percentage),
    'aria-label': `Rollout of ${flag.name} in percent`,
  });
  const update = () => {
    const pct = Number(slider.value);
    if (number.value !== slider.value && document.activeElement !== number) number.value = slider.value;
    output.textContent = `${pct} %`;
    covers.textContent = editing.coverage(pct);
    const changed = pct !== flag.rollout_percentage;
    save.disabled = !changed;
    reset.disabled = !changed;
  };
  slider.addEventListener('input', update);
  slider.addEventListener('change', update);
  number.addEventListener('input', () => {
    if (number.value === '' || !number.checkValidity()) return;
    slider.value = number.value;
    update();
  });
  number.addEventListener('change', () => {
    number.value = slider.value;
  });
  reset.addEventListener('click', () => {
    slider.value = String(flag.rollout_percentage);
    number.value = slider.value;
    update();
  });
  save.addEventListener('click', () => void saveRollout());
  // A failed save keeps the chosen percentage, says why below, and "Save rollout" can be clicked again.
  const saveRollout = async () => {
    const pct = Number(slider.value);
    save.disabled = true;
    state.clear();
    clearInvalid(box);
    const comment = await reviewNarrowing(flag, pct);
    if (comment === null) return update();
    if (!(await editing.patch(flag, { rollout_percentage: pct }, state.feedback(id, percentageInvalid(number)), comment))) update();
  };
  const box: HTMLElement = el(
    'div',
    {},
    el(
      'div',
      { class: 'd-flex flex-wrap gap-2 align-items-baseline' },
      el('label', { for: id, class: 'form-label mb-0' }, 'Rollout'),
      output,
      covers,
    ),
    el('div', { class: 'd-flex gap-2 align-items-center' }, slider, number, el('span', { 'aria-hidden': 'true' }, '%')),
    el('div', { class: 'd-flex flex-wrap gap-2 align-items-center' }, save, reset, state.status),
    state.problem,
  );
  return box;
}

/** Name, badges, description and the switch. */
function heading(flag: FlagWithAdoption, editing: FlagEditing): HTMLElement {
  const a = flag.adoption;
  return el(
    'div',
    { class: 'col-12 col-lg-4' },
    el(
      'h2',
      { class: 'h5 mb-1 text-break' },
      flag.name,
      ' ',
      a.stale ? el('span', { class: 'badge text-bg-warning', title: a.stale_reason ?? '' }, 'stale') : null,
      flag.permanent ? el('span', { class: 'badge text-bg-light border ms-1' }, 'permanent') : null,
      flag.client_visible
        ? el('span', { class: 'badge text-bg-light border ms-1', title: 'Visible to web pages (client keys)' }, 'web')
        : null,
      flag.early_access ? el('span', { class: 'badge text-bg-info ms-1' }, `early access${flag.stage ? ` · ${flag.stage}` : ''}`) : null,
      flag.value_type === 'boolean' ? null : el('span', { class: 'badge text-bg-secondary ms-1' }, flag.value_type),
    ),
    el('p', { class: 'small text-secondary mb-2 text-break' }, flag.description || 'No description.'),
    el('p', { class: 'small mb-2 text-break flag-rules' }, el('span', { class: 'fw-semibold' }, 'Rules: '), rulesText(flag)),
    el('p', { class: 'small mb-2' }, el('span', { class: 'fw-semibold' }, 'Reach: '), editing.reach(flag)),
    flag.value_type === 'boolean' ? null : el('p', { class: 'small mb-2 text-break flag-variants' }, `Variants: ${variantSummary(flag)}`),
    switchControl(flag, editing),
    a.stale && a.stale_reason ? el('p', { class: 'small mb-0 mt-1' }, statusBadge('warn', 'stale'), ` ${a.stale_reason}`) : null,
  );
}

/** Evaluations over 24 h and 7 days, with an hourly sparkline fetched on its own. */
function adoptionColumn(flag: FlagWithAdoption): HTMLElement {
  const a = flag.adoption;
  const spark = el('div', { class: 'adoption-spark', dataset: { flag: flag.name } });
  void api<FlagDetail>(flagPath(flag.name))
    .then((full) =>
      fill(spark, sparkline(perHour(full.evaluations.hourly_24h, new Date()), `${flag.name}: evaluations per hour, last 24 h`)),
    )
    .catch(() => undefined);
  return el(
    'div',
    { class: 'col-12 col-md-6 col-lg-4' },
    el(
      'div',
      { class: 'small' },
      a.evaluations_24h === 0
        ? 'Not evaluated in the last 24 h'
        : flag.value_type === 'boolean'
          ? `${fmtInt(a.evaluations_24h)} evaluations in 24 h · ${fmtPercent(a.true_share_24h)} true`
          : `${fmtInt(a.evaluations_24h)} evaluations in 24 h · ${Object.entries(a.variants_24h)
              .map(([name, n]) => `${name} ${fmtInt(n)}`)
              .join(' · ')}`,
    ),
    el(
      'div',
      { class: 'small text-secondary' },
      `7 days: ${fmtInt(a.evaluations_7d)} · last evaluated ${fmtHour(a.last_evaluated_hour)} · v${flag.version}`,
    ),
    spark,
  );
}

/** Targeting, conditions, explain and history, folded away; the history loads when opened. */
function details(flag: FlagWithAdoption, editing: FlagEditing): HTMLDetailsElement {
  const history = el('div', {}, el('p', { class: 'small text-secondary mb-0' }, 'Loading…'));
  const experiment = experimentPanel(flag);
  const box = el(
    'details',
    { class: 'mt-3' },
    el('summary', { class: 'small' }, 'Early access, targeting, conditions, explain, experiment results and history'),
    el(
      'div',
      { class: 'vstack gap-3 mt-3' },
      flag.value_type === 'boolean' ? null : variantsEditor(flag, editing),
      earlyAccessEditor(flag, editing),
      targetsEditor(flag, editing),
      conditionsEditor(flag, editing),
      explainTool(flag),
      experiment.panel,
      lifecycleControls(flag, editing),
      el('div', {}, el('h3', { class: 'h6' }, 'History'), history),
    ),
  );
  box.addEventListener('toggle', () => {
    if (!box.open) return;
    void loadHistory(flag, history);
    void experiment.load();
  });
  return box;
}

export function flagCard(flag: FlagWithAdoption, editing: FlagEditing): HTMLElement {
  return el(
    'article',
    { class: 'card flag-card', id: flagCardId(flag.name), dataset: { flag: flag.name } },
    el(
      'div',
      { class: 'card-body' },
      el(
        'div',
        { class: 'row g-3' },
        heading(flag, editing),
        el('div', { class: 'col-12 col-md-6 col-lg-4' }, rolloutControl(flag, editing)),
        adoptionColumn(flag),
      ),
      planPanel(flag),
      rulesSection(flag, editing),
      details(flag, editing),
    ),
  );
}
