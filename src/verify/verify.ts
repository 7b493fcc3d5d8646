// `beta-suite verify`: checks a running deployment (one or several instances) over HTTP against
// the acceptance criteria — health, database p95, admin routes closed, CSRF, a feedback round trip
// that leaves no trace, flag changes seen by every instance within a second, and bad input refused.
import { randomBytes } from 'node:crypto';
import { ADMIN_PROBES, probePath } from './admin-probes.js';

export type CheckStatus = 'pass' | 'fail' | 'skip';

export interface CheckResult {
  check: string;
  /** The instance's base URL, or `all` for checks across the fleet. */
  instance: string;
  status: CheckStatus;
  detail: string;
  /** For failures: where to look. */
  hint?: string;
}

export interface VerifyOptions {
  urls: string[];
  /** An API token; `admin` scope enables the round trips, `monitor` the database figures. */
  token?: string;
  /** A one-time sign-in link (`beta-suite admin-link`) for the CSRF checks on a real cookie session. */
  loginLink?: string;
  /** Per-request timeout. Default 5 000 ms. */
  timeoutMs?: number;
  /** Largest acceptable database p95 (ms). Default 50. */
  dbP95Ms?: number;
  /** How long a flag change may take to reach every instance (ms). Default 1 000. */
  propagationMs?: number;
  /** Count the run as passed even when checks were skipped for want of credentials. */
  allowSkip?: boolean;
}

export interface VerifyReport {
  startedAt: string;
  durationMs: number;
  ok: boolean;
  counts: Record<CheckStatus, number>;
  results: CheckResult[];
}

interface Reply {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
  ms: number;
}

