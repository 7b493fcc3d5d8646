// The beta program on a server that sends no mail (SMTP_URL unset), in real Chromium: the console
// says so and offers only "copy invite link" (per tester and for everyone an import created), the
// sign-in page tells testers to ask the owner for a link, and a tester who gets the link by hand
// still joins and finds the portal (with nothing to try yet).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveChromium, seriousViolations, startBetaSite, WIDTHS, type BetaSite } from './tester-portal-setup.js';

interface TesterRow {
  email: string;
  status: string;
  invite_url: string;
}

describe.skipIf(!haveChromium && !process.env.CI)('tester pages and console without mail', () => {
  let site: BetaSite;

  beforeAll(async () => {
    site = await startBetaSite({});
  }, 180_000);
  afterAll(async () => site?.close());

  it('the testers page offers only copying invite links, one by one and after an import', async () => {
    const page = site.ownerPage;
    await page.goto(`${site.base}/admin/beta/users`);
    await expect
      .poll(() => page.locator('#mail-state').textContent())
      .toBe('This server sends no email (SMTP is not configured): copy each invite link and send it yourself.');
    await page.getByLabel('Email', { exact: true }).fill('hand.delivered@example.com');
    await page.getByRole('button', { name: 'Add and create invite' }).click();
    const row = page.locator('#users-table tbody tr[data-email="hand.delivered@example.com"]');
    await row.waitFor();
    expect(await row.getByRole('button', { name: 'Copy invite link of hand.delivered@example.com' }).count()).toBe(1);
    expect(await row.getByRole('button', { name: /Send|Resend/ }).count()).toBe(0);

    await page.getByLabel(/One email per line/).fill('one@example.com\ntwo@example.com');
    await page.getByRole('button', { name: 'Preview' }).click();
    await page.getByRole('button', { name: 'Import 2' }).click();
    const bulk = page.locator('#bulk-invite:not([hidden]) button');
    await bulk.waitFor();
    expect(await bulk.textContent()).toBe('Copy the 2 invite links');
    // Newest first: the two imported above the one added before them.
    await expect.poll(() => page.locator('#users-table tbody tr[data-email="one@example.com"]').count()).toBe(1);
    const order = await page
      .locator('#users-table tbody tr')
      .evaluateAll((rows) => rows.map((r) => (r as unknown as { dataset: { email: string } }).dataset.email));
    expect(order.indexOf('hand.delivered@example.com')).toBeGreaterThan(
      Math.max(order.indexOf('one@example.com'), order.indexOf('two@example.com')),
    );
    // "Copy invite" hands out the tester's existing link, also shown in the field to copy by hand.
    const [one] = (await site.ownerApi<{ items: TesterRow[] }>('/api/admin/users?search=one%40example.com')).items;
    await page.getByRole('button', { name: 'Copy invite link of one@example.com' }).click();
    await expect.poll(() => page.locator('#invite-link').inputValue()).toBe(one!.invite_url);
    expect(await page.locator('#invite-email').textContent()).toBe('one@example.com');
    const [again] = (await site.ownerApi<{ items: TesterRow[] }>('/api/admin/users?search=one%40example.com')).items;
    expect(again!.invite_url).toBe(one!.invite_url);
  });

  it('a send-invite request is refused with MAIL_DISABLED', async () => {
    const [user] = (await site.ownerApi<{ items: Array<TesterRow & { id: string }> }>('/api/admin/users?search=hand.delivered')).items;
    const csrf = (await site.ownerPage.locator('meta[name="csrf-token"]').getAttribute('content')) ?? '';
    const res = await site.owner.request.post(`${site.base}/api/admin/users/${user!.id}/send-invite`, {
      headers: { 'x-csrf-token': csrf, origin: site.base },
    });
    expect(res.status()).toBe(409);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('MAIL_DISABLED');
  });

  it('the sign-in page says to ask the owner and shows no form', async () => {
    const visitor = await site.context();
    const page = await visitor.newPage();
    await page.goto(`${site.base}/beta/sign-in`);
    await page.getByText('Ask the person who invited you for a new link.').waitFor();
    expect(await page.locator('#sign-in-form').isHidden()).toBe(true);
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 900 });
      expect(await seriousViolations(page), `sign-in without mail at ${width}px`).toEqual([]);
    }
    await visitor.close();
  });

  it('a tester with a link handed over joins and sees that there is nothing to try yet', async () => {
    const [user] = (await site.ownerApi<{ items: TesterRow[] }>('/api/admin/users?search=hand.delivered')).items;
    const visitor = await site.context(375);
    const page = await visitor.newPage();
    await page.goto(user!.invite_url);
    await page.getByLabel('Your email address').fill('hand.delivered@example.com');
    await page.getByRole('button', { name: 'Join the program' }).click();
    await page.waitForURL(`${site.base}/beta/`);
    await page.getByText('Nothing to try at the moment').waitFor();
    await page.locator('#my-feedback').getByText('You have not rated anything yet.').waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await visitor.close();
  });

  it('logged no error and made no request to another origin', () => {
    expect(site.problems).toEqual([]);
  });
});
