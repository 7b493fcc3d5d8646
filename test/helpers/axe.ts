// axe-core run inside a Playwright page: the accessibility check every browser test shares.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

const axeSource = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface AxeResult {
  violations: Array<{ id: string; impact: string | null; help: string; nodes: Array<{ target: string[] }> }>;
}

/** axe-core's serious and critical findings on the page as it is now. */
export async function seriousViolations(p: Page): Promise<string[]> {
  // Colours are checked as they settle: Bootstrap drops its 0.15 s colour transitions for users who
  // ask for reduced motion, so a control clicked a moment ago is not measured mid-fade.
  await p.emulateMedia({ reducedMotion: 'reduce' });
  await p.evaluate(axeSource);
  const result = (await p.evaluate(() =>
    (globalThis as unknown as { axe: { run(o: object): Promise<unknown> } }).axe.run({ resultTypes: ['violations'] }),
  )) as AxeResult;
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.help}) at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}
