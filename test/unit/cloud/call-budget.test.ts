// The token bucket behind the cloud call budgets, on a fake clock: burst first, then the rate,
// waiters in arrival order, one bucket per target, and a zero rate that never waits.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CallBudgets, TokenBucket } from '../../../cloud/call-budget.js';

describe('TokenBucket', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });
  const clock = () => Date.now();

  /** Starts `n` takes and records, in ms since the start, when each was granted. */
  function takeMany(bucket: TokenBucket, n: number): number[] {
    const start = Date.now();
    const granted: number[] = [];
    for (let i = 0; i < n; i++) void bucket.take().then(() => granted.push(Date.now() - start));
    return granted;
  }

  it('lets a burst through at once, then one call per 1/rate seconds', async () => {
    const bucket = new TokenBucket({ callsPerSecond: 5, burst: 3 }, clock);
    const granted = takeMany(bucket, 8);
    await vi.advanceTimersByTimeAsync(0);
    expect(granted).toEqual([0, 0, 0]);
    expect(bucket.waiting).toBe(5);
    await vi.advanceTimersByTimeAsync(1000);
    // 5 more at 200 ms intervals.
    expect(granted).toEqual([0, 0, 0, 200, 400, 600, 800, 1000]);
    expect(bucket.counters).toMatchObject({ granted: 8, delayed: 5 });
    expect(bucket.counters.waitedMs).toBe(200 + 400 + 600 + 800 + 1000);
  });

  it('never lets more than burst + rate x t calls through in any span of t seconds', async () => {
    const bucket = new TokenBucket({ callsPerSecond: 10, burst: 4 }, clock);
    const granted = takeMany(bucket, 100);
    await vi.advanceTimersByTimeAsync(20_000);
    expect(granted).toHaveLength(100);
    for (let i = 0; i < granted.length; i++) {
      for (let j = i; j < granted.length; j++) {
        const span = (granted[j]! - granted[i]!) / 1000;
        expect(j - i + 1).toBeLessThanOrEqual(4 + Math.ceil(10 * span) + 1e-9);
      }
    }
    // 96 waited for a token at 10/s: the last one about 9.6 s in.
    expect(granted.at(-1)).toBeGreaterThanOrEqual(9500);
  });

  it('refills while idle, up to the burst only', async () => {
    const bucket = new TokenBucket({ callsPerSecond: 2, burst: 2 }, clock);
    await vi.advanceTimersByTimeAsync(60_000);
    const granted = takeMany(bucket, 3);
    await vi.advanceTimersByTimeAsync(0);
    expect(granted).toEqual([0, 0]);
    await vi.advanceTimersByTimeAsync(500);
    expect(granted).toEqual([0, 0, 500]);
  });

  it('serves waiters in arrival order', async () => {
    const bucket = new TokenBucket({ callsPerSecond: 1, burst: 1 }, clock);
    const order: number[] = [];
    for (let i = 0; i < 4; i++) void bucket.take().then(() => order.push(i));
    await vi.advanceTimersByTimeAsync(3000);
    expect(order).toEqual([0, 1, 2, 3]);
  });

  it('refuses settings that would never grant', () => {
    expect(() => new TokenBucket({ callsPerSecond: 0, burst: 1 })).toThrow(/callsPerSecond/);
    expect(() => new TokenBucket({ callsPerSecond: 1, burst: 0 })).toThrow(/burst/);
  });
});

describe('CallBudgets', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('keeps one bucket per target, so one busy target does not slow another', async () => {
    const budgets = new CallBudgets({ callsPerSecond: 1, burst: 1 }, () => Date.now());
    const done: string[] = [];
    for (const target of ['111/us-east-1', '111/us-east-1', '222/us-east-1']) void budgets.take(target).then(() => done.push(target));
    await vi.advanceTimersByTimeAsync(0);
    expect(done).toEqual(['111/us-east-1', '222/us-east-1']);
    await vi.advanceTimersByTimeAsync(1000);
    expect(done).toHaveLength(3);
    expect(budgets.counters('111/us-east-1')).toMatchObject({ granted: 2, delayed: 1 });
    expect(budgets.totals()).toMatchObject({ granted: 3, delayed: 1 });
  });

  it('with a rate of 0 lets everything through and keeps no buckets', async () => {
    const budgets = new CallBudgets({ callsPerSecond: 0, burst: 1 });
    expect(budgets.enabled).toBe(false);
    await Promise.all(Array.from({ length: 1000 }, () => budgets.take('x')));
    expect(budgets.totals().granted).toBe(0);
  });
});
