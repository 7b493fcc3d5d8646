// The owner's console without friction, in real headless Chromium against the built server at
// 1440 and 375 px: filters that apply as chosen and drive the figures, failures (faked with
// page.route answering 500 for one API call) shown in place with "Retry", readable labels, and
// axe-core's serious findings on every page touched.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { seriousViolations } from './helpers/axe.js';
import { freePort, startOidcProvider, type TestAccount, type TestOidcProvider } from './helpers/oidc-provider.js';
import { serverEnv, startServer, type ServerProcess } from './helpers/server-process.js';
import { cloneTemplate, type TestDatabaseLocation } from './helpers/test-database.js';
import { fmtHour, perHour, readableMessage } from '../src/features/admin-ui/browser/format.js';

const CLIENT_ID = 'beta-console';
const CLIENT_SECRET = randomBytes(24).toString('base64url');
const OWNER: TestAccount = { sub: 'sub-owner', email: 'owner@example.com', email_verified: true };
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
const WIDTHS = [1440, 375] as const;

/** Feedback posted before the tests: ratings and features, counted by hand below. */
const FEEDBACK = [
  { rating: 5, feature: 'voice-mode', comment: 'Lovely voice' },
  { rating: 4, feature: 'voice-mode', comment: 'Good voice' },
  { rating: 2, feature: 'search', comment: 'Slow search' },
  { rating: 1, feature: 'search', comment: 'Broken search' },
  { rating: 3, feature: 'sync', comment: 'Fine sync' },
];

describe('validation messages in words', () => {
  it('names the condition and value a schema path points at', () => {
    expect(readableMessage('body/conditions[1].values[0] must be string')).toBe('Condition 2, value 1: must be string');
    expect(readableMessage('body/rollout_percentage must be <= 100')).toBe('Rollout percentage: must be <= 100');
    expect(readableMessage('Flag not found.')).toBe('Flag not found.');
  });
});

describe('hourly figures', () => {
  const now = new Date('2026-03-10T14:25:00Z');
  it('"last evaluated" names the hour the count belongs to, not a moment inside it', () => {
    expect(fmtHour(null, now)).toBe('never');
    expect(fmtHour('2026-03-10T14:00:00Z', now)).toBe('this hour');
    // Today's hours without a date (in the machine's time zone), other days with one.
    expect(fmtHour('2026-03-10T13:00:00Z', now)).toMatch(/^in the hour from (\d\d \w{3}, )?\d\d:\d\d$/);
    expect(fmtHour('2026-03-08T09:00:00Z', now)).toMatch(/^in the hour from 0[89] Mar, \d\d:\d\d$/);
  });
  it('lays hourly points on all 24 hours ending with the current one, 0 where none was recorded', () => {
    const slots = perHour(
      [
        { at: '2026-03-09T13:00:00Z', evaluations: 9 },
        { at: '2026-03-09T15:00:00Z', evaluations: 4 },
        { at: '2026-03-10T12:00:00Z', evaluations: 7 },
        { at: '2026-03-10T14:00:00Z', evaluations: 3 },
      ],
      now,
    );
    expect(slots).toHaveLength(24);
    expect(slots[0]).toBe(4);
    expect(slots[21]).toBe(7);
    expect(slots[23]).toBe(3);
    expect(slots.reduce((a, b) => a + b, 0)).toBe(14);
  });
});

