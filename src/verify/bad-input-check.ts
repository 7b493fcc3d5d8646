// Bad input to the public feedback API is answered 4xx with the error shape and no internals: a 5xx
// is a crash path, a stack frame or SQL text in the answer is a leak.
import { failed, jsonBody, passed, type CallInit, type CheckContext } from './check-context.js';
import type { CheckResult } from './verify-types.js';

/** Signs of internals that must never reach a client: stack frames, module paths, SQL, driver errors. */
const INTERNALS =
  /(\bat [\w.<>]+ \(|\bat (?:file:|node:|\/)|node_modules|\.ts:\d+|\.js:\d+|\bSELECT\b.+\bFROM\b|\bINSERT INTO\b|\bsyntax error at\b|\bECONNREFUSED\b|\bpg_\w+|TypeError|ReferenceError)/i;

const HOSTILE: Array<{ name: string; expect: number[]; init: CallInit }> = [
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

export async function checkBadInput(ctx: CheckContext): Promise<void> {
  for (const base of ctx.urls) {
    await ctx.guarded('bad-input', base, 'the instance did not answer', () => badInput(ctx, base));
  }
}

async function badInput(ctx: CheckContext, base: string): Promise<CheckResult> {
  const wrong: string[] = [];
  for (const h of HOSTILE) {
    const r = await ctx.call(base, 'POST', '/api/feedback', h.init);
    const shape = r.json as { error?: { code?: unknown; message?: unknown } } | undefined;
    const shaped = typeof shape?.error?.code === 'string' && typeof shape.error.message === 'string';
    if (!h.expect.includes(r.status)) wrong.push(`${h.name} → ${r.status}`);
    else if (!shaped) wrong.push(`${h.name}: no error shape`);
    else if (INTERNALS.test(r.text)) wrong.push(`${h.name}: internals in the answer`);
  }
  return wrong.length === 0
    ? passed('bad-input', base, `${HOSTILE.length} malformed requests refused with 4xx and the error shape`)
    : failed(
        'bad-input',
        base,
        wrong.join('; '),
        'input validation or the error handler: a 5xx here is a crash path, internals are a leak',
      );
}
