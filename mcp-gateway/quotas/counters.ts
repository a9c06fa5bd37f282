// Where per-principal quota counts live: behind one small interface, the database (default) or
// Redis (gateway.guardRedisUrl, the call guard's choice too). Both take a unit atomically, so
// replicas agree on every count.
import type { QuotaTake, QuotaVerdict, QuotaWindow, Store } from '../../store/index.js';

export interface QuotaCounters {
  readonly kind: 'database' | 'redis';
  /** Takes one unit of the window if it has room; atomic across replicas. */
  take(take: QuotaTake): Promise<QuotaVerdict>;
  /** Gives one unit of the window back (a reserved scan that did not start one). */
  giveBack(window: QuotaWindow): Promise<void>;
  /** Drops windows that ended at or before `now` (ms). */
  sweep(now: number): Promise<void>;
  close(): Promise<void>;
}

/** Counts in the store's database (PostgreSQL or PGlite, migration 0011); the store owns the connection. */
export function databaseQuotaCounters(store: Pick<Store, 'takeQuota' | 'returnQuota' | 'sweepQuotas'>): QuotaCounters {
  return {
    kind: 'database',
    take: (t) => store.takeQuota(t),
    giveBack: (w) => store.returnQuota(w),
    sweep: async (now) => { await store.sweepQuotas(now); },
    close: async () => {},
  };
}
