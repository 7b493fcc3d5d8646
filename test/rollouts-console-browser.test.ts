// Release plans and scheduled changes in the console, in real headless Chromium against the built
// server (its plan runner passing every 15 s) at 1440 and 375 px: a plan started from a flag's card
// shows its timeline; a plan stopped by 1-star ratings shows on the dashboard's "Plans needing
// attention" tile and resumes from the card; scheduled changes are created, edited, cancelled and
// applied; a failed load of the running plans offers "Retry"; axe-core finds nothing serious.
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import type { Plan, PlanList, Schedule, ScheduleList } from '../src/features/admin-ui/browser/api-types.js';
import { seriousViolations } from './helpers/axe.js';
import { CHROMIUM, startConsole, type ConsoleUnderTest } from './helpers/console-browser.js';
import type { TestAccount } from './helpers/oidc-provider.js';

const OWNER: TestAccount = { sub: 'sub-owner', email: 'owner@example.com', email_verified: true };
const haveChromium = existsSync(CHROMIUM);
const WIDTHS = [1440, 375] as const;
type Width = (typeof WIDTHS)[number];
/** Long enough for two passes of the plan runner (every 15 s plus jitter) on a loaded machine. */
const PASS_WAIT = 60_000;

/** `datetime-local`'s value for a time, in this machine's time zone (the browser's too). */
function localInput(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

describe.skipIf(!haveChromium && !process.env.CI)('release plans and scheduled changes in the console', () => {
  let app: ConsoleUnderTest;
  let contexts: Record<Width, BrowserContext>;
  let base: string;
  let token = '';

  const open = async (width: Width, path: string): Promise<Page> => {
    const p = await contexts[width].newPage();
    await p.goto(`${base}${path}`);
    return p;
  };
  const get = async <T>(path: string): Promise<T> => (await (await contexts[1440].request.get(`${base}${path}`)).json()) as T;
  const write = async (method: 'post' | 'put', path: string, data: unknown): Promise<number> =>
    (await contexts[1440].request[method](`${base}${path}`, { data, headers: { 'x-csrf-token': token } })).status();

  beforeAll(async () => {
    app = await startConsole(OWNER);
    base = app.base;
    contexts = { 1440: await app.signedIn(1440), 375: await app.signedIn(375) };
    const p = await open(1440, '/admin/beta/flags');
    token = (await p.locator('meta[name="csrf-token"]').getAttribute('content')) ?? '';
    await p.close();
    for (const name of ['ramp-1440', 'ramp-375', 'guarded', 'sched-1440', 'sched-375', 'sched-now'])
      expect(await write('post', '/api/admin/flags', { name })).toBe(201);
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    expect(app?.errors).toEqual([]);
  });

  for (const width of WIDTHS) {
    it(`at ${width} px a plan started from the card shows its timeline; a bad form is refused in place`, async () => {
      const flag = `ramp-${width}`;
      const p = await open(width, `/admin/beta/flags?flag=${flag}`);
      const panel = p.locator(`#plan-${flag}`);
      await panel.getByRole('button', { name: 'Create a release plan' }).click({ timeout: 30_000 });
      // Steps must rise: refused beside the form, nothing sent.
      await panel.getByLabel('Step 2: percentage').fill('3');
      await panel.getByRole('button', { name: 'Start plan' }).click();
      await expect.poll(() => panel.getByRole('alert').textContent()).toBe('Each step must reach a higher percentage than the one before.');
      await panel.getByLabel('Step 2: percentage').fill('30');
      await panel.getByLabel('Step 3: minimum duration (30s, 15m, 4h, 2d)').fill('soon');
      await panel.getByRole('button', { name: 'Start plan' }).click();
      await expect.poll(() => panel.getByRole('alert').textContent()).toMatch(/^Step 3: minimum duration/);
      await panel.getByLabel('Step 3: minimum duration (30s, 15m, 4h, 2d)').fill('2d');
      await panel.getByLabel('Lowest mean rating').fill('4');
      await panel.getByLabel('When a guard fails').selectOption('rollback');
      expect(await seriousViolations(p)).toEqual([]);
      await panel.getByRole('button', { name: 'Start plan' }).click();

      await expect.poll(() => panel.locator('.plan-state').textContent(), { timeout: 15_000 }).toBe('running');
      const steps = panel.locator('.plan-timeline > li');
      await expect.poll(() => steps.count()).toBe(3);
      expect(await steps.nth(2).locator('span').first().textContent()).toBe('100 % for at least 2d');
      for (const label of ['Pause', 'Skip step', 'Abort']) expect(await panel.getByRole('button', { name: label }).isVisible()).toBe(true);
      const saved = await get<Plan>(`/api/admin/flags/${flag}/plan`);
      expect(saved.steps.map((s) => [s.percentage, s.min_duration])).toEqual([
        [5, '1h'],
        [30, '1h'],
        [100, '2d'],
      ]);
      expect(saved.guards).toEqual([
        { kind: 'rating', min_mean: 4, min_ratings: 20, on_fail: 'rollback' },
        { kind: 'low_ratings', max_share_pct: 20, min_ratings: 20, on_fail: 'rollback' },
      ]);

      // Once the runner has applied the first step and read its guards, a reload shows the step current, its guards
      // waiting for ratings, and the next step's earliest time.
      await expect.poll(async () => (await get<Plan>(`/api/admin/flags/${flag}/plan`)).readings.length, { timeout: 2 * PASS_WAIT }).toBe(2);
      await p.reload();
      const current = panel.locator('.plan-timeline > li[data-state="current"]');
      await expect.poll(() => current.textContent(), { timeout: 15_000 }).toMatch(/^5 % for at least 1h · current since /);
      expect(await current.locator('li[data-guard="rating"]').textContent()).toBe(
        'waiting for data Mean rating: — (needs ≥ 4) · 0 of 20 ratings · on failure: roll back',
      );
      expect(await panel.locator('li[data-state="next"]').textContent()).toMatch(/^30 % for at least 1h · next, not before /);

      // Pause and abort (abort asks first) from the card.
      await panel.getByRole('button', { name: 'Pause' }).click();
      await expect.poll(() => panel.locator('.plan-state').textContent()).toBe('paused');
      expect(await panel.locator('p').first().textContent()).toMatch(/^paused Paused by .+\.$/);
      p.once('dialog', (d) => void d.dismiss());
      await panel.getByRole('button', { name: 'Abort' }).click();
      expect((await get<Plan>(`/api/admin/flags/${flag}/plan`)).status).toBe('paused');
      p.once('dialog', (d) => void d.accept());
      await panel.getByRole('button', { name: 'Abort' }).click();
      await expect.poll(() => panel.locator('.plan-state').textContent()).toBe('aborted');
      expect(await panel.getByRole('button', { name: 'Create a release plan' }).isVisible()).toBe(true);
      expect(await seriousViolations(p)).toEqual([]);
      // Ended plans are not among the running ones: the card offers to show the last one.
      await p.reload();
      await panel.getByRole('button', { name: 'Show the last plan' }).click({ timeout: 30_000 });
      await expect.poll(() => panel.locator('.plan-state').textContent(), { timeout: 15_000 }).toBe('aborted');
      expect(await panel.locator('p').first().textContent()).toBe('aborted Aborted by hand.');
      await p.close();
    }, 240_000);
  }

  it('shows the server’s refusal beside the form: a plan started elsewhere meanwhile', async () => {
    const flag = 'sched-now';
    const p = await open(1440, `/admin/beta/flags?flag=${flag}`);
    const panel = p.locator(`#plan-${flag}`);
    await panel.getByRole('button', { name: 'Create a release plan' }).click({ timeout: 30_000 });
    expect(await write('put', `/api/admin/flags/${flag}/plan`, { steps: [{ percentage: 50, min_duration: '1h' }], guards: [] })).toBe(201);
    await panel.getByRole('button', { name: 'Start plan' }).click();
    await expect.poll(() => panel.getByRole('alert').textContent()).toMatch(/^The plan was not started: .+/);
    expect(await panel.getByRole('button', { name: 'Start plan' }).isEnabled()).toBe(true);
    await p.close();
  }, 60_000);

  it('a plan stopped by 1-star ratings shows on the dashboard at both widths and resumes from its card', async () => {
    const tile = (p: Page) => p.locator('#tile-plans');
    const d = await open(375, '/admin/beta/');
    await expect.poll(() => tile(d).locator('[data-value]').textContent(), { timeout: 30_000 }).toBe('none');
    expect(await tile(d).locator('[data-hint]').textContent()).toBe('no plan is paused by a guard');

    const guards = [
      { kind: 'rating', min_mean: 3.5, min_ratings: 3, on_fail: 'pause' },
      { kind: 'low_ratings', max_share_pct: 20, min_ratings: 3, on_fail: 'pause' },
    ];
    const steps = [
      { percentage: 10, min_duration: '1h' },
      { percentage: 100, min_duration: '1h' },
    ];
    expect(await write('put', '/api/admin/flags/guarded/plan', { steps, guards })).toBe(201);
    await expect
      .poll(async () => (await get<Plan>('/api/admin/flags/guarded/plan')).steps[0]!.started_at, { timeout: PASS_WAIT })
      .not.toBeNull();
    for (const rating of [1, 1, 2]) {
      const res = await fetch(`${base}/api/feedback`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ rating, feature: 'guarded', comment: 'Broken' }),
      });
      expect(res.status).toBe(201);
    }
    await expect.poll(async () => (await get<Plan>('/api/admin/flags/guarded/plan')).status, { timeout: PASS_WAIT }).toBe('paused');
    const paused = await get<Plan>('/api/admin/flags/guarded/plan');
    expect(paused.attention).toMatch(/^Paused: mean rating 1\.33 over 3 ratings is below 3\.5/);
    expect(paused.readings.map((r) => r.status)).toEqual(['failed', 'failed']);
    await d.close();
    const live = (await get<PlanList>('/api/admin/plans')).items.filter((plan) => plan.status === 'paused');
    expect(live.map((plan) => [plan.flag, plan.readings.map((r) => r.status)])).toEqual([['guarded', ['failed', 'failed']]]);

    // The phone checks first; the wide screen then resumes the plan.
    for (const width of [375, 1440] as const) {
      const p = await open(width, '/admin/beta/');
      await expect.poll(() => tile(p).locator('[data-value]').textContent(), { timeout: 30_000 }).toBe('1');
      expect(await tile(p).locator('[data-hint] a').textContent()).toBe('guarded');
      expect(await seriousViolations(p)).toEqual([]);
      if (width === 375) await p.close();
      else {
        await tile(p).getByRole('link', { name: 'guarded' }).click();
        await p.waitForURL(/\/admin\/beta\/flags\?flag=guarded$/);
        const panel = p.locator('#plan-guarded');
        await expect.poll(() => panel.locator('.plan-state').textContent(), { timeout: 30_000 }).toBe('paused');
        expect(await panel.locator('p').first().textContent()).toMatch(/^paused Paused: mean rating 1\.33 over 3 ratings is below 3\.5/);
        expect(await panel.locator('li[data-guard="rating"]').textContent()).toBe(
          'failing Mean rating: 1.33 (needs ≥ 3.5) · 3 of 3 ratings · on failure: pause',
        );
        expect(await panel.locator('li[data-guard="low_ratings"]').textContent()).toBe(
          'failing Share of 1–2 star ratings: 100 % (at most 20 %) · 3 of 3 ratings · on failure: pause',
        );
        expect(await seriousViolations(p)).toEqual([]);
        await panel.getByRole('button', { name: 'Resume' }).click();
        await expect.poll(() => panel.locator('.plan-state').textContent()).toBe('running');
        expect((await get<Plan>('/api/admin/flags/guarded/plan')).status).toBe('running');
        await p.goto(`${base}/admin/beta/`);
        await expect.poll(() => tile(p).locator('[data-value]').textContent(), { timeout: 30_000 }).toBe('none');
        await p.close();
      }
    }
  }, 240_000);

  for (const width of WIDTHS) {
    it(`at ${width} px a scheduled change is created, edited and cancelled`, async () => {
      const flag = `sched-${width}`;
      const p = await open(width, '/admin/beta/flags');
      await p.locator('#schedules summary').click();
      const rows = p.locator('#schedules-list tbody');
      await expect.poll(() => p.locator('#schedules-status').textContent(), { timeout: 30_000 }).toMatch(/pending$/);
      const tomorrow = new Date(Date.now() + 86_400_000);
      await p.getByLabel('Flag', { exact: true }).fill(flag);
      await p.getByLabel('Change', { exact: true }).selectOption('percentage');
      await p.getByLabel('Percentage', { exact: true }).fill('130');
      await p.getByLabel('At (your time)').fill(localInput(tomorrow));
      await p.getByRole('button', { name: 'Schedule' }).click();
      await expect.poll(() => p.locator('#schedule-error').textContent()).toMatch(/^Percentage: .+/);
      await p.getByLabel('Percentage', { exact: true }).fill('30');
      await p.getByRole('button', { name: 'Schedule' }).click();
      const row = rows.locator('tr', { hasText: flag });
      await expect.poll(() => row.locator('td').nth(1).textContent(), { timeout: 15_000 }).toBe('rollout to 30 %');
      expect(await row.locator('td').nth(3).textContent()).toBe('pending');
      expect(await seriousViolations(p)).toEqual([]);

      // Edit: the kill switch instead, two days out.
      await row.getByRole('button', { name: `Edit the change to ${flag}` }).click();
      expect(await p.getByLabel('Flag', { exact: true }).isDisabled()).toBe(true);
      await p.getByLabel('Change', { exact: true }).selectOption('off');
      const later = new Date(Date.now() + 2 * 86_400_000);
      await p.getByLabel('At (your time)').fill(localInput(later));
      await p.getByRole('button', { name: 'Save changes' }).click();
      await expect.poll(() => row.locator('td').nth(1).textContent(), { timeout: 15_000 }).toBe('turn off (kill switch)');
      const saved = (await get<ScheduleList>(`/api/admin/schedules?flag=${flag}`)).items;
      expect(saved).toHaveLength(1);
      expect(saved[0]!.change).toEqual({ is_enabled: false });
      expect(localInput(new Date(saved[0]!.at))).toBe(localInput(later));

      await row.getByRole('button', { name: `Cancel the change to ${flag}` }).click();
      await expect.poll(() => row.locator('td').nth(3).textContent(), { timeout: 15_000 }).toBe('cancelled');
      expect(await row.getByRole('button').count()).toBe(0);
      expect((await get<Schedule>(`/api/admin/schedules/${saved[0]!.id}`)).status).toBe('cancelled');
      expect(await seriousViolations(p)).toEqual([]);
      await p.close();
    }, 120_000);
  }

  it('a change due now is applied by the runner and listed as applied', async () => {
    const p = await open(1440, '/admin/beta/flags');
    await p.locator('#schedules summary').click();
    await p.getByLabel('Flag', { exact: true }).fill('ramp-375');
    await p.getByLabel('Change', { exact: true }).selectOption('on');
    await p.getByLabel('At (your time)').fill(localInput(new Date(Date.now() - 60_000)));
    await p.getByRole('button', { name: 'Schedule' }).click();
    await expect
      .poll(async () => (await get<ScheduleList>('/api/admin/schedules?flag=ramp-375')).items[0]?.status, { timeout: PASS_WAIT })
      .toBe('done');
    await p.reload();
    await p.locator('#schedules summary').click();
    const row = p.locator('#schedules-list tbody tr', { hasText: 'ramp-375' });
    await expect.poll(() => row.locator('td').nth(3).textContent(), { timeout: 15_000 }).toMatch(/^applied /);
    expect(await row.locator('td').nth(1).textContent()).toBe('turn on');
    await p.close();
  }, 120_000);

  for (const width of WIDTHS) {
    it(`at ${width} px the running plans that could not be loaded say so in place, and Retry loads them`, async () => {
      const p = await contexts[width].newPage();
      let fail = true;
      await p.route('**/api/admin/plans', (route) => (fail ? route.abort() : route.continue()));
      await p.goto(`${base}/admin/beta/flags?flag=guarded`);
      const panel = p.locator('#plan-guarded');
      await expect
        .poll(() => panel.getByRole('alert').textContent(), { timeout: 30_000 })
        .toMatch(/^Could not load the release plan: .+Retry$/);
      expect(await seriousViolations(p)).toEqual([]);
      fail = false;
      await panel.getByRole('button', { name: 'Retry' }).click();
      await expect.poll(() => panel.locator('.plan-state').textContent(), { timeout: 15_000 }).toBe('running');
      await p.close();
    }, 60_000);
  }
});
