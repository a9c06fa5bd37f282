// The call guards: the in-memory one of a 2025-era MCP session, and the shared one of sessionless
// 2026-07-28 calls, built from config with its counters in Redis (when configured) or the database.
import type { Logger } from 'pino';
import type { Config } from '../../config/schema.js';
import type { Store } from '../../store/index.js';
import { databaseCounters } from './counters.js';
import { redisCounters } from './redis-counters.js';
import { SharedGuard, type SharedGuardOptions } from './shared-guard.js';

export { SessionGuard, type SessionGuardLimits } from '../session-guard.js';
export { conversationIdFrom, CONVERSATION_ID_META_KEY, guardKeyOf } from './principal.js';
export { type GuardKey } from './fingerprint.js';
export { SharedGuard, type SharedGuardLimits, type SharedGuardOptions } from './shared-guard.js';
export { databaseCounters, type GuardCounters } from './counters.js';
export { redisCounters } from './redis-counters.js';

/** One per gateway process; close() it on shutdown (it holds the Redis connection when there is one). */
export function createSharedGuard(deps: { config: Pick<Config, 'gateway'>; store: Store; logger?: Logger },
  opts: Omit<SharedGuardOptions, 'logger'> = {}): SharedGuard {
  const { gateway } = deps.config;
  const counters = gateway.guardRedisUrl ? redisCounters(gateway.guardRedisUrl) : databaseCounters(deps.store);
  return new SharedGuard(counters, gateway, { ...opts, ...(deps.logger ? { logger: deps.logger } : {}) });
}