/** Signs of internals that must never reach a client: stack frames, module paths, SQL, driver errors. */
const INTERNALS =
  /(\bat [\w.<>]+ \(|\bat (?:file:|node:|\/)|node_modules|\.ts:\d+|\.js:\d+|\bSELECT\b.+\bFROM\b|\bINSERT INTO\b|\bsyntax error at\b|\bECONNREFUSED\b|\bpg_\w+|TypeError|ReferenceError)/i;

const FEEDBACK_FEATURE = 'beta-suite-verify';

export async function verifyDeployment(options: VerifyOptions): Promise<VerifyReport> {
  const started = Date.now();
  const timeoutMs = options.timeoutMs ?? 5000;
  const dbP95Ms = options.dbP95Ms ?? 50;
  const propagationMs = options.propagationMs ?? 1000;
  const urls = options.urls.map((u) => u.replace(/\/+$/, ''));
  const results: CheckResult[] = [];
  const add = (r: CheckResult) => results.push(r);
  const auth = options.token ? { authorization: `Bearer ${options.token}` } : undefined;

  async function call(base: string, method: string, path: string, init: { headers?: Record<string, string>; body?: string } = {}) {
    const t0 = performance.now();
    const res = await fetch(base + path, {
      method,
      headers: init.headers,
      body: init.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: res.headers, text, json, ms: Math.round(performance.now() - t0) } satisfies Reply;
  }
  const jsonBody = (value: unknown, extra: Record<string, string> = {}) => ({
    headers: { 'content-type': 'application/json', ...extra },
    body: JSON.stringify(value),
  });
  /** Runs one check; an exception (timeout, refused connection) is a failure with its message. */
  async function guarded(check: string, instance: string, hint: string, run: () => Promise<CheckResult | void>) {
    try {
      const r = await run();
      if (r) add(r);
    } catch (err) {
      add({ check, instance, status: 'fail', detail: `could not complete: ${(err as Error).message}`, hint });
    }
  }

  // 1. Health of every instance.
  for (const base of urls) {
    await guarded('healthz', base, 'the instance is down or unreachable from here: check its logs and /health/detailed', async () => {
      const r = await call(base, 'GET', '/healthz');
      const status = (r.json as { status?: string } | undefined)?.status;
      return r.status === 200 && status === 'pass'
        ? { check: 'healthz', instance: base, status: 'pass', detail: `200 pass in ${r.ms} ms` }
        : {
            check: 'healthz',
            instance: base,
            status: 'fail',
            detail: `answered ${r.status} ${status ?? r.text.slice(0, 80)}`,
            hint: 'a 503 means draining or the database is unreachable: see /health/detailed with a monitor token',
          };
    });
  }

  // 2. Admin routes refuse anonymous and forged callers.
  for (const base of urls) {
    await guarded('admin-closed', base, 'the instance did not answer the probes', async () => {
      const open: string[] = [];
      const forged: Array<Record<string, string>> = [
        {},
        { cookie: 'bs_session=forged-session-id; __Host-bs_session=forged-session-id' },
        { authorization: `Bearer bs_${randomBytes(24).toString('base64url')}` },
      ];
      for (const probe of ADMIN_PROBES) {
        for (const headers of forged) {
          const body = probe.method === 'GET' || probe.method === 'DELETE' ? undefined : '{}';
          const r = await call(base, probe.method, probePath(probe.route), {
            headers: body ? { ...headers, 'content-type': 'application/json' } : headers,
            body,
          });
          const refused =
            r.status === 401 ||
            r.status === 403 ||
            (r.status === 302 && /^\/(sign-in|auth\/login)\?/.test(r.headers.get('location') ?? ''));
          if (!refused) open.push(`${probe.method} ${probe.route} → ${r.status}`);
        }
      }
      return open.length === 0
        ? {
            check: 'admin-closed',
            instance: base,
            status: 'pass',
            detail: `${ADMIN_PROBES.length} admin routes refuse anonymous, forged-cookie and forged-token callers`,
          }
        : {
            check: 'admin-closed',
            instance: base,
            status: 'fail',
            detail: `not refused: ${open.slice(0, 5).join('; ')}${open.length > 5 ? ` and ${open.length - 5} more` : ''}`,
            hint: 'an admin route answers without credentials: check the admin guard and any proxy in front of it',
          };
    });
  }

  // 3. Bad input is answered 4xx with the error shape and no internals.
  const hostile: Array<{ name: string; expect: number[]; init: { headers?: Record<string, string>; body?: string } }> = [
    { name: 'malformed JSON', expect: [400], init: { headers: { 'content-type': 'application/json' }, body: '{"rating": 5,' } },
    { name: 'wrong type', expect: [400], init: jsonBody({ rating: 'five' }) },
    { name: 'unknown field', expect: [400], init: jsonBody({ rating: 5, admin: true }) },
    { name: 'NUL character', expect: [400], init: jsonBody({ rating: 5, comment: 'a\u0000b' }) },
    {
      name: 'deep nesting',
      expect: [400],
      init: jsonBody({ rating: 5, metadata: JSON.parse('{"a":'.repeat(200) + '1' + '}'.repeat(200)) as unknown }),
    },
    { name: 'huge body', expect: [413], init: jsonBody({ rating: 5, comment: 'x'.repeat(70_000) }) },
    { name: 'not JSON', expect: [415], init: { headers: { 'content-type': 'text/plain' }, body: 'rating=5' } },
  ];
  for (const base of urls) {
    await guarded('bad-input', base, 'the instance did not answer', async () => {
      const wrong: string[] = [];
      for (const h of hostile) {
        const r = await call(base, 'POST', '/api/feedback', h.init);
        const shape = r.json as { error?: { code?: unknown; message?: unknown } } | undefined;
        const shaped = typeof shape?.error?.code === 'string' && typeof shape.error.message === 'string';
        if (!h.expect.includes(r.status)) wrong.push(`${h.name} → ${r.status}`);
        else if (!shaped) wrong.push(`${h.name}: no error shape`);
        else if (INTERNALS.test(r.text)) wrong.push(`${h.name}: internals in the answer`);
      }
      return wrong.length === 0
        ? {
            check: 'bad-input',
            instance: base,
            status: 'pass',
            detail: `${hostile.length} malformed requests refused with 4xx and the error shape`,
          }
        : {
            check: 'bad-input',
            instance: base,
            status: 'fail',
            detail: wrong.join('; '),
            hint: 'input validation or the error handler: a 5xx here is a crash path, internals are a leak',
          };
    });
  }

  // 4. CSRF on a real cookie session (needs a sign-in link).
  const first = urls[0]!;
  if (!options.loginLink) {
    add({ check: 'csrf', instance: first, status: 'skip', detail: 'needs --login-link (from `beta-suite admin-link`) for a real session' });
  } else {
    await guarded('csrf', first, 'sign-in through the link failed: create a fresh one, it works once for 15 minutes', async () => {
      const link = new URL(options.loginLink!);
      const signIn = await call(first, 'GET', link.pathname + link.search);
      const cookies = signIn.headers.getSetCookie().map((c) => c.split(';')[0]!);
      const session = cookies.find((c) => /^(__Host-)?bs_session=/.test(c));
      if ((signIn.status !== 302 && signIn.status !== 303) || !session) {
        return {
          check: 'csrf',
          instance: first,
          status: 'fail',
          detail: `sign-in link answered ${signIn.status} without a session`,
          hint: 'use a fresh link from `beta-suite admin-link` for this deployment',
        };
      }
      const me = await call(first, 'GET', '/auth/me', { headers: { cookie: session } });
      const csrfToken = (me.json as { csrfToken?: string } | undefined)?.csrfToken ?? '';
      const name = `verify-csrf-${randomBytes(4).toString('hex')}`;
      const attempts: Array<{ name: string; headers: Record<string, string> }> = [
        { name: 'no token', headers: { cookie: session } },
        { name: 'wrong token', headers: { cookie: session, 'x-csrf-token': 'forged' } },
        { name: 'foreign Origin', headers: { cookie: session, 'x-csrf-token': csrfToken, origin: 'https://attacker.example' } },
        { name: 'cross-site fetch', headers: { cookie: session, 'x-csrf-token': csrfToken, 'sec-fetch-site': 'cross-site' } },
      ];
      const accepted: string[] = [];
      for (const a of attempts) {
        const r = await call(first, 'POST', '/api/admin/flags', jsonBody({ name, is_enabled: false }, a.headers));
        if (r.status !== 403) accepted.push(`${a.name} → ${r.status}`);
      }
      const created = await call(first, 'GET', `/api/admin/flags/${name}`, { headers: { cookie: session } });
      if (created.status === 200) {
        accepted.push('a flag was created');
        await call(first, 'DELETE', `/api/admin/flags/${name}`, { headers: { cookie: session, 'x-csrf-token': csrfToken } });
      }
      await call(first, 'POST', '/auth/logout', { headers: { cookie: session, 'x-csrf-token': csrfToken } });
      return accepted.length === 0
        ? {
            check: 'csrf',
            instance: first,
            status: 'pass',
            detail: `${attempts.length} forged state changes on a real session refused with 403; signed out`,
          }
        : {
            check: 'csrf',
            instance: first,
            status: 'fail',
            detail: `not refused: ${accepted.join('; ')}`,
            hint: 'CSRF checks on cookie sessions (token, Origin, Sec-Fetch-Site)',
          };
    });
  }

  // 5. Feedback round trip that leaves no trace (needs an admin token to remove it).
  if (!auth) {
    add({ check: 'feedback', instance: first, status: 'skip', detail: 'needs --token with admin scope to remove the probe afterwards' });
  } else {
    await guarded('feedback', first, 'the feedback API or the admin feedback API failed', async () => {
      const marker = `beta-suite verify ${randomBytes(6).toString('hex')}`;
      const posted = await call(first, 'POST', '/api/feedback', jsonBody({ rating: 5, feature: FEEDBACK_FEATURE, comment: marker }));
      const id = (posted.json as { id?: string } | undefined)?.id;
      if (posted.status !== 201 || !id) {
        return {
          check: 'feedback',
          instance: first,
          status: 'fail',
          detail: `POST /api/feedback answered ${posted.status}`,
          hint: 'the public feedback API',
        };
      }
      const listed = await call(first, 'GET', `/api/admin/feedback?feature=${FEEDBACK_FEATURE}&limit=500`, { headers: auth });
      const found = JSON.stringify(listed.json ?? '').includes(id);
      const removed = await call(first, 'DELETE', `/api/admin/feedback/${id}`, { headers: auth });
      const after = await call(first, 'GET', `/api/admin/feedback?feature=${FEEDBACK_FEATURE}&limit=500`, { headers: auth });
      const gone = after.status === 200 && !JSON.stringify(after.json ?? '').includes(id);
      const ok = found && removed.status === 204 && gone;
      return ok
        ? {
            check: 'feedback',
            instance: first,
            status: 'pass',
            detail: `stored (201 in ${posted.ms} ms), listed, and removed with its statistics`,
          }
        : {
            check: 'feedback',
            instance: first,
            status: 'fail',
            detail: `listed: ${found}, removal: ${removed.status}, gone afterwards: ${gone}`,
            hint:
              removed.status === 403 ? 'the token needs admin scope' : 'the admin feedback API; remove the probe row by hand if it stayed',
          };
    });
  }

  // 6. A flag toggled on one instance is seen by all within the propagation budget.
  if (!auth) {
    add({ check: 'flag-propagation', instance: 'all', status: 'skip', detail: 'needs --token with admin scope' });
  } else {
    await guarded('flag-propagation', 'all', 'the admin flags API or OFREP failed', async () => {
      const name = `verify-${randomBytes(5).toString('hex')}`;
      const created = await call(first, 'POST', '/api/admin/flags', jsonBody({ name, is_enabled: false, rollout_percentage: 100 }, auth));
      if (created.status !== 201) {
        return {
          check: 'flag-propagation',
          instance: 'all',
          status: 'fail',
          detail: `creating a flag answered ${created.status}`,
          hint: created.status === 403 ? 'the token needs admin scope' : 'the admin flags API',
        };
      }
      try {
        const evaluate = async (base: string) => {
          const r = await call(
            base,
            'POST',
            `/ofrep/v1/evaluate/flags/${name}`,
            jsonBody({ context: { targetingKey: 'beta-suite-verify' } }, auth),
          );
          return r.status === 200 ? (r.json as { value?: unknown }).value : undefined;
        };
        const seen = async (value: boolean) => {
          const t0 = performance.now();
          const lag = new Map<string, number>();
          while (lag.size < urls.length && performance.now() - t0 < propagationMs * 3) {
            for (const base of urls) {
              if (!lag.has(base) && (await evaluate(base)) === value) lag.set(base, Math.round(performance.now() - t0));
            }
            if (lag.size < urls.length) await new Promise((r) => setTimeout(r, 25));
          }
          return lag;
        };
        const toggledVia = urls[urls.length - 1]!;
        const toggle = await call(toggledVia, 'POST', `/api/admin/flags/${name}/toggle`, { headers: auth });
        if (toggle.status !== 200) {
          return {
            check: 'flag-propagation',
            instance: 'all',
            status: 'fail',
            detail: `toggle answered ${toggle.status}`,
            hint: 'the admin flags API',
          };
        }
        const lag = await seen(true);
        const slow = urls.filter((u) => (lag.get(u) ?? Infinity) > propagationMs);
        const worst = Math.max(...[...lag.values(), 0]);
        return slow.length === 0
          ? {
              check: 'flag-propagation',
              instance: 'all',
              status: 'pass',
              detail: `toggled on ${toggledVia}; all ${urls.length} instance(s) answered the new value within ${worst} ms`,
            }
          : {
              check: 'flag-propagation',
              instance: 'all',
              status: 'fail',
              detail: `not within ${propagationMs} ms: ${slow.map((u) => `${u} (${lag.has(u) ? `${lag.get(u)} ms` : 'never'})`).join(', ')}`,
              hint: 'instances share one database? their LISTEN connection (flag changes are sent with NOTIFY) may be down',
            };
      } finally {
        await call(first, 'DELETE', `/api/admin/flags/${name}`, { headers: auth }).catch(() => undefined);
      }
    });
  }

  // 7. Database p95 (last, so the checks above have put queries in the window).
  for (const base of urls) {
    if (!auth) {
      add({ check: 'db-p95', instance: base, status: 'skip', detail: 'needs --token with monitor or admin scope' });
      continue;
    }
    await guarded('db-p95', base, 'the metrics endpoint failed', async () => {
      const r = await call(base, 'GET', '/health/metrics', { headers: auth });
      const db = (r.json as { database?: { queryTimeMs?: { p95?: number | null; count?: number }; total?: number } } | undefined)?.database;
      const p95 = db?.queryTimeMs?.p95;
      if (r.status !== 200 || db === undefined) {
        return {
          check: 'db-p95',
          instance: base,
          status: 'fail',
          detail: `/health/metrics answered ${r.status}`,
          hint: 'the token needs monitor or admin scope',
        };
      }
      if (p95 === null || p95 === undefined) {
        return { check: 'db-p95', instance: base, status: 'skip', detail: 'no database queries in the last 60 s to measure' };
      }
      return p95 < dbP95Ms
        ? { check: 'db-p95', instance: base, status: 'pass', detail: `p95 ${p95} ms over the last 60 s (target < ${dbP95Ms} ms)` }
        : {
            check: 'db-p95',
            instance: base,
            status: 'fail',
            detail: `p95 ${p95} ms over the last 60 s (target < ${dbP95Ms} ms)`,
            hint: 'see `beta-suite db-report` or /api/admin/db/report for slow query shapes and index suggestions',
          };
    });
  }

  const counts = { pass: 0, fail: 0, skip: 0 };
  for (const r of results) counts[r.status]++;
  // Every criterion must be checked to pass: a skipped check passes only when the operator says so.
  const ok = counts.fail === 0 && (counts.skip === 0 || options.allowSkip === true);
  return { startedAt: new Date(started).toISOString(), durationMs: Date.now() - started, ok, counts, results };
}

/** A table a person reads at a glance, failures with where to look. */
export function formatVerifyReport(report: VerifyReport): string {
  const rows = report.results.map((r) => [r.check, r.instance, r.status.toUpperCase(), r.detail]);
  const header = ['CHECK', 'INSTANCE', 'RESULT', 'DETAIL'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const out = [line(header), ...rows.map(line)];
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
