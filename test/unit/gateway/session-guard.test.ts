// Loop detection and the call budget of a session, on a fake clock.
import { describe, expect, it } from 'vitest';
import { SessionGuard } from '../../../mcp-gateway/session-guard.js';
import { ToolError } from '../../../mcp-gateway/errors.js';

function aGuard(limits: Partial<ConstructorParameters<typeof SessionGuard>[0]> = {}) {
  const clock = { now: 1_000_000 };
  const guard = new SessionGuard({ sessionCallBudget: 1000, maxIdenticalCalls: 3, loopWindowSeconds: 10, ...limits }, () => clock.now);
  return { guard, clock };
}

describe('SessionGuard', () => {
  it('refuses the same call beyond maxIdenticalCalls within the window, and admits it once the oldest call leaves it', () => {
    const { guard, clock } = aGuard();
    const args = { resource_types: ['ec2:instance'], limit: 50 };
    for (const at of [0, 4000, 8000]) {
      clock.now = 1_000_000 + at;
      guard.admit('check_tag_compliance', args);
    }
    clock.now = 1_000_000 + 9999;
    expect(() => guard.admit('check_tag_compliance', { limit: 50, resource_types: ['ec2:instance'] })).toThrow(/loop detected: .* 3 times/);
    guard.admit('check_tag_compliance', { ...args, limit: 10 }); // other arguments: another key
    guard.admit('get_scan_status', args);

    clock.now = 1_000_000 + 10_000; // the call at 0 is now outside the window
    guard.admit('check_tag_compliance', args);
    expect(() => guard.admit('check_tag_compliance', args)).toThrow(ToolError);
    clock.now = 1_000_000 + 14_001; // the call at 4000 too
    guard.admit('check_tag_compliance', args);
  });

  it('keeps a long window exactly: maxIdenticalCalls calls admitted, then one per call that expires', () => {
    const { guard, clock } = aGuard({ maxIdenticalCalls: 500, loopWindowSeconds: 60 });
    for (let i = 0; i < 500; i++) {
      clock.now += 10;
      guard.admit('t', {});
    }
    expect(() => guard.admit('t', {})).toThrow(/loop detected/);
    clock.now += 60_000 - 4990; // exactly the first call's window end: it expires, the second does not
    guard.admit('t', {});
    expect(() => guard.admit('t', {})).toThrow(/loop detected/);
  });

  it('refuses every call once the session budget is spent', () => {
    const { guard } = aGuard({ sessionCallBudget: 2 });
    guard.admit('a', {});
    guard.admit('b', {});
    expect(() => guard.admit('c', {})).toThrow(/session budget exhausted: 2 tool calls/);
  });
});
