// Call budgets: a token bucket per target (AWS account and region, Azure subscription, GCP
// consumer project) that every SDK request of this worker process takes a token from before it
// is sent, retries included, so a big scan stays under the provider's throttling limits instead
// of provoking them. Budgets are per worker process: N workers may send up to N times the rate
// (see README "Cloud call budgets").

/** Rate and burst of one cloud's buckets; a rate of 0 turns the budget off. */
export interface CallBudgetSettings {
  /** Tokens added per second: the sustained calls per second. */
  callsPerSecond: number;
  /** Bucket size: calls that may go at once after a quiet spell. At least 1. */
  burst: number;
}

/** What a bucket has done, for tests and the bench tables. */
export interface BucketCounters {
  /** Tokens handed out: requests let through. */
  granted: number;
  /** Of those, how many had to wait for a token. */
  delayed: number;
  /** Total time requests spent waiting, in ms. */
  waitedMs: number;
}

/**
 * A token bucket whose waiters are served in arrival order. Time comes from `now` (ms, monotonic)
 * so unit tests can drive it; waiting uses timers.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;
  private readonly queue: { resolve: () => void; since: number }[] = [];
  private timer: NodeJS.Timeout | undefined;
  readonly counters: BucketCounters = { granted: 0, delayed: 0, waitedMs: 0 };

  constructor(private readonly settings: CallBudgetSettings, private readonly now: () => number = () => performance.now()) {
    if (!(settings.callsPerSecond > 0)) throw new Error('a token bucket needs callsPerSecond > 0');
    if (!(settings.burst >= 1)) throw new Error('a token bucket needs burst >= 1');
    this.tokens = settings.burst;
    this.last = now();
  }

  /** Resolves when the caller may send one request. */
  take(): Promise<void> {
    this.refill();
    if (this.queue.length === 0 && this.tokens >= 1) {
      this.tokens -= 1;
      this.counters.granted++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      this.queue.push({ resolve, since: this.now() });
      this.schedule();
    });
  }

  /** Requests waiting for a token now. */
  get waiting(): number {
    return this.queue.length;
  }

  private refill(): void {
    const at = this.now();
    this.tokens = Math.min(this.settings.burst, this.tokens + ((at - this.last) / 1000) * this.settings.callsPerSecond);
    this.last = at;
  }

  private schedule(): void {
    if (this.timer || this.queue.length === 0) return;
    const ms = Math.max(0, ((1 - this.tokens) / this.settings.callsPerSecond) * 1000);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.refill();
      while (this.queue.length > 0 && this.tokens >= 1) {
        this.tokens -= 1;
        const waiter = this.queue.shift()!;
        this.counters.granted++;
        this.counters.delayed++;
        this.counters.waitedMs += this.now() - waiter.since;
        waiter.resolve();
      }
      this.schedule();
    }, Math.ceil(ms));
    // A waiting request keeps the process alive through its own promise chain, not the timer.
    this.timer.unref();
  }
}

/** One cloud's buckets, by target key; a budget whose rate is 0 lets everything through. */
export class CallBudgets {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(readonly settings: CallBudgetSettings, private readonly now?: () => number) {}

  get enabled(): boolean {
    return this.settings.callsPerSecond > 0;
  }

  /** Waits for a token of `target`'s bucket (created on first use). */
  take(target: string): Promise<void> {
    if (!this.enabled) return Promise.resolve();
    let bucket = this.buckets.get(target);
    if (!bucket) this.buckets.set(target, bucket = new TokenBucket(this.settings, this.now));
    return bucket.take();
  }

  /** Counters of one target's bucket (zeros if it never sent). */
  counters(target: string): BucketCounters {
    return { ...(this.buckets.get(target)?.counters ?? { granted: 0, delayed: 0, waitedMs: 0 }) };
  }

  /** Counters summed over every target. */
  totals(): BucketCounters {
    const sum: BucketCounters = { granted: 0, delayed: 0, waitedMs: 0 };
    for (const { counters } of this.buckets.values()) {
      sum.granted += counters.granted;
      sum.delayed += counters.delayed;
      sum.waitedMs += counters.waitedMs;
    }
    return sum;
  }
}

/** Budgets that never wait (tests and tools that build clients without config). */
export const UNLIMITED: CallBudgetSettings = { callsPerSecond: 0, burst: 1 };
