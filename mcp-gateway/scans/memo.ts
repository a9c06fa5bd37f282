// A short-lived in-process memo of cached-result reads, so a burst of identical cached calls
// costs one database round trip instead of one each: "the newest completed scan of this scope",
// and pages of a completed scan's violations.
//
// A completed scan never changes (its rows are written only while it runs), so its pages can be
// reused safely; only *which* scan is the newest of a scope can change. Nothing is reused for
// longer than MEMO_MS, nor once the scan is older than the cache TTL: a scan completed by another
// process (a worker's schedule, another gateway replica) may go unseen for up to MEMO_MS. A scan
// this gateway sees complete drops the memo of its scope at once (forget).
//
// An entry past half its life is read again in the background by the first call that finds it, while
// calls go on getting the kept value; the new read replaces it when it lands. Under steady traffic an
// entry is so never left to expire, and no burst of calls waits on one expiry's read (which showed as
// bursts of slow calls every MEMO_MS under load). A value read at time t is served until t + MEMO_MS at most.
import type { ScanRecord, Store } from '../../store/index.js';
import type { GatewayDeps } from '../context.js';

/** How long a read is reused. */
export const MEMO_MS = 2000;

export interface ScanMemoOptions {
  /** gateway.cacheTtlSeconds: how old a completed scan may be and still answer. */
  cacheTtlSeconds: number;
  memoMs?: number;
  /** Scopes and pages kept, each. */
  maxEntries?: number;
  /** Violations kept across pages (~0.5 KB each). */
  maxPagedViolations?: number;
  now?: () => number;
}

export interface PageKey {
  severity: string;
  limit: number;
  cursor?: string;
}

export class ScanMemo {
  private readonly scopes: Memo<ScanRecord | undefined>;
  private readonly pages: Memo<{ violations: unknown[] }>;
  private readonly now: () => number;

  constructor(private readonly store: Pick<Store, 'latestCompletedScan'>, private readonly opts: ScanMemoOptions) {
    this.now = opts.now ?? Date.now;
    const ttlMs = Math.min(opts.memoMs ?? MEMO_MS, opts.cacheTtlSeconds * 1000);
    const maxEntries = opts.maxEntries ?? 1000;
    // Only a found scan is kept: without one the caller starts a scan, whose completion must show at once.
    this.scopes = new Memo({ ttlMs, maxEntries, maxWeight: Infinity, now: this.now, weigh: (scan) => (scan ? 0 : undefined) });
    this.pages = new Memo({ ttlMs, maxEntries, maxWeight: opts.maxPagedViolations ?? 20_000, now: this.now, weigh: (p) => p.violations.length });
  }

  /** The newest completed scan of the scope that finished within the cache TTL, if any. */
  async latest(scopeHash: string): Promise<ScanRecord | undefined> {
    const read = () => this.store.latestCompletedScan(scopeHash, { maxAgeSeconds: this.opts.cacheTtlSeconds });
    const kept = this.scopes.get(scopeHash);
    if (kept) {
      const scan = await kept; // a lookup still in flight is shared, whatever it finds
      if (!scan || this.fresh(scan)) {
        this.scopes.refreshAhead(scopeHash, read);
        return scan;
      }
    }
    return this.scopes.set(scopeHash, read());
  }

  /** Drops what is known about the scope: a newer scan of it has just completed. */
  forget(scopeHash: string | null): void {
    if (scopeHash) this.scopes.delete(scopeHash);
  }

  /** A page of a completed scan's violations, read with `read` unless a recent identical read is kept. */
  page<P extends { violations: unknown[] }>(scan: ScanRecord, key: PageKey, read: () => Promise<P>): Promise<P> {
    if (scan.status !== 'completed') return read();
    const id = JSON.stringify([scan.id, key.severity, key.limit, key.cursor ?? null]);
    const kept = this.pages.get(id) as Promise<P> | undefined;
    if (!kept) return this.pages.set(id, read());
    this.pages.refreshAhead(id, read);
    return kept;
  }

  /** Still younger than the cache TTL, the condition the database query applied when it was read. */
  private fresh(scan: ScanRecord): boolean {
    return scan.finishedAt !== null && Date.parse(scan.finishedAt) >= this.now() - this.opts.cacheTtlSeconds * 1000;
  }
}

interface MemoOptions<T> {
  ttlMs: number;
  maxEntries: number;
  maxWeight: number;
  now: () => number;
  /** The weight a settled value counts against maxWeight, or undefined to not keep it. */
  weigh: (value: T) => number | undefined;
}

interface Entry<T> {
  value: Promise<T>;
  /** When it was read: it is refreshed from readAt + ttlMs / 2 and dropped at readAt + ttlMs. */
  readAt: number;
  weight: number;
  refreshing?: boolean;
}

/** Promises kept for ttlMs, oldest evicted first (a Map iterates in insertion order). A failed read is not kept. */
class Memo<T> {
  private readonly entries = new Map<string, Entry<T>>();
  private weight = 0;

  constructor(private readonly opts: MemoOptions<T>) {}

  get(key: string): Promise<T> | undefined {
    const entry = this.entries.get(key);
    return entry && entry.readAt + this.opts.ttlMs > this.opts.now() ? entry.value : undefined;
  }

  /**
   * Reads the entry again in the background when it is past half its life and no such read is in
   * flight. The new value replaces the entry only if the entry is still the one it refreshes (not
   * deleted, e.g. by forget, nor replaced meanwhile), and only once read: callers never wait on it.
   */
  refreshAhead(key: string, read: () => Promise<T>): void {
    const entry = this.entries.get(key);
    const now = this.opts.now();
    if (!entry || entry.refreshing || now < entry.readAt + this.opts.ttlMs / 2) return;
    entry.refreshing = true;
    const value = read();
    value.then(() => {
      if (this.entries.get(key) === entry) this.set(key, value, now);
    }, () => { entry.refreshing = false; }); // a failed refresh leaves the entry to expire, or to be refreshed again
  }

  set<V extends T>(key: string, value: Promise<V>, readAt = this.opts.now()): Promise<V> {
    if (this.opts.ttlMs <= 0) return value;
    this.delete(key);
    const entry: Entry<T> = { value, readAt, weight: 0 };
    this.entries.set(key, entry);
    if (this.entries.size > this.opts.maxEntries) this.delete(this.entries.keys().next().value!);
    const drop = () => { if (this.entries.get(key) === entry) this.delete(key); };
    value.then((settled) => {
      const weight = this.opts.weigh(settled);
      if (weight === undefined || this.entries.get(key) !== entry) return drop();
      entry.weight = weight;
      this.weight += weight;
      for (const oldest of this.entries.keys()) {
        if (this.weight <= this.opts.maxWeight) break;
        this.delete(oldest);
      }
    }, drop);
    return value;
  }

  delete(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.weight -= entry.weight;
    this.entries.delete(key);
  }
}

/** The deps with one memo for every session of a transport, unless the caller brought one. */
export function withScanMemo(deps: GatewayDeps): GatewayDeps {
  return deps.scanMemo ? deps : { ...deps, scanMemo: new ScanMemo(deps.store, deps.config.gateway) };
}
