// Per-principal quota counters in the database (migration 0011): take a unit of a fixed window
// atomically while it has room, give one back (a reserved scan that joined a running one), and
// sweep windows that have ended.
import type { Db } from './db.js';

export type QuotaName = 'calls' | 'scans';

export interface QuotaWindow {
  quota: QuotaName;
  /** SHA-256 hex of the principal: what is counted, never who. */
  principalDigest: string;
  /** Start of the fixed window, ms since the epoch (aligned, so every replica names it alike). */
  windowStartMs: number;
}

export interface QuotaTake extends QuotaWindow {
  /** End of the window (ms): when the row may be swept. */
  expiresAtMs: number;
  /** Units the window holds; at least 1 (a quota of 0 is off and never reaches the store). */
  limit: number;
}

/** `used`: the window's units after the take, or when refused, as many as the limit (or more). */
export interface QuotaVerdict {
  admitted: boolean;
  used: number;
}

export function createPrincipalQuotaQueries(db: Db) {
  return {
    /** Takes one unit of the window when it has room (one upsert: atomic across replicas). */
    async takeQuota(t: QuotaTake): Promise<QuotaVerdict> {
      const rows = await db.query<{ used: number }>(
        `insert into principal_quota_counts as q (quota, principal, window_start_ms, expires_at_ms, used)
           values ($1, $2, $3, $4, 1)
         on conflict (quota, principal, window_start_ms) do update set used = q.used + 1 where q.used < $5
         returning used`,
        [t.quota, t.principalDigest, Math.trunc(t.windowStartMs), Math.trunc(t.expiresAtMs), t.limit]);
      if (rows[0]) return { admitted: true, used: Number(rows[0].used) };
      return { admitted: false, used: t.limit };
    },

    /** Gives back one unit taken in the window (never below zero). */
    async returnQuota(w: QuotaWindow): Promise<void> {
      await db.query(
        'update principal_quota_counts set used = used - 1 where quota = $1 and principal = $2 and window_start_ms = $3 and used > 0',
        [w.quota, w.principalDigest, Math.trunc(w.windowStartMs)]);
    },

    /** Units used in a window (0 when it has none): for tests and status views. */
    async quotaUsed(w: QuotaWindow): Promise<number> {
      const rows = await db.query<{ used: number }>(
        'select used from principal_quota_counts where quota = $1 and principal = $2 and window_start_ms = $3',
        [w.quota, w.principalDigest, Math.trunc(w.windowStartMs)]);
      return rows[0] ? Number(rows[0].used) : 0;
    },

    /** Deletes windows that ended at or before `now` (ms); returns how many. */
    async sweepQuotas(now: number): Promise<number> {
      const rows = await db.query<{ n: number }>(
        'with gone as (delete from principal_quota_counts where expires_at_ms <= $1 returning 1) select count(*)::int as n from gone',
        [Math.trunc(now)]);
      return rows[0]?.n ?? 0;
    },
  };
}
