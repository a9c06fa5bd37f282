// Per-principal quotas, built from config with their counters where the call guard keeps its own:
// Redis when gateway.guardRedisUrl is set, else the database.
import type { Logger } from 'pino';
import type { Config } from '../../config/schema.js';
import type { Store } from '../../store/index.js';
import { databaseQuotaCounters } from './counters.js';
import { PrincipalQuotas, type PrincipalQuotasOptions } from './principal-quotas.js';
import { redisQuotaCounters } from './redis-counters.js';

export { databaseQuotaCounters, type QuotaCounters } from './counters.js';
export { redisQuotaCounters } from './redis-counters.js';
export {
  PrincipalQuotas, QuotaExceeded, quotaWindow, type PrincipalQuota, type QuotaLimits, type ScanReservation,
} from './principal-quotas.js';
export { startScanWithinQuota } from './scan-start.js';

/** One per gateway process; close() it on shutdown (it holds the Redis connection when there is one). */
export function createPrincipalQuotas(deps: { config: Pick<Config, 'gateway'>; store: Store; logger?: Logger },
  opts: Omit<PrincipalQuotasOptions, 'logger'> = {}): PrincipalQuotas {
  const { gateway } = deps.config;
  const counters = gateway.guardRedisUrl ? redisQuotaCounters(gateway.guardRedisUrl) : databaseQuotaCounters(deps.store);
  return new PrincipalQuotas(counters, gateway.quotas, { ...opts, ...(deps.logger ? { logger: deps.logger } : {}) });
}
