import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/helpers/test-database.js';
import { createTokensService, type TokensService } from './tokens.service.js';

describe('tokens service', () => {
  let t: TestDatabase;
  let tokens: TokensService;

  beforeAll(async () => {
    t = await createTestDatabase();
    tokens = createTokensService(t.database.db, { touchEveryMs: 0 });
  });
  afterAll(() => t.destroy());

  it('creates a 256-bit token, shows it once and stores only its SHA-256 digest', async () => {
    const { token, record } = await tokens.create({ name: ' deploy ', scope: 'monitor', createdBy: 'cli' });
    expect(token).toMatch(/^bst_[A-Za-z0-9_-]{43}$/);
    expect(record).toMatchObject({ name: 'deploy', scope: 'monitor', created_by: 'cli', revoked_at: null });
    expect(record).not.toHaveProperty('token_hash');
    const rows = await t.database.db.selectFrom('api_tokens').selectAll().where('id', '=', record.id).execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.token_hash).toBe(createHash('sha256').update(token).digest('hex'));
    expect(JSON.stringify(rows)).not.toContain(token.slice(4));
  });

  it('verifies a token into a principal and records when it was used', async () => {
    const { token, record } = await tokens.create({ name: 'app', scope: 'evaluate', createdBy: 'cli' });
    expect(await tokens.verify(token)).toEqual({ kind: 'token', id: record.id, name: 'app', scope: 'evaluate' });
    await expect.poll(async () => (await tokens.list()).find((r) => r.id === record.id)?.last_used_at).toBeInstanceOf(Date);
  });

  it('rejects unknown, malformed and revoked tokens', async () => {
    expect(await tokens.verify(`bst_${'A'.repeat(43)}`)).toBeUndefined();
    expect(await tokens.verify('not-a-token')).toBeUndefined();
    const { token, record } = await tokens.create({ name: 'old', scope: 'admin', createdBy: 'cli' });
    expect(await tokens.verify(token)).toEqual({ kind: 'token', id: record.id, name: 'old', scope: 'admin' });
    await tokens.revoke(record.id);
    expect(await tokens.verify(token)).toBeUndefined();
    const listed = (await tokens.list()).find((r) => r.id === record.id);
    expect(listed?.revoked_at).toBeInstanceOf(Date);
  });

  it('refuses bad input and unknown ids without writing anything', async () => {
    const before = (await tokens.list()).length;
    await expect(tokens.create({ name: 'x', scope: 'root', createdBy: 'cli' })).rejects.toMatchObject({ code: 'VALIDATION_ERROR' });
    await expect(tokens.create({ name: '  ', scope: 'admin', createdBy: 'cli' })).rejects.toMatchObject({ code: 'VALIDATION_ERROR' });
    await expect(tokens.revoke('00000000-0000-0000-0000-000000000000')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(tokens.revoke('not-a-uuid')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await tokens.list()).length).toBe(before);
  });
});
