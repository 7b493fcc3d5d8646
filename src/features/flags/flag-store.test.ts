import { describe, expect, it } from 'vitest';
import type { Condition } from './conditions.js';
import { evaluateFlag } from './evaluate.js';
import { createFlagStore, type FlagStoreSource } from './flag-store.js';
import type { FlagChange, FlagRow } from './flags.types.js';

const US: Condition = { attribute: 'country', operator: 'in', values: ['US'] };
const CANADA: Condition = { attribute: 'country', operator: 'in', values: ['CA'] };

const row = (version: number): FlagRow => ({
  id: 'f1',
  name: 'checkout',
  description: '',
  is_enabled: true,
  rollout_percentage: 0,
  target_users: [],
  conditions: [],
  permanent: false,
  full_rollout_since: null,
  version,
  created_by: null,
  created_at: new Date(0),
  updated_at: new Date(0),
  early_access: false,
  public_title: null,
  public_description: null,
  stage: null,
  client_visible: false,
  value_type: 'boolean',
  variants: [],
  default_variant: null,
  stickiness: 'targetingKey',
  rules: [{ name: '', conditions: [], segments: ['americas'], rollout_percentage: 100, stickiness: 'targetingKey' }],
  segments: [],
});

/**
 * A database where a segment edit (bumping the flag using it, as segment-changes does) commits between the
 * first and the second read of a full load, and is then announced.
 */
function racingSource() {
  let segment = [US];
  let flag = row(1);
  let reads = 0;
  let deliver: ((payload: string) => void) | undefined;
  const announced: FlagChange[] = [];
  const afterRead = () => {
    if (++reads !== 1) return;
    segment = [CANADA];
    flag = row(2);
    announced.push({ op: 'segments' }, { op: 'upsert', name: 'checkout', version: 2 });
  };
  const source: FlagStoreSource = {
    async loadAll() {
      const rows = [flag];
      afterRead();
      return rows;
    },
    async loadOne() {
      return flag;
    },
    async loadOverrides() {
      return [];
    },
    async loadSegments() {
      const segments = [{ name: 'americas', conditions: segment }];
      afterRead();
      return segments;
    },
    async listen(onMessage) {
      deliver = onMessage;
      return async () => undefined;
    },
    onError(err) {
      throw err;
    },
  };
  return { source, announce: () => announced.forEach((change) => deliver!(JSON.stringify(change))) };
}

describe('flag store and segments', () => {
  it('ends with the segment’s new conditions when it changes during a full load', async () => {
    const { source, announce } = racingSource();
    const store = createFlagStore(source);
    await store.start();
    announce();
    // The announced changes are applied in order; wait for the queue by applying a no-op.
    await store.apply({ op: 'segments' });
    expect(store.get('checkout')?.version).toBe(2);
    expect(evaluateFlag(store.evaluable('checkout'), { country: 'CA' })).toMatchObject({ value: true, reason: 'TARGETING_MATCH' });
    expect(evaluateFlag(store.evaluable('checkout'), { country: 'US' })).toMatchObject({ value: false });
    await store.stop();
  });
});
