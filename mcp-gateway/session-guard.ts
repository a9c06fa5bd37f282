// Per-session guardrails: a budget of tool calls, and loop detection (the same tool with the
// same arguments called too often within a window). A refusal says why and what to do instead.
import { createHash } from 'node:crypto';
import { ToolError } from './errors.js';

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
    const key = `${tool}:${createHash('sha256').update(stableJson(input)).digest('hex')}`;
    const windowStart = this.now() - this.limits.loopWindowSeconds * 1000;
    const times = this.recent.get(key) ?? [];
    // Times are appended in order, so the expired ones are a prefix: drop it in place rather than
    // copying the window on every call (it holds up to maxIdenticalCalls entries).
    let expired = 0;
    while (expired < times.length && times[expired]! <= windowStart) expired++;
    if (expired > 0) times.splice(0, expired);
    if (times.length >= this.limits.maxIdenticalCalls) {
      throw new ToolError(`loop detected: ${tool} was called ${times.length} times with the same arguments in the last ` +
        `${this.limits.loopWindowSeconds} s. The answer will not change; use the previous result, or call ` +
        'get_scan_status with the scan id if you are waiting for a scan.');
    }
    times.push(this.now());
    this.recent.set(key, times);
    this.calls++;
  }
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${stableJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
