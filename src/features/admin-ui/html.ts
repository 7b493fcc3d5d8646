// The console's pages are written with core's `html` template: every interpolated value is escaped
// unless it is already markup produced by the template, so user data can never become HTML.
export { html, SafeHtml } from '../../core/html.js';
