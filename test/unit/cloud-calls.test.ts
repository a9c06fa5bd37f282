// The per-API call counts that travel through workflow history: added up, kept small.
import { describe, expect, it } from 'vitest';
import { addCalls, callsPerThousand, MAX_CALL_KEYS, OTHER_CALLS, totalCalls } from '../../core/cloud-calls.js';

describe('cloud call counts', () => {
  it('add up per API, and tolerate a result recorded before calls were counted', () => {
    const into = addCalls({ 's3:ListBuckets': 1 }, { 's3:ListBuckets': 2, 'tagging:GetResources': 3 });
    expect(addCalls(into, undefined)).toEqual({ 's3:ListBuckets': 3, 'tagging:GetResources': 3 });
    expect(totalCalls(into)).toBe(6);
    expect(totalCalls(null)).toBe(0);
  });

  it('stay a few dozen keys at most: further APIs are lumped together, none lost', () => {
    const many = Object.fromEntries(Array.from({ length: MAX_CALL_KEYS + 10 }, (_, i) => [`svc:Op${i}`, 1]));
    const into = addCalls({}, many);
    expect(Object.keys(into)).toHaveLength(MAX_CALL_KEYS + 1);
    expect(into[OTHER_CALLS]).toBe(10);
    expect(totalCalls(into)).toBe(MAX_CALL_KEYS + 10);
  });

  it('give calls per 1,000 resources, and nothing for an empty scan', () => {
    expect(callsPerThousand({ 'tagging:GetResources': 353 }, 3808)).toBe(92.7);
    expect(callsPerThousand({ 'tagging:GetResources': 1 }, 0)).toBeUndefined();
  });
});
