// Reads a V8 CPU profile (`node --cpu-prof`, or `bench/run.ts --profile DIR`) and prints the functions
// with the most self time, and the share of time under each of a few named frames.
//
//   npx tsx bench/profile-top.ts FILE.cpuprofile [--top N] [--last S]
//
// --last S keeps only the samples of the profile's last S seconds (the load run, without start-up).
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const { values, positionals } = parseArgs({
  options: { top: { type: 'string', default: '30' }, last: { type: 'string' } },
  allowPositionals: true,
});
const file = positionals[0];
if (!file) {
  process.stderr.write('usage: npx tsx bench/profile-top.ts FILE.cpuprofile [--top N]\n');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
if (values.last !== undefined) {
  // Sample times are cumulative deltas; keep the tail.
  const keepUs = Number(values.last) * 1e6;
  let elapsed = 0;
  let start = profile.samples.length;
  while (start > 0 && elapsed + (profile.timeDeltas[start - 1] ?? 0) <= keepUs) elapsed += profile.timeDeltas[--start] ?? 0;
  profile.samples = profile.samples.slice(start);
  profile.timeDeltas = profile.timeDeltas.slice(start);
}
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
// Self time per node from the sample stream (microseconds).
const selfUs = new Map<number, number>();
for (let i = 0; i < profile.samples.length; i++) {
  const id = profile.samples[i]!;
  selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
}
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
const label = (n: ProfileNode) => {
  const url = n.callFrame.url
    .replace(/^file:\/\//, '')
    .replace(/^.*\/node_modules\//, '~/')
    .replace(/^.*\/dist\//, 'dist/');
  return `${n.callFrame.functionName || '(anonymous)'} ${url ? `${url}:${n.callFrame.lineNumber + 1}` : ''}`.trim();
};
const idle = new Set(['(idle)', '(program)', '(garbage collector)']);
const bySelf = new Map<string, number>();
for (const [id, us] of selfUs) {
  const key = label(byId.get(id)!);
  bySelf.set(key, (bySelf.get(key) ?? 0) + us);
}
const idleUs = [...bySelf].filter(([k]) => idle.has(k)).reduce((a, [, v]) => a + v, 0);
const busy = total - (bySelf.get('(idle)') ?? 0);
const pct = (us: number) => `${((us / busy) * 100).toFixed(1).padStart(5)} %`;
console.log(
  `${(total / 1e6).toFixed(1)} s sampled, ${(busy / 1e6).toFixed(1)} s not idle (${((idleUs - (bySelf.get('(idle)') ?? 0)) / 1e6).toFixed(1)} s program + GC)`,
);
console.log('self time, share of non-idle time:');
for (const [key, us] of [...bySelf]
  .filter(([k]) => k !== '(idle)')
  .sort((a, b) => b[1] - a[1])
  .slice(0, Number(values.top))) {
  console.log(`${pct(us)}  ${key}`);
}
// Time spent under (inclusive of) frames whose function name matches, once per sample.
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const inclusive = new Map<string, number>();
const groups: Array<[string, RegExp]> = [
  ['@fastify/helmet + helmet', /\/(helmet|@fastify\/helmet)\//],
  ['prom-client', /\/prom-client\//],
  ['fast-json-stringify', /\/fast-json-stringify\//],
  ['ajv', /\/ajv\//],
  ['@fastify/rate-limit', /\/@fastify\/rate-limit\//],
  ['@fastify/cookie', /\/@fastify\/cookie\//],
  ['pino', /\/pino\//],
  ['fastify', /\/fastify\/lib\//],
  ['node:_http_*', /node:_http_/],
  ['crypto', /node:internal\/crypto|createHash/],
  ['src/features/flags', /dist\/features\/flags\//],
  ['src/features/health', /dist\/features\/health\//],
  ['src/features/auth, tokens', /dist\/features\/(auth|tokens)\//],
  ['src/features/kpis', /dist\/features\/kpis\//],
  ['src/core', /dist\/core\//],
];
for (let i = 0; i < profile.samples.length; i++) {
  const seen = new Set<string>();
  for (let id: number | undefined = profile.samples[i]; id !== undefined; id = parent.get(id)) {
    const n = byId.get(id)!;
    const text = n.callFrame.url;
    for (const [name, re] of groups) if (!seen.has(name) && re.test(text)) seen.add(name);
    if (n.callFrame.functionName === 'createHash' || n.callFrame.functionName === 'digest') seen.add('crypto');
  }
  for (const name of seen) inclusive.set(name, (inclusive.get(name) ?? 0) + (profile.timeDeltas[i] ?? 0));
}
console.log('\ntime under (inclusive), share of non-idle time:');
for (const [name] of groups) console.log(`${pct(inclusive.get(name) ?? 0)}  ${name}`);
