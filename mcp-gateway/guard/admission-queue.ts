// Group admission for the database counters: the first call is sent at once; calls that arrive
// while a batch is in flight wait and go together in the next one. Under load that is one round
// trip (and one turn of the principal's advisory lock) for many calls, with no added delay when
// idle. The batch is decided in the database in arrival order, under the same per-principal locks
// as a single admission, so the budget stays exact across replicas.
import type { CallGuardAdmission, CallGuardVerdict } from '../../store/index.js';

/** Calls per batch: bounds one statement's arrays and the time its locks are held. */
export const MAX_ADMISSION_BATCH = 100;

interface Pending {
  admission: CallGuardAdmission;
  resolve(verdict: CallGuardVerdict): void;
  reject(err: unknown): void;
}

export type AdmitBatch = (batch: readonly CallGuardAdmission[]) => Promise<CallGuardVerdict[]>;

export class AdmissionQueue {
  private queue: Pending[] = [];
  private draining = false;

  constructor(private readonly admitBatch: AdmitBatch, private readonly maxBatch = MAX_ADMISSION_BATCH) {}

  /** Resolves with this call's verdict once its batch is decided; rejects if the batch failed. */
  admit(admission: CallGuardAdmission): Promise<CallGuardVerdict> {
    return new Promise((resolve, reject) => {
      this.queue.push({ admission, resolve, reject });
      if (!this.draining) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatch);
        try {
          const verdicts = await this.admitBatch(batch.map((p) => p.admission));
          batch.forEach((p, i) => p.resolve(verdicts[i]!));
        } catch (err) {
          // Every call of the batch learns of it; the guard decides what a failure means (fail open or closed).
          for (const p of batch) p.reject(err);
        }
      }
    } finally {
      this.draining = false;
    }
  }
}
