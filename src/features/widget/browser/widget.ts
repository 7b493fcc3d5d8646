// The feedback widget a web app includes with
//   <script src="https://<beta suite>/widget.js" data-key="<client key>" data-feature="voice-mode" defer></script>
// It reads its settings from its own script tag, renders a 1–5 rating in a shadow root, and sends
// ratings (with the flag variants the user is seeing) to the suite it was loaded from.
import { watchOpenFeature } from './openfeature.js';
import { createSender } from './sender.js';
import { WIDGET_CSS } from './styles.js';
import { mergeVariants, parseVariantsAttribute } from './variants.js';
import type { FeedbackBody } from './outbox.js';
import { chosenRating, DEFAULT_QUESTION, renderWidget, showError, showStatus, type WidgetView } from './view.js';

const FEATURE = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const OFFLINE = 'Not sent yet: no connection. Your feedback is saved and will be sent when you are back online.';
const BUSY = 'Not sent yet: the feedback service is busy. Your feedback is saved and will be sent shortly.';

interface Settings {
  script: HTMLScriptElement;
  endpoint: string;
  key: string;
  feature?: string;
  email?: string;
  question: string;
  toggleLabel: string;
  target?: string;
}

function warn(message: string): void {
  console.warn(`NOUS feedback widget: ${message}`);
}

function readSettings(script: HTMLScriptElement): Settings | undefined {
  const key = script.dataset.key?.trim();
  if (!key) {
    warn('data-key (a client key) is missing; the widget is not shown.');
    return undefined;
  }
  let feature = script.dataset.feature?.trim() || undefined;
  if (feature !== undefined && !FEATURE.test(feature)) {
    warn(`data-feature "${feature}" is not a feature name (a-z, 0-9, . _ -); ratings are sent without it.`);
    feature = undefined;
  }
  return {
    script,
    endpoint: new URL(script.src).origin,
    key,
    feature,
    email: script.dataset.email?.trim() || undefined,
    question: script.dataset.label?.trim() || DEFAULT_QUESTION,
    toggleLabel: script.dataset.buttonLabel?.trim() || 'Feedback',
    target: script.dataset.target?.trim() || undefined,
  };
}

function storageOrUndefined(): Storage | undefined {
  try {
    return globalThis.localStorage;
  } catch {
    return undefined;
  }
}

function wireToggle(view: WidgetView): void {
  const toggle = view.toggle;
  if (!toggle) return;
  const setOpen = (open: boolean) => {
    view.panel.hidden = !open;
    toggle.setAttribute('aria-expanded', String(open));
  };
  toggle.addEventListener('click', () => setOpen(toggle.getAttribute('aria-expanded') !== 'true'));
  view.panel.addEventListener('keydown', (event) => {
    if (event.key !== 'Escape') return;
    setOpen(false);
    toggle.focus();
  });
}

function mount(settings: Settings): void {
  const container = settings.target === undefined ? null : document.querySelector(settings.target);
  if (settings.target !== undefined && !container) warn(`data-target "${settings.target}" matches nothing; the widget floats instead.`);
  const host = document.createElement('div');
  host.setAttribute('data-placement', container ? 'inline' : 'floating');
  const root = host.attachShadow({ mode: 'open' });
  if ('adoptedStyleSheets' in root && typeof CSSStyleSheet.prototype.replaceSync === 'function') {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(WIDGET_CSS);
    root.adoptedStyleSheets = [sheet];
  }
  const view = renderWidget(root, { question: settings.question, floating: !container, toggleLabel: settings.toggleLabel });
  (container ?? document.body).append(host);
  wireToggle(view);

  const seen = new Map<string, string>();
  const hooked = new WeakSet<object>();
  const watch = () => watchOpenFeature(globalThis, seen, hooked);
  // The SDK may be loaded after the widget: look again once the page has loaded.
  if (!watch()) globalThis.addEventListener('load', watch, { once: true });

  // The submission made from this form and not yet settled: the form is cleared once the server
  // has it or it is safely kept for a retry, and left as it was when refused, to be corrected.
  let inFlight: string | undefined;
  const settle = (key: string, clear: boolean) => {
    if (key !== inFlight) return;
    inFlight = undefined;
    if (clear) view.form.reset();
  };
  const sender = createSender(settings.endpoint, settings.key, storageOrUndefined(), {
    sent: (entry) => {
      settle(entry.key, true);
      showStatus(view, 'sent', 'Thank you! Your feedback was sent.');
    },
    pending: (entry, offline) => {
      settle(entry.key, true);
      showStatus(view, 'pending', offline ? OFFLINE : BUSY);
    },
    rejected: (entry, message) => {
      settle(entry.key, false);
      showError(view, `Your feedback could not be sent: ${message}`);
    },
  });

  view.form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (inFlight !== undefined) return;
    const rating = chosenRating(view);
    if (rating === undefined) {
      showError(view, 'Choose a rating from 1 to 5 first.');
      view.radios[0]?.focus();
      return;
    }
    watch();
    const variants = mergeVariants(Object.fromEntries(seen), parseVariantsAttribute(settings.script.getAttribute('data-variants')));
    const body: FeedbackBody = { rating };
    const comment = view.comment.value.trim();
    if (comment) body.comment = comment;
    if (settings.feature) body.feature = settings.feature;
    if (settings.email) body.email = settings.email;
    if (Object.keys(variants).length > 0) body.variants = variants;
    showStatus(view, 'sending', 'Sending…');
    inFlight = sender.submit(body);
  });
}

const current = document.currentScript;
if (current instanceof HTMLScriptElement) {
  const settings = readSettings(current);
  if (settings) {
    if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', () => mount(settings), { once: true });
    else mount(settings);
  }
} else {
  warn('load widget.js with a classic <script src> tag, not as a module.');
}
