// The names the server-rendered pages and their browser modules share: element ids, meta names and
// the console's address. Both sides import this table, so a renamed id fails the type check.

/** Where the console's pages live. */
export const CONSOLE_BASE = '/admin/beta';

/** `<meta name>`s the page frame fills for the modules (no inline script). */
export const META = {
  csrfToken: 'csrf-token',
  viewerRole: 'viewer-role',
  viewerEmail: 'viewer-email',
} as const;

/** The frame around every page. */
export const FRAME = {
  main: 'main',
  nav: 'console-nav',
  viewer: 'viewer',
  toasts: 'toasts',
  signOut: 'sign-out',
  signInGoogle: 'sign-in-google',
} as const;

/** The filter form and "Load more" button of the cursor-paged lists (testers, feedback, audit). */
export const LIST = { filters: 'filters', more: 'more' } as const;

export const DASHBOARD = {
  liveState: 'live-state',
  lastUpdate: 'last-update',
  alerts: 'alerts',
  kpis: 'kpis',
  kpiWindow: 'kpi-window',
  recentFeedback: 'recent-feedback',
  chartRequests: 'chart-requests',
  chartLatency: 'chart-latency',
  chartRating: 'chart-rating',
  chartAdoption: 'chart-adoption',
  /** Names of the two time-range radio groups. */
  requestsRange: 'req-range',
  latencyRange: 'lat-range',
} as const;

/** Dashboard and feedback tiles: the element id is `tile-<name>`. */
export type TileName =
  'plans' | 'testers' | 'feedback' | 'rating' | 'flags' | 'rps' | 'p95' | 'dbp95' | 'health' | 'total' | 'average' | 'split';
export const tileId = (name: TileName): string => `tile-${name}`;

export const USERS = {
  table: 'users-table',
  matchCount: 'users-matches',
  addForm: 'add-form',
  addEmail: 'add-email',
  addNotes: 'add-notes',
  inviteResult: 'invite-result',
  inviteEmail: 'invite-email',
  inviteLink: 'invite-link',
  copyInvite: 'copy-invite',
  importText: 'import-text',
  importPreview: 'import-preview',
  importRun: 'import-run',
  importOutput: 'import-output',
  importPreviewTable: 'import-preview-table',
  importSummary: 'import-summary',
  exportCsv: 'export-users',
  editDialog: 'edit-dialog',
  editEmail: 'edit-email',
  editNotes: 'edit-notes',
  editOverrides: 'edit-overrides',
} as const;

export const FLAGS = {
  list: 'flags',
  summary: 'flags-summary',
  createCard: 'create-card',
  createForm: 'create-form',
  newName: 'new-name',
  newNameError: 'new-name-error',
  newDescription: 'new-description',
  newType: 'new-type',
  viewCards: 'flags-view-cards',
  viewTable: 'flags-view-table',
  tableRegion: 'flags-table-region',
  table: 'flags-table',
} as const;

/** The flags page's scheduled changes: the list and the form that creates or edits one. */
export const SCHEDULES = {
  section: 'schedules',
  list: 'schedules-list',
  status: 'schedules-status',
  form: 'schedule-form',
  flag: 'schedule-flag',
  change: 'schedule-change',
  percentage: 'schedule-percentage',
  at: 'schedule-at',
  error: 'schedule-error',
  submit: 'schedule-submit',
  cancelEdit: 'schedule-cancel-edit',
} as const;
/** The flags page's segments: named condition sets rules refer to. */
export const SEGMENTS = {
  section: 'segments',
  status: 'segments-status',
  list: 'segments-list',
  create: 'segment-create',
} as const;
/** A flag's release-plan panel on its card. */
export const planPanelId = (flag: string): string => `plan-${flag}`;
/** A flag's card (drawn by the module), e.g. for `?flag=<name>` to scroll to. */
export const flagCardId = (name: string): string => `flag-${name}`;

export const FEEDBACK = {
  table: 'feedback-table',
  byFeature: 'by-feature',
  chartDistribution: 'chart-distribution',
  chartTrend: 'chart-trend',
  userFilter: 'user-filter',
  userFilterEmail: 'user-filter-email',
  userField: 'f-user',
  exportCsv: 'export-feedback',
  matchCount: 'feedback-matches',
} as const;

export const DATABASE = { notice: 'db-notice', tiles: 'db-tiles', sections: 'db-sections', generated: 'db-generated' } as const;

export const AUDIT = { table: 'audit-table', matchCount: 'audit-matches' } as const;

export const HEALTH = { overall: 'overall', lastUpdate: 'last-update', checks: 'checks', metrics: 'metrics' } as const;

export const TOKENS = {
  table: 'tokens-table',
  form: 'token-form',
  name: 'token-name',
  scope: 'token-scope',
  created: 'token-created',
  value: 'token-value',
  copy: 'copy-token',
  revokeAll: 'revoke-all',
} as const;

/** The testers page's invite controls and its two tabs (testers, waitlist). */
export const INVITES = {
  joinedFilter: 'f-joined',
  mailState: 'mail-state',
  bulk: 'bulk-invite',
  tabTesters: 'tab-testers',
  tabWaitlist: 'tab-waitlist',
  panelTesters: 'panel-testers',
  panelWaitlist: 'panel-waitlist',
} as const;

export const WAITLIST = {
  table: 'waitlist-table',
  status: 'waitlist-status',
  selectAll: 'waitlist-all',
  approveSelected: 'approve-selected',
  nextCount: 'approve-next-count',
  approveNext: 'approve-next',
  result: 'waitlist-result',
} as const;

/** The dashboard's tester funnel and, beside it, the invite-redemption target. */
export const FUNNEL = { steps: 'funnel', redemption: 'funnel-redemption' } as const;
