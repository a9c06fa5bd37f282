// Per-session guardrails of 2025-era MCP sessions, in this process's memory: a budget of tool calls,
// and loop detection (the same tool with the same arguments called too often within a window). A
// refusal says why and what to do instead. Sessionless (2026) calls use guard/shared-guard.ts.
import { ToolError } from './errors.js';
import { argumentsDigest } from './guard/fingerprint.js';
import { loopDetectedMessage } from './guard/messages.js';

export interface SessionGuardLimits {
  sessionCallBudget: number;
  maxIdenticalCalls: number;
  loopWindowSeconds: number;
}

export class SessionGuard {
  private calls = 0;
  private readonly recent = new Map<string, number[]>();

  constructor(private readonly limits: SessionGuardLimits, private readonly now: () => number = Date.now) {}

  /** Counts the call, or throws a ToolError explaining the refusal. */
  admit(tool: string, input: unknown): void {
    if (this.calls >= this.limits.sessionCallBudget) {
      throw new ToolError(`session budget exhausted: ${this.limits.sessionCallBudget} tool calls per session. ` +
        'Start a new session (reconnect) to continue; results of earlier scans stay available there.');
    }
    const key = argumentsDigest(tool, input);
    const windowStart = this.now() - this.limits.loopWindowSeconds * 1000;
    const times = this.recent.get(key) ?? [];
    // Times are appended in order, so the expired ones are a prefix: drop it in place rather than
    // copying the window on every call (it holds up to maxIdenticalCalls entries).
    let expired = 0;
    while (expired < times.length && times[expired]! <= windowStart) expired++;
    if (expired > 0) times.splice(0, expired);
    if (times.length >= this.limits.maxIdenticalCalls) {
      throw new ToolError(loopDetectedMessage(tool, times.length, this.limits.loopWindowSeconds));
    }
    times.push(this.now());
    this.recent.set(key, times);
    this.calls++;
  }
}
