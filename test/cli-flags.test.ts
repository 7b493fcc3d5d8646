// `beta-suite flags export` and `flags import` as an operator runs them: the document on stdout or in a file,
// the plan printed line by line, a dry run that changes nothing, and the same commands through a running server.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, serverEnv, startServer, type ServerProcess } from './helpers/server-process.js';
import { cloneTemplate, type TestDatabaseLocation } from './helpers/test-database.js';

const DOC = {
  format: 'nous-beta-suite/flags',
  version: 1,
  exported_at: '2026-12-01T00:00:00.000Z',
  flags: [
    {
      name: 'cli-rollout',
      description: 'From staging',
      is_enabled: true,
      rollout_percentage: 20,
      target_users: ['u1'],
      conditions: [{ attribute: 'plan', operator: 'in', values: ['pro'] }],
      permanent: false,
      early_access: false,
      public_title: null,
      public_description: null,
      stage: null,
      client_visible: false,
      value_type: 'boolean',
      variants: [],
      default_variant: null,
      stickiness: 'targetingKey',
      segments: [],
      rules: [],
    },
  ],
};

interface ExportDoc {
  format: string;
  flags: Array<{ name: string; rollout_percentage: number }>;
}

describe('beta-suite flags', () => {
  let db: TestDatabaseLocation;
  let env: NodeJS.ProcessEnv;
  let server: ServerProcess | undefined;
  const dir = join(tmpdir(), `flags-cli-${process.pid}`);
  const file = (name: string) => join(dir, name);

  beforeAll(async () => {
    db = await cloneTemplate();
    env = serverEnv(db);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    writeFileSync(file('doc.json'), JSON.stringify(DOC));
  });
  afterAll(async () => {
    await server?.stop('SIGKILL');
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('imports a document, printing the plan, and exports it back', { timeout: 60_000 }, async () => {
    const dry = await runCli(['flags', 'import', file('doc.json'), '--dry-run'], env);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('create\tcli-rollout');
    expect(dry.stdout).toContain('dry run: nothing changed');
    const empty = JSON.parse((await runCli(['flags', 'export'], env)).stdout) as ExportDoc;
    expect(empty.flags).toEqual([]);

    const applied = await runCli(['flags', 'import', file('doc.json')], env);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toMatch(/1 create.*; applied/);
    const out = await runCli(['flags', 'export', '--out', file('out.json')], env);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stderr).toContain('exported 1 flags');
    const exported = JSON.parse(readFileSync(file('out.json'), 'utf8')) as ExportDoc;
    expect(exported.format).toBe('nous-beta-suite/flags');
    expect(exported.flags).toEqual(DOC.flags);
  });

  it('dry-runs an update through a running server without changing it, and lists refused Unleash flags', { timeout: 120_000 }, async () => {
    server = await startServer(env);
    writeFileSync(file('edited.json'), JSON.stringify({ ...DOC, flags: [{ ...DOC.flags[0], rollout_percentage: 60 }] }));
    const dry = await runCli(['flags', 'import', file('edited.json'), '--dry-run'], env);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('update\tcli-rollout (rollout_percentage)');
    const exported = JSON.parse((await runCli(['flags', 'export'], env)).stdout) as ExportDoc;
    expect(exported.flags[0]!.rollout_percentage).toBe(20);

    const unleash = {
      features: [{ name: 'geo', type: 'release', project: 'default' }],
      featureStrategies: [{ name: 'remoteAddress', featureName: 'geo', parameters: { IPs: '10.0.0.1' }, constraints: [], segments: [] }],
      featureEnvironments: [{ featureName: 'geo', environment: 'production', enabled: true, variants: [] }],
      contextFields: [],
      segments: [],
      tagTypes: [],
      featureTags: [],
      dependencies: [],
    };
    writeFileSync(file('unleash.json'), JSON.stringify(unleash));
    const refused = await runCli(['flags', 'import', file('unleash.json'), '--dry-run'], env);
    expect(refused.code).toBe(3);
    expect(refused.stdout).toContain('refused\tgeo');
    expect(refused.stdout).toContain('strategy remoteAddress has no equivalent');
    const missing = await runCli(['flags', 'import'], env);
    expect(missing.code).toBe(2);
  });
});
