import { describe, expect, it } from 'vitest';
import { complianceScore, evaluate, scanScore, summarise } from '../../../core/compliance/index.js';
import { aCompiledPolicy, aResource, aRule } from '../builders.js';

describe('complianceScore', () => {
  it('is compliant / total', () => {
    expect(complianceScore(3, 4)).toBe(0.75);
    expect(complianceScore(0, 7)).toBe(0);
    expect(complianceScore(7, 7)).toBe(1);
  });

  it('is 1 when nothing is in scope: nothing to violate', () => {
    expect(complianceScore(0, 0)).toBe(1);
  });

  it('keeps 4 decimals rounded to nearest, so 0.35799 is 0.358, not 0.3579', () => {
    expect(complianceScore(35_799, 100_000)).toBe(0.358);
    expect(complianceScore(2, 3)).toBe(0.6667);
    expect(complianceScore(1, 3)).toBe(0.3333);
  });

  it('never shows 1 unless all are compliant, nor 0 unless none is', () => {
    expect(complianceScore(99_999, 100_000)).toBe(0.9999);
    expect(complianceScore(999_999, 1_000_000)).toBe(0.9999);
    expect(complianceScore(1, 1_000_000)).toBe(0.0001);
  });

  it.each([[5, 4], [-1, 3], [1.5, 3], [1, Number.NaN]])('rejects %s of %s', (compliant, total) => {
    expect(() => complianceScore(compliant, total)).toThrow(RangeError);
  });
});

describe('scanScore', () => {
  it('is no score at all when the scan saw no resources', () => {
    expect(scanScore(0, 0)).toBeNull();
  });

  it('is the rounded compliance score otherwise', () => {
    expect(scanScore(35_799, 100_000)).toBe(0.358);
    expect(scanScore(4, 4)).toBe(1);
  });
});

describe('summarise', () => {
  it('counts resources, findings by kind, severity and tag', () => {
    const policy = aCompiledPolicy({
      required: [aRule('Owner'), aRule('Environment', { allowed_values: ['prod'] })],
    });
    const tagSets: Record<string, string>[] = [
      { Owner: 'a', Environment: 'prod' },
      { owner: 'b', Environment: 'prod' },
      { Environment: 'dev' },
      {},
    ];
    const results = tagSets.map((tags) => evaluate(policy, aResource({ tags })));

    const summary = summarise(results);

    expect(summary).toMatchObject({ total: 4, compliant: 2, nonCompliant: 2, score: 0.5, findings: 5 });
    expect(summary.bySeverity).toEqual({ error: 4, warning: 1 });
    expect(summary.byKind).toEqual({
      missing_required_tag: 3, invalid_value: 1, invalid_format: 0, gcp_label_rule: 0, empty_value: 0, wrong_key_case: 0, key_case_mismatch: 1,
    });
    expect(Object.entries(summary.byTag)).toEqual([['Owner', 3], ['Environment', 2]]);
  });

  it('summarises nothing as a clean score', () => {
    expect(summarise([])).toMatchObject({ total: 0, compliant: 0, score: 1, findings: 0 });
  });
});
