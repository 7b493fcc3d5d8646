// In-process flag evaluation speed: a flag with three conditions and a 50 % rollout, compiled once as
// the server's snapshot holds it, evaluated for 10 000 distinct users, repeated until about two
// seconds have passed. Writes bench/results/evaluate.json and prints one line.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { compileFlag } from '../src/features/flags/compile.js';
import { evaluateFlag, type Flag } from '../src/features/flags/evaluate.js';

const flag: Flag = {
  name: 'new-chat-ui',
  is_enabled: true,
  rollout_percentage: 50,
  target_users: ['vip-1', 'vip@example.com'],
  conditions: [
    { attribute: 'plan', operator: 'in', values: ['pro', 'team'] },
    { attribute: 'appVersion', operator: 'semver_gt', values: ['2.0.0'] },
    { attribute: 'country', operator: 'not_in', values: ['XX', 'YY'] },
  ],
};
// As the snapshot holds it: conditions compiled, target users indexed, the bucketing prefix hashed.
const compiled = compileFlag(flag);
const contexts = Array.from({ length: 10_000 }, (_, i) => ({
  targetingKey: `user-${i}`,
  email: `user-${i}@example.com`,
  plan: i % 3 === 0 ? 'free' : 'pro',
  appVersion: `2.${i % 10}.${i % 7}`,
  country: 'NL',
}));

let sink = 0;
const run = (n: number) => {
  for (let i = 0; i < n; i++) if (evaluateFlag(compiled, contexts[i % contexts.length]!).value) sink++;
};
run(200_000); // warm up the JIT

let evaluations = 0;
const started = process.hrtime.bigint();
let elapsedNs = 0n;
while (elapsedNs < 2_000_000_000n) {
  run(100_000);
  evaluations += 100_000;
  elapsedNs = process.hrtime.bigint() - started;
}
const perSecond = Math.round(evaluations / (Number(elapsedNs) / 1e9));
const result = {
  date: new Date().toISOString(),
  node: process.version,
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model ?? 'unknown',
  flag: '3 conditions (in, semver_gt, not_in) + 50 % rollout, compiled once',
  evaluations,
  seconds: Number(elapsedNs) / 1e9,
  evaluationsPerSecond: perSecond,
  microsecondsPerEvaluation: Math.round((1e6 / perSecond) * 1000) / 1000,
  trueShare: Math.round((sink / (evaluations + 200_000)) * 1000) / 1000,
};
mkdirSync(new URL('results/', import.meta.url), { recursive: true });
writeFileSync(new URL('results/evaluate.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
console.log(
  `in-process evaluation: ${perSecond.toLocaleString('en-US')} evaluations/s (${result.microsecondsPerEvaluation} µs each), ${result.flag}`,
);
