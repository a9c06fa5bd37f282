// How a score reads as a percentage: rounded to nearest, never 100% or 0% unless it is exactly so.
import { describe, expect, it } from 'vitest';
import { percent } from '../../../core/report/format.js';

describe('percent', () => {
  it('rounds to two decimals instead of truncating', () => {
    expect(percent(0.35799)).toBe('35.8%');
    expect(percent(0.123456)).toBe('12.35%');
    expect(percent(0.6666)).toBe('66.66%');
  });

  it('keeps 100% for a clean estate only, and 0% for none compliant only', () => {
    expect(percent(0.99996)).toBe('99.99%');
    expect(percent(1)).toBe('100%');
    expect(percent(0.000001)).toBe('0.01%');
    expect(percent(0)).toBe('0%');
  });

  it('reads "no score" when there is none', () => {
    expect(percent(null)).toBe('no score');
  });
});
