import { describe, expect, it } from 'vitest';
import { classifyQuery } from './query-type.js';

describe('classifyQuery', () => {
  it.each([
    ['select 1', 'SELECT'],
    ['  SELECT * FROM beta_users', 'SELECT'],
    ['/* c */ -- x\n(select 1) union (select 2)', 'SELECT'],
    ['insert into "beta_feedback" ("rating") values ($1)', 'INSERT'],
    ['update "feature_flags" set "is_enabled" = $1', 'UPDATE'],
    ['delete from "sessions" where "expires_at" < $1', 'DELETE'],
    ['with moved as (delete from a returning *) insert into b select * from moved', 'DELETE'],
    ['with x as (select 1) insert into t select * from x', 'INSERT'],
    ['with x as (select 1) update t as u set a = 1 from x', 'UPDATE'],
    ['with x as (select 1) select * from x', 'SELECT'],
    ['values (1), (2)', 'SELECT'],
    ['begin', 'OTHER'],
    ['create index on t (a)', 'OTHER'],
    ['select pg_advisory_xact_lock(1)', 'SELECT'],
    ['', 'OTHER'],
  ])('%s → %s', (sql, type) => {
    expect(classifyQuery(sql)).toBe(type);
  });
});
