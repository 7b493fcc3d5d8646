// The names the tester pages and their browser modules share: addresses, element ids and the
// API paths, so a renamed id fails the type check on both sides.

/** Where the tester pages live. */
export const PORTAL_BASE = '/beta';

export const PAGES = {
  join: `${PORTAL_BASE}/join`,
  signIn: `${PORTAL_BASE}/sign-in`,
  /** Starts sign-in with the identity provider (served by the auth feature). */
  signInGoogle: `${PORTAL_BASE}/sign-in/google`,
  portal: `${PORTAL_BASE}/`,
  waitlist: `${PORTAL_BASE}/waitlist`,
} as const;

/** The tester JSON API (see the testers feature). */
export const BETA_API = {
  program: '/api/beta/program',
  join: '/api/beta/join',
  signIn: '/api/beta/sign-in',
  signOut: '/api/beta/sign-out',
  waitlist: '/api/beta/waitlist',
  me: '/api/beta/me',
  features: '/api/beta/features',
  feedback: '/api/beta/feedback',
} as const;

/** Elements every tester page has. */
export const FRAME = {
  main: 'main',
  /** Filled with the program's name (from the API) wherever it appears. */
  programName: 'data-program-name',
  /** A live region for what the page has to say (sent, failed). */
  message: 'page-message',
} as const;

/** `/beta/sign-in?notice=…`: what the links in mails lead to when they cannot be used, or have worked. */
export const NOTICES = ['link-invalid', 'confirmed'] as const;
export type Notice = (typeof NOTICES)[number];

export const JOIN = { form: 'join-form', email: 'join-email', submit: 'join-submit', invalid: 'join-invalid' } as const;

export const SIGN_IN = {
  form: 'sign-in-form',
  email: 'sign-in-email',
  noMail: 'no-mail',
  signedIn: 'signed-in',
  google: 'sign-in-google',
} as const;

export const WAITLIST = { form: 'waitlist-form', email: 'waitlist-email' } as const;

export const PORTAL = {
  email: 'tester-email',
  signOut: 'sign-out',
  unverified: 'unverified',
  features: 'features',
  generalForm: 'general-feedback',
  myFeedback: 'my-feedback',
  leaveOpen: 'leave-open',
  leaveDialog: 'leave-dialog',
  leaveConfirm: 'leave-confirm',
} as const;

/** A feature's card in the portal. */
export const featureCardId = (name: string): string => `feature-${name}`;
