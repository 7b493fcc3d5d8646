// The public pages' one kind of form: an email address sent to the API, the answer said in the
// page's live region, the button disabled while the request is on its way.
import { messageOf } from './api.js';
import { element, say } from './dom.js';
import { FRAME } from './ids.js';

/**
 * Wires the form `formId`: on submit (with a valid address in `emailId`) calls `send(email)` and
 * says its message; an error is said as an alert.
 */
export function emailForm(formId: string, emailId: string, send: (email: string) => Promise<string | undefined>): HTMLFormElement {
  const form = element(formId, HTMLFormElement);
  const field = element(emailId, HTMLInputElement);
  const box = element(FRAME.message, HTMLElement);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const email = field.value.trim();
    if (email === '' || !field.checkValidity()) {
      say(box, 'Enter your email address, e.g. name@example.com.', 'danger');
      field.focus();
      return;
    }
    const button = form.querySelector('button[type="submit"]');
    if (button instanceof HTMLButtonElement) button.disabled = true;
    send(email)
      .then((message) => {
        if (message !== undefined) {
          say(box, message, 'success');
          form.reset();
        }
      })
      .catch((err: unknown) => say(box, messageOf(err), 'danger'))
      .finally(() => {
        if (button instanceof HTMLButtonElement) button.disabled = false;
      });
  });
  return form;
}
