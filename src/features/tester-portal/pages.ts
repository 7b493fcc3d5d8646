// The tester pages' markup: join (confirm the invited email), sign in (a one-time link by mail),
// the waitlist, and the portal the modules fill. Static shells: what depends on the tester comes
// from the JSON API.
import { html, type SafeHtml } from '../../core/html.js';
import { JOIN, PAGES, PORTAL, SIGN_IN, WAITLIST, type Notice } from './browser/ids.js';

const emailField = (id: string, label: string, help = '') =>
  html`<div class="mb-3">
    <label class="form-label" for="${id}">${label}</label>
    <input
      class="form-control"
      id="${id}"
      name="email"
      type="email"
      required
      maxlength="254"
      autocomplete="email"
      ${help ? html`aria-describedby="${id}-help"` : ''}
    />
    ${help ? html`<div class="form-text" id="${id}-help">${help}</div>` : ''}
  </div>`;

export const INVALID_INVITE = 'This invitation link cannot be used. Ask the person who invited you for a new one.';

export function joinBody(): SafeHtml {
  return html`<form id="${JOIN.form}" novalidate>
      <p>You have been invited to try new features before everyone else and tell us what you think.</p>
      ${emailField(JOIN.email, 'Your email address', 'The address the invitation was sent to.')}
      <button class="btn btn-primary" type="submit" id="${JOIN.submit}">Join the program</button>
    </form>
    <div id="${JOIN.invalid}" hidden tabindex="-1">
      <div class="alert alert-warning" role="alert">${INVALID_INVITE}</div>
      <p class="mb-0">
        Already joined? <a href="${PAGES.signIn}">Sign in</a>. Not invited yet? <a href="${PAGES.waitlist}">Join the waitlist</a>.
      </p>
    </div>`;
}

const NOTICE_TEXT: Record<Notice, { kind: string; text: string }> = {
  'link-invalid': {
    kind: 'warning',
    text: 'That link cannot be used any more: it has expired or was used already. Ask for a new one below.',
  },
  confirmed: {
    kind: 'success',
    text: 'Your email address is confirmed. Thank you! If you are on the waitlist, your invitation comes by email when a place opens.',
  },
};

export function signInBody(notice: Notice | undefined): SafeHtml {
  const shown = notice ? NOTICE_TEXT[notice] : undefined;
  return html`${shown ? html`<div class="alert alert-${shown.kind}" role="status">${shown.text}</div>` : ''}
    <div id="${SIGN_IN.signedIn}" class="alert alert-info" hidden>You are signed in. <a href="${PAGES.portal}">Go to your beta</a>.</div>
    <form id="${SIGN_IN.form}" novalidate>
      <p>Testers sign in with a link sent by email: it works once, for 15 minutes.</p>
      ${emailField(SIGN_IN.email, 'Your email address')}
      <button class="btn btn-primary" type="submit">Email me a sign-in link</button>
    </form>
    <div id="${SIGN_IN.noMail}" hidden>
      <p>This server does not send email, so sign-in links come from the owner of the program.</p>
      <p class="mb-0">Ask the person who invited you for a new link.</p>
    </div>
    <p id="${SIGN_IN.google}" class="mt-3" hidden>
      <a class="btn btn-outline-secondary" href="${PAGES.signInGoogle}">Sign in with Google</a>
    </p>
    <p class="small text-secondary mt-3 mb-0">Not a tester yet? <a href="${PAGES.waitlist}">Join the waitlist</a>.</p>`;
}

export function waitlistBody(): SafeHtml {
  return html`<form id="${WAITLIST.form}" novalidate>
      <p>Places in the beta program open a few at a time. Leave your email address and confirm it from the mail we send.</p>
      ${emailField(WAITLIST.email, 'Your email address')}
      <button class="btn btn-primary" type="submit">Join the waitlist</button>
    </form>
    <p class="small text-secondary mt-3 mb-0">Already a tester? <a href="${PAGES.signIn}">Sign in</a>.</p>`;
}

const leaveDialog = html`<dialog id="${PORTAL.leaveDialog}" class="leave-dialog" aria-labelledby="leave-title">
  <form method="dialog">
    <h2 class="h5" id="leave-title">Leave the program?</h2>
    <p>
      Your email address is erased and every feature you enrolled in turns off. Your ratings stay, without your name, in the program's
      statistics. This cannot be undone.
    </p>
    <div class="d-flex justify-content-end flex-wrap gap-2">
      <button class="btn btn-outline-secondary" value="cancel">Stay</button>
      <button class="btn btn-danger" value="leave" id="${PORTAL.leaveConfirm}">Leave the program</button>
    </div>
  </form>
</dialog>`;

export function portalBody(): SafeHtml {
  return html`<div id="${PORTAL.unverified}" class="alert alert-warning" hidden>
      Your email address is not confirmed yet: early-access features open once you confirm it from the mail we sent.
    </div>
    <section aria-labelledby="features-h" class="mb-4">
      <h2 id="features-h" class="h4">Features you can try</h2>
      <p class="text-secondary">Enrol to turn a feature on for you; leave to turn it off again. Changes apply within a second.</p>
      <div id="${PORTAL.features}" class="row g-3"><p class="text-secondary">Loading…</p></div>
    </section>
    <div class="row g-3 mb-4">
      <section aria-labelledby="general-h" class="col-12 col-lg-6">
        <div class="card h-100">
          <div class="card-body">
            <h2 id="general-h" class="h5">Feedback on the program</h2>
            <div id="${PORTAL.generalForm}"></div>
          </div>
        </div>
      </section>
      <section aria-labelledby="mine-h" class="col-12 col-lg-6">
        <h2 id="mine-h" class="h5">My feedback</h2>
        <ul id="${PORTAL.myFeedback}" class="list-group">
          <li class="list-group-item text-secondary">Loading…</li>
        </ul>
      </section>
    </div>
    <section aria-labelledby="leave-h" class="card border-danger-subtle">
      <div class="card-body">
        <h2 id="leave-h" class="h5">Leave the program</h2>
        <p>Leaving erases your email address and turns off every early-access feature for you.</p>
        <button type="button" class="btn btn-outline-danger" id="${PORTAL.leaveOpen}" disabled>Leave the program</button>
      </div>
    </section>
    ${leaveDialog}`;
}
