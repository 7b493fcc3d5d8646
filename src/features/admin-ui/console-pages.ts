// The console's pages, one entry each: address, navigation label, title, module and markup. The
// routes and the navigation bar are both drawn from this list.
import type { AssetName } from './assets.js';
import { CONSOLE_BASE } from './browser/ids.js';
import type { SafeHtml } from './html.js';
import { auditBody } from './pages/audit.js';
import { dashboardBody } from './pages/dashboard.js';
import { databaseBody } from './pages/database.js';
import { feedbackBody } from './pages/feedback.js';
import { flagsBody } from './pages/flags.js';
import { healthBody } from './pages/health.js';
import { tokensBody } from './pages/tokens.js';
import { usersBody } from './pages/users.js';

export type PageId = 'dashboard' | 'users' | 'flags' | 'feedback' | 'database' | 'audit' | 'health' | 'tokens';

/** What a page's markup may depend on. */
export interface PageContext {
  isOwner: boolean;
  /** The condition operators the flags API accepts. */
  conditionOperators: readonly string[];
}

export interface ConsolePage {
  id: PageId;
  path: string;
  /** Its link in the navigation bar. */
  nav: string;
  title: string;
  /** The page's module (loaded after Chart.js when `charts`). */
  script: AssetName;
  body(context: PageContext): SafeHtml;
  charts?: boolean;
  /** For owners only: hidden from admins' navigation, and 403 for them. */
  ownerOnly?: boolean;
  /** The query parameters the page accepts (its module reads them as filters), each with its longest length. */
  query?: Record<string, number>;
}

export const CONSOLE_PAGES: readonly ConsolePage[] = [
  {
    id: 'dashboard',
    path: `${CONSOLE_BASE}/`,
    nav: 'Dashboard',
    title: 'Dashboard',
    script: 'dashboard.js',
    body: dashboardBody,
    charts: true,
  },
  {
    id: 'users',
    path: `${CONSOLE_BASE}/users`,
    nav: 'Testers',
    title: 'Beta testers',
    script: 'users.js',
    body: (c) => usersBody(c.isOwner),
    query: { search: 254, role: 10, active: 5, source: 10, joined: 5, tab: 10 },
  },
  {
    id: 'flags',
    path: `${CONSOLE_BASE}/flags`,
    nav: 'Flags',
    title: 'Feature flags',
    script: 'flags.js',
    body: (c) => flagsBody(c.conditionOperators),
    query: { flag: 100 },
  },
  {
    id: 'feedback',
    path: `${CONSOLE_BASE}/feedback`,
    nav: 'Feedback',
    title: 'Feedback',
    script: 'feedback.js',
    body: feedbackBody,
    charts: true,
    query: { rating: 1, feature: 64, q: 200, from: 10, to: 10, user: 36 },
  },
  { id: 'database', path: `${CONSOLE_BASE}/database`, nav: 'Database', title: 'Database', script: 'database.js', body: databaseBody },
  {
    id: 'audit',
    path: `${CONSOLE_BASE}/audit`,
    nav: 'Audit',
    title: 'Audit log',
    script: 'audit.js',
    body: auditBody,
    query: { q: 200, actor: 254, action: 100, entity_type: 50, entity_id: 200 },
  },
  { id: 'health', path: `${CONSOLE_BASE}/health`, nav: 'Health', title: 'Health', script: 'health.js', body: healthBody },
  {
    id: 'tokens',
    path: `${CONSOLE_BASE}/tokens`,
    nav: 'Tokens',
    title: 'API tokens and sessions',
    script: 'tokens.js',
    body: tokensBody,
    ownerOnly: true,
  },
];
