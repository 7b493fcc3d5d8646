// .env.example and README must list exactly the variables the configuration reads.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES } from '../src/core/config.js';

const withoutComments = (code: string) => code.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');

const declared = CONFIG_VARIABLES.map((v) => v.name).sort();

describe('configuration documentation', () => {
  it('.env.example lists every configuration variable exactly once, and nothing else', () => {
    const names = readFileSync(new URL('../.env.example', import.meta.url), 'utf8')
      .split('\n')
      .map((line) => /^([A-Z][A-Z0-9_]*)=/.exec(line)?.[1])
      .filter((name): name is string => name !== undefined);
    expect(names.sort()).toEqual(declared);
  });

  it('the README configuration table names every variable', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const missing = declared.filter((name) => !readme.includes(`\`${name}\``));
    expect(missing).toEqual([]);
  });

  it('only main.ts reads process.env', () => {
    const src = new URL('../src/', import.meta.url);
    const readers = readdirSync(src, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && f !== 'main.ts')
      .filter((f) => withoutComments(readFileSync(new URL(f, src), 'utf8')).includes('process.env'));
    expect(readers).toEqual([]);
  });
});
