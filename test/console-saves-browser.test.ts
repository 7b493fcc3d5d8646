// Saves that fail, in real headless Chromium at 1440 and 375 px: a refused rollout or early-access save is
// said beside its control (a field the server names is marked on the field), Retry sends the same change
// and the stored flag follows; the reviews before a role change and a deactivation (Cancel keeps what is
// stored, the confirmed comment is kept in the audit log, Undo from the toast), and a failed tester save
// said under its row with Retry. axe-core's serious findings are checked in each state.
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page, Route } from 'playwright-core';
import { seriousViolations } from './helpers/axe.js';
import { CHROMIUM, startConsole, type ConsoleUnderTest } from './helpers/console-browser.js';
import type { TestAccount } from './helpers/oidc-provider.js';

const OWNER: TestAccount = { sub: 'sub-owner', email: 'owner@example.com', email_verified: true };
const haveChromium = existsSync(CHROMIUM);
const WIDTHS = [1440, 375] as const;
type Width = (typeof WIDTHS)[number];
const WAIT = { timeout: 20_000 };

/** The console's error shape with `status`. */
const answer = (status: number, code: string, message: string) => ({
  status,
  contentType: 'application/json',
  body: JSON.stringify({ error: { code, message } }),
});

interface StoredFlag {
  rollout_percentage: number;
  early_access: boolean;
  public_title: string | null;
  public_description: string | null;
  stage: string | null;
}
interface StoredTester {
  id: string;
  role: string;
  is_active: boolean;
}