describe.skipIf(!haveChromium && !process.env.CI)('console UX in Chromium', () => {
  let db: TestDatabaseLocation;
  let provider: TestOidcProvider;
  let server: ServerProcess;
  let browser: Browser;
  let contexts: Record<(typeof WIDTHS)[number], BrowserContext>;
  let base: string;
  const errors: string[] = [];

  /** The CSRF token the console pages carry, for API calls made from the test. */
  async function csrf(width: (typeof WIDTHS)[number]): Promise<string> {
    const p = await open(width, '/admin/beta/flags');
    const token = (await p.locator('meta[name="csrf-token"]').getAttribute('content')) ?? '';
    await p.close();
    return token;
  }

  /** The owner's session cookie at `width`, for API calls made from the test. */
  async function cookieOf(width: (typeof WIDTHS)[number]): Promise<string> {
    return (await contexts[width].cookies(base)).map((c) => `${c.name}=${c.value}`).join('; ');
  }

  /** A fresh page of the signed-in owner at `width`. */
  async function open(width: (typeof WIDTHS)[number], path: string): Promise<Page> {
    const p = await contexts[width].newPage();
    await p.goto(`${base}${path}`);
    return p;
  }

  beforeAll(async () => {
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
        FLAG_COUNTS_FLUSH_S: '1',
      }),
      60_000,
      port,
    );
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    const make = async (width: number) => {
      const context = await browser.newContext({ viewport: { width, height: 900 } });
      context.on('weberror', (error) => errors.push(`uncaught: ${error.error().message}`));
      provider.signInAs(OWNER);
      const p = await context.newPage();
      await p.goto(`${base}/admin/beta/`);
      if (new URL(p.url()).pathname === '/sign-in') await p.locator('#sign-in-google').click();
      await p.waitForURL(`${base}/admin/beta/`);
      await p.close();
      return context;
    };
    contexts = { 1440: await make(1440), 375: await make(375) };
    for (const f of FEEDBACK) {
      const res = await fetch(`${base}/api/feedback`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(f),
      });
      expect(res.status).toBe(201);
    }
  }, 120_000);

  afterAll(async () => {
    if (server && server.child.exitCode !== null) console.error(`the server exited early:\n${server.output().slice(-4000)}`);
    await browser?.close();
    await server?.stop();
    await provider?.close();
    await db?.drop();
    expect(errors).toEqual([]);
  });

  for (const width of WIDTHS) {
    it(`feedback at ${width} px: no tester banner, filters apply as chosen, count and figures follow, Clear resets`, async () => {
      const p = await open(width, '/admin/beta/feedback');
      const count = p.locator('#feedback-matches');
      const rows = p.locator('#feedback-table tbody tr[data-id]');
      await expect.poll(() => count.textContent()).toBe('All feedback: 5 items');
      expect(await p.locator('#user-filter').isVisible()).toBe(false);
      expect(await p.getByRole('button', { name: 'Filter' }).count()).toBe(0);

      await p.locator('#f-feature').fill('search');
      await expect.poll(() => count.textContent()).toBe('2 items match; the figures cover them');
      await expect.poll(() => rows.count()).toBe(2);
      expect(new URL(p.url()).searchParams.get('feature')).toBe('search');
      // Ratings 2 and 1: 2 feedback, average 1.5, no promoter, no passive, 2 detractors, score −100.
      expect(await p.locator('#tile-total [data-value]').textContent()).toBe('2');
      expect(await p.locator('#tile-average [data-value]').textContent()).toBe('1.5 / 5');
      expect(await p.locator('#tile-split [data-value]').textContent()).toBe('0 · 0 · 2 (score -100)');
      expect(await p.locator('#by-feature tbody').textContent()).toBe('search21.5');
      expect(await p.locator('#export-feedback').getAttribute('href')).toBe('/api/admin/feedback.csv?feature=search');

      await p.locator('#f-rating').selectOption('1');
      await expect.poll(() => count.textContent()).toBe('1 item matches; the figures cover them');
      await expect.poll(() => rows.count()).toBe(1);
      expect(await rows.first().textContent()).toContain('Broken search');

      expect(await seriousViolations(p)).toEqual([]);
      await p.getByRole('button', { name: 'Clear' }).click();
      await expect.poll(() => count.textContent()).toBe('All feedback: 5 items');
      // The list reloads after the figures: give it a loaded machine's time.
      await expect.poll(() => rows.count(), { timeout: 15_000 }).toBe(5);
      expect(await p.locator('#tile-total [data-value]').textContent()).toBe('5');
      expect(new URL(p.url()).search).toBe('');
      await p.close();
    });
  }

  it('shows the tester banner only while filtering by a tester, and the figures fail in place with Retry', async () => {
    const p = await open(1440, '/admin/beta/feedback?user=00000000-0000-4000-8000-000000000000');
    await expect.poll(() => p.locator('#user-filter').isVisible()).toBe(true);
    await expect.poll(() => p.locator('#user-filter-email').textContent()).toBe('unknown tester');
    await expect.poll(() => p.locator('#feedback-matches').textContent()).toBe('0 items match; the figures cover them');
    await p.close();

    const q = await contexts[1440].newPage();
    let failing = true;
    await q.route('**/api/admin/feedback/analytics', (route) =>
      failing
        ? route.fulfill({ status: 500, contentType: 'application/json', body: '{"error":{"code":"X","message":"Boom."}}' })
        : route.continue(),
    );
    await q.goto(`${base}/admin/beta/feedback`);
    await expect.poll(() => q.locator('#feedback-matches').textContent()).toBe('Figures not loaded: Boom. Retry');
    failing = false;
    await q.locator('#feedback-matches').getByRole('button', { name: 'Retry' }).click();
    await expect.poll(() => q.locator('#feedback-matches').textContent()).toBe('All feedback: 5 items');
    await q.close();
  });

  /** Answers 500 with the console's error shape. */
  const boom = { status: 500, contentType: 'application/json', body: '{"error":{"code":"INTERNAL","message":"Boom."}}' };

  for (const width of WIDTHS) {
    it(`flags at ${width} px: a failed load says so with Retry; a failed save leaves "Save rollout" enabled; the number field sets an exact 10 %`, async () => {
      const created = await contexts[width].request.post(`${base}/api/admin/flags`, {
        data: { name: `ramp-${width}`, description: '' },
        headers: { 'x-csrf-token': await csrf(width) },
      });
      expect(created.status()).toBe(201);
      const p = await contexts[width].newPage();
      let failList = true;
      await p.route('**/api/admin/flags', (route) =>
        failList && route.request().method() === 'GET' ? route.fulfill(boom) : route.continue(),
      );
      await p.goto(`${base}/admin/beta/flags`);
      const list = p.locator('#flags');
      await expect.poll(() => list.textContent()).toBe('Could not load the flags: Boom.Retry');
      expect(await seriousViolations(p)).toEqual([]);
      failList = false;
      await list.getByRole('button', { name: 'Retry' }).click();
      const card = p.locator(`#flag-ramp-${width}`);
      await card.waitFor();

      const number = card.locator(`#rollout-ramp-${width}-number`);
      await number.fill('10');
      expect(await card.locator(`#rollout-ramp-${width}`).inputValue()).toBe('10');
      expect(await card.locator(`#rollout-ramp-${width}-value`).textContent()).toBe('10 %');
      const save = card.getByRole('button', { name: 'Save rollout' });
      await p.route(
        `**/api/admin/flags/ramp-${width}`,
        (route) => (route.request().method() === 'PATCH' ? route.fulfill(boom) : route.continue()),
        {
          times: 1,
        },
      );
      await save.click();
      await expect.poll(() => card.locator(`#rollout-ramp-${width}-problem`).textContent()).toBe('Not saved: Boom.Retry');
      await expect.poll(() => save.isEnabled()).toBe(true);
      await save.click();
      await expect
        .poll(async () => (await (await contexts[width].request.get(`${base}/api/admin/flags/ramp-${width}`)).json()) as unknown)
        .toMatchObject({
          rollout_percentage: 10,
        });
      // Toasts stay at the bottom left, clear of the flag's controls on the right.
      const box = await p.locator('#toasts').boundingBox();
      expect(box?.x).toBe(0);
      expect(box?.width).toBeLessThanOrEqual(Math.min(22 * 16, width));

      // Narrowing a flag that is on is reviewed first; Cancel keeps what is stored.
      const stored = async () =>
        (await (await contexts[width].request.get(`${base}/api/admin/flags/ramp-${width}`)).json()) as {
          is_enabled: boolean;
          rollout_percentage: number;
        };
      await card.getByRole('switch').check();
      await expect.poll(async () => (await stored()).is_enabled).toBe(true);
      const again = p.locator(`#flag-ramp-${width}`);
      await again.locator(`#rollout-ramp-${width}-number`).fill('4');
      await again.getByRole('button', { name: 'Save rollout' }).click();
      const review = p.locator('dialog.review-dialog');
      await review.getByRole('heading', { name: `Narrow ramp-${width} from 10 % to 4 %` }).waitFor();
      expect(await review.locator('.review-diff tbody').textContent()).toBe('Rollout10 %4 %');
      expect(await seriousViolations(p)).toEqual([]);
      await review.getByRole('button', { name: 'Cancel' }).click();
      expect((await stored()).rollout_percentage).toBe(10);
      await expect.poll(() => again.getByRole('button', { name: 'Save rollout' }).isEnabled()).toBe(true);
      await again.getByRole('button', { name: 'Save rollout' }).click();
      await review.getByRole('button', { name: 'Narrow rollout' }).click();
      await expect.poll(async () => (await stored()).rollout_percentage).toBe(4);
      await p.close();
    });
  }

  it('new flag: a bad name is marked beside the field, and a server validation error reads in words', async () => {
    const p = await open(375, '/admin/beta/flags');
    await p.locator('#create-card summary').click();
    await p.locator('#new-name').fill('Bad Name');
    await p.getByRole('button', { name: 'Create', exact: true }).click();
    expect(await p.locator('#new-name-error').textContent()).toBe('A flag name is lowercase letters, digits, dot, dash or underscore.');
    expect(await p.locator('#new-name').getAttribute('aria-invalid')).toBe('true');
    expect(await p.locator('#new-name-error').isVisible()).toBe(true);
    await p.close();
  });

  it('charts: every adoption bar is named at both widths, lines are straight with gaps for missing data, a flag card charts all 24 hours', async () => {
    const headers = { 'x-csrf-token': await csrf(1440), origin: base, 'content-type': 'application/json' };
    const names = Array.from({ length: 14 }, (_, i) => `chart-flag-${String(i + 1).padStart(2, '0')}`);
    for (const name of names) {
      const res = await fetch(`${base}/api/admin/flags`, {
        method: 'POST',
        headers: { ...headers, cookie: await cookieOf(1440) },
        body: JSON.stringify({ name }),
      });
      expect(res.status).toBe(201);
    }
    const created = await fetch(`${base}/api/admin/tokens`, {
      method: 'POST',
      headers: { ...headers, cookie: await cookieOf(1440) },
      body: JSON.stringify({ name: 'chart-eval', scope: 'evaluate' }),
    });
    expect(created.status).toBe(201);
    const { token } = (await created.json()) as { token: string };
    const bulk = await fetch(`${base}/ofrep/v1/evaluate/flags`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ context: { targetingKey: 'chart-user' } }),
    });
    expect(bulk.status).toBe(200);

    for (const width of WIDTHS) {
      const p = await open(width, '/admin/beta/');
      // The counts reach the hourly table within a second; the dashboard refreshes every 5 s.
      const adoption = () =>
        p.locator('#chart-adoption').evaluate((canvas) => {
          const Chart = (
            globalThis as unknown as {
              Chart: { getChart(c: unknown): { data: { labels: string[] }; scales: { x: { ticks: unknown[] } } } | undefined };
            }
          ).Chart;
          const chart = Chart.getChart(canvas);
          return chart ? { labels: chart.data.labels.length, ticks: chart.scales.x.ticks.length } : null;
        });
      await expect.poll(async () => (await adoption())?.labels ?? 0, { timeout: 30_000 }).toBeGreaterThanOrEqual(names.length);
      const shown = await adoption();
      expect(shown?.ticks).toBe(shown?.labels);
      // The latency chart is drawn when the metrics series arrives, which may be after the adoption chart.
      const lines = () =>
        p.locator('#chart-latency').evaluate((canvas) => {
          const Chart = (
            globalThis as unknown as {
              Chart: { getChart(c: unknown): { data: { datasets: Array<{ tension?: number; spanGaps?: boolean }> } } | undefined };
            }
          ).Chart;
          return Chart.getChart(canvas)?.data.datasets.map((d) => [d.tension, d.spanGaps]);
        });
      await expect.poll(lines, { timeout: 30_000 }).toEqual([
        [0, false],
        [0, false],
      ]);
      await p.close();
    }

    const p = await open(1440, '/admin/beta/flags');
    const spark = p.locator('#flag-chart-flag-01 .adoption-spark svg polyline');
    await expect.poll(() => spark.count(), { timeout: 15_000 }).toBe(1);
    // Evaluated only in the current hour: still a line over all 24 hours, ending at the evaluation.
    const points = ((await spark.getAttribute('points')) ?? '').split(' ');
    expect(points).toHaveLength(24);
    expect(points.at(-1)).toBe('100.00,2.00');
    expect(points[0]).toBe('0.00,28.00');
    await p.close();
  });

  it('dashboard: a failing call marks only its own tiles with Retry, and the Live badge turns stale', async () => {
    const p = await contexts[1440].newPage();
    let failing = true;
    await p.route('**/health/metrics', (route) => (failing ? route.fulfill(boom) : route.continue()));
    await p.goto(`${base}/admin/beta/`);
    await expect.poll(() => p.locator('#tile-rps [data-value]').textContent()).toBe('Not loaded');
    for (const name of ['rps', 'p95', 'dbp95']) {
      expect(await p.locator(`#tile-${name} [data-hint]`).textContent()).toBe('Boom. Retry');
      expect(await p.locator(`#tile-${name}`).getAttribute('class')).toContain('status-fail');
    }
    await expect.poll(() => p.locator('#tile-feedback [data-value]').textContent()).toBe('5 / 5');
    expect(await p.locator('#tile-testers [data-value]').textContent()).toBe('0');
    // A refresh runs five loaders; on a loaded machine it takes longer than expect.poll's default second.
    const slow = { timeout: 15_000 };
    await expect.poll(() => p.locator('#live-state').textContent(), slow).toMatch(/^stale since \d\d:\d\d$/);
    expect(await seriousViolations(p)).toEqual([]);
    failing = false;
    await p.locator('#tile-rps').getByRole('button', { name: 'Retry' }).click();
    await expect.poll(() => p.locator('#live-state').textContent(), slow).toBe('Live');
    expect(await p.locator('#tile-rps [data-value]').textContent()).not.toBe('Not loaded');
    expect(await p.locator('#tile-rps').getAttribute('class')).not.toContain('status-fail');
    await p.close();
  }, 90_000);

  for (const width of WIDTHS) {
    it(`health at ${width} px: checks carry human names and readings in words, their keys kept small beneath`, async () => {
      const p = await open(width, '/admin/beta/health');
      const card = p.locator('[data-check="database:connectivity"]');
      await card.waitFor();
      expect(await card.locator('.tile-label').textContent()).toBe('Database connection');
      expect(await card.locator('.tile-value').textContent()).toBe('Connected');
      // The badge says the check's status in words (a slow database may make it a warning).
      const status = /status-(pass|warn|fail)/.exec((await card.getAttribute('class')) ?? '')?.[1];
      expect(await card.locator('.badge').textContent()).toBe({ pass: 'OK', warn: 'warning', fail: 'failing' }[status ?? 'fail']);
      expect(await card.locator('code').textContent()).toBe('database:connectivity');
      expect(await p.locator('[data-check="eventloop:lag"] .tile-label').textContent()).toBe('Event-loop delay');
      const labels = await p.locator('[data-check] .tile-label').allTextContents();
      expect(labels.length).toBeGreaterThanOrEqual(10);
      for (const label of labels) expect(label, 'a check shown by its key').not.toMatch(/:|^[a-z]+$/);
      expect(await seriousViolations(p)).toEqual([]);
      await p.close();
    });
  }

  it('phone: list rows are cards of labelled fields, nothing scrolls sideways and every button is on screen', async () => {
    for (const path of ['/admin/beta/feedback', '/admin/beta/audit']) {
      const p = await open(375, path);
      const rows = p.locator('table.stack-on-phone tbody tr');
      await expect.poll(() => rows.count(), { timeout: 20_000 }).toBeGreaterThan(0);
      await expect.poll(() => rows.first().locator('td').first().getAttribute('data-label')).not.toBeNull();
      const layout = await p.evaluate(() => {
        type Box = {
          scrollWidth: number;
          clientWidth: number;
          getAttribute(name: string): string | null;
          getBoundingClientRect(): { right: number };
        };
        const d = (globalThis as unknown as { document: { querySelectorAll(s: string): ArrayLike<Box>; documentElement: Box } }).document;
        const all = (selector: string) => Array.from(d.querySelectorAll(selector));
        return {
          page: d.documentElement.scrollWidth,
          regions: all('.table-responsive').map((r) => r.scrollWidth - r.clientWidth),
          labels: all('table.stack-on-phone tbody tr:first-child td').map((td) => td.getAttribute('data-label')),
          buttons: all('table.stack-on-phone tbody button').map((b) => b.getBoundingClientRect().right),
        };
      });
      expect(layout.page, path).toBeLessThanOrEqual(375);
      for (const overflow of layout.regions) expect(overflow, `${path}: a table scrolls sideways`).toBeLessThanOrEqual(0);
      expect(layout.labels.filter((l) => l !== null && l !== '').length, `${path}: labelled cells`).toBeGreaterThanOrEqual(3);
      for (const right of layout.buttons) expect(right, `${path}: a button off screen`).toBeLessThanOrEqual(375);
      expect(await seriousViolations(p)).toEqual([]);
      await p.close();
    }
  });
});
