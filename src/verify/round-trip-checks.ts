// Round trips that need an admin token and clean up after themselves: a feedback entry stored, listed
// and removed, and a flag toggled on one instance and seen by all within the propagation budget.
import { randomBytes } from 'node:crypto';
import { failed, jsonBody, passed, skipped, type CheckContext } from './check-context.js';
import type { CheckResult } from './verify-types.js';

const FEEDBACK_FEATURE = 'beta-suite-verify';

type Auth = Record<string, string>;

export async function checkFeedbackRoundTrip(ctx: CheckContext): Promise<void> {
  const { auth, first } = ctx;
  if (!auth) {
    ctx.add(skipped('feedback', first, 'needs --token with admin scope to remove the probe afterwards'));
    return;
  }
  await ctx.guarded('feedback', first, 'the feedback API or the admin feedback API failed', () => feedbackRoundTrip(ctx, auth));
}

async function feedbackRoundTrip(ctx: CheckContext, auth: Auth): Promise<CheckResult> {
  const { first } = ctx;
  const marker = `beta-suite verify ${randomBytes(6).toString('hex')}`;
  const posted = await ctx.call(first, 'POST', '/api/feedback', jsonBody({ rating: 5, feature: FEEDBACK_FEATURE, comment: marker }));
  const id = (posted.json as { id?: string } | undefined)?.id;
  if (posted.status !== 201 || !id) {
    return failed('feedback', first, `POST /api/feedback answered ${posted.status}`, 'the public feedback API');
  }
  const listed = await ctx.call(first, 'GET', `/api/admin/feedback?feature=${FEEDBACK_FEATURE}&limit=500`, { headers: auth });
  const found = JSON.stringify(listed.json ?? '').includes(id);
  const removed = await ctx.call(first, 'DELETE', `/api/admin/feedback/${id}`, { headers: auth });
  const after = await ctx.call(first, 'GET', `/api/admin/feedback?feature=${FEEDBACK_FEATURE}&limit=500`, { headers: auth });
  const gone = after.status === 200 && !JSON.stringify(after.json ?? '').includes(id);
  const ok = found && removed.status === 204 && gone;
  return ok
    ? passed('feedback', first, `stored (201 in ${posted.ms} ms), listed, and removed with its statistics`)
    : failed(
        'feedback',
        first,
        `listed: ${found}, removal: ${removed.status}, gone afterwards: ${gone}`,
        removed.status === 403 ? 'the token needs admin scope' : 'the admin feedback API; remove the probe row by hand if it stayed',
      );
}

export async function checkFlagPropagation(ctx: CheckContext): Promise<void> {
  const { auth } = ctx;
  if (!auth) {
    ctx.add(skipped('flag-propagation', 'all', 'needs --token with admin scope'));
    return;
  }
  await ctx.guarded('flag-propagation', 'all', 'the admin flags API or OFREP failed', () => flagPropagation(ctx, auth));
}

/** Creates a throw-away flag on the first instance, toggles it on the last, and always deletes it. */
async function flagPropagation(ctx: CheckContext, auth: Auth): Promise<CheckResult> {
  const { first } = ctx;
  const name = `verify-${randomBytes(5).toString('hex')}`;
  const created = await ctx.call(first, 'POST', '/api/admin/flags', jsonBody({ name, is_enabled: false, rollout_percentage: 100 }, auth));
  if (created.status !== 201) {
    return failed(
      'flag-propagation',
      'all',
      `creating a flag answered ${created.status}`,
      created.status === 403 ? 'the token needs admin scope' : 'the admin flags API',
    );
  }
  try {
    return await toggleAndWatch(ctx, auth, name);
  } finally {
    await ctx.call(first, 'DELETE', `/api/admin/flags/${name}`, { headers: auth }).catch(() => undefined);
  }
}

async function toggleAndWatch(ctx: CheckContext, auth: Auth, name: string): Promise<CheckResult> {
  const { urls, propagationMs } = ctx;
  const toggledVia = urls[urls.length - 1]!;
  const toggle = await ctx.call(toggledVia, 'POST', `/api/admin/flags/${name}/toggle`, { headers: auth });
  if (toggle.status !== 200) return failed('flag-propagation', 'all', `toggle answered ${toggle.status}`, 'the admin flags API');
  const lag = await lagUntilSeen(ctx, auth, name, true);
  const slow = urls.filter((u) => (lag.get(u) ?? Infinity) > propagationMs);
  const worst = Math.max(...[...lag.values(), 0]);
  return slow.length === 0
    ? passed(
        'flag-propagation',
        'all',
        `toggled on ${toggledVia}; all ${urls.length} instance(s) answered the new value within ${worst} ms`,
      )
    : failed(
        'flag-propagation',
        'all',
        `not within ${propagationMs} ms: ${slow.map((u) => `${u} (${lag.has(u) ? `${lag.get(u)} ms` : 'never'})`).join(', ')}`,
        'instances share one database? their LISTEN connection (flag changes are sent with NOTIFY) may be down',
      );
}

/** How long each instance took to answer `value` for the flag; instances that never did are missing. */
async function lagUntilSeen(ctx: CheckContext, auth: Auth, name: string, value: boolean): Promise<Map<string, number>> {
  const { urls, propagationMs } = ctx;
  const evaluate = async (base: string) => {
    const r = await ctx.call(
      base,
      'POST',
      `/ofrep/v1/evaluate/flags/${name}`,
      jsonBody({ context: { targetingKey: 'beta-suite-verify' } }, auth),
    );
    return r.status === 200 ? (r.json as { value?: unknown }).value : undefined;
  };
  const t0 = performance.now();
  const lag = new Map<string, number>();
  while (lag.size < urls.length && performance.now() - t0 < propagationMs * 3) {
    for (const base of urls) {
      if (!lag.has(base) && (await evaluate(base)) === value) lag.set(base, Math.round(performance.now() - t0));
    }
    if (lag.size < urls.length) await new Promise((r) => setTimeout(r, 25));
  }
  return lag;
}
