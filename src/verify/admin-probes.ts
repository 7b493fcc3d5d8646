// Every admin route of this version, as `beta-suite verify` probes it: anonymous and forged callers
// must be refused on each. test/verify.test.ts fails when a registered admin route is missing here.

export interface AdminProbe {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** The route as registered (`:name` parameters). */
  route: string;
}

/** What a probe puts in place of a route parameter: well-formed, so only the guard can refuse it. */
export const PROBE_PARAMETER = '00000000-0000-4000-8000-000000000000';

export const ADMIN_PROBES: readonly AdminProbe[] = [
  { method: 'GET', route: '/api/admin/alerts' },
  { method: 'GET', route: '/api/admin/audit' },
  { method: 'GET', route: '/api/admin/db/report' },
  { method: 'GET', route: '/api/admin/feedback' },
  { method: 'GET', route: '/api/admin/feedback.csv' },
  { method: 'GET', route: '/api/admin/feedback/analytics' },
  { method: 'DELETE', route: '/api/admin/feedback/:id' },
  { method: 'GET', route: '/api/admin/flags' },
  { method: 'POST', route: '/api/admin/flags' },
  { method: 'GET', route: '/api/admin/flags/export' },
  { method: 'POST', route: '/api/admin/flags/import' },
  { method: 'GET', route: '/api/admin/flags/:name' },
  { method: 'PATCH', route: '/api/admin/flags/:name' },
  { method: 'DELETE', route: '/api/admin/flags/:name' },
  { method: 'POST', route: '/api/admin/flags/:name/explain' },
  { method: 'GET', route: '/api/admin/flags/:name/reach' },
  { method: 'GET', route: '/api/admin/contexts/attributes' },
  { method: 'POST', route: '/api/admin/flags/:name/toggle' },
  { method: 'GET', route: '/api/admin/segments' },
  { method: 'POST', route: '/api/admin/segments' },
  { method: 'PATCH', route: '/api/admin/segments/:name' },
  { method: 'DELETE', route: '/api/admin/segments/:name' },
  { method: 'GET', route: '/api/admin/flags/:name/experiment' },
  { method: 'GET', route: '/api/admin/flags/:name/plan' },
  { method: 'PUT', route: '/api/admin/flags/:name/plan' },
  { method: 'POST', route: '/api/admin/flags/:name/plan/:action' },
  { method: 'GET', route: '/api/admin/plans' },
  { method: 'GET', route: '/api/admin/schedules' },
  { method: 'POST', route: '/api/admin/schedules' },
  { method: 'GET', route: '/api/admin/schedules/:id' },
  { method: 'PATCH', route: '/api/admin/schedules/:id' },
  { method: 'DELETE', route: '/api/admin/schedules/:id' },
  { method: 'GET', route: '/api/admin/kpis' },
  { method: 'GET', route: '/api/admin/metrics/series' },
  { method: 'POST', route: '/api/admin/sessions/revoke-all' },
  { method: 'GET', route: '/api/admin/tokens' },
  { method: 'POST', route: '/api/admin/tokens' },
  { method: 'DELETE', route: '/api/admin/tokens/:id' },
  { method: 'GET', route: '/api/admin/users' },
  { method: 'POST', route: '/api/admin/users' },
  { method: 'GET', route: '/api/admin/users.csv' },
  { method: 'POST', route: '/api/admin/users/import' },
  { method: 'GET', route: '/api/admin/users/summary' },
  { method: 'GET', route: '/api/admin/users/:id' },
  { method: 'PATCH', route: '/api/admin/users/:id' },
  { method: 'DELETE', route: '/api/admin/users/:id' },
  { method: 'POST', route: '/api/admin/users/:id/invite' },
  { method: 'POST', route: '/api/admin/users/:id/send-invite' },
  { method: 'POST', route: '/api/admin/users/send-invites' },
  { method: 'GET', route: '/api/admin/users/funnel' },
  { method: 'GET', route: '/api/admin/waitlist' },
  { method: 'POST', route: '/api/admin/waitlist/approve' },
  { method: 'GET', route: '/api/admin/mail' },
  // Console pages: anonymous visitors are sent to sign-in.
  { method: 'GET', route: '/admin' },
  { method: 'GET', route: '/admin/beta' },
  { method: 'GET', route: '/admin/beta/users' },
  { method: 'GET', route: '/admin/beta/flags' },
  { method: 'GET', route: '/admin/beta/feedback' },
  { method: 'GET', route: '/admin/beta/database' },
  { method: 'GET', route: '/admin/beta/audit' },
  { method: 'GET', route: '/admin/beta/health' },
  { method: 'GET', route: '/admin/beta/tokens' },
];

export const probePath = (route: string): string => route.replace(/:[a-zA-Z_]+/g, PROBE_PARAMETER).replace(/\*$/, 'probe');
