// The pages outside the console frame: sign-in, signed out, and no access (403).
import type { AssetTable } from './assets.js';
import type { Principal } from '../../core/principal.js';
import { CONSOLE_BASE, FRAME } from './browser/ids.js';
import { html } from './html.js';
import { standalonePage } from './layout.js';

const signInAgain = (label: string) =>
  html`<a class="btn btn-primary" href="/sign-in?next=${encodeURIComponent(`${CONSOLE_BASE}/`)}">${label}</a>`;

/** For a signed-in caller without console rights (or without owner rights for an owner page). */
export function forbiddenPage(assets: AssetTable, principal: Principal | undefined): string {
  const signedIn = principal?.kind === 'session';
  return standalonePage(
    assets,
    'No access',
    [
      signedIn
        ? `You are signed in as ${principal.email}, which has no access to this page.`
        : 'Your credentials give no access to this page.',
      'Ask an owner of the beta program for access, or sign in with another account.',
    ],
    html`${signInAgain('Sign in as someone else')}
    ${signedIn ? html`<button type="button" class="btn btn-outline-secondary" id="${FRAME.signOut}">Sign out</button>` : ''}`,
    { csrfToken: signedIn ? principal.csrfToken : undefined },
  );
}

/** Where anonymous visitors of console pages are sent; `next` is where to return after signing in. */
export function signInPage(assets: AssetTable, googleSignIn: boolean, next: string): string {
  return standalonePage(
    assets,
    'Sign in',
    [
      'The beta console is for the owners and admins of the NOUS beta program.',
      googleSignIn
        ? 'Sign in with the Google account your owner has given access to.'
        : 'Sign-in with Google is not configured on this server.',
      'The owner can also sign in with a one-time link: run `npx beta-suite admin-link` on the server.',
    ],
    googleSignIn
      ? html`<a class="btn btn-primary" id="${FRAME.signInGoogle}" href="/auth/login?next=${encodeURIComponent(next)}"
          >Sign in with Google</a
        >`
      : html``,
  );
}

export function signedOutPage(assets: AssetTable): string {
  return standalonePage(assets, 'Signed out', ['You have signed out of the NOUS beta console.'], signInAgain('Sign in again'));
}
