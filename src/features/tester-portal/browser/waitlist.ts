// The waitlist page: an email address joins the waitlist; the mail that follows confirms it
// (double opt-in). The answer is the same for every address.
import { call, program } from './api.js';
import { emailForm } from './forms.js';
import { BETA_API, WAITLIST } from './ids.js';

emailForm(WAITLIST.form, WAITLIST.email, async (email) => (await call<{ message: string }>(BETA_API.waitlist, 'POST', { email })).message);
void program().catch(() => undefined);
