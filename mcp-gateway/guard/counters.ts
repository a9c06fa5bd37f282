// Where the shared guard's counters live: behind one small interface, the database (default) or
// Redis (gateway.guardRedisUrl). Both admit atomically, so replicas agree on every count.
import type { CallGuardAdmission, CallGuardVerdict, Store } from '../../store/index.js';
import { AdmissionQueue } from './admission-queue.js';

export interface GuardCounters {
  readonly kind: 'database' | 'redis';
  /** Counts the call if both windows have room, else says which is full; atomic across replicas. */
  admit(admission: CallGuardAdmission): Promise<CallGuardVerdict>;
  /** Drops counts that stopped counting at or before `now` (ms). */
  sweep(now: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * Counters in the store's database (PostgreSQL or PGlite), migrations 0004 and 0009; the store owns
 * the connection. Calls are admitted in groups (admission-queue.ts): one round trip per batch.
 */
export function databaseCounters(store: Pick<Store, 'admitGuardedCalls' | 'sweepGuardedCalls'>): GuardCounters {
  const queue = new AdmissionQueue((batch) => store.admitGuardedCalls(batch));
  return {
    kind: 'database',
    admit: (admission) => queue.admit(admission),
    sweep: async (now) => { await store.sweepGuardedCalls(now); },
    close: async () => {},
  };
}
