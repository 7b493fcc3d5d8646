// `npm run test:mutation [-- --changed | <core files>]`: mutation-tests the pure cores with Stryker and prints
// the score of each file; exits non-zero when a file scores under 90 %. `--changed` (CI) limits the run to the
// cores changed since the previous commit on main, or takes them all when that commit cannot be determined.
import { execFileSync } from 'node:child_process';
import { basename } from 'node:path';
import { Stryker } from '@stryker-mutator/core';
import { MUTATED_CORES } from '../stryker.config.mjs';

const MIN_SCORE = 90;
const DETECTED = new Set(['Killed', 'Timeout']);
const UNDETECTED = new Set(['Survived', 'NoCoverage']);

function git(...args) {
  return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
}

/** The commit to diff against: HEAD's parent when HEAD is on main, else where the branch left main; undefined if unknown. */
function previousMainCommit() {
  try {
    const main = ['main', 'origin/main'].find((ref) => {
      try {
        return git('rev-parse', '--verify', '--quiet', `${ref}^{commit}`) !== '';
      } catch {
        return false;
      }
    });
    if (main === undefined) return undefined;
    try {
      git('merge-base', '--is-ancestor', 'HEAD', main);
      return git('rev-parse', '--verify', '--quiet', 'HEAD~1^{commit}');
    } catch {
      return git('merge-base', 'HEAD', main);
    }
  } catch {
    return undefined;
  }
}

/** Cores whose source or unit tests differ from `base` (committed or not). */
function changedCores(base) {
  const changed = new Set(git('diff', '--name-only', base, '--').split('\n'));
  return MUTATED_CORES.filter((file) => changed.has(file) || changed.has(file.replace(/\.ts$/, '.test.ts')));
}

function selectFiles(args) {
  if (args[0] !== '--changed') {
    const unknown = args.filter((file) => !MUTATED_CORES.includes(file));
    if (unknown.length > 0) throw new Error(`not a mutation-tested core: ${unknown.join(', ')} (see stryker.config.mjs)`);
    return args.length > 0 ? args : MUTATED_CORES;
  }
  const base = previousMainCommit();
  if (base === undefined) {
    console.log('The previous commit on main is unknown: mutation-testing every core.');
    return MUTATED_CORES;
  }
  const files = changedCores(base);
  console.log(`Cores changed since ${base.slice(0, 12)}: ${files.length > 0 ? files.join(', ') : 'none'}`);
  return files;
}

function scoresByFile(results) {
  const byFile = new Map();
  for (const { fileName, status } of results) {
    const file = fileName.replace(/\\/g, '/').replace(/^.*?(?=src\/)/, '');
    const counts = byFile.get(file) ?? { detected: 0, undetected: 0, other: 0 };
    if (DETECTED.has(status)) counts.detected++;
    else if (UNDETECTED.has(status)) counts.undetected++;
    else counts.other++;
    byFile.set(file, counts);
  }
  return [...byFile].map(([file, c]) => {
    const valid = c.detected + c.undetected;
    return { file, ...c, score: valid === 0 ? 100 : (100 * c.detected) / valid };
  });
}

const files = selectFiles(process.argv.slice(2));
const rows = [];
// One Stryker run per file: its mutants that run at import time (static mutants) then re-run only the
// tests related to that file, not every core's tests.
for (const file of files) {
  const report = `coverage/mutation/${basename(file, '.ts')}`;
  const results = await new Stryker({
    configFile: 'stryker.config.mjs',
    mutate: [file],
    htmlReporter: { fileName: `${report}.html` },
    jsonReporter: { fileName: `${report}.json` },
  }).runMutationTest();
  rows.push(...scoresByFile(results));
}
console.log(`\nMutation score per file (minimum ${MIN_SCORE} %; reports in coverage/mutation/):`);
for (const r of rows) {
  const verdict = r.score >= MIN_SCORE ? 'ok' : 'TOO LOW';
  const counts = `${String(r.detected).padStart(4)} killed ${String(r.undetected).padStart(3)} survived`;
  console.log(`  ${r.score.toFixed(2).padStart(6)} %  ${counts}  ${r.file}  ${verdict}`);
}
if (rows.some((r) => r.score < MIN_SCORE)) process.exitCode = 1;