describe.skipIf(!haveChromium && !process.env.CI)('console saves in Chromium', () => {
  let app: ConsoleUnderTest;
  let contexts: Record<Width, BrowserContext>;

  beforeAll(async () => {
    app = await startConsole(OWNER);
    contexts = { 1440: await app.signedIn(1440), 375: await app.signedIn(375) };
    const p = await contexts[1440].newPage();
    await p.goto(`${app.base}/admin/beta/flags`);
    const csrf = (await p.locator('meta[name="csrf-token"]').getAttribute('content')) ?? '';
    await p.close();
    const request = contexts[1440].request;
    const post = async (path: string, data: object) =>
      expect((await request.post(`${app.base}${path}`, { data, headers: { 'x-csrf-token': csrf } })).status()).toBe(201);
    for (const width of WIDTHS) {
      await post('/api/admin/flags', { name: `save-${width}`, description: 'Saved from the card' });
      await post('/api/admin/flags', { name: `other-${width}`, description: 'The rest of the card' });
    }
    for (const width of WIDTHS) {
      await post('/api/admin/users', { email: `role-${width}@example.com` });
      await post('/api/admin/users', { email: `off-${width}@example.com` });
    }
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    expect(app?.errors).toEqual([]);
  });

  async function get<T>(path: string): Promise<T> {
    const res = await contexts[1440].request.get(`${app.base}${path}`);
    expect(res.status(), path).toBe(200);
    return (await res.json()) as T;
  }
  const stored = (width: Width) => get<StoredFlag>(`/api/admin/flags/save-${width}`);
  const tester = async (email: string) => (await get<{ items: StoredTester[] }>(`/api/admin/users?search=${email}`)).items[0];
  const lastComment = async (id: string) =>
    (await get<{ items: Array<{ comment: string | null }> }>(`/api/admin/audit?entity_type=beta_user&entity_id=${id}`)).items[0]?.comment;

  async function open(width: Width, path: string): Promise<Page> {
    const p = await contexts[width].newPage();
    await p.goto(`${app.base}${path}`);
    return p;
  }

  /** Answers the next `method` request to `path` with `reply`; everything else goes to the server. */
  async function failNext(p: Page, method: string, path: string, reply: Parameters<Route['fulfill']>[0]): Promise<void> {
    await p.route(`**${path}`, (route) => (route.request().method() === method ? route.fulfill(reply) : route.continue()), { times: 1 });
  }
  const failNextPatch = (p: Page, path: string, reply: Parameters<Route['fulfill']>[0]) => failNext(p, 'PATCH', path, reply);

  for (const width of WIDTHS) {
    it(`rollout at ${width} px: a failed save is said under the slider with Retry, which stores it; a refused percentage is marked on its field`, async () => {
      const p = await open(width, '/admin/beta/flags');
      const card = p.locator(`#flag-save-${width}`);
      await card.waitFor(WAIT);
      const save = card.getByRole('button', { name: 'Save rollout', exact: true });
      const problem = p.locator(`#rollout-save-${width}-problem`);
      const status = () => p.locator(`#rollout-save-${width}-status`).textContent();

      await card.locator(`#rollout-save-${width}-number`).fill('30');
      await failNextPatch(p, `/api/admin/flags/save-${width}`, answer(503, 'UNAVAILABLE', 'The database is busy: try again.'));
      await save.click();
      await expect.poll(() => problem.textContent(), WAIT).toBe('Not saved: The database is busy: try again.Retry');
      expect(await problem.getByRole('alert').isVisible()).toBe(true);
      expect(await p.locator('#toasts .alert-danger').count()).toBe(0);
      await expect.poll(() => save.isEnabled()).toBe(true);
      expect(await card.locator(`#rollout-save-${width}`).inputValue()).toBe('30');
      expect((await stored(width)).rollout_percentage).toBe(0);
      expect(await seriousViolations(p)).toEqual([]);

      await problem.getByRole('button', { name: 'Retry', exact: true }).click();
      await expect.poll(async () => (await stored(width)).rollout_percentage, WAIT).toBe(30);
      await expect.poll(() => problem.textContent(), WAIT).toBe('');
      expect(await status()).toBe('Saved');

      // A percentage the server refuses by name is marked on the number field; the next save clears it.
      await card.locator(`#rollout-save-${width}-number`).fill('40');
      await failNextPatch(p, `/api/admin/flags/save-${width}`, answer(400, 'VALIDATION_ERROR', 'body/rollout_percentage must be <= 35'));
      await save.click();
      const number = card.locator(`#rollout-save-${width}-number`);
      await expect.poll(() => number.getAttribute('aria-invalid'), WAIT).toBe('true');
      expect(await card.locator(`#rollout-save-${width}-number-error`).textContent()).toContain('35');
      expect(await number.getAttribute('aria-describedby')).toBe(`rollout-save-${width}-number-error`);
      expect(await problem.textContent()).toBe('');
      await expect.poll(() => save.isEnabled()).toBe(true);
      expect(await seriousViolations(p)).toEqual([]);
      await save.click();
      await expect.poll(async () => (await stored(width)).rollout_percentage, WAIT).toBe(40);
      await expect.poll(() => card.locator(`#rollout-save-${width}-number`).getAttribute('aria-invalid')).toBe(null);
      expect(await card.locator(`#rollout-save-${width}-number-error`).count()).toBe(0);
      expect(await status()).toBe('Saved');
      await p.close();
    });

    it(`early access at ${width} px: a failed save is said under the form with Retry, which stores it; a refused title is marked on its field`, async () => {
      const p = await open(width, '/admin/beta/flags');
      const card = p.locator(`#flag-save-${width}`);
      await card.waitFor(WAIT);
      await card.locator('summary', { hasText: 'Early access, targeting' }).click();
      await card.getByLabel('Offer to testers as early access').check();
      await card.getByLabel('Public title').fill('Smart replies');
      await card.getByLabel('Stage').selectOption('beta');
      await card.getByLabel('Public description').fill('Three short replies to each message.');
      const save = card.getByRole('button', { name: 'Save early access', exact: true });
      const problem = p.locator(`#early-save-${width}-problem`);

      await failNextPatch(p, `/api/admin/flags/save-${width}`, answer(500, 'INTERNAL', 'Boom.'));
      await save.click();
      await expect.poll(() => problem.textContent(), WAIT).toBe('Not saved: Boom.Retry');
      expect(await p.locator('#toasts .alert-danger').count()).toBe(0);
      await expect.poll(() => save.isEnabled()).toBe(true);
      expect(await stored(width)).toMatchObject({ early_access: false, public_title: null, stage: null });
      expect(await seriousViolations(p)).toEqual([]);

      await problem.getByRole('button', { name: 'Retry', exact: true }).click();
      await expect
        .poll(() => stored(width), WAIT)
        .toMatchObject({
          early_access: true,
          public_title: 'Smart replies',
          public_description: 'Three short replies to each message.',
          stage: 'beta',
        });
      await expect.poll(() => p.locator(`#early-save-${width}-status`).textContent(), WAIT).toBe('Saved');
      expect(await problem.textContent()).toBe('');
      // The card was redrawn with its panel still open.
      expect(await card.getByLabel('Public title').inputValue()).toBe('Smart replies');

      const title = card.getByLabel('Public title');
      await title.fill('Smart replies, now in beta');
      await failNextPatch(
        p,
        `/api/admin/flags/save-${width}`,
        answer(400, 'VALIDATION_ERROR', 'body/public_title must NOT have more than 20 characters'),
      );
      await save.click();
      await expect.poll(() => title.getAttribute('aria-invalid'), WAIT).toBe('true');
      expect(await card.locator(`#early-save-${width}-title-error`).textContent()).toContain('20 characters');
      expect(await problem.getByRole('button', { name: 'Retry', exact: true }).count()).toBe(0);
      await expect.poll(() => save.isEnabled()).toBe(true);
      expect(await seriousViolations(p)).toEqual([]);
      await title.fill('Smart replies 2');
      await save.click();
      await expect.poll(async () => (await stored(width)).public_title, WAIT).toBe('Smart replies 2');
      await expect.poll(() => card.getByLabel('Public title').getAttribute('aria-invalid')).toBe(null);
      expect(await card.locator(`#early-save-${width}-title-error`).count()).toBe(0);
      await p.close();
    });
  }

  for (const width of WIDTHS) {
    it(`the rest at ${width} px: the switch, Permanent, Delete flag, adding and importing testers fail in place, and Retry does it`, async () => {
      const busy = answer(503, 'UNAVAILABLE', 'The database is busy: try again.');
      const flagPath = `/api/admin/flags/other-${width}`;
      const p = await open(width, '/admin/beta/flags');
      const card = p.locator(`#flag-other-${width}`);
      await card.waitFor(WAIT);

      await failNext(p, 'POST', `${flagPath}/toggle`, busy);
      // Clicked, not checked: a failed toggle puts the switch back at once.
      await card.getByRole('switch').click();
      const switchProblem = p.locator(`#enabled-other-${width}-problem`);
      await expect.poll(() => switchProblem.textContent(), WAIT).toBe('Not saved: The database is busy: try again.Retry');
      await expect.poll(() => card.getByRole('switch').isChecked()).toBe(false);
      expect(await seriousViolations(p)).toEqual([]);
      await switchProblem.getByRole('button', { name: 'Retry', exact: true }).click();
      await expect.poll(async () => (await get<{ is_enabled: boolean }>(flagPath)).is_enabled, WAIT).toBe(true);
      await expect.poll(() => p.locator(`#flag-other-${width}`).getByRole('switch').isChecked()).toBe(true);
      expect(await p.locator(`#enabled-other-${width}-problem`).textContent()).toBe('');

      await card.locator('summary', { hasText: 'Early access, targeting' }).click();
      const lifecycle = p.locator(`#lifecycle-other-${width}-problem`);
      await failNextPatch(p, flagPath, busy);
      await card.getByLabel(/^Permanent/).check();
      await expect.poll(() => lifecycle.textContent(), WAIT).toBe('Not saved: The database is busy: try again.Retry');
      expect(await seriousViolations(p)).toEqual([]);
      await lifecycle.getByRole('button', { name: 'Retry', exact: true }).click();
      await expect.poll(async () => (await get<{ permanent: boolean }>(flagPath)).permanent, WAIT).toBe(true);
      await expect.poll(() => p.locator(`#lifecycle-other-${width}-status`).textContent()).toBe('Saved');

      await failNext(p, 'DELETE', flagPath, busy);
      p.once('dialog', (dialog) => void dialog.accept());
      await card.getByRole('button', { name: 'Delete flag', exact: true }).click();
      await expect.poll(() => lifecycle.textContent(), WAIT).toBe('Not deleted: The database is busy: try again.Retry');
      expect((await contexts[1440].request.get(`${app.base}${flagPath}`)).status()).toBe(200);
      await lifecycle.getByRole('button', { name: 'Retry', exact: true }).click();
      await expect.poll(async () => (await contexts[1440].request.get(`${app.base}${flagPath}`)).status(), WAIT).toBe(404);
      await expect.poll(() => card.count()).toBe(0);
      await p.close();

      const q = await open(width, '/admin/beta/users');
      await q.locator('#users-table tbody tr[data-email]').first().waitFor(WAIT);
      await failNext(q, 'POST', '/api/admin/users', busy);
      await q.getByLabel('Email', { exact: true }).fill(`added-${width}@example.com`);
      await q.getByRole('button', { name: 'Add and create invite', exact: true }).click();
      const addProblem = q.locator('#add-form-problem');
      await expect.poll(() => addProblem.textContent(), WAIT).toBe('Not added: The database is busy: try again.Retry');
      expect(await tester(`added-${width}@`)).toBeUndefined();
      expect(await seriousViolations(q)).toEqual([]);
      await addProblem.getByRole('button', { name: 'Retry', exact: true }).click();
      await expect.poll(async () => (await tester(`added-${width}@`))?.is_active, WAIT).toBe(true);
      await expect.poll(() => addProblem.textContent()).toBe('');
      await q.locator(`#users-table tbody tr[data-email="added-${width}@example.com"]`).waitFor(WAIT);

      // A failed import is said under its preview, which stays; Retry imports the same list.
      await failNext(q, 'POST', '/api/admin/users/import', busy);
      await q.getByLabel(/One email per line/).fill(`imported-${width}@example.com`);
      await q.getByRole('button', { name: 'Preview', exact: true }).click();
      await q.getByRole('button', { name: 'Import 1', exact: true }).click();
      const importProblem = q.locator('#import-output .save-problem');
      await expect.poll(() => importProblem.textContent(), WAIT).toBe('Not imported: The database is busy: try again.Retry');
      expect(await q.locator('#import-preview-table tbody tr').count()).toBe(1);
      expect(await tester(`imported-${width}@`)).toBeUndefined();
      expect(await seriousViolations(q)).toEqual([]);
      await importProblem.getByRole('button', { name: 'Retry', exact: true }).click();
      await expect.poll(() => q.locator('#import-summary').textContent(), WAIT).toBe('Imported 1; 0 already in the beta; 0 invalid.');
      expect((await tester(`imported-${width}@`))?.is_active).toBe(true);
      await q.close();
    }, 60_000);

    it(`role change at ${width} px: reviewed first, Cancel keeps the role, Change role with a comment keeps it in the audit log`, async () => {
      const p = await open(width, '/admin/beta/users');
      const select = () =>
        p.locator(`#users-table tbody tr[data-email="role-${width}@example.com"]`).getByLabel(`Role of role-${width}@example.com`);
      await select().waitFor(WAIT);
      const review = p.locator('dialog.review-dialog');
      await select().selectOption('ADMIN');
      await expect.poll(() => review.isVisible()).toBe(true);
      expect(await review.locator('.review-diff tbody').textContent()).toBe('RoleTESTERADMIN');
      const box = await review.boundingBox();
      expect(box && box.x >= 0 && box.x + box.width <= width).toBe(true);
      expect(await seriousViolations(p)).toEqual([]);
      await review.getByRole('button', { name: 'Cancel', exact: true }).click();
      // The dialog closes in its own task: the control is put back right after.
      await expect.poll(() => select().inputValue()).toBe('TESTER');
      await expect.poll(() => review.count()).toBe(0);
      expect((await tester(`role-${width}@`))?.role).toBe('TESTER');

      await select().selectOption('ADMIN');
      await review.getByLabel('Comment (optional, kept in the audit log)').fill('Runs the Tuesday triage');
      await review.getByRole('button', { name: 'Change role', exact: true }).click();
      await expect.poll(async () => (await tester(`role-${width}@`))?.role, WAIT).toBe('ADMIN');
      expect(await lastComment((await tester(`role-${width}@`))?.id ?? '')).toBe('Runs the Tuesday triage');
      await expect.poll(() => select().inputValue()).toBe('ADMIN');
      expect(await seriousViolations(p)).toEqual([]);
      await p.close();
    });

    it(`deactivation at ${width} px: reviewed first, a failed save said under the row with Retry, the comment kept, and Undo from the toast`, async () => {
      const p = await open(width, '/admin/beta/users');
      const row = () => p.locator(`#users-table tbody tr[data-email="off-${width}@example.com"]`);
      await row().waitFor(WAIT);
      const review = p.locator('dialog.review-dialog');
      await row().getByRole('switch').uncheck();
      await expect.poll(() => review.isVisible()).toBe(true);
      expect(await review.locator('.review-diff tbody').textContent()).toBe('Testeractiveinactive');
      expect(await seriousViolations(p)).toEqual([]);
      await review.getByRole('button', { name: 'Cancel', exact: true }).click();
      await expect.poll(() => row().getByRole('switch').isChecked()).toBe(true);
      await expect.poll(() => review.count()).toBe(0);
      const off = await tester(`off-${width}@`);
      expect(off?.is_active).toBe(true);

      await failNextPatch(p, `/api/admin/users/${off?.id ?? ''}`, answer(503, 'UNAVAILABLE', 'The database is busy: try again.'));
      await row().getByRole('switch').uncheck();
      await review.getByLabel('Comment (optional, kept in the audit log)').fill('Left the company');
      await review.getByRole('button', { name: 'Deactivate', exact: true }).click();
      const problem = p.locator(`#users-table tbody tr[data-problem-for="${off?.id ?? ''}"]`);
      await expect.poll(() => problem.textContent(), WAIT).toBe('Not saved: The database is busy: try again.Retry');
      expect(await row().getByRole('switch').isChecked()).toBe(true);
      expect((await tester(`off-${width}@`))?.is_active).toBe(true);
      expect(await seriousViolations(p)).toEqual([]);

      await problem.getByRole('button', { name: 'Retry', exact: true }).click();
      await expect.poll(async () => (await tester(`off-${width}@`))?.is_active, WAIT).toBe(false);
      await expect.poll(() => problem.count()).toBe(0);
      expect(await lastComment(off?.id ?? '')).toBe('Left the company');
      await expect.poll(() => row().getByRole('switch').isChecked()).toBe(false);

      await p.locator('#toasts').getByRole('button', { name: 'Undo', exact: true }).click();
      await expect.poll(async () => (await tester(`off-${width}@`))?.is_active, WAIT).toBe(true);
      await expect.poll(() => row().getByRole('switch').isChecked()).toBe(true);
      expect(await lastComment(off?.id ?? '')).toBe('Undone from the console');
      expect(await seriousViolations(p)).toEqual([]);
      await p.close();
    });
  }

  for (const width of WIDTHS) {
    it(`loads at ${width} px: the waitlist and the tester editor's flag list that fail to load say so in place, and Retry loads them`, async () => {
      const p = await open(width, '/admin/beta/users');
      await p.locator(`#users-table tbody tr[data-email="role-${width}@example.com"]`).waitFor(WAIT);

      await failNext(p, 'GET', '/api/admin/waitlist?status=confirmed', answer(503, 'UNAVAILABLE', 'The database is busy: try again.'));
      await p.getByRole('tab', { name: 'Waitlist', exact: true }).click();
      const waitlist = p.locator('#waitlist-table tbody');
      await expect.poll(() => waitlist.textContent(), WAIT).toBe('The waitlist did not load: The database is busy: try again.Retry');
      expect(await seriousViolations(p)).toEqual([]);
      await waitlist.getByRole('button', { name: 'Retry', exact: true }).click();
      await expect.poll(() => waitlist.textContent(), WAIT).toBe('Nobody here.');

      await p.getByRole('tab', { name: 'Testers', exact: true }).click();
      await failNext(p, 'GET', '/api/admin/flags', answer(503, 'UNAVAILABLE', 'The database is busy: try again.'));
      const row = p.locator(`#users-table tbody tr[data-email="role-${width}@example.com"]`);
      await row.getByRole('button', { name: 'Edit', exact: true }).click();
      const overrides = p.locator('#edit-overrides');
      await expect
        .poll(() => overrides.locator('[role="alert"]').textContent(), WAIT)
        .toBe("The flag list did not load (The database is busy: try again.): only this tester's own overrides are shown.Retry");
      expect(await overrides.locator('select[data-flag]').count()).toBe(0);
      expect(await seriousViolations(p)).toEqual([]);
      await overrides.getByRole('button', { name: 'Retry', exact: true }).click();
      await expect.poll(() => overrides.locator(`select[data-flag="save-${width}"]`).count(), WAIT).toBe(1);
      expect(await overrides.locator('[role="alert"]').count()).toBe(0);
      await p.close();
    });
  }
});
