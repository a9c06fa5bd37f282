// The shared guard's window arithmetic and refusal wording: a call stops counting between one
// window and one step (a 60th of it) after it was made, at the same moment on every replica.
import { describe, expect, it } from 'vitest';
import { stepExpiry, WINDOW_STEPS } from '../../../mcp-gateway/guard/shared-guard.js';
import { loopDetectedMessage, principalBudgetMessage } from '../../../mcp-gateway/guard/messages.js';

describe('stepExpiry', () => {
  it('counts a call for at least one window and at most one step more, for any window and time', () => {
    for (const windowMs of [1000, 59_000, 60_000, 61_000, 3_600_000, 7_777_000, 7 * 86_400_000]) {
      const step = Math.ceil(windowMs / WINDOW_STEPS);
      for (const now of [0, 1, 999, 1_800_000_000_000, 1_800_000_000_001, 1_812_345_678_901]) {
        const expiry = stepExpiry(now, windowMs);
        expect(expiry).toBeGreaterThan(now + windowMs - 1); // never less than the window
        expect(expiry).toBeLessThanOrEqual(now + windowMs + step); // at most one step more
        expect((expiry - windowMs) % step).toBe(0); // on a step boundary: the same on every replica
      }
    }
  });

  it('puts every call of one step in one counter, and the next step in the next', () => {
    const hour = 3_600_000;
    expect(stepExpiry(1_800_000_000_000, hour)).toBe(1_800_000_060_000 + hour);
    expect(stepExpiry(1_800_000_059_999, hour)).toBe(1_800_000_060_000 + hour);
    expect(stepExpiry(1_800_000_060_000, hour)).toBe(1_800_000_120_000 + hour);
    expect(stepExpiry(1_800_000_000_500, 60_000)).toBe(1_800_000_001_000 + 60_000);
  });
});

describe('refusal wording', () => {
  it('says the budget, its window and when to retry', () => {
    expect(principalBudgetMessage(1000, 3600, 1860)).toMatch(/^call budget exhausted: 1000 tool calls per hour for this API key \(or client address\)\. The oldest call leaves the window in 31 min: retry then\./);
    expect(principalBudgetMessage(5, 7200, 0.2)).toContain('5 tool calls per 2 hours');
    expect(principalBudgetMessage(5, 7200, 0.2)).toContain('in 1 s: retry then');
    expect(principalBudgetMessage(5, 600, 90)).toContain('per 10 min');
    expect(principalBudgetMessage(5, 600, 90)).toContain('in 90 s');
  });

  it('words a loop as the session guard always has', () => {
    expect(loopDetectedMessage('check_tag_compliance', 3, 60)).toBe('loop detected: check_tag_compliance was called 3 times with the ' +
      'same arguments in the last 60 s. The answer will not change; use the previous result, or call get_scan_status with the scan id ' +
      'if you are waiting for a scan.');
  });
});
