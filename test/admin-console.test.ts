// The admin console in real headless Chromium against the built server: the owner signs in
// through a local OpenID provider and uses every page; the pages call the real admin API.
// Screenshots of every page at 1440 and 375 px land in test-artifacts/console/ (not committed).
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { seriousViolations } from './helpers/axe.js';
import { freePort, startOidcProvider, type TestAccount, type TestOidcProvider } from './helpers/oidc-provider.js';
import { serverEnv, startServer, type ServerProcess } from './helpers/server-process.js';
import { cloneTemplate, type TestDatabaseLocation } from './helpers/test-database.js';

const ARTIFACTS = new URL('../test-artifacts/console/', import.meta.url);
const CLIENT_ID = 'beta-console';
const CLIENT_SECRET = randomBytes(24).toString('base64url');
const OWNER: TestAccount = { sub: 'sub-owner', email: 'owner@example.com', email_verified: true };
const GRANTED: TestAccount = { sub: 'sub-granted', email: 'granted@example.com', email_verified: true };
const STRANGER: TestAccount = { sub: 'sub-stranger', email: 'stranger@example.com', email_verified: true };
const PAGES = ['', 'users', 'flags', 'feedback', 'database', 'audit', 'health', 'tokens'] as const;
/** Each page's module puts this on screen once its data has arrived. */
const READY: Record<(typeof PAGES)[number], string> = {
  '': '#recent-feedback li',
  users: '#users-table tbody tr',
  flags: '#flags-summary:not(:empty)',
  feedback: '#feedback-table tbody tr',
  database: '#db-tiles .tile',
  audit: '#audit-table tbody tr',
  health: '#checks .tile',
  tokens: '#tokens-table tbody tr',
};

interface TesterOut {
  id: string;
  email: string;
  notes: string | null;
  source: string;
  is_active: boolean;
  role: string;
  invite_url: string;
  flag_set: Record<string, boolean>;
}
interface FlagOut {
  is_enabled: boolean;
  rollout_percentage: number;
  conditions: unknown[];
  target_users: string[];
  permanent: boolean;
  client_visible: boolean;
  stickiness: string;
}
interface KpiOut {
  key: string;
  label: string;
  value: number | null;
  unit: string;
  target: string;
  status: 'pass' | 'warn' | 'fail' | 'no_data' | 'tracked';
  series: Array<{ t: string; v: number | null }>;
}
interface AlertOut {
  id: string;
  rule: string;
  instance_id: string;
}
interface ShapeOut {
  fingerprint: string;
  query: string;
}
interface DbReportOut {
  database: { kind: string };
  totals: { shapes: number };
  top_shapes: ShapeOut[];
  slow_queries: Array<ShapeOut & { at: string }>;
}
/** What the dashboard shows of one KPI card. */
interface KpiCardShown {
  key: string | undefined;
  label: string;
  value: string;
  target: string;
  badge: string;
  statusClasses: string[];
  border: string;
  statusColour: string;
  sparkline: boolean;
  line: boolean;
}
/** The little of the DOM the page functions below use (the tests are compiled without the DOM library). */
interface DomNode {
  className: string;
  textContent: string | null;
  dataset: Record<string, string | undefined>;
  style: Record<string, string>;
  querySelector(selector: string): DomNode | null;
  querySelectorAll(selector: string): ArrayLike<DomNode>;
  append(node: DomNode): void;
  remove(): void;
}
interface DomWindow {
  document: { body: DomNode; querySelectorAll(selector: string): ArrayLike<DomNode>; createElement(tag: string): DomNode };
  getComputedStyle(node: DomNode): { borderLeftColor: string; color: string };
}

