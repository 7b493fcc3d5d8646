// One rule of a flag in words and in a form: the sentence a rule reads as ("When plan is pro and in segment
// eu: on for 30 %"), the main rule's ("Everyone else: …"), and a rule's editor (name, conditions, segments,
// rollout, stickiness and, for typed flags, what it serves), which reads the rule back and marks refused fields.
import type { Flag, FlagRule } from './api-types.js';
import { conditionList, markCondition } from './condition-editor.js';
import { attributeListId, segmentList } from './context-lists.js';
import { el, fill } from './dom.js';
import { field, markInvalid } from './flag-forms.js';
import { conditionText } from './operators.js';

export const DEFAULT_STICKINESS = 'targetingKey';
/** The variant choice that keeps a rule's own weights. */
const OWN_WEIGHTS = '\u0000weights';

const weightsText = (weights: NonNullable<FlagRule['variant_weights']>) => weights.map((w) => `${w.name} (weight ${w.weight})`).join(', ');

/** What a rule (or the main rule) serves, in words. */
function servedText(flag: Flag, rule: Pick<FlagRule, 'variant' | 'variant_weights'>): string {
  if (flag.value_type === 'boolean') return 'on';
  if (rule.variant !== undefined) return `serve ${rule.variant}`;
  if (rule.variant_weights !== undefined) return `serve ${weightsText(rule.variant_weights)}`;
  return "serve a variant by the flag's weights";
}

const stickyText = (stickiness: string) => (stickiness === DEFAULT_STICKINESS ? '' : `, bucketed by ${stickiness}`);
const whenText = (rule: Pick<FlagRule, 'conditions' | 'segments'>) =>
  [...rule.conditions.map((c) => conditionText(c)), ...rule.segments.map((s) => `in segment ${s}`)].join(' and ');

/** "When country is one of US, CA and in segment pro-users: on for 30 %, bucketed by orgId". */
export function ruleSentence(flag: Flag, rule: FlagRule): string {
  const when = whenText(rule);
  const pct = Number.isFinite(rule.rollout_percentage) ? `${rule.rollout_percentage} %` : '? %';
  return `${when === '' ? 'Everyone' : `When ${when}`}: ${servedText(flag, rule)} for ${pct}${stickyText(rule.stickiness)}`;
}

/** The main rule, always last: "Everyone else, when plan is pro: on for 50 %". */
export function mainSentence(flag: Flag): string {
  const when = whenText(flag);
  return `${when === '' ? 'Everyone else' : `Everyone else, when ${when}`}: ${servedText(flag, {})} for ${flag.rollout_percentage} %${stickyText(flag.stickiness)}`;
}

/** Checkboxes for the segments a rule may name: the rule's own first (kept even if gone), then the others once loaded. */
function segmentChoices(id: string, rule: FlagRule): HTMLElement {
  const box = el('div', { class: 'd-flex flex-wrap gap-3', id: `${id}-segments` });
  const draw = (all: readonly string[], checked: ReadonlySet<string>) => {
    const names = [...new Set([...rule.segments, ...all])];
    fill(
      box,
      names.length === 0
        ? el('span', { class: 'small text-secondary' }, 'No segments yet: create them under Segments above.')
        : names.map((segment, i) =>
            el(
              'div',
              { class: 'form-check mb-0' },
              el('input', {
                class: 'form-check-input',
                type: 'checkbox',
                id: `${id}-seg-${i}`,
                value: segment,
                checked: checked.has(segment),
              }),
              el('label', { class: 'form-check-label small', for: `${id}-seg-${i}` }, segment),
            ),
          ),
    );
  };
  draw([], new Set(rule.segments));
  void segmentList()
    .then((all) =>
      draw(
        all.map((s) => s.name),
        new Set(readSegments(box)),
      ),
    )
    .catch(() => undefined);
  return box;
}

const readSegments = (box: ParentNode) => [...box.querySelectorAll<HTMLInputElement>('input:checked')].map((i) => i.value);

