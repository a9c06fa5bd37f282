// The call guard's counters in the database (migrations 0004, 0009): admit calls against their
// principal's budget and identical-call window atomically, one call or a batch per round trip, and
// sweep counts that no window needs any more.
import type { Db } from './db.js';

export interface CallGuardAdmission {
  /** SHA-256 hex digests (mcp-gateway/guard/fingerprint.ts): what is counted, never what was said. */
  principalDigest: string;
  callDigest: string;
  /** The gateway's clock, ms since the epoch. */
  now: number;
  budget: number;
  /** When this call stops counting against the budget (the end of its step plus the window). */
  budgetExpiresAt: number;
  maxIdenticalCalls: number;
  /** When it stops counting as an identical call. */
  loopExpiresAt: number;
}

export type CallGuardVerdict =
  | { verdict: 'admitted'; calls: number }
  /** `calls` in the full window; at `freesAtMs` its oldest calls stop counting. */
  | { verdict: 'budget' | 'loop'; calls: number; freesAtMs: number };

interface VerdictRow {
  verdict: string;
  calls: number;
  frees_at_ms: number | null;
}

function verdictOf(row: VerdictRow): CallGuardVerdict {
  if (row.verdict === 'admitted') return { verdict: 'admitted', calls: row.calls };
  if (row.verdict === 'budget' || row.verdict === 'loop') {
    return { verdict: row.verdict, calls: row.calls, freesAtMs: Number(row.frees_at_ms) };
  }
  throw new Error(`the call guard returned an unknown verdict ${JSON.stringify(row.verdict)}`);
}

const ADMIT_BATCH_SQL = `select verdict, calls, frees_at_ms
  from call_guard_admit_batch($1, $2::text[], $3::text[], $4::integer[], $5::bigint[], $6::integer[], $7::bigint[]) with ordinality
  order by ordinality`;

export function createCallGuardQueries(db: Db) {
  return {
    /** Counts the call when both windows have room; otherwise says which is full. Atomic per principal. */
    async admitGuardedCall(a: CallGuardAdmission): Promise<CallGuardVerdict> {
      const [row] = await db.query<VerdictRow>('select * from call_guard_admit($1, $2, $3, $4, $5, $6, $7)', [
        a.principalDigest, a.callDigest, Math.trunc(a.now), a.budget, Math.trunc(a.budgetExpiresAt), a.maxIdenticalCalls,
        Math.trunc(a.loopExpiresAt),
      ]);
      if (!row) throw new Error('call_guard_admit returned no row');
      return verdictOf(row);
    },

    /**
     * Admits a batch in one round trip: the verdicts, in order, are those of admitting the calls
     * one after another, each seeing the ones before it. Every window is judged at the batch's
     * newest `now` (the calls waited for it in a queue). Atomic per principal across replicas.
     */
    async admitGuardedCalls(batch: readonly CallGuardAdmission[]): Promise<CallGuardVerdict[]> {
      if (batch.length === 0) return [];
      const rows = await db.query<VerdictRow>(ADMIT_BATCH_SQL, [
        Math.trunc(Math.max(...batch.map((a) => a.now))),
        batch.map((a) => a.principalDigest), batch.map((a) => a.callDigest),
        batch.map((a) => a.budget), batch.map((a) => Math.trunc(a.budgetExpiresAt)),
        batch.map((a) => a.maxIdenticalCalls), batch.map((a) => Math.trunc(a.loopExpiresAt)),
      ]);
      if (rows.length !== batch.length) throw new Error(`call_guard_admit_batch returned ${rows.length} verdicts for ${batch.length} calls`);
      return rows.map(verdictOf);
    },

    /**
     * Deletes counts that stopped counting at or before `now` (ms). Admitting a call already
     * clears its own counters; this catches principals that went quiet. Returns the rows deleted.
     */
    async sweepGuardedCalls(now: number): Promise<number> {
      const rows = await db.query<{ n: number }>(
        'with gone as (delete from call_guard_counts where expires_at_ms <= $1 returning 1) select count(*)::int as n from gone',
        [Math.trunc(now)]);
      return rows[0]?.n ?? 0;
    },

    /** Counter rows currently kept (for tests and /health). */
    async countGuardedCalls(): Promise<number> {
      const rows = await db.query<{ n: number }>('select count(*)::int as n from call_guard_counts');
      return rows[0]?.n ?? 0;
    },
  };
}