/** Debian's Chromium (CHROMIUM_PATH to use another). Without it the file is skipped, except in CI, where it fails. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);

describe.skipIf(!haveChromium && !process.env.CI)('admin console in Chromium', () => {
  let db: TestDatabaseLocation;
  let provider: TestOidcProvider;
  let server: ServerProcess;
  let browser: Browser;
  let owner: BrowserContext;
  let page: Page;
  let base: string;
  const consoleErrors: string[] = [];
  const foreignRequests: string[] = [];

  /** Watches a context: console errors, uncaught exceptions, requests leaving this origin (sign-in aside). */
  function watch(context: BrowserContext) {
    context.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(`${message.text()} @ ${message.location().url}`);
    });
    context.on('weberror', (error) => consoleErrors.push(`uncaught: ${error.error().message}`));
    context.on('request', (request) => {
      const url = new URL(request.url());
      if (url.protocol === 'data:') return;
      if (url.origin !== base && url.origin !== provider.issuer) foreignRequests.push(request.url());
    });
  }

  async function signIn(context: BrowserContext, account: TestAccount, path = '/admin/beta/'): Promise<Page> {
    provider.signInAs(account);
    const p = await context.newPage();
    await p.goto(`${base}${path}`);
    // Anonymous visitors land on the sign-in page first (nothing to click once a session exists).
    if (new URL(p.url()).pathname === '/sign-in') await p.locator('#sign-in-google').click();
    await p.waitForURL(`${base}${path}`);
    return p;
  }

  async function apiGet<T>(path: string): Promise<T> {
    const res = await owner.request.get(`${base}${path}`);
    expect(res.status(), path).toBe(200);
    return (await res.json()) as T;
  }
  const users = async (query: string) => (await apiGet<{ items: TesterOut[] }>(`/api/admin/users?${query}`)).items;
  const flag = (name: string) => apiGet<FlagOut>(`/api/admin/flags/${name}`);

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    db = await cloneTemplate();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    provider = await startOidcProvider({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, redirectUris: [`${base}/auth/callback`] });
    server = await startServer(
      serverEnv(db, {
        ADMIN_EMAILS: OWNER.email,
        GOOGLE_CLIENT_ID: CLIENT_ID,
        GOOGLE_CLIENT_SECRET: CLIENT_SECRET,
        OIDC_ISSUER: provider.issuer,
        PUBLIC_URL: base,
        METRICS_INTERVAL_S: '1',
        // Memory in use is always above 0 %: a memory_high alert opens after two samples, for the dashboard to list.
        ALERT_MEMORY_PCT: '0',
        // Low enough for some of the console's own queries to count as slow on the database page.
        SLOW_QUERY_MS: '5',
      }),
      60_000,
      port,
    );
    if (server.baseUrl !== base) throw new Error(`server listens at ${server.baseUrl}, not ${base}`);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    owner = await browser.newContext({ viewport: { width: 1440, height: 900 }, acceptDownloads: true });
    watch(owner);
    page = await signIn(owner, OWNER);
  });

  afterAll(async () => {
    if (server && server.child.exitCode !== null) console.error(`the server exited early:\n${server.output().slice(-4000)}`);
    await browser?.close();
    await server?.stop();
    await provider?.close();
    await db?.drop();
  });

  it('signs the owner in through OpenID Connect and shows their email in the navigation bar', async () => {
    expect(page.url()).toBe(`${base}/admin/beta/`);
    await expect.poll(() => page.locator('#viewer').textContent()).toBe(OWNER.email);
    expect(await page.locator('nav a[href="/admin/beta/tokens"]').count()).toBe(1);
    const admin = await owner.request.get(`${base}/admin`, { maxRedirects: 0 });
    expect([admin.status(), admin.headers().location]).toEqual([302, '/admin/beta/']);
  });

  it('adds a tester and shows the invite link to copy', async () => {
    await page.goto(`${base}/admin/beta/users`);
    await page.getByLabel('Email', { exact: true }).fill('new.tester@example.com');
    await page.getByLabel('Notes (optional)').fill('met at the meetup');
    await page.getByRole('button', { name: 'Add and create invite' }).click();
    await page.locator('#invite-result:not([hidden])').waitFor();
    const link = await page.locator('#invite-link').inputValue();
    expect(link).toMatch(new RegExp(`^${base}/beta/join\\?code=[A-Za-z0-9_-]{32}$`));
    expect(await page.locator('#users-table tbody tr[data-email="new.tester@example.com"]').count()).toBe(1);
    const items = await users('search=new.tester');
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ email: 'new.tester@example.com', notes: 'met at the meetup', source: 'admin' });
    expect(items[0]?.invite_url).toBe(link);
  });

  it('imports a pasted list after a preview, reporting duplicates and invalid lines', async () => {
    await page.goto(`${base}/admin/beta/users`);
    await page
      .getByLabel(/One email per line/)
      .fill('ann@example.com, from the waitlist\nbob@example.com\nnew.tester@example.com\nnot-an-email');
    await page.getByRole('button', { name: 'Preview' }).click();
    const preview = page.locator('#import-preview-table tbody tr');
    await expect.poll(() => preview.count()).toBe(4);
    expect(await preview.nth(0).textContent()).toContain('from the waitlist');
    expect(await preview.nth(3).textContent()).toContain('invalid');
    await page.getByRole('button', { name: 'Import 3' }).click();
    await expect.poll(() => page.locator('#import-summary').textContent()).toBe('Imported 2; 1 already in the beta; 1 invalid.');
    const items = await users('source=import');
    expect(items.map((u) => u.email).sort()).toEqual(['ann@example.com', 'bob@example.com']);
    await page.locator('#users-table tbody tr[data-email="ann@example.com"]').waitFor();
  });

  it('filters testers as typed, with the number they select', async () => {
    const matches = page.locator('#users-matches');
    await expect.poll(() => matches.textContent()).toBe('All testers: 3');
    await page.getByLabel('Search email or notes').fill('bob@');
    await expect.poll(() => matches.textContent()).toBe('1 tester matches');
    await expect.poll(() => page.locator('#users-table tbody tr[data-email]').count()).toBe(1);
    await page.getByRole('button', { name: 'Clear' }).click();
    await expect.poll(() => matches.textContent()).toBe('All testers: 3');
    // One tester is deactivated for the tests that follow (the reviews of a deactivation and of a role
    // change are tested at 1440 and 375 px in console-saves-browser.test.ts).
    const bob = (await users('search=bob@'))[0];
    const token = await page.locator('meta[name="csrf-token"]').getAttribute('content');
    const res = await owner.request.patch(`${base}/api/admin/users/${bob?.id ?? ''}`, {
      data: { is_active: false },
      headers: { 'x-csrf-token': token ?? '', origin: base },
    });
    expect(res.status()).toBe(200);
  });

  it('creates a flag, toggles it, and asks before turning off a flag at 100 %', async () => {
    await page.goto(`${base}/admin/beta/flags`);
    await page.locator('#create-card summary').click();
    await page.getByLabel('Name').fill('voice-mode');
    await page.getByLabel('Description').fill('Talk to NOUS');
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    const card = page.locator('#flag-voice-mode');
    await card.waitFor();
    await card.getByRole('switch').check();
    await expect.poll(async () => (await flag('voice-mode')).is_enabled).toBe(true);
    await expect.poll(() => card.locator('label[for="enabled-voice-mode"]').textContent()).toBe('On');

    const patched = await owner.request.patch(`${base}/api/admin/flags/voice-mode`, {
      data: { rollout_percentage: 100 },
      headers: { 'x-csrf-token': (await page.locator('meta[name="csrf-token"]').getAttribute('content')) ?? '', origin: base },
    });
    expect(patched.status()).toBe(200);
    await page.reload();
    await card.getByRole('switch').uncheck();
    const dialog = page.locator('dialog.review-dialog');
    await expect.poll(() => dialog.isVisible()).toBe(true);
    expect(await dialog.locator('.review-diff tbody').textContent()).toBe('Servedon for 100 %off for everyone');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => card.getByRole('switch').isChecked()).toBe(true);
    expect((await flag('voice-mode')).is_enabled).toBe(true);
    await card.getByRole('switch').uncheck();
    await dialog.getByLabel('Comment (optional, kept in the audit log)').fill('Voice crashes on Android 15');
    await dialog.getByRole('button', { name: 'Turn off' }).click();
    await expect.poll(async () => (await flag('voice-mode')).is_enabled).toBe(false);
    const audit = await apiGet<{ items: Array<{ action: string; comment: string | null }> }>(
      '/api/admin/audit?entity_type=flag&entity_id=voice-mode',
    );
    expect(audit.items[0]?.comment).toBe('Voice crashes on Android 15');

    // Undone from the toast within 10 s, then turned off again for the tests that follow.
    await page.locator('#toasts').getByRole('button', { name: 'Undo' }).click();
    await expect.poll(async () => (await flag('voice-mode')).is_enabled).toBe(true);
    await expect.poll(() => page.locator('#flag-voice-mode').getByRole('switch').isChecked()).toBe(true);
    await page.locator('#flag-voice-mode').getByRole('switch').uncheck();
    await dialog.getByRole('button', { name: 'Turn off' }).click();
    await expect.poll(async () => (await flag('voice-mode')).is_enabled).toBe(false);
  });

  it('drags a rollout slider, shows the testers it covers, and saves the new percentage', async () => {
    await page.goto(`${base}/admin/beta/flags`);
    const card = page.locator('#flag-voice-mode');
    const slider = card.locator('input[type="range"]');
    await slider.waitFor();
    const box = (await slider.boundingBox())!;
    // From the thumb at 100 % to about a third of the track.
    await page.mouse.move(box.x + box.width - 4, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.35, box.y + box.height / 2, { steps: 10 });
    await page.mouse.up();
    const shown = Number((await card.locator('output').textContent())!.replace(/\D/g, ''));
    // The pointer stops at 35 % of the track; a thumb (up to 32 px wide) takes the value a little lower.
    expect(shown).toBeGreaterThanOrEqual(Math.floor(((box.width * 0.35 - 16) / (box.width - 32)) * 100));
    expect(shown).toBeLessThanOrEqual(35);
    // Two active testers: three were added, one deactivated.
    expect(await card.locator('#rollout-voice-mode-covers').textContent()).toBe(`≈ ${Math.round((2 * shown) / 100)} of 2 active testers`);
    expect((await flag('voice-mode')).rollout_percentage).toBe(100);
    await card.getByRole('button', { name: 'Save rollout' }).click();
    await expect.poll(async () => (await flag('voice-mode')).rollout_percentage).toBe(shown);
  });

  it('targets a flag: conditions, target users and the explain tool', async () => {
    await page.goto(`${base}/admin/beta/flags`);
    const card = page.locator('#flag-voice-mode');
    await card.locator('details > summary').click();
    await card.getByRole('button', { name: 'Add condition' }).click();
    await card.getByLabel('Attribute', { exact: true }).fill('plan');
    await card.getByLabel('Operator').selectOption('in');
    await card.getByLabel('Values (comma-separated)').fill('pro, team');
    await card.getByRole('button', { name: 'Save conditions' }).click();
    await expect
      .poll(async () => (await flag('voice-mode')).conditions)
      .toEqual([{ attribute: 'plan', operator: 'in', values: ['pro', 'team'] }]);

    // The saved card keeps its panel open.
    const switched = page.locator('#flag-voice-mode');
    await expect.poll(() => switched.locator('#conditions-voice-mode-status').textContent()).toBe('Saved');
    expect(await switched.getByLabel('Invert (NOT)').isChecked()).toBe(false);
    await switched.getByLabel('Invert (NOT)').check();
    await switched.getByRole('button', { name: 'Save conditions' }).click();
    await expect
      .poll(async () => (await flag('voice-mode')).conditions)
      .toEqual([{ attribute: 'plan', operator: 'in', values: ['pro', 'team'], inverted: true }]);
    const sticky = page.locator('#flag-voice-mode');
    await expect.poll(() => sticky.locator('#conditions-voice-mode-status').textContent()).toBe('Saved');
    expect(await sticky.getByLabel('Invert (NOT)').isChecked()).toBe(true);
    expect(await sticky.getByLabel(/^Bucket rollouts and variants by/).inputValue()).toBe('targetingKey');
    await sticky.getByLabel(/^Bucket rollouts and variants by/).fill('orgId');
    await sticky.getByRole('button', { name: 'Save stickiness' }).click();
    await expect.poll(async () => (await flag('voice-mode')).stickiness).toBe('orgId');

    // Still open after the save, saying so beside the button that saved.
    const refreshed = page.locator('#flag-voice-mode');
    await expect.poll(() => refreshed.locator('#stickiness-voice-mode-status').textContent()).toBe('Saved');
    await refreshed.getByLabel(/^Target users/).fill('vip-user\nboss@example.com');
    await refreshed.getByRole('button', { name: 'Save target users' }).click();
    await expect.poll(async () => (await flag('voice-mode')).target_users).toEqual(['vip-user', 'boss@example.com']);

    const again = page.locator('#flag-voice-mode');
    await expect.poll(() => again.locator('#targets-voice-mode-status').textContent()).toBe('Saved');
    await again.getByLabel('Targeting key (user id)').fill('someone');
    await again.getByRole('button', { name: 'JSON', exact: true }).click();
    await again.getByLabel('Attributes (JSON object)').fill('{"plan":"free"}');
    await again.getByRole('button', { name: 'Explain' }).click();
    // The flag is off: the kill switch decides, so the walk lists the flag and the kill switch, and stops.
    await expect.poll(() => again.locator('ol li').count()).toBe(2);
    expect(await again.locator('ol li').allTextContents()).toEqual([
      'flag: flag voice-mode',
      'kill_switch: the flag is disabled: everyone gets false',
    ]);
    // The flag's history comes from the audit log.
    await expect.poll(() => again.locator('details ul').textContent()).toContain('flag.');
  });

  it('marks a flag permanent and deletes a flag after confirming', async () => {
    const headers = { 'x-csrf-token': (await page.locator('meta[name="csrf-token"]').getAttribute('content')) ?? '', origin: base };
    expect((await owner.request.post(`${base}/api/admin/flags`, { data: { name: 'old-switch' }, headers })).status()).toBe(201);
    await page.goto(`${base}/admin/beta/flags`);
    const card = page.locator('#flag-old-switch');
    await card.locator('details > summary').click();
    await card.getByLabel(/^Permanent/).check();
    await expect.poll(async () => (await flag('old-switch')).permanent).toBe(true);
    const refreshed = page.locator('#flag-old-switch');
    await expect.poll(() => refreshed.textContent()).toContain('permanent');
    // The panel stays open after the change.
    expect(await refreshed.locator('details').first().getAttribute('open')).not.toBeNull();
    page.once('dialog', (dialog) => void dialog.accept());
    await refreshed.getByRole('button', { name: 'Delete flag' }).click();
    await expect.poll(() => page.locator('#flag-old-switch').count()).toBe(0);
    expect((await owner.request.get(`${base}/api/admin/flags/old-switch`)).status()).toBe(404);
  });

  it('marks a flag visible to web pages, and creates a client key that sees only such flags', async () => {
    const headers = { 'x-csrf-token': (await page.locator('meta[name="csrf-token"]').getAttribute('content')) ?? '', origin: base };
    expect((await owner.request.post(`${base}/api/admin/flags`, { data: { name: 'web-banner' }, headers })).status()).toBe(201);
    await page.goto(`${base}/admin/beta/flags`);
    const card = page.locator('#flag-web-banner');
    await card.locator('details > summary').click();
    await card.getByLabel('Visible to web pages (client keys)').check();
    await expect.poll(async () => (await flag('web-banner')).client_visible).toBe(true);
    await expect.poll(() => page.locator('#flag-web-banner h2').textContent()).toContain('web');

    await page.goto(`${base}/admin/beta/tokens`);
    await page.getByLabel('Name').fill('nous-web');
    await page.getByLabel('Scope').selectOption('client');
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    await page.locator('#token-created:not([hidden])').waitFor();
    const key = await page.locator('#token-value').inputValue();
    await expect.poll(() => page.locator('#tokens-table tbody').textContent()).toContain('nous-web');
    const answer = await owner.request.post(`${base}/ofrep/v1/evaluate/flags`, {
      data: { context: { targetingKey: 'visitor' } },
      headers: { authorization: `Bearer ${key}` },
    });
    expect(((await answer.json()) as { flags: Array<{ key: string }> }).flags.map((f) => f.key)).toEqual(['web-banner']);
    expect((await owner.request.delete(`${base}/api/admin/flags/web-banner`, { headers })).status()).toBe(204);
  });

  it("edits a tester's notes and flag overrides", async () => {
    await page.goto(`${base}/admin/beta/users`);
    const row = page.locator('#users-table tbody tr[data-email="ann@example.com"]');
    await row.getByRole('button', { name: 'Edit' }).click();
    const dialog = page.locator('#edit-dialog');
    await dialog.getByLabel('Notes').fill('power user');
    await dialog.getByLabel('voice-mode').selectOption('true');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await expect
      .poll(async () => {
        const [ann] = await users('search=ann@');
        return { notes: ann?.notes, flag_set: ann?.flag_set };
      })
      .toEqual({ notes: 'power user', flag_set: { 'voice-mode': true } });
    await expect.poll(() => page.locator('#users-table tbody tr[data-email="ann@example.com"]').textContent()).toContain('voice-mode: on');
  });

  it('shows public feedback on the dashboard after the next refresh', async () => {
    await page.goto(`${base}/admin/beta/`);
    const tile = page.locator('#tile-feedback [data-value]');
    await expect.poll(() => tile.textContent()).toBe('0 / 0');
    const res = await fetch(`${base}/api/feedback`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ rating: 5, email: 'ann@example.com', feature: 'voice-mode', comment: 'Voice mode is lovely' }),
    });
    expect(res.status).toBe(201);
    await expect.poll(() => tile.textContent(), { timeout: 12_000 }).toBe('1 / 1');
    await expect.poll(() => page.locator('#recent-feedback').textContent()).toContain('Voice mode is lovely');
    expect(await page.locator('#tile-rating [data-value]').textContent()).toBe('5 / 5');
  });

  it('pauses the dashboard refresh while the tab is hidden and resumes when it is shown', async () => {
    await page.goto(`${base}/admin/beta/`);
    await page.locator('#live-state', { hasText: 'Live' }).waitFor();
    let refreshes = 0;
    const count = (request: { url(): string }) => {
      if (request.url().endsWith('/api/admin/users/summary')) refreshes++;
    };
    page.on('request', count);
    const setVisibility = (state: 'hidden' | 'visible') =>
      page.evaluate((s) => {
        const doc = (globalThis as unknown as { document: { dispatchEvent(e: unknown): void } }).document;
        Object.defineProperty(doc, 'visibilityState', { configurable: true, get: () => s });
        doc.dispatchEvent(new Event('visibilitychange'));
      }, state);
    try {
      await setVisibility('hidden');
      expect(await page.locator('#live-state').textContent()).toBe('Paused');
      refreshes = 0;
      await page.waitForTimeout(6000);
      expect(refreshes).toBe(0);
      await setVisibility('visible');
      // Shown again: one refresh at once, the next one a full interval (5 s) later.
      await expect.poll(() => refreshes).toBe(1);
      expect(await page.locator('#live-state').textContent()).toBe('Live');
      await page.waitForTimeout(1000);
      expect(refreshes).toBe(1);
    } finally {
      page.off('request', count);
    }
  });

  it('shows every KPI beside its target with its status colour and a sparkline, and the open alert', async () => {
    let alert: AlertOut | undefined;
    await expect
      .poll(
        async () => {
          const open = await apiGet<{ alerts: AlertOut[] }>('/api/admin/alerts?state=open');
          alert = open.alerts.find((a) => a.rule === 'memory_high');
          return alert !== undefined;
        },
        { timeout: 30_000, interval: 250 },
      )
      .toBe(true);
    const listed = (await apiGet<{ kpis: KpiOut[] }>('/api/admin/kpis?window=24h')).kpis;
    // The documented KPIs (docs/kpis-and-alerts.md), in its order.
    expect(listed.map((k) => k.key)).toEqual([
      'uptime',
      'db_p95_ms',
      'api_avg_ms',
      'api_p95_ms',
      'auth_bypass_incidents',
      'admin_requests_identified',
      'refused_admin_requests',
      'refused_sign_ins',
      'engagement_rate',
      'invite_redemption_rate',
      'feedback_per_day',
      'feedback_per_tester',
    ]);

    // The figures move with every sample: each rendering is compared with the answer it was drawn from.
    let drawnFrom: KpiOut[] | undefined;
    const record = (response: { url(): string; ok(): boolean; json(): Promise<unknown> }) => {
      const url = new URL(response.url());
      if (url.pathname !== '/api/admin/kpis' || !response.ok()) return;
      expect(url.searchParams.get('window')).toBe('24h');
      void response.json().then((body) => (drawnFrom = (body as { kpis: KpiOut[] }).kpis));
    };
    page.on('response', record);
    try {
      await page.goto(`${base}/admin/beta/`);
      const cards = page.locator('#kpis [data-kpi]');
      await expect.poll(() => cards.count(), { timeout: 20_000 }).toBe(listed.length);
      const shown = () =>
        page.evaluate(() => {
          const w = globalThis as unknown as DomWindow;
          const colourOf = (status: string) => {
            const probe = w.document.createElement('span');
            probe.style.color = `var(--console-${status === 'no_data' ? 'none' : status})`;
            w.document.body.append(probe);
            const colour = w.getComputedStyle(probe).color;
            probe.remove();
            return colour;
          };
          return Array.from(w.document.querySelectorAll('#kpis [data-kpi]')).map((card): KpiCardShown => {
            const statusClasses = card.className.split(/\s+/).filter((c) => c.startsWith('status-'));
            return {
              key: card.dataset.kpi,
              label: card.querySelector('.tile-label')?.textContent ?? '',
              value: card.querySelector('.tile-value')?.textContent ?? '',
              target: card.querySelector('.tile-value + div')?.textContent ?? '',
              badge: card.querySelector('.badge')?.className ?? '',
              statusClasses,
              border: w.getComputedStyle(card).borderLeftColor,
              statusColour: colourOf((statusClasses[0] ?? '').slice('status-'.length)),
              sparkline: card.querySelector('svg.sparkline, canvas') !== null,
              line: card.querySelector('svg.sparkline polyline') !== null,
            };
          });
        });
      const expected = (kpis: KpiOut[]) =>
        kpis.map((k) => {
          const points = k.series.filter((p) => typeof p.v === 'number').length;
          return {
            key: k.key,
            label: k.label,
            value:
              k.value === null
                ? '—'
                : expect.stringMatching(
                    new RegExp(`^-?[\\d,.]+${k.unit && k.unit !== 'count' ? ` ${k.unit.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}` : ''}$`),
                  ),
            target: `target ${k.target}`,
            badge: expect.stringContaining(`badge-status-${k.status}`),
            statusClasses: [`status-${k.status}`],
            border: expect.any(String),
            statusColour: expect.any(String),
            sparkline: k.series.length > 0 ? true : expect.any(Boolean),
            // One value is drawn too (as a dot), so a series with any value has a line.
            line: points >= 1,
          };
        });
      // Polled: the dashboard redraws every 5 s, from a fresh answer each time.
      await expect
        .poll(
          async () => {
            if (!drawnFrom) return 'no answer from /api/admin/kpis yet';
            const now = await shown();
            try {
              expect(now).toEqual(expected(drawnFrom));
              return 'as answered';
            } catch (err) {
              return (err as Error).message;
            }
          },
          { timeout: 20_000 },
        )
        .toBe('as answered');
      const cardsNow = await shown();
      // Same KPIs, in the same order, as the API lists for the window.
      expect(cardsNow.map((c) => [c.key, c.label])).toEqual(listed.map((k) => [k.key, k.label]));
      // The card's left border has its status's colour.
      for (const card of cardsNow) expect(card.border, card.key).toBe(card.statusColour);
      // A figure kept without a target is neither good nor bad, and a count carries no unit word.
      const refused = page.locator('#kpis [data-kpi="refused_admin_requests"]');
      expect(await refused.getAttribute('class')).toContain('status-tracked');
      expect(await refused.locator('.badge').textContent()).toBe('no target');
      expect(await refused.locator('.tile-value').textContent()).toMatch(/^[\d,]+$/);
      expect(await page.locator('#kpis [role="alert"]').count()).toBe(0);

      const item = page.locator(`#alerts li[data-alert-id="${alert!.id}"]`);
      await expect.poll(() => item.count(), { timeout: 20_000 }).toBe(1);
      // The message and value follow every sample; the rule and the instance stay.
      expect(await item.textContent()).toMatch(new RegExp(`^memory_high memory at .*${alert!.instance_id}$`));
    } finally {
      page.off('response', record);
    }
  }, 90_000);

  it('shows comments with markup as text and runs nothing, and the variants the author saw', async () => {
    const comment = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script> & done';
    const res = await fetch(`${base}/api/feedback`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ rating: 1, feature: 'voice-mode', comment, variants: { 'chat-model': 'b', 'reply-style': 'short' } }),
    });
    expect(res.status).toBe(201);
    for (const path of ['/admin/beta/feedback', '/admin/beta/']) {
      await page.goto(`${base}${path}`);
      const holder = page.locator(path.endsWith('feedback') ? '#feedback-table tbody' : '#recent-feedback');
      await expect.poll(() => holder.textContent()).toContain(comment);
      expect(await holder.locator('img, script').count()).toBe(0);
      if (path.endsWith('feedback')) expect(await holder.textContent()).toContain('chat-model: b, reply-style: short');
      expect(await page.evaluate(() => (globalThis as unknown as { __xss?: number }).__xss)).toBeUndefined();
    }
  });

  it('downloads both CSV exports', async () => {
    await page.goto(`${base}/admin/beta/users`);
    const [testers] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Export CSV' }).click()]);
    expect(testers.suggestedFilename()).toBe('beta-testers.csv');
    const usersCsv = await readFile(await testers.path(), 'utf8');
    expect(usersCsv.split('\n')[0]).toContain('email');
    expect(usersCsv).toContain('ann@example.com');

    await page.goto(`${base}/admin/beta/feedback?rating=5`);
    await page.locator('#feedback-table tbody tr[data-id]').first().waitFor();
    const [feedback] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Export CSV' }).click()]);
    expect(feedback.suggestedFilename()).toBe('beta-feedback.csv');
    const feedbackCsv = await readFile(await feedback.path(), 'utf8');
    expect(feedbackCsv).toContain('Voice mode is lovely');
    expect(feedbackCsv).not.toContain('window.__xss'); // the export follows the page's filter (rating 5)
  });

  it("opens a tester's feedback from the testers page", async () => {
    await page.goto(`${base}/admin/beta/users`);
    await page.getByRole('link', { name: 'Feedback from ann@example.com' }).click();
    await page.waitForURL(/\/admin\/beta\/feedback\?user=/);
    await expect.poll(() => page.locator('#user-filter-email').textContent()).toBe('ann@example.com');
    const rows = page.locator('#feedback-table tbody tr[data-id]');
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain('Voice mode is lovely');
  });

  it('removes a feedback row after confirming, and the statistics follow', async () => {
    await page.goto(`${base}/admin/beta/feedback?rating=1`);
    const rows = page.locator('#feedback-table tbody tr[data-id]');
    await expect.poll(() => rows.count()).toBe(1);
    page.once('dialog', (dialog) => void dialog.accept());
    await rows.first().getByRole('button', { name: 'Remove' }).click();
    await expect.poll(() => rows.count()).toBe(0);
    const analytics = await apiGet<{ total: number; distribution: Record<string, number> }>('/api/admin/feedback/analytics');
    expect(analytics.total).toBe(1);
    expect(analytics.distribution['1']).toBe(0);
    // The tiles show the filtered figures (rating 1): none left.
    await expect.poll(() => page.locator('#tile-total [data-value]').textContent()).toBe('0');
    expect(await page.locator('#feedback-matches').textContent()).toBe('0 items match; the figures cover them');
  });

  it("shows the database report's query shapes and slow queries", async () => {
    const answered = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/admin/db/report', { timeout: 30_000 });
    await page.goto(`${base}/admin/beta/database`);
    const response = await answered;
    expect(response.status()).toBe(200);
    const drawnFrom = (await response.json()) as DbReportOut;
    // The 25 shapes with the most total time: this session has run more than that (about 60).
    expect(drawnFrom.totals.shapes).toBeGreaterThan(25);
    expect(drawnFrom.top_shapes).toHaveLength(25);
    const rowsOf = (section: string) =>
      page.evaluate((s) => {
        const w = globalThis as unknown as DomWindow;
        return Array.from(w.document.querySelectorAll(`#${s} tbody tr`)).map((tr) => ({
          fingerprint: tr.dataset.fingerprint,
          at: tr.dataset.at,
          query: tr.querySelector('code')?.textContent,
        }));
      }, section);
    const shapes = page.locator('#db-top-shapes tbody tr');
    await expect.poll(() => shapes.count(), { timeout: 20_000 }).toBe(drawnFrom.top_shapes.length);
    expect(await rowsOf('db-top-shapes')).toEqual(
      drawnFrom.top_shapes.map((q) => ({ fingerprint: q.fingerprint, at: undefined, query: q.query })),
    );
    expect(await rowsOf('db-slow-queries')).toEqual(
      drawnFrom.slow_queries.map((q) => ({ fingerprint: q.fingerprint, at: q.at, query: q.query })),
    );
    if (drawnFrom.slow_queries.length === 0) expect(await page.locator('#db-slow-queries').textContent()).toContain('Nothing to show yet.');
    expect(await page.locator('#db-tiles').textContent()).toContain(drawnFrom.database.kind);
    expect(await page.locator('#db-notice').textContent()).toBe('');

    // The API, asked again, still ranks shapes the page shows among the slowest.
    const again = await apiGet<DbReportOut>('/api/admin/db/report');
    const onPage = new Set(drawnFrom.top_shapes.map((q) => q.fingerprint));
    expect(again.top_shapes.some((q) => onPage.has(q.fingerprint))).toBe(true);
  }, 60_000);

  it('says so when the targets, the alerts or the database report cannot be loaded, and shows nothing else', async () => {
    const p = await owner.newPage();
    try {
      const refuse = (route: { fulfill(o: object): Promise<void> }) =>
        route.fulfill({
          status: 503,
          contentType: 'application/json',
          body: JSON.stringify({ error: { code: 'UNAVAILABLE', message: 'Broken on purpose.' } }),
        });
      await p.route(/\/api\/admin\/(kpis|alerts|db\/report)(\?|$)/, refuse);
      await p.goto(`${base}/admin/beta/`);
      const kpiError = p.locator('#kpis [role="alert"]');
      await kpiError.waitFor({ timeout: 20_000 });
      expect(await kpiError.textContent()).toBe('Could not load the targets: Broken on purpose.');
      expect(await kpiError.evaluate((n) => (n as unknown as DomNode).className)).toContain('alert-danger');
      expect(await p.locator('#kpis [data-kpi]').count()).toBe(0);
      await expect.poll(() => p.locator('#alerts [role="alert"]').textContent()).toBe('Could not load the open alerts: Broken on purpose.');

      await p.goto(`${base}/admin/beta/database`);
      const dbError = p.locator('#db-notice [role="alert"]');
      await dbError.waitFor({ timeout: 20_000 });
      expect(await dbError.textContent()).toBe('The database report could not be loaded. Broken on purpose.');
      expect(await p.locator('#db-tiles').innerHTML()).toBe('');
      expect(await p.locator('#db-sections').innerHTML()).toBe('');
    } finally {
      await p.close();
    }
  }, 60_000);

  it('every page loads without console errors or requests to another origin, passes axe, and is captured at 1440 and 375 px', async () => {
    consoleErrors.length = 0;
    foreignRequests.length = 0;
    const serious: string[] = [];
    for (const width of [1440, 375]) {
      await page.setViewportSize({ width, height: width === 375 ? 812 : 900 });
      for (const name of PAGES) {
        const response = await page.goto(`${base}/admin/beta/${name}`);
        expect(response?.status(), name).toBe(200);
        await page.locator(READY[name]).first().waitFor();
        await page.waitForLoadState('networkidle');
        await page.screenshot({ path: new URL(`${name || 'dashboard'}-${width}.png`, ARTIFACTS).pathname, fullPage: true });
        // Nothing wider than the screen: wide tables scroll inside their own box.
        expect(
          await page.evaluate(
            () =>
              (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document.documentElement.scrollWidth,
          ),
          `${name} at ${width} px`,
        ).toBeLessThanOrEqual(width);
        for (const v of await seriousViolations(page)) serious.push(`${name || 'dashboard'} at ${width} px: ${v}`);
      }
    }
    expect(consoleErrors).toEqual([]);
    expect(foreignRequests).toEqual([]);
    expect(serious).toEqual([]);
  }, 120_000);

  it('sends anonymous visitors to sign-in', async () => {
    const anonymous = await browser.newContext();
    try {
      const first = await anonymous.request.get(`${base}/admin/beta/flags`, { maxRedirects: 0 });
      expect(first.status()).toBe(302);
      expect(first.headers().location).toBe('/sign-in?next=%2Fadmin%2Fbeta%2Fflags');
      // In the browser: the sign-in page, then on to the identity provider's authorization endpoint, for this console.
      const p = await anonymous.newPage();
      provider.signInAs(STRANGER);
      await p.goto(`${base}/admin/beta/flags`);
      expect(new URL(p.url()).pathname).toBe('/sign-in');
      expect(await p.locator('h1').textContent()).toBe('Sign in');
      expect(await seriousViolations(p)).toEqual([]);
      await p.screenshot({ path: new URL('sign-in.png', ARTIFACTS).pathname });
      expect(await p.locator('#sign-in-google').getAttribute('href')).toBe('/auth/login?next=%2Fadmin%2Fbeta%2Fflags');
      const authorize = p.waitForRequest((r) => r.url().startsWith(`${provider.issuer}/auth?`));
      await p.locator('#sign-in-google').click();
      const url = new URL((await authorize).url());
      expect(url.searchParams.get('redirect_uri')).toBe(`${base}/auth/callback`);
      expect(url.searchParams.get('client_id')).toBe(CLIENT_ID);
      // Someone the provider knows but the console does not is refused.
      await p.waitForURL((u) => u.pathname === '/auth/callback');
      expect(await p.locator('h1').textContent()).toBe('No access');
      await p.screenshot({ path: new URL('sign-in-refused.png', ARTIFACTS).pathname });
      expect(await seriousViolations(p)).toEqual([]);
    } finally {
      await anonymous.close();
    }
  });

  it('shows a signed-in user without console rights the 403 page', async () => {
    const token = await page.locator('meta[name="csrf-token"]').getAttribute('content');
    const headers = { 'x-csrf-token': token ?? '', origin: base };
    const created = await owner.request.post(`${base}/api/admin/users`, { data: { email: GRANTED.email, role: 'ADMIN' }, headers });
    expect(created.status()).toBe(201);
    const other = await browser.newContext();
    try {
      watch(other);
      const p = await signIn(other, GRANTED);
      await expect.poll(() => p.locator('#viewer').textContent()).toBe(GRANTED.email);
      // An admin, but not an owner: no tokens page.
      expect(await p.locator('nav a[href="/admin/beta/tokens"]').count()).toBe(0);
      expect((await p.goto(`${base}/admin/beta/tokens`))?.status()).toBe(403);
      // The owner takes the grant away: the same session now has no console rights at all.
      const revoked = await owner.request.patch(`${base}/api/admin/users/${(await created.json()).id}`, {
        data: { role: 'TESTER' },
        headers,
      });
      expect(revoked.status()).toBe(200);
      const denied = await p.goto(`${base}/admin/beta/`);
      expect(denied?.status()).toBe(403);
      expect(await p.locator('h1').textContent()).toBe('No access');
      expect(await p.locator('main').textContent()).toContain(`signed in as ${GRANTED.email}`);
      await p.screenshot({ path: new URL('no-access.png', ARTIFACTS).pathname });
      expect(await seriousViolations(p)).toEqual([]);
      await p.getByRole('button', { name: 'Sign out' }).click();
      await p.waitForURL(`${base}/signed-out`);
      expect((await other.request.get(`${base}/auth/me`)).status()).toBe(401);
    } finally {
      await other.close();
    }
  });
});
