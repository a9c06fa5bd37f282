// Cached Cost Explorer results, keyed by (account, operation, period, grouping, filter): a hit
// within the TTL answers without a billed request; a write replaces the entry.
import type { Db } from './db.js';

export interface CostCacheKey {
  account: string;
  operation: string;
  period: string;
  grouping: string;
  filter: string;
}

export interface CostCacheEntry<T> {
  result: T;
  pages: number;
  fetchedAt: string;
}

export function createCostCacheQueries(db: Db) {
  return {
    /** The entry fetched within the last `maxAgeSeconds`, else undefined. */
    async getCostCache<T>(key: CostCacheKey, maxAgeSeconds: number): Promise<CostCacheEntry<T> | undefined> {
      const [row] = await db.query<{ result: T; pages: number; fetched_at: Date }>(
        `select result, pages, fetched_at from cost_explorer_cache
         where account = $1 and operation = $2 and period = $3 and grouping = $4 and filter = $5
           and fetched_at > now() - make_interval(secs => $6::double precision)`,
        [key.account, key.operation, key.period, key.grouping, key.filter, maxAgeSeconds]);
      return row ? { result: row.result, pages: row.pages, fetchedAt: new Date(row.fetched_at).toISOString() } : undefined;
    },

    async putCostCache(key: CostCacheKey, result: unknown, pages: number): Promise<void> {
      await db.query(
        `insert into cost_explorer_cache (account, operation, period, grouping, filter, result, pages)
         values ($1, $2, $3, $4, $5, $6::jsonb, $7)
         on conflict (account, operation, period, grouping, filter)
         do update set result = excluded.result, pages = excluded.pages, fetched_at = now()`,
        [key.account, key.operation, key.period, key.grouping, key.filter, JSON.stringify(result), pages]);
    },
  };
}
