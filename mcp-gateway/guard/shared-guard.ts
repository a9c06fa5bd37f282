// The guardrails of sessionless (2026-07-28) tool calls: a call budget per principal over a rolling
// window, and loop detection per principal and conversation, counted in a store every replica
// shares (database or Redis), so a request may reach any replica and still be counted once.
import type { Logger } from 'pino';
import type { CallGuardVerdict } from '../../store/index.js';
import { ToolError } from '../errors.js';
import type { GuardCounters } from './counters.js';
import { callDigest, principalDigest, type GuardKey } from './fingerprint.js';
import { loopDetectedMessage, principalBudgetMessage } from './messages.js';

export interface SharedGuardLimits {
  /** Calls per principal within principalBudgetWindowSeconds. */
  principalCallBudget: number;
  principalBudgetWindowSeconds: number;
  /** Identical calls (same principal and conversation, tool and arguments) within loopWindowSeconds. */
  maxIdenticalCalls: number;
  loopWindowSeconds: number;
}

export interface SharedGuardOptions {
  now?: () => number;
  logger?: Pick<Logger, 'warn'>;
  /**
   * When the counter store cannot be reached: true admits the call (logged) so an outage of Redis
   * or the database does not stop every tool; false refuses it. Default true.
   */
  failOpen?: boolean;
  /** How often this replica sweeps expired counters of quiet principals. Default 60 s. */
  sweepEveryMs?: number;
}

const MAX_REMEMBERED_PRINCIPALS = 10_000;

export class SharedGuard {
  private readonly now: () => number;
  private nextSweep: number;
  private storeFailures = 0;
  private readonly digests = new Map<string, string>();

  constructor(private readonly counters: GuardCounters, private readonly limits: SharedGuardLimits,
    private readonly opts: SharedGuardOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.nextSweep = this.now() + (opts.sweepEveryMs ?? 60_000);
  }

  /** Where the counters live ('database' or 'redis'). */
  get store(): GuardCounters['kind'] {
    return this.counters.kind;
  }

  /** Calls admitted without counting because the store failed (fail-open), since start. */
  get failures(): number {
    return this.storeFailures;
  }

  /** Counts the call, or throws a ToolError explaining the refusal. */
  async admit(key: GuardKey, tool: string, input: unknown): Promise<void> {
    const now = this.now();
    let verdict: CallGuardVerdict;
    try {
      verdict = await this.counters.admit({
        principalDigest: this.principalDigestOf(key),
        callDigest: callDigest(key, tool, input),
        now,
        budget: this.limits.principalCallBudget,
        budgetExpiresAt: stepExpiry(now, this.limits.principalBudgetWindowSeconds * 1000),
        maxIdenticalCalls: this.limits.maxIdenticalCalls,
        loopExpiresAt: stepExpiry(now, this.limits.loopWindowSeconds * 1000),
      });
    } catch (err) {
      this.storeFailures++;
      this.opts.logger?.warn({ err: String(err), store: this.counters.kind }, 'call guard: counters unreachable');
      if (this.opts.failOpen ?? true) return;
      throw new ToolError(`${tool} was not run: the call guard's counters cannot be reached right now; retry shortly`);
    }
    this.maybeSweep(now);
    if (verdict.verdict === 'budget') {
      throw new ToolError(principalBudgetMessage(this.limits.principalCallBudget, this.limits.principalBudgetWindowSeconds,
        (verdict.freesAtMs - now) / 1000));
    }
    if (verdict.verdict === 'loop') {
      throw new ToolError(loopDetectedMessage(tool, verdict.calls, this.limits.loopWindowSeconds));
    }
  }

  close(): Promise<void> {
    return this.counters.close();
  }

  /** The principal's digest, remembered: a principal makes many calls, each would hash it again. */
  private principalDigestOf(key: GuardKey): string {
    let digest = this.digests.get(key.principal);
    if (digest === undefined) {
      if (this.digests.size >= MAX_REMEMBERED_PRINCIPALS) this.digests.clear();
      digest = principalDigest(key);
      this.digests.set(key.principal, digest);
    }
    return digest;
  }

  private maybeSweep(now: number): void {
    if (now < this.nextSweep) return;
    this.nextSweep = now + (this.opts.sweepEveryMs ?? 60_000);
    // In the background: a sweep is housekeeping and must not delay the call that triggered it.
    this.counters.sweep(now).catch((err: unknown) => {
      this.opts.logger?.warn({ err: String(err), store: this.counters.kind }, 'call guard: sweep failed');
    });
  }
}

/** Steps a window is counted in: a call stops counting between one window and one step after it. */
export const WINDOW_STEPS = 60;

/**
 * When a call made at `now` stops counting in a window of `windowMs`: the end of its step (a
 * 60th of the window, aligned to the epoch so every replica agrees) plus the window. Counting per
 * step keeps each admission to at most 61 counters, whatever the limits; the cost is that a call
 * may count up to one step longer than the window (1 min for the hourly budget, 1 s for loops).
 */
export function stepExpiry(now: number, windowMs: number): number {
  const step = Math.max(1, Math.ceil(windowMs / WINDOW_STEPS));
  return (Math.floor(now / step) + 1) * step + windowMs;
}
