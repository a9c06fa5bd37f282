import { describe, expect, it } from 'vitest';
import { groupSnapshots, periodOf, scopeMatches, trendOf, type SnapshotSummary } from '../../../core/report/index.js';

let serial = 0;
function aSnapshot(finishedAt: string, compliant: number, total = 100, overrides: Partial<SnapshotSummary> = {}): SnapshotSummary {
  return { scanId: `scan-${String(++serial).padStart(3, '0')}`, finishedAt, total, compliant, dataQuality: 'complete', ...overrides };
}

describe('periodOf', () => {
  it('groups by UTC day and month', () => {
    const t = new Date('2026-03-31T23:59:59.999Z');
    expect(periodOf(t, 'day')).toEqual({ period: '2026-03-31', start: '2026-03-31' });
    expect(periodOf(t, 'month')).toEqual({ period: '2026-03', start: '2026-03-01' });
    // 23:30 in New York on the 31st is already April 1st in UTC.
    expect(periodOf(new Date('2026-03-31T23:30:00-04:00'), 'month').period).toBe('2026-04');
  });

  it.each([
    // [time, ISO week, its Monday]
    ['2024-12-30T10:00:00Z', '2025-W01', '2024-12-30'], // Monday of week 1 of 2025, still in 2024
    ['2025-01-05T23:00:00Z', '2025-W01', '2024-12-30'], // Sunday closes the same week
    ['2025-01-06T00:00:00Z', '2025-W02', '2025-01-06'],
    ['2021-01-03T12:00:00Z', '2020-W53', '2020-12-28'], // a January day in the previous year's week 53
    ['2020-12-31T12:00:00Z', '2020-W53', '2020-12-28'],
    ['2027-01-01T12:00:00Z', '2026-W53', '2026-12-28'], // 2026 starts on a Thursday: 53 weeks
    ['2026-01-01T00:00:00Z', '2026-W01', '2025-12-29'],
    ['2026-06-15T08:00:00Z', '2026-W25', '2026-06-15'],
  ])('puts %s in ISO week %s starting %s', (time, week, monday) => {
    expect(periodOf(new Date(time), 'week')).toEqual({ period: week, start: monday });
  });
});

describe('groupSnapshots', () => {
  it('keeps the last snapshot of each period, counts the period\'s snapshots, oldest period first', () => {
    const late = aSnapshot('2026-01-02T18:00:00Z', 80);
    const points = groupSnapshots([
      aSnapshot('2026-01-02T09:00:00Z', 70),
      aSnapshot('2026-01-01T12:00:00Z', 60),
      late,
      aSnapshot('2026-01-02T12:00:00Z', 75),
    ], 'day');
    expect(points.map((p) => [p.period, p.compliance_score, p.scans])).toEqual([['2026-01-01', 0.6, 1], ['2026-01-02', 0.8, 3]]);
    expect(points[1]).toMatchObject({ total: 100, compliant: 80, violations: 20, snapshot_id: late.scanId, data_quality: 'complete' });
  });

  it('groups across a year boundary into one ISO week', () => {
    const points = groupSnapshots([
      aSnapshot('2024-12-30T10:00:00Z', 50),
      aSnapshot('2025-01-02T10:00:00Z', 55),
      aSnapshot('2025-01-05T10:00:00Z', 58),
      aSnapshot('2025-01-06T10:00:00Z', 60),
    ], 'week');
    expect(points.map((p) => [p.period, p.period_start, p.compliant, p.scans]))
      .toEqual([['2025-W01', '2024-12-30', 58, 3], ['2025-W02', '2025-01-06', 60, 1]]);
  });

  it('orders months by date, not by label text, and uses the stored score when present', () => {
    const points = groupSnapshots([
      aSnapshot('2026-02-10T00:00:00Z', 9, 10, { score: 0.9 }),
      aSnapshot('2025-12-10T00:00:00Z', 2, 3),
    ], 'month');
    expect(points.map((p) => [p.period, p.compliance_score])).toEqual([['2025-12', 0.6667], ['2026-02', 0.9]]);
  });

  it('breaks a tie on finish time by scan id, so the result does not depend on input order', () => {
    const a = aSnapshot('2026-01-01T10:00:00Z', 10, 100, { scanId: 'scan-a' });
    const b = aSnapshot('2026-01-01T10:00:00Z', 20, 100, { scanId: 'scan-b' });
    expect(groupSnapshots([a, b], 'day')[0]!.snapshot_id).toBe('scan-b');
    expect(groupSnapshots([b, a], 'day')[0]!.snapshot_id).toBe('scan-b');
  });

  it('is empty without snapshots', () => {
    expect(groupSnapshots([], 'week')).toEqual([]);
  });
});

describe('trendOf', () => {
  const pts = (...scores: number[]) => scores.map((s) => ({ compliance_score: s }));

  it('is improving or declining from a change of one point (first vs last), stable below', () => {
    expect(trendOf(pts(0.8, 0.81))).toEqual({ trend: 'improving', change_points: 1 });
    expect(trendOf(pts(0.8, 0.8099))).toEqual({ trend: 'stable', change_points: 0.99 });
    expect(trendOf(pts(0.8, 0.79))).toEqual({ trend: 'declining', change_points: -1 });
    expect(trendOf(pts(0.8, 0.7901))).toEqual({ trend: 'stable', change_points: -0.99 });
  });

  it('compares the first and the last point only', () => {
    expect(trendOf(pts(0.5, 0.2, 0.9, 0.55)).trend).toBe('improving');
    expect(trendOf(pts(0.5, 0.9, 0.505)).trend).toBe('stable');
  });

  it('honours another threshold', () => {
    expect(trendOf(pts(0.5, 0.53), 5).trend).toBe('stable');
    expect(trendOf(pts(0.5, 0.45), 5).trend).toBe('declining');
  });

  it('is stable with no change figure for fewer than two points', () => {
    expect(trendOf([])).toEqual({ trend: 'stable', change_points: null });
    expect(trendOf(pts(0.4))).toEqual({ trend: 'stable', change_points: null });
  });
});

describe('scopeMatches', () => {
  const stored = { clouds: ['aws'], resourceTypes: ['ec2:instance', 's3:bucket'], accounts: ['111111111111'] };

  it('matches the parts the filter sets, as sets', () => {
    expect(scopeMatches(stored, {})).toBe(true);
    expect(scopeMatches(stored, { resourceTypes: ['s3:bucket', 'ec2:instance'] })).toBe(true);
    expect(scopeMatches(stored, { resourceTypes: ['ec2:instance'] })).toBe(false);
    expect(scopeMatches(stored, { accounts: ['111111111111'] })).toBe(true);
  });

  it('does not match a filter on a part the snapshot left open (all regions)', () => {
    expect(scopeMatches(stored, { regions: ['us-east-1'] })).toBe(false);
  });
});
