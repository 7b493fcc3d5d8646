// The flags console's words: every condition operator has a label, rules read as a sentence, and a
// refused save's message is traced back to the field it names.
import { describe, expect, it } from 'vitest';
import { OPERATORS } from '../src/features/flags/conditions.js';
import { conditionText, operatorLabel, OPERATOR_LABELS, rulesText } from '../src/features/admin-ui/browser/operators.js';
import { fieldErrorOf } from '../src/features/admin-ui/browser/field-errors.js';

describe('operator labels', () => {
  it('names every operator the API accepts, each differently and never as its code', () => {
    expect(Object.keys(OPERATOR_LABELS).sort()).toEqual([...OPERATORS].sort());
    const labels = OPERATORS.map(operatorLabel);
    expect(new Set(labels).size).toBe(OPERATORS.length);
    for (const op of OPERATORS) expect(operatorLabel(op)).not.toContain('_');
    expect(operatorLabel('semver_gt')).toBe('version greater than');
    expect(operatorLabel('not_in')).toBe('is not one of');
    expect(operatorLabel('before')).toBe('before date');
    expect(operatorLabel('matches')).toBe('matches');
    expect(operatorLabel('toString')).toBe('toString');
  });

  it('reads a flag’s rules as words', () => {
    expect(conditionText({ attribute: 'beta_group', operator: 'exists', values: [] })).toBe('beta_group is set');
    expect(
      rulesText({
        target_users: [],
        conditions: [
          { attribute: 'country', operator: 'in', values: ['US', 'CA'] },
          { attribute: 'plan', operator: 'eq', values: ['pro'] },
        ],
      }),
    ).toBe('country is one of US, CA · plan is pro');
    expect(rulesText({ target_users: ['a', 'b'], conditions: [{ attribute: 'v', operator: 'semver_gt', values: ['2.1.0'] }] })).toBe(
      '2 target users · v version greater than 2.1.0',
    );
    expect(rulesText({ target_users: [], conditions: [] })).toBe('everyone');
  });
});

describe('field errors', () => {
  it('traces a refused field to its path and says the problem in words', () => {
    expect(fieldErrorOf('body/conditions[1].values[0] must be a number.')).toEqual({
      path: ['conditions', 1, 'values', 0],
      message: 'Condition 2, value 1: must be a number.',
    });
    expect(fieldErrorOf('body/conditions[0].operator must be one of eq, neq')).toEqual({
      path: ['conditions', 0, 'operator'],
      message: 'Condition 1, operator: must be one of eq, neq',
    });
    expect(fieldErrorOf('body/target_users/3 must be 1 to 254 characters.')?.path).toEqual(['target_users', 3]);
    expect(fieldErrorOf('body/rollout_percentage must be <= 100')).toEqual({
      path: ['rollout_percentage'],
      message: 'Rollout percentage: must be <= 100',
    });
  });

  it('leaves messages that name no field alone', () => {
    expect(fieldErrorOf('No flag named "x".')).toBeUndefined();
    expect(fieldErrorOf('headers/if-match must be a flag version, e.g. "3".')).toBeUndefined();
  });
});
