// The sign-in page: an email address gets a one-time link by mail (the answer is the same whoever
// asks); without mail on this server, it says to ask the owner for a link instead. With an identity
// provider configured, a "Sign in with Google" button shows too.
import { call, program, whoAmI } from './api.js';
import { element } from './dom.js';
import { emailForm } from './forms.js';
import { BETA_API, SIGN_IN } from './ids.js';

const form = emailForm(
  SIGN_IN.form,
  SIGN_IN.email,
  async (email) => (await call<{ message: string }>(BETA_API.signIn, 'POST', { email })).message,
);

async function show(): Promise<void> {
  const [settings, me] = await Promise.all([program(), whoAmI().catch(() => undefined)]);
  if (me) element(SIGN_IN.signedIn, HTMLElement).hidden = false;
  if (settings.oidc_enabled) element(SIGN_IN.google, HTMLElement).hidden = false;
  if (!settings.mail_enabled) {
    form.hidden = true;
    element(SIGN_IN.noMail, HTMLElement).hidden = false;
  }
}

void show().catch(() => undefined);
