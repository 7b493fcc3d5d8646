// Hostile or careless input through the real surfaces: the CLI process, the control socket and
// the admin list APIs. Each case once took the service down or answered 500.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/server-process.js';

describe('production start-up without ADMIN_EMAILS', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'beta-suite-hardening-'));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('serve exits 1 with one configuration line naming ADMIN_EMAILS', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'production', SESSION_SECRET: 'x'.repeat(48), DATA_DIR: dataDir };
    delete env.ADMIN_EMAILS;
    delete env.DATABASE_URL;
    const result = await runCli(['serve', '--port', '0', '--host', '127.0.0.1'], env, 20_000);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^beta-suite: configuration error: ADMIN_EMAILS: is required when NODE_ENV=production[^\n]*\n$/);
  });
});
