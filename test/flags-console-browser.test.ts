// The flags page in real headless Chromium at 1440 and 375 px: cards and a sortable table (the choice
// remembered), rules and operators in words, a refused condition marked beside its field and a good save
// keeping the panel open, the typed percentage, explain with attribute fields or JSON, and reach over the
// server's recent evaluations; axe-core's serious findings checked on the way.
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { seriousViolations } from './helpers/axe.js';
import { CHROMIUM, startConsole, type ConsoleUnderTest } from './helpers/console-browser.js';
import type { TestAccount } from './helpers/oidc-provider.js';

const OWNER: TestAccount = { sub: 'sub-owner', email: 'owner@example.com', email_verified: true };
const haveChromium = existsSync(CHROMIUM);
const WIDTHS = [1440, 375] as const;
const WAIT = { timeout: 20_000 };

/** Ten evaluation contexts sent before the tests: four pro users in the US, six free users in France. */
const CONTEXTS = Array.from({ length: 10 }, (_, i) =>
  i < 4 ? { targetingKey: `user-${i}`, country: 'US', plan: 'pro' } : { targetingKey: `user-${i}`, country: 'FR', plan: 'free' },
);

describe.skipIf(!haveChromium && !process.env.CI)('flags console in Chromium', () => {
  let app: ConsoleUnderTest;
  let contexts: Record<(typeof WIDTHS)[number], BrowserContext>;
  let base: string;

  beforeAll(async () => {
    app = await startConsole(OWNER, { FLAG_COUNTS_FLUSH_S: '1' });
    base = app.base;
    contexts = { 1440: await app.signedIn(1440), 375: await app.signedIn(375) };

    const p = await contexts[1440].newPage();
    await p.goto(`${base}/admin/beta/flags`);
    const csrf = (await p.locator('meta[name="csrf-token"]').getAttribute('content')) ?? '';
    await p.close();
    const request = contexts[1440].request;
    for (const width of WIDTHS) {
      for (const data of [
        {
          name: `geo-${width}`,
          description: 'Pro users in North America',
          is_enabled: true,
          rollout_percentage: 100,
          conditions: [
            { attribute: 'country', operator: 'in', values: ['US', 'CA'] },
            { attribute: 'plan', operator: 'eq', values: ['pro'] },
          ],
        },
        { name: `dark-${width}`, description: 'Switched off', is_enabled: false, rollout_percentage: 100 },
      ]) {
        expect((await request.post(`${base}/api/admin/flags`, { data, headers: { 'x-csrf-token': csrf } })).status()).toBe(201);
      }
    }
    const token = await request.post(`${base}/api/admin/tokens`, {
      data: { name: 'console test', scope: 'evaluate' },
      headers: { 'x-csrf-token': csrf },
    });
    expect(token.status()).toBe(201);
    const { token: secret } = (await token.json()) as { token: string };
    for (const context of CONTEXTS) {
      const res = await fetch(`${base}/ofrep/v1/evaluate/flags`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
        body: JSON.stringify({ context }),
      });
      expect(res.status).toBe(200);
    }
    // The counts reach the adoption table within the flush interval.
    const deadline = Date.now() + 20_000;
    const counted = async () =>
      ((await (await request.get(`${base}/api/admin/flags/geo-1440`)).json()) as { adoption: { evaluations_24h: number } }).adoption
        .evaluations_24h;
    while ((await counted()) < 10 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 250));
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    expect(app?.errors).toEqual([]);
  });

  async function open(width: (typeof WIDTHS)[number]): Promise<Page> {
    const p = await contexts[width].newPage();
    await p.goto(`${base}/admin/beta/flags`);
    return p;
  }

  for (const width of WIDTHS) {
    it(`table at ${width} px: rules in words, state, reach, sorting, remembered, and a row opening its card`, async () => {
      const p = await open(width);
      const geo = p.locator(`#flag-geo-${width}`);
      await geo.waitFor(WAIT);
      // The card shows its rules and reach without being expanded.
      expect(await geo.locator('.flag-rules').textContent()).toBe('Rules: country is one of US, CA · plan is pro');
      await expect.poll(() => geo.locator('[data-reach]').textContent(), WAIT).toBe('≈ 40 % of 10 recent contexts');
      await expect.poll(() => p.locator(`#flag-dark-${width} [data-reach]`).textContent(), WAIT).toBe('≈ 0 % of 10 recent contexts');

      await p.getByRole('button', { name: 'Table', exact: true }).click();
      expect(await p.getByRole('button', { name: 'Table', exact: true }).getAttribute('aria-pressed')).toBe('true');
      const table = p.locator('#flags-table');
      await table.waitFor(WAIT);
      expect(await p.locator('#flags').isVisible()).toBe(false);
      const row = table.locator(`tbody tr[data-flag="geo-${width}"]`);
      const cells = row.locator('td');
      expect(await cells.nth(0).textContent()).toBe(`geo-${width}`);
      expect(await cells.nth(1).textContent()).toBe('on');
      expect(await cells.nth(2).textContent()).toBe('country is one of US, CA · plan is pro');
      expect(await cells.nth(3).textContent()).toBe('100 %');
      await expect.poll(() => cells.nth(4).textContent(), WAIT).toBe('≈ 40 % of 10 recent contexts');
      expect(await cells.nth(5).textContent()).toBe('10 evaluations · 40 % true');
      const changed = cells.nth(6).locator('time');
      expect(await changed.textContent()).toMatch(/ago|just now|now/);
      expect(await changed.getAttribute('title')).toMatch(/\d{4}|\d:\d\d/);
      expect(await table.locator(`tbody tr[data-flag="dark-${width}"] td`).nth(1).textContent()).toBe('off');

      // Sorted by name A→Z; the heading's button turns it around, and "Last change" sorts newest first.
      const names = async () => Promise.all((await table.locator('tbody tr[data-flag]').all()).map((r) => r.getAttribute('data-flag')));
      const all = ['dark-1440', 'dark-375', 'geo-1440', 'geo-375'];
      expect(await names()).toEqual(all);
      expect(await table.locator('th').first().getAttribute('aria-sort')).toBe('ascending');
      if (width === 1440) {
        await table.getByRole('button', { name: 'Name' }).click();
        expect(await names()).toEqual([...all].reverse());
        expect(await table.locator('th').first().getAttribute('aria-sort')).toBe('descending');
        await table.getByRole('button', { name: 'Last change' }).click();
        // Created in the order geo-1440, dark-1440, geo-375, dark-375 (each row's last change).
        expect(await names()).toEqual(['dark-375', 'geo-375', 'dark-1440', 'geo-1440']);
      } else {
        // On a phone each row is a card of labelled fields, and nothing scrolls sideways.
        expect(await cells.nth(2).getAttribute('data-label')).toBe('Rules');
        expect(
          await p.evaluate(
            () =>
              (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document.documentElement.scrollWidth,
          ),
        ).toBeLessThanOrEqual(width);
      }
      expect(await seriousViolations(p)).toEqual([]);

      // A row opens its card in place.
      const toggle = row.getByRole('button', { name: `geo-${width}` });
      await toggle.click();
      expect(await toggle.getAttribute('aria-expanded')).toBe('true');
      await table.locator(`#flag-geo-${width}`).waitFor(WAIT);
      expect(await seriousViolations(p)).toEqual([]);

      // The choice is remembered.
      await p.reload();
      await table.locator('tbody tr[data-flag]').first().waitFor(WAIT);
      expect(await p.getByRole('button', { name: 'Table', exact: true }).getAttribute('aria-pressed')).toBe('true');
      await p.getByRole('button', { name: 'Cards', exact: true }).click();
      await p.locator(`#flags #flag-geo-${width}`).waitFor(WAIT);
      expect(await table.isVisible()).toBe(false);
      await p.close();
    });

    it(`card at ${width} px: operators in words, explain with fields or JSON, a refused condition beside its field, then Saved`, async () => {
      const p = await open(width);
      await p.getByRole('button', { name: 'Cards', exact: true }).click();
      const card = p.locator(`#flag-geo-${width}`);
      await card.waitFor(WAIT);
      await card.locator('details > summary').first().click();

      // Operators read as words; the codes stay the values sent.
      const first = card.locator(`#cond-geo-${width}-0-op`);
      expect(await first.locator('option:checked').textContent()).toBe('is one of');
      expect(await first.inputValue()).toBe('in');
      const labels = await first.locator('option').allTextContents();
      expect(labels).toEqual(expect.arrayContaining(['is', 'is not one of', 'starts with', 'version greater than', 'before date']));
      expect(labels.some((l) => l.includes('_'))).toBe(false);

      // Explain: attribute fields named after the flag's conditions; JSON sends the same request.
      const explainBody = async (click: () => Promise<void>) => {
        const sent = p.waitForRequest((r) => r.url().endsWith(`/geo-${width}/explain`), WAIT);
        await click();
        return (await sent).postDataJSON() as unknown;
      };
      await card.locator(`#explain-geo-${width}-key`).fill('user-1');
      expect(await card.locator(`#explain-geo-${width}-attr-0-name`).inputValue()).toBe('country');
      expect(await card.locator(`#explain-geo-${width}-attr-1-name`).inputValue()).toBe('plan');
      await card.locator(`#explain-geo-${width}-attr-0-value`).fill('US');
      await card.locator(`#explain-geo-${width}-attr-1-value`).fill('pro');
      const explainButton = card.getByRole('button', { name: 'Explain', exact: true });
      const fromFields = await explainBody(() => explainButton.click());
      expect(fromFields).toEqual({ context: { country: 'US', plan: 'pro', targetingKey: 'user-1' } });
      const result = card.locator('.explain-result');
      await expect.poll(() => result.textContent(), WAIT).toContain('true · reason STATIC');
      expect(await result.textContent()).toContain('condition: country is one of US, CA: matches (the context has "US")');
      await card.getByRole('button', { name: 'JSON', exact: true }).click();
      const json = card.locator(`#explain-geo-${width}-attrs`);
      expect(JSON.parse(await json.inputValue())).toEqual({ country: 'US', plan: 'pro' });
      expect(await explainBody(() => explainButton.click())).toEqual(fromFields);
      expect(await seriousViolations(p)).toEqual([]);

      // A refused value is marked beside its field, in words; the button works again.
      await card.getByRole('button', { name: 'Add condition' }).click();
      const attr = card.locator(`#cond-geo-${width}-2-attr`);
      const values = card.locator(`#cond-geo-${width}-2-values`);
      await attr.fill('age');
      await card.locator(`#cond-geo-${width}-2-op`).selectOption({ label: 'greater than' });
      await values.fill('old');
      const save = card.getByRole('button', { name: 'Save conditions' });
      await save.click();
      await expect.poll(() => values.getAttribute('aria-invalid'), WAIT).toBe('true');
      const error = card.locator(`#cond-geo-${width}-2-values-error`);
      expect(await error.textContent()).toBe('Condition 3, value 1: must be a number or a string holding a plain decimal number.');
      expect(await values.getAttribute('aria-describedby')).toBe(`cond-geo-${width}-2-values-error`);
      expect(await error.isVisible()).toBe(true);
      await expect.poll(() => save.isEnabled(), WAIT).toBe(true);
      expect(await p.locator('#toasts .alert-danger').count()).toBe(0);
      expect(await seriousViolations(p)).toEqual([]);

      // Fixed and saved: the panel stays open and says so; the reach follows the new condition.
      await values.fill('30');
      await save.click();
      const redrawn = p.locator(`#flag-geo-${width}`);
      await expect.poll(() => redrawn.locator(`#conditions-geo-${width}-status`).textContent(), WAIT).toBe('Saved');
      expect(await redrawn.locator('details').first().getAttribute('open')).not.toBeNull();
      expect(await redrawn.locator(`#cond-geo-${width}-2-op option:checked`).textContent()).toBe('greater than');
      expect(await redrawn.locator('.flag-rules').textContent()).toBe(
        'Rules: country is one of US, CA · plan is pro · age greater than 30',
      );
      await expect.poll(() => redrawn.locator('[data-reach]').textContent(), WAIT).toBe('≈ 0 % of 10 recent contexts');

      // The typed percentage and the slider follow each other.
      const number = redrawn.locator(`#rollout-geo-${width}-number`);
      const slider = redrawn.locator(`#rollout-geo-${width}`);
      expect(await slider.getAttribute('step')).toBe('1');
      await number.fill('25');
      expect(await slider.inputValue()).toBe('25');
      await slider.fill('30');
      expect(await number.inputValue()).toBe('30');
      expect(await redrawn.locator(`#rollout-geo-${width}-value`).textContent()).toBe('30 %');
      await p.close();
    });
  }
});
