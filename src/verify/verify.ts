// `beta-suite verify`: checks a running deployment (one or several instances) over HTTP against
// the acceptance criteria — health, database p95, admin routes closed, CSRF, a feedback round trip
// that leaves no trace, flag changes seen by every instance within a second, and bad input refused.
import { formatTextTable } from '../core/text-table.js';
import { checkAdminClosed, checkCsrf } from './access-checks.js';
import { checkBadInput } from './bad-input-check.js';
import { createCheckContext, type CheckContext } from './check-context.js';
import { checkDbP95, checkHealth } from './instance-checks.js';
import { checkFeedbackRoundTrip, checkFlagPropagation } from './round-trip-checks.js';
import type { CheckResult, VerifyOptions, VerifyReport } from './verify-types.js';

export type { CheckResult, CheckStatus, VerifyOptions, VerifyReport } from './verify-types.js';

/** Run in this order: database p95 last, so the checks before it have put queries in the window. */
const CHECKS: ReadonlyArray<(ctx: CheckContext) => Promise<void>> = [
  checkHealth,
  checkAdminClosed,
  checkBadInput,
  checkCsrf,
  checkFeedbackRoundTrip,
  checkFlagPropagation,
  checkDbP95,
];

export async function verifyDeployment(options: VerifyOptions): Promise<VerifyReport> {
  const started = Date.now();
  const results: CheckResult[] = [];
  const ctx = createCheckContext(options, results);
  for (const check of CHECKS) await check(ctx);
  const counts = { pass: 0, fail: 0, skip: 0 };
  for (const r of results) counts[r.status]++;
  // Every criterion must be checked to pass: a skipped check passes only when the operator says so.
  const ok = counts.fail === 0 && (counts.skip === 0 || options.allowSkip === true);
  return { startedAt: new Date(started).toISOString(), durationMs: Date.now() - started, ok, counts, results };
}

/** A table a person reads at a glance, failures with where to look. */
export function formatVerifyReport(report: VerifyReport): string {
  const out = formatTextTable(
    ['CHECK', 'INSTANCE', 'RESULT', 'DETAIL'],
    report.results.map((r) => [r.check, r.instance, r.status.toUpperCase(), r.detail]),
  );
  const failures = report.results.filter((r) => r.status === 'fail' && r.hint);
  if (failures.length > 0) {
    out.push('', 'Where to look:');
    for (const f of failures) out.push(`  ${f.check} (${f.instance}): ${f.hint}`);
  }
  const verdict = report.ok
    ? 'OK'
    : report.counts.fail > 0
      ? 'FAILED'
      : 'INCOMPLETE: give the credentials the skipped checks need, or --allow-skip';
  out.push(
    '',
    `${report.counts.pass} passed, ${report.counts.fail} failed, ${report.counts.skip} skipped in ${(report.durationMs / 1000).toFixed(1)} s — ${verdict}`,
  );
  return out.join('\n');
}
