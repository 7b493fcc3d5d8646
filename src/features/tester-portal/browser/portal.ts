// The tester portal: the features this tester may try (each with its stage, whether it is on for
// them and why, and Enrol / Leave), a rating form per feature, their own feedback, signing out, and
// leaving the program (after a confirmation).
import { call, messageOf, program, whoAmI } from './api.js';
import type { EarlyFeature, Reason, Stage } from './api-types.js';
import { element, h, replace, say } from './dom.js';
import { BETA_API, featureCardId, FRAME, PAGES, PORTAL } from './ids.js';
import { loadMyFeedback, ratingForm, rememberTitle, wireGeneralFeedback } from './portal-feedback.js';

const STAGE_CLASS: Record<Stage, string> = { alpha: 'stage-alpha', beta: 'stage-beta', preview: 'stage-preview' };
const WHY: Record<Reason, string> = {
  enrolled: 'On for you: you enrolled.',
  rolled_out: 'On for you: it has been rolled out to you.',
  not_yet: 'Not on for you yet: enrol to try it.',
  left: 'Off for you: you left it.',
};

const features = element(PORTAL.features, HTMLElement);
const message = element(FRAME.message, HTMLElement);

async function setEnrolled(feature: EarlyFeature, enrolled: boolean, button: HTMLButtonElement): Promise<void> {
  button.disabled = true;
  try {
    const updated = await call<EarlyFeature>(`${BETA_API.features}/${encodeURIComponent(feature.name)}`, 'PUT', { enrolled });
    const card = featureCard(updated);
    document.getElementById(featureCardId(feature.name))?.replaceWith(card);
    say(message, enrolled ? `You are enrolled in ${updated.title}.` : `You left ${updated.title}.`, 'success');
    card.querySelector('button')?.focus();
  } catch (err) {
    button.disabled = false;
    say(message, messageOf(err), 'danger');
  }
}

function featureCard(f: EarlyFeature): HTMLElement {
  rememberTitle(f.name, f.title);
  const headingId = `${featureCardId(f.name)}-title`;
  const button = h(
    'button',
    { type: 'button', class: f.on ? 'btn btn-outline-secondary' : 'btn btn-primary', 'aria-describedby': headingId },
    f.on ? 'Leave' : 'Enrol',
  );
  button.addEventListener('click', () => void setEnrolled(f, !f.on, button));
  return h(
    'div',
    { class: 'col-12 col-lg-6', id: featureCardId(f.name), 'data-feature': f.name, 'data-on': String(f.on) },
    h(
      'article',
      { class: 'card h-100 feature-card', 'aria-labelledby': headingId },
      h(
        'div',
        { class: 'card-body' },
        h(
          'div',
          { class: 'd-flex flex-wrap justify-content-between align-items-start gap-2' },
          h('h3', { class: 'h5 mb-1', id: headingId }, f.title),
          h('span', { class: `badge ${STAGE_CLASS[f.stage]}` }, f.stage),
        ),
        h('p', { class: 'mb-2' }, f.description),
        h(
          'p',
          { class: 'd-flex flex-wrap align-items-center gap-2 mb-3' },
          h('span', { class: `badge ${f.on ? 'text-bg-success' : 'text-bg-light border'}` }, f.on ? 'On' : 'Off'),
          h('span', { class: 'small', 'data-reason': f.reason }, WHY[f.reason]),
          button,
        ),
        h('details', {}, h('summary', { class: 'small' }, `Rate ${f.title}`), h('div', { class: 'mt-2' }, ratingForm(f.name, f.title))),
      ),
    ),
  );
}

async function loadFeatures(): Promise<void> {
  try {
    const answer = await call<{ features: EarlyFeature[] }>(BETA_API.features);
    replace(
      features,
      answer.features.length === 0
        ? h(
            'p',
            { class: 'text-secondary' },
            'Nothing to try at the moment: new features appear here as soon as the owner opens them to testers.',
          )
        : answer.features.map(featureCard),
    );
  } catch (err) {
    replace(features, h('p', { class: 'text-danger' }, `The features could not be loaded: ${messageOf(err)}`));
  }
}

function wireSignOut(): void {
  const button = element(PORTAL.signOut, HTMLButtonElement);
  button.disabled = false;
  button.addEventListener('click', () => {
    button.disabled = true;
    call(BETA_API.signOut, 'POST')
      .then(() => location.assign(PAGES.signIn))
      .catch((err: unknown) => {
        button.disabled = false;
        say(message, messageOf(err), 'danger');
      });
  });
}

function wireLeave(): void {
  const dialog = element(PORTAL.leaveDialog, HTMLDialogElement);
  const open = element(PORTAL.leaveOpen, HTMLButtonElement);
  open.disabled = false;
  open.addEventListener('click', () => {
    dialog.returnValue = '';
    dialog.showModal();
  });
  dialog.addEventListener('close', () => {
    if (dialog.returnValue !== 'leave') return;
    call(BETA_API.me, 'DELETE')
      .then(() => {
        const main = element(FRAME.main, HTMLElement);
        replace(
          main,
          h('h1', { class: 'h3' }, 'You have left the program'),
          h('p', {}, 'Your email address has been erased and every feature you had enrolled in is off. Thank you for testing.'),
          h('a', { class: 'btn btn-primary', href: PAGES.waitlist }, 'Join the waitlist again'),
        );
        main.focus();
      })
      .catch((err: unknown) => say(message, messageOf(err), 'danger'));
  });
}

async function start(): Promise<void> {
  const me = await whoAmI();
  if (!me) {
    location.replace(PAGES.signIn);
    return;
  }
  element(PORTAL.email, HTMLElement).textContent = me.tester.email;
  element(PORTAL.unverified, HTMLElement).hidden = me.tester.status !== 'unverified';
  wireSignOut();
  wireLeave();
  wireGeneralFeedback();
  await Promise.all([program().catch(() => undefined), loadFeatures()]);
  await loadMyFeedback();
}

void start().catch((err: unknown) => say(message, messageOf(err), 'danger'));
