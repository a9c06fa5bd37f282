import { describe, expect, it } from 'vitest';
import { ageDays, CursorError, decodeCursor, encodeCursor, missingRequiredTags } from '../../../core/report/index.js';

describe('page cursors', () => {
  it('round-trips scan, position and filter, and is URL-safe', () => {
    const cursor = { scanId: 'scan-adhoc-abc-1', after: 'arn:aws:s3:::bucket/with spaces+and/slashes?', filter: '{"min":5}' };
    const text = encodeCursor(cursor);
    expect(text).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(text)).toEqual(cursor);
  });

  it.each([
    ['empty', ''],
    ['not base64url', 'abc$%'],
    ['not JSON', Buffer.from('nope').toString('base64url')],
    ['wrong version', Buffer.from(JSON.stringify({ v: 2, s: 'x', a: 'y', f: '' })).toString('base64url')],
    ['missing fields', Buffer.from(JSON.stringify({ v: 1, s: 'x' })).toString('base64url')],
    ['an array', Buffer.from('[1]').toString('base64url')],
    ['holding a NUL', Buffer.from(JSON.stringify({ v: 1, s: 'x', a: 'y\u0000', f: '' })).toString('base64url')],
    ['too long', 'A'.repeat(5000)],
  ])('rejects a cursor that is %s', (_label, text) => {
    expect(() => decodeCursor(text)).toThrow(CursorError);
  });
});

describe('missingRequiredTags', () => {
  it('names the tags of missing_required_tag findings once each, ignoring other kinds and junk', () => {
    expect(missingRequiredTags([
      { kind: 'missing_required_tag', tag: 'Owner', severity: 'error' },
      { kind: 'invalid_value', tag: 'Environment', severity: 'error' },
      { kind: 'missing_required_tag', tag: 'CostCenter', severity: 'warning' },
      { kind: 'missing_required_tag', tag: 'Owner', severity: 'error' },
      null, 'missing_required_tag', { kind: 'missing_required_tag' },
    ])).toEqual(['Owner', 'CostCenter']);
    expect(missingRequiredTags(null)).toEqual([]);
  });
});

describe('ageDays', () => {
  const now = new Date('2026-03-10T12:00:00Z');

  it('counts whole days since creation', () => {
    expect(ageDays('2026-03-10T00:00:00Z', now)).toBe(0);
    expect(ageDays('2026-03-09T12:00:00Z', now)).toBe(1);
    expect(ageDays('2025-03-10T12:00:00Z', now)).toBe(365);
  });

  it('is null when unknown and 0 for a creation time in the future', () => {
    expect(ageDays(null, now)).toBeNull();
    expect(ageDays('not a date', now)).toBeNull();
    expect(ageDays('2026-04-01T00:00:00Z', now)).toBe(0);
  });
});
