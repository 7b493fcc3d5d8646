// `npm run test:mutation [-- --changed | <core files>]`: mutation-tests the pure cores with Stryker and prints
// the score of each file; exits non-zero when a file scores under 90 % (accepted survivors aside). `--changed`
// (CI) limits the run to the cores changed since the previous commit on main, or all when that is unknown.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { Stryker } from '@stryker-mutator/core';
import { MUTATED_CORES } from '../stryker.config.mjs';

const MIN_SCORE = 90;
/**
 * Per core, the surviving mutants accepted because no input tells them from the original (or they change only
 * speed), each with why. An entry names the code a mutant replaces, its replacements and a piece of its line,
 * so it outlives line moves but not a change to that code.
 */
const ACCEPTED = JSON.parse(readFileSync(new URL('mutation-accepted.json', import.meta.url), 'utf8'));
const DETECTED = new Set(['Killed', 'Timeout']);
const UNDETECTED = new Set(['Survived', 'NoCoverage']);

function git(...args) {
  return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
}

function commit(ref) {
  try {
    return git('rev-parse', '--verify', '--quiet', `${ref}^{commit}`);
  } catch {
    return undefined;
  }
}

/** The commit to diff against: HEAD's parent when HEAD is on main, else where the branch left main; undefined if unknown. */
function previousMainCommit() {
  const main = ['main', 'origin/main'].find((ref) => commit(ref) !== undefined);
  if (main === undefined) return undefined;
  try {
    git('merge-base', '--is-ancestor', 'HEAD', main);
  } catch {
    try {
      return git('merge-base', 'HEAD', main);
    } catch {
      return undefined;
    }
  }
  return commit('HEAD~1'); // undefined in a clone too shallow to hold it
}

/** Whether `file` is one of `core`'s unit tests (see unitTestsOf). */
function isUnitTestOf(core, file) {
  const stem = core.replace(/\.ts$/, '');
  return file.startsWith(stem) && file.endsWith('.test.ts') && !file.slice(stem.length).includes('/');
}

/** Cores whose source or unit tests differ from `base`, committed or not. */
function changedCores(base) {
  const changed = git('diff', '--name-only', base, '--').split('\n');
  return MUTATED_CORES.filter((core) => changed.some((file) => file === core || isUnitTestOf(core, file)));
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

/** The source text a mutant replaces (its first line when it spans several); report positions count from 1. */
function originalOf(lines, { start, end }) {
  const first = lines[start.line - 1] ?? '';
  return start.line === end.line ? first.slice(start.column - 1, end.column - 1) : first.slice(start.column - 1);
}

const percent = (part, whole) => (whole === 0 ? 100 : (100 * part) / whole);

/** One core's figures from its JSON report: Stryker's score, and the score without the accepted survivors. */
function scoreOf(file, reportFile) {
  const report = JSON.parse(readFileSync(reportFile, 'utf8'));
  const { source, mutants } = Object.values(report.files)[0];
  const lines = source.split('\n');
  const result = { file, detected: 0, accepted: [], survivors: [] };
  for (const mutant of mutants) {
    if (DETECTED.has(mutant.status)) result.detected++;
    if (!UNDETECTED.has(mutant.status)) continue;
    const original = originalOf(lines, mutant.location);
    const line = lines[mutant.location.start.line - 1] ?? '';
    const known = (ACCEPTED[file] ?? []).find(
      (a) => a.original === original && a.replacements.includes(mutant.replacement) && line.includes(a.line),
    );
    if (known) result.accepted.push(known);
    else
      result.survivors.push(
        `${file}:${mutant.location.start.line} ${mutant.mutatorName}: ${original} → ${mutant.replacement.replace(/\s+/g, ' ')}`,
      );
  }
  const undetected = result.accepted.length + result.survivors.length;
  return {
    ...result,
    stryker: percent(result.detected, result.detected + undetected),
    score: percent(result.detected, result.detected + result.survivors.length),
    stale: (ACCEPTED[file] ?? []).filter((a) => !result.accepted.includes(a)).map((a) => `${file}: ${a.original} in ${a.line}`),
  };
}

function print(rows) {
  console.log(`\nMutation score per file (minimum ${MIN_SCORE} % without the accepted survivors of scripts/mutation-accepted.json):`);
  console.log('   score  Stryker  killed  accepted  survived  file');
  for (const r of rows) {
    const figures = [r.score, r.stryker].map((n) => `${n.toFixed(1).padStart(5)} %`).join('  ');
    const counts = [r.detected, r.accepted.length, r.survivors.length].map((n, i) => String(n).padStart([6, 9, 9][i])).join(' ');
    console.log(`  ${figures} ${counts}  ${r.file}  ${r.score >= MIN_SCORE ? 'ok' : 'TOO LOW'}`);
  }
  const survivors = rows.flatMap((r) => r.survivors);
  if (survivors.length > 0)
    console.log(`\nSurviving mutants (kill them with a test, or accept them with a reason):\n  ${survivors.join('\n  ')}`);
  const stale = rows.flatMap((r) => r.stale);
  if (stale.length > 0) console.log(`\nAccepted survivors that no longer survive (remove them):\n  ${stale.join('\n  ')}`);
}

const files = selectFiles(process.argv.slice(2));
const rows = [];
// One Stryker run per file: its mutants that run at import time (static mutants) then re-run only the
// tests related to that file, not every core's tests.
for (const file of files) {
  const report = `coverage/mutation/${basename(file, '.ts')}`;
  await new Stryker({
    configFile: 'stryker.config.mjs',
    mutate: [file],
    htmlReporter: { fileName: `${report}.html` },
    jsonReporter: { fileName: `${report}.json` },
  }).runMutationTest();
  rows.push(scoreOf(file, `${report}.json`));
}
print(rows);
if (rows.some((r) => r.score < MIN_SCORE)) process.exitCode = 1;
