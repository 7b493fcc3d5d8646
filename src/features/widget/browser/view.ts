// The widget's DOM inside its shadow root, built element by element (no HTML strings, so a host
// page enforcing Trusted Types has nothing to refuse): a labelled 1–5 radio group, an optional
// comment, Send, a polite status line and an alert line for errors.

export const RATING_WORDS = ['Very poor', 'Poor', 'OK', 'Good', 'Very good'] as const;
export const DEFAULT_QUESTION = 'How would you rate your experience?';

export interface WidgetView {
  form: HTMLFormElement;
  radios: HTMLInputElement[];
  comment: HTMLTextAreaElement;
  send: HTMLButtonElement;
  status: HTMLParagraphElement;
  error: HTMLParagraphElement;
  /** The floating button that shows and hides the form; absent when the widget sits in the page. */
  toggle: HTMLButtonElement | undefined;
  panel: HTMLDivElement;
}

type Attributes = Record<string, string>;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Attributes = {}, ...children: Array<Node | string>) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

function ratingChoice(value: number): { label: HTMLLabelElement; radio: HTMLInputElement } {
  const radio = el('input', { type: 'radio', name: 'rating', value: String(value), id: `rating-${value}` });
  const label = el('label', { class: 'choice', for: radio.id }, radio, `${value} – ${RATING_WORDS[value - 1]}`);
  return { label, radio };
}

/** Builds the widget into `root`; `floating` adds the toggle button that opens it. */
export function renderWidget(root: ShadowRoot, options: { question: string; floating: boolean; toggleLabel: string }): WidgetView {
  const choices = [1, 2, 3, 4, 5].map(ratingChoice);
  const legend = el('legend', { id: 'question' }, options.question);
  const fieldset = el('fieldset', {}, legend, el('div', { class: 'scale' }, ...choices.map((c) => c.label)));
  const comment = el('textarea', { id: 'comment', name: 'comment', rows: '3', maxlength: '5000' });
  const send = el('button', { type: 'submit' }, 'Send feedback');
  const status = el('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
  const error = el('p', { class: 'error', role: 'alert' });
  const form = el(
    'form',
    { novalidate: '', 'aria-labelledby': 'question' },
    fieldset,
    el('label', { class: 'comment', for: 'comment' }, 'Comment (optional)'),
    comment,
    el('div', { class: 'actions' }, send),
    status,
    error,
  );
  const panel = el('div', { class: 'panel', id: 'panel' }, form);
  let toggle: HTMLButtonElement | undefined;
  if (options.floating) {
    toggle = el('button', { type: 'button', class: 'toggle', 'aria-expanded': 'false', 'aria-controls': 'panel' }, options.toggleLabel);
    panel.hidden = true;
    // The button comes first, so Tab goes from it into the form; the stylesheet shows the form above it.
    root.append(toggle, panel);
  } else {
    root.append(panel);
  }
  return { form, radios: choices.map((c) => c.radio), comment, send, status, error, toggle, panel };
}

/** The chosen rating, or undefined. */
export function chosenRating(view: WidgetView): number | undefined {
  const checked = view.radios.find((r) => r.checked);
  return checked ? Number(checked.value) : undefined;
}

export function showStatus(view: WidgetView, tone: 'pending' | 'sent' | 'sending', text: string): void {
  view.error.textContent = '';
  view.status.dataset.tone = tone;
  view.status.textContent = text;
}

export function showError(view: WidgetView, text: string): void {
  view.status.textContent = '';
  view.error.textContent = text;
}
