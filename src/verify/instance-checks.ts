// Checks of each instance's own state: it answers its health check, and its database p95 over the
// last minute is under the target.
import { failed, passed, skipped, type CheckContext } from './check-context.js';
import type { CheckResult } from './verify-types.js';

/** Every instance answers /healthz with 200 and `pass`. */
export async function checkHealth(ctx: CheckContext): Promise<void> {
  for (const base of ctx.urls) {
    await ctx.guarded('healthz', base, 'the instance is down or unreachable from here: check its logs and /health/detailed', async () => {
      const r = await ctx.call(base, 'GET', '/healthz');
      const status = (r.json as { status?: string } | undefined)?.status;
      return r.status === 200 && status === 'pass'
        ? passed('healthz', base, `200 pass in ${r.ms} ms`)
        : failed(
            'healthz',
            base,
            `answered ${r.status} ${status ?? r.text.slice(0, 80)}`,
            'a 503 means draining or the database is unreachable: see /health/detailed with a monitor token',
          );
    });
  }
}

/** Each instance's database p95; run last, so the other checks have put queries in the window. */
export async function checkDbP95(ctx: CheckContext): Promise<void> {
  for (const base of ctx.urls) {
    const auth = ctx.auth;
    if (!auth) {
      ctx.add(skipped('db-p95', base, 'needs --token with monitor or admin scope'));
      continue;
    }
    await ctx.guarded('db-p95', base, 'the metrics endpoint failed', () => dbP95(ctx, base, auth));
  }
}

async function dbP95(ctx: CheckContext, base: string, auth: Record<string, string>): Promise<CheckResult> {
  const r = await ctx.call(base, 'GET', '/health/metrics', { headers: auth });
  const db = (r.json as { database?: { queryTimeMs?: { p95?: number | null; count?: number }; total?: number } } | undefined)?.database;
  const p95 = db?.queryTimeMs?.p95;
  if (r.status !== 200 || db === undefined) {
    return failed('db-p95', base, `/health/metrics answered ${r.status}`, 'the token needs monitor or admin scope');
  }
  if (p95 === null || p95 === undefined) return skipped('db-p95', base, 'no database queries in the last 60 s to measure');
  const detail = `p95 ${p95} ms over the last 60 s (target < ${ctx.dbP95Ms} ms)`;
  return p95 < ctx.dbP95Ms
    ? passed('db-p95', base, detail)
    : failed('db-p95', base, detail, 'see `beta-suite db-report` or /api/admin/db/report for slow query shapes and index suggestions');
}
