// The beta loop in real headless Chromium against the built server, with a real SMTP server on
// loopback receiving the mail: the owner marks a flag early access and invites a tester → the mail
// arrives → the tester follows the link, joins, enrols → OFREP answers true for them (on a second
// instance when TEST_DATABASE_URL is set) → they rate the feature → the owner sees the rating and
// the funnel move. Plus sign-in by mail link, the waitlist, leaving, and axe on every tester page and
// the changed console pages at 1440 and 375 px. Screenshots land in test-artifacts/testers/, and in
// docs/ for the README when UPDATE_SCREENSHOTS=1.
import { copyFile, mkdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { runCli, serverEnv } from './helpers/server-process.js';
import { startSmtpInbox, type SmtpInbox } from './helpers/smtp-inbox.js';
import { haveChromium, linkReader, seriousViolations, startBetaSite, WIDTHS, type BetaSite } from './tester-portal-setup.js';

const ARTIFACTS = new URL('../test-artifacts/testers/', import.meta.url);
const DOCS = new URL('../docs/', import.meta.url);
const PROGRAM = 'NOUS Early Access';
const TESTER = 'ada.tester@example.com';
const FLAG = 'smart-replies';

interface Funnel {
  invited: number;
  joined: number;
  enrolled: number;
  gave_feedback_30d: number;
}
interface TesterRow {
  id: string;
  email: string;
  status: string;
  invite_url: string;
  joined_at: string | null;
}

describe.skipIf(!haveChromium && !process.env.CI)('the beta loop in Chromium, with mail over SMTP', () => {
  let site: BetaSite;
  let inbox: SmtpInbox;
  let nextLink: (to: string, path: string) => Promise<string>;
  let tester: BrowserContext;
  let ownerPage: Page;
  let testerPage: Page;
  let base: string;
  let evaluateToken: string;
  let testerId = '';
  let testerLink = '';
  let funnelBefore: Funnel;
  let ownerApi: BetaSite['ownerApi'];
  let browserContext: BetaSite['context'];

  const funnel = () => ownerApi<Funnel>('/api/admin/users/funnel');
  const testerRow = async (email: string) =>
    (await ownerApi<{ items: TesterRow[] }>(`/api/admin/users?search=${encodeURIComponent(email)}`)).items.find((u) => u.email === email);

  async function ofrep(at: string, targetingKey: string): Promise<{ value: boolean; reason: string }> {
    const res = await fetch(`${at}/ofrep/v1/evaluate/flags/${FLAG}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${evaluateToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ context: { targetingKey } }),
    });
    expect(res.status).toBe(200);
    return (await res.json()) as { value: boolean; reason: string };
  }

  async function shoot(p: Page, name: string, forDocs = false): Promise<void> {
    const path = new URL(`${name}.png`, ARTIFACTS);
    await p.screenshot({ path: path.pathname, fullPage: true });
    if (forDocs && process.env.UPDATE_SCREENSHOTS === '1') await copyFile(path, new URL(`testers-${name}.png`, DOCS));
  }

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    inbox = await startSmtpInbox();
    nextLink = linkReader(inbox);
    site = await startBetaSite(
      { SMTP_URL: inbox.url, MAIL_FROM: 'NOUS beta <beta@example.com>', BETA_PROGRAM_NAME: PROGRAM },
      {
        second: true,
        prepare: async (db) => {
          const created = await runCli(['token', 'create', '--name', 'portal-test', '--scope', 'evaluate'], serverEnv(db));
          if (created.code !== 0) throw new Error(`token create failed: ${created.stderr}`);
          evaluateToken = created.stdout.trim();
        },
      },
    );
    ({ base, ownerPage, ownerApi, context: browserContext } = site);
    tester = await site.context();
    testerPage = await tester.newPage();
  }, 180_000);

  afterAll(async () => {
    await site?.close();
    await inbox?.close();
  });

  it('the owner offers a flag to testers as early access in the flag editor', async () => {
    await ownerPage.goto(`${base}/admin/beta/flags`);
    await ownerPage.locator('#create-card summary').click();
    await ownerPage.getByLabel('Name').fill(FLAG);
    await ownerPage.getByLabel('Description').fill('Suggested replies in chat');
    await ownerPage.getByRole('button', { name: 'Create', exact: true }).click();
    const card = ownerPage.locator(`#flag-${FLAG}`);
    await card.locator('details > summary').click();
    await card.getByLabel('Offer to testers as early access').check();
    await card.getByLabel('Public title').fill('Smart replies');
    await card.getByLabel('Stage').selectOption('beta');
    await card.getByLabel('Public description').fill('NOUS suggests three short replies to each message.');
    await card.getByRole('button', { name: 'Save early access' }).click();
    await ownerPage.locator(`#flag-${FLAG} .badge`, { hasText: 'early access · beta' }).waitFor();
    const flag = await ownerApi<{
      early_access: boolean;
      public_title: string;
      public_description: string;
      stage: string;
      is_enabled: boolean;
    }>(`/api/admin/flags/${FLAG}`);
    expect(flag).toMatchObject({
      early_access: true,
      public_title: 'Smart replies',
      public_description: 'NOUS suggests three short replies to each message.',
      stage: 'beta',
      is_enabled: false,
    });
    // A second one, made through the API, that the tester leaves alone.
    await ownerApi('/api/admin/flags', {
      method: 'POST',
      data: {
        name: 'voice-notes',
        description: 'Dictated notes',
        early_access: true,
        public_title: 'Voice notes',
        public_description: 'Dictate a note and NOUS files it where it belongs.',
        stage: 'alpha',
      },
    });
    // Enrolment is a per-tester override: the flag must be on for it to answer true.
    await card.getByRole('switch').check();
    await expect.poll(async () => (await ownerApi<{ is_enabled: boolean }>(`/api/admin/flags/${FLAG}`)).is_enabled).toBe(true);
  });

  it('the owner adds a tester and sends the invitation; the mail carries the same link the console copies', async () => {
    funnelBefore = await funnel();
    await ownerPage.goto(`${base}/admin/beta/users`);
    await ownerPage.getByLabel('Email', { exact: true }).fill(TESTER);
    await ownerPage.getByRole('button', { name: 'Add and create invite' }).click();
    await ownerPage.locator('#invite-result:not([hidden])').waitFor();
    const shown = await ownerPage.locator('#invite-link').inputValue();
    const row = ownerPage.locator(`#users-table tbody tr[data-email="${TESTER}"]`);
    expect(await row.locator('[data-status]').textContent()).toBe('invited');
    await row.getByRole('button', { name: `Send invite to ${TESTER}` }).click();
    const link = await nextLink(TESTER, '/beta/join?code=');
    expect(link).toBe(shown);
    // Sending did not make a new link: the API still hands out the one in the mail.
    expect((await testerRow(TESTER))?.invite_url).toBe(link);
    expect((await funnel()).invited).toBe(funnelBefore.invited + 1);
    testerLink = link;
  });

  it('the tester follows the link, confirms the invited email and lands in the portal', async () => {
    await testerPage.goto(testerLink);
    await expect.poll(() => testerPage.locator('[data-program-name]').first().textContent()).toBe(PROGRAM);
    for (const width of WIDTHS) {
      await testerPage.setViewportSize({ width, height: 900 });
      expect(await seriousViolations(testerPage), `join page at ${width}px`).toEqual([]);
      await shoot(testerPage, `join-${width}`, true);
    }
    await testerPage.setViewportSize({ width: 1440, height: 900 });
    await testerPage.getByLabel('Your email address').fill(TESTER.toUpperCase());
    await testerPage.getByRole('button', { name: 'Join the program' }).click();
    await testerPage.waitForURL(`${base}/beta/`);
    await expect.poll(() => testerPage.locator('#tester-email').textContent()).toBe(TESTER);
    const card = testerPage.locator(`[data-feature="${FLAG}"]`);
    await card.waitFor();
    expect(await card.locator('h3').textContent()).toBe('Smart replies');
    expect(await card.locator('.badge.stage-beta').textContent()).toBe('beta');
    expect(await card.locator('[data-reason]').getAttribute('data-reason')).toBe('not_yet');
    const other = testerPage.locator('[data-feature="voice-notes"]');
    expect(await other.locator('.badge.stage-alpha').textContent()).toBe('alpha');
    expect(await other.getByRole('button', { name: 'Enrol' }).count()).toBe(1);
    const row = await testerRow(TESTER);
    expect(row?.status).toBe('active');
    expect(row?.joined_at).not.toBeNull();
    testerId = row?.id ?? '';
    expect((await funnel()).joined).toBe(funnelBefore.joined + 1);
  });

  it('the same link again, or a wrong one, gets the one friendly answer', async () => {
    // Not watched: the browser logs the expected 400 answers as errors.
    const stranger = await site.browser.newContext();
    const p = await stranger.newPage();
    for (const link of [testerLink, `${base}/beta/join?code=${'x'.repeat(32)}`]) {
      await p.goto(link);
      await p.getByLabel('Your email address').fill(TESTER);
      await p.getByRole('button', { name: 'Join the program' }).click();
      await p.locator('#join-invalid:not([hidden])').waitFor();
      expect(await p.locator('#join-invalid [role="alert"]').textContent()).toBe(
        'This invitation link cannot be used. Ask the person who invited you for a new one.',
      );
      expect(new URL(p.url()).pathname).toBe('/beta/join');
    }
    await stranger.close();
  });

  it('the tester enrols; OFREP answers true for them within a second (on the second instance when there is one)', async () => {
    const at = site.second?.baseUrl ?? base;
    expect((await ofrep(at, testerId)).value).toBe(false);
    const card = testerPage.locator(`[data-feature="${FLAG}"]`);
    // The clock starts when the enrolment is written (the PUT has answered), not when the button is pressed.
    const [put] = await Promise.all([
      testerPage.waitForResponse((r) => r.request().method() === 'PUT' && new URL(r.url()).pathname === `/api/beta/features/${FLAG}`),
      card.getByRole('button', { name: 'Enrol' }).click(),
    ]);
    expect(put.status()).toBe(200);
    const started = Date.now();
    let answer = await ofrep(at, testerId);
    while (!answer.value && Date.now() - started < 5_000) {
      await new Promise((r) => setTimeout(r, 25));
      answer = await ofrep(at, testerId);
    }
    const tookMs = Date.now() - started;
    await testerPage.locator(`[data-feature="${FLAG}"][data-on="true"]`).waitFor();
    expect(answer.value).toBe(true);
    expect(tookMs).toBeLessThan(1_000);
    console.info(
      `OFREP on ${site.second ? 'the second instance' : 'the same instance'} answered true ${tookMs} ms after the enrolment was written`,
    );
    expect(await testerPage.locator(`[data-feature="${FLAG}"] [data-reason]`).getAttribute('data-reason')).toBe('enrolled');
    expect((await ofrep(at, 'someone-else')).value).toBe(false);
    expect((await funnel()).enrolled).toBe(funnelBefore.enrolled + 1);
  });

  it('the tester rates the feature in the portal and finds it under "My feedback"', async () => {
    const card = testerPage.locator(`[data-feature="${FLAG}"]`);
    await card.locator('summary', { hasText: 'Rate Smart replies' }).click();
    await card.locator('label', { hasText: '4 ★' }).click();
    await card.getByLabel('Comment (optional)').fill('Replies are short & to the point <b>nice</b>');
    await card.getByRole('button', { name: 'Send feedback' }).click();
    await card.getByText('Thank you: your feedback is in.').waitFor();
    const mine = testerPage.locator('#my-feedback li[data-feedback]');
    await expect.poll(() => mine.count()).toBe(1);
    expect(await mine.first().textContent()).toContain('Smart replies');
    expect(await mine.first().locator('.comment').textContent()).toBe('Replies are short & to the point <b>nice</b>');
    expect(await mine.first().locator('.stars').getAttribute('aria-label')).toBe('4 out of 5');
    for (const width of WIDTHS) {
      await testerPage.setViewportSize({ width, height: 900 });
      expect(await seriousViolations(testerPage), `portal at ${width}px`).toEqual([]);
      await shoot(testerPage, `portal-${width}`, true);
    }
    await testerPage.setViewportSize({ width: 1440, height: 900 });
  });

  it('the owner sees the rating on the feedback page and the funnel move on the dashboard', async () => {
    await ownerPage.goto(`${base}/admin/beta/feedback`);
    const row = ownerPage.locator('#feedback-table tbody tr', { hasText: 'Replies are short' });
    await row.waitFor();
    expect(await row.textContent()).toContain(FLAG);
    expect(await row.textContent()).toContain(TESTER);
    const after = await funnel();
    expect(after).toEqual({
      invited: funnelBefore.invited + 1,
      joined: funnelBefore.joined + 1,
      enrolled: funnelBefore.enrolled + 1,
      gave_feedback_30d: funnelBefore.gave_feedback_30d + 1,
    });
    await ownerPage.goto(`${base}/admin/beta/`);
    const steps = ownerPage.locator('#funnel');
    await expect
      .poll(() => steps.locator('[data-step="feedback"] [data-count]').getAttribute('data-count'))
      .toBe(String(after.gave_feedback_30d));
    expect(await steps.locator('[data-step="invited"] [data-count]').getAttribute('data-count')).toBe(String(after.invited));
    expect(await steps.locator('[data-step="joined"] [data-count]').getAttribute('data-count')).toBe(String(after.joined));
    expect(await steps.locator('[data-step="enrolled"] [data-count]').getAttribute('data-count')).toBe(String(after.enrolled));
    await ownerPage.locator('#funnel-redemption [data-kpi="invite_redemption_rate"]').waitFor();
  });

  it('signs the tester in again with a one-time link by mail; the used link is refused', async () => {
    await testerPage.getByRole('button', { name: 'Sign out' }).click();
    await testerPage.waitForURL(`${base}/beta/sign-in`);
    await testerPage.getByLabel('Your email address').fill(TESTER);
    await testerPage.getByRole('button', { name: 'Email me a sign-in link' }).click();
    await testerPage.getByText('If this email belongs to a tester, a sign-in link is on its way.').waitFor();
    const link = await nextLink(TESTER, '/beta/link?token=');
    await testerPage.goto(link);
    await testerPage.waitForURL(`${base}/beta/`);
    await expect.poll(() => testerPage.locator('#tester-email').textContent()).toBe(TESTER);
    const other = await browserContext();
    const p = await other.newPage();
    await p.goto(link);
    await p.waitForURL(`${base}/beta/sign-in?notice=link-invalid`);
    await p.getByText('That link cannot be used any more').waitFor();
    await other.close();
  });

  /** A visitor joins the waitlist and confirms from the mail. */
  async function joinWaitlist(email: string): Promise<void> {
    const visitor = await browserContext();
    const p = await visitor.newPage();
    await p.goto(`${base}/beta/waitlist`);
    await p.getByLabel('Your email address').fill(email);
    await p.getByRole('button', { name: 'Join the waitlist' }).click();
    await p.getByText('Check your inbox to confirm your place on the waitlist.').waitFor();
    await p.goto(await nextLink(email, '/beta/confirm?token='));
    await p.waitForURL(`${base}/beta/sign-in?notice=confirmed`);
    await visitor.close();
  }

  /** The invitation mailed to `email` carries the link the console hands out for them, who have not joined yet. */
  async function expectInvited(email: string): Promise<void> {
    const link = await nextLink(email, '/beta/join?code=');
    const row = await testerRow(email);
    expect(row?.invite_url).toBe(link);
    expect(row?.status).toBe('invited');
  }

  it('the waitlist: visitors join and confirm; the owner approves a selection, then the next one; invitations arrive', async () => {
    await joinWaitlist('grace.waiting@example.com');
    await joinWaitlist('hedy.waiting@example.com');
    await ownerPage.goto(`${base}/admin/beta/users?tab=waitlist`);
    const table = ownerPage.locator('#waitlist-table tbody');
    await table.locator('tr[data-email="hedy.waiting@example.com"]').waitFor();
    expect(await table.locator('tr').count()).toBe(2);
    for (const width of WIDTHS) {
      await ownerPage.setViewportSize({ width, height: 900 });
      expect(await seriousViolations(ownerPage), `waitlist tab at ${width}px`).toEqual([]);
    }
    await ownerPage.setViewportSize({ width: 1440, height: 900 });
    // A selection: the later one, out of turn.
    await ownerPage.getByLabel('Select hedy.waiting@example.com').check();
    await ownerPage.getByRole('button', { name: 'Approve 1 selected' }).click();
    await ownerPage.locator('#waitlist-result', { hasText: 'Approved 1: hedy.waiting@example.com.' }).waitFor();
    await expectInvited('hedy.waiting@example.com');
    // The next one in line is the only one left. Approving more than one at once is reviewed first.
    await ownerPage.getByLabel('Approve the next').fill('2');
    await ownerPage.getByRole('button', { name: 'Approve', exact: true }).click();
    const review = ownerPage.locator('dialog.review-dialog');
    await review.getByRole('heading', { name: 'Approve the next 2 on the waitlist' }).waitFor();
    await review.getByRole('button', { name: 'Cancel' }).click();
    expect(await table.locator('tr[data-email="grace.waiting@example.com"]').count()).toBe(1);
    expect(await ownerPage.locator('#waitlist-result').textContent()).toBe('Approved 1: hedy.waiting@example.com.');
    await ownerPage.getByRole('button', { name: 'Approve', exact: true }).click();
    await review.getByLabel('Comment (optional, kept in the audit log)').fill('Second wave');
    await review.getByRole('button', { name: 'Approve and invite' }).click();
    await ownerPage.locator('#waitlist-result', { hasText: 'Approved 1: grace.waiting@example.com.' }).waitFor();
    await expectInvited('grace.waiting@example.com');
    await ownerPage.getByLabel('Show', { exact: true }).selectOption('approved');
    await expect.poll(() => table.locator('tr[data-email]').count()).toBe(2);
  });

  it('shows the "not yet joined" filter on the testers page', async () => {
    await ownerPage.goto(`${base}/admin/beta/users`);
    await ownerPage.getByLabel('Joined').selectOption('false');
    // Applies as chosen: there is no Filter button any more.
    expect(await ownerPage.getByRole('button', { name: 'Filter' }).count()).toBe(0);
    await ownerPage.waitForURL(/joined=false/);
    await ownerPage.locator('#users-table tbody tr[data-email="grace.waiting@example.com"]').waitFor();
    await expect.poll(() => ownerPage.locator(`#users-table tbody tr[data-email="${TESTER}"]`).count()).toBe(0);
  });

  it('the changed console pages pass axe at 1440 and 375 px', async () => {
    for (const path of ['', 'users', 'flags']) {
      await ownerPage.goto(`${base}/admin/beta/${path}`);
      await ownerPage.waitForLoadState('networkidle');
      if (path === 'flags') await ownerPage.locator(`#flag-${FLAG} details > summary`).click();
      for (const width of WIDTHS) {
        await ownerPage.setViewportSize({ width, height: 900 });
        expect(await seriousViolations(ownerPage), `${path || 'dashboard'} at ${width}px`).toEqual([]);
      }
      await ownerPage.setViewportSize({ width: 1440, height: 900 });
    }
  });

  it('the sign-in page passes axe at both widths', async () => {
    const visitor = await browserContext();
    const p = await visitor.newPage();
    await p.goto(`${base}/beta/sign-in?notice=link-invalid`);
    await expect.poll(() => p.locator('[data-program-name]').first().textContent()).toBe(PROGRAM);
    for (const width of WIDTHS) {
      await p.setViewportSize({ width, height: 900 });
      expect(await seriousViolations(p), `sign-in at ${width}px`).toEqual([]);
      await shoot(p, `sign-in-${width}`);
    }
    await visitor.close();
  });

  it('leaving the program asks first, then erases the email', async () => {
    await testerPage.goto(`${base}/beta/`);
    await testerPage.getByRole('button', { name: 'Leave the program' }).click();
    const dialog = testerPage.locator('#leave-dialog');
    await expect.poll(() => dialog.evaluate((d) => (d as unknown as { open: boolean }).open)).toBe(true);
    await dialog.getByRole('button', { name: 'Stay' }).click();
    expect(await testerRow(TESTER)).toBeDefined();
    await testerPage.getByRole('button', { name: 'Leave the program' }).click();
    await dialog.getByRole('button', { name: 'Leave the program' }).click();
    await testerPage.getByRole('heading', { name: 'You have left the program' }).waitFor();
    expect(await testerRow(TESTER)).toBeUndefined();
    const res = await tester.request.get(`${base}/api/beta/me`);
    expect(res.status()).toBe(401);
  });

  it('made no request to another origin and logged no error in the browser', () => {
    expect(site.problems).toEqual([]);
  });
});