/** A typed flag's choice of what the rule serves: the flag's weights, the rule's own weights (kept as they are), or one variant. */
function variantChoice(flag: Flag, rule: FlagRule, id: string): HTMLSelectElement | null {
  if (flag.value_type === 'boolean') return null;
  const byFlag = rule.variant === undefined && rule.variant_weights === undefined;
  return el(
    'select',
    { class: 'form-select form-select-sm', id: `${id}-variant` },
    el('option', { value: '', selected: byFlag }, "A variant by the flag's weights"),
    rule.variant_weights === undefined
      ? null
      : el('option', { value: OWN_WEIGHTS, selected: true }, `Its own weights: ${weightsText(rule.variant_weights)}`),
    flag.variants.map((v) => el('option', { value: v.name, selected: v.name === rule.variant }, `Always ${v.name}`)),
  );
}

const input = (id: string, value: string, extra: Record<string, string> = {}) =>
  el('input', { class: 'form-control form-control-sm', id, value, ...extra });

export interface RuleEditor {
  body: HTMLElement;
  rollout: HTMLInputElement;
  read(): FlagRule;
  /** Marks the control a refused field names (the path after `rules/<n>`); false when none fits. */
  mark(path: ReadonlyArray<string | number>, message: string): boolean;
}

/** One rule's form; its controls' ids start with `id`. */
export function ruleEditor(flag: Flag, rule: FlagRule, id: string, operators: readonly string[]): RuleEditor {
  const name = input(`${id}-name`, rule.name, { maxlength: '100' });
  const conditions = conditionList(`${id}-cond`, rule.conditions, operators);
  const segments = segmentChoices(id, rule);
  const rollout = input(`${id}-rollout`, String(rule.rollout_percentage), {
    type: 'number',
    min: '0',
    max: '100',
    step: '1',
    inputmode: 'numeric',
  });
  const sticky = input(`${id}-sticky`, rule.stickiness, { maxlength: '100', list: attributeListId(), autocomplete: 'off' });
  const variant = variantChoice(flag, rule, id);
  const read = (): FlagRule => {
    const draft: FlagRule = {
      name: name.value.trim(),
      conditions: conditions.read(),
      segments: readSegments(segments),
      rollout_percentage: rollout.valueAsNumber,
      stickiness: sticky.value.trim() || DEFAULT_STICKINESS,
    };
    if (variant?.value === OWN_WEIGHTS && rule.variant_weights !== undefined) draft.variant_weights = rule.variant_weights;
    else if (variant && variant.value !== '') draft.variant = variant.value;
    return draft;
  };
  const mark = (path: ReadonlyArray<string | number>, message: string): boolean => {
    const [part, ...rest] = path;
    if (part === 'conditions') return markCondition(conditions.rows, rest, message);
    const byPart: Record<string, HTMLElement | null | undefined> = {
      rollout_percentage: rollout,
      stickiness: sticky,
      variant,
      variant_weights: variant,
      segments: segments.querySelectorAll<HTMLInputElement>('input:checked')[typeof rest[0] === 'number' ? rest[0] : 0],
    };
    const control = (typeof part === 'string' ? byPart[part] : undefined) ?? name;
    markInvalid(control, message);
    return true;
  };
  const legend = (text: string) => el('legend', { class: 'form-label small mb-1' }, text);
  const body = el(
    'div',
    { class: 'row g-2 mt-1' },
    field('col-12 col-md-6', 'Name (optional)', name.id, name),
    el(
      'fieldset',
      { class: 'col-12' },
      legend('Conditions (all must match)'),
      conditions.rows,
      el('div', { class: 'mt-2' }, conditions.add),
    ),
    el('fieldset', { class: 'col-12' }, legend('Segments (each must match)'), segments),
    field('col-6 col-md-3', 'Rollout (%)', rollout.id, rollout),
    field('col-6 col-md-4', 'Bucket by (stickiness attribute)', sticky.id, sticky),
    variant ? field('col-12 col-md-5', 'Serves', variant.id, variant) : null,
  );
  return { body, rollout, read, mark };
}
