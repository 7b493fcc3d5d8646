// The join page: the invited tester confirms the email the invitation was sent to; a code that
// cannot be used (wrong, used, someone else's) gets the same friendly answer whatever the reason.
import { ApiError, call, program } from './api.js';
import { element } from './dom.js';
import { emailForm } from './forms.js';
import { BETA_API, JOIN, PAGES } from './ids.js';

const code = new URLSearchParams(location.search).get('code') ?? '';

function refuse(): void {
  element(JOIN.form, HTMLFormElement).hidden = true;
  const invalid = element(JOIN.invalid, HTMLElement);
  invalid.hidden = false;
  invalid.focus();
}

async function join(email: string): Promise<undefined> {
  try {
    await call(BETA_API.join, 'POST', { code, email });
  } catch (err) {
    if (err instanceof ApiError && err.code === 'INVALID_INVITE') {
      refuse();
      return undefined;
    }
    throw err;
  }
  location.assign(PAGES.portal);
  return undefined;
}

if (code === '') refuse();
else emailForm(JOIN.form, JOIN.email, join);
void program().catch(() => undefined);
