// Per-principal quota counts in Redis: one integer key per quota, principal digest and fixed
// window, expiring when the window ends. A Lua script checks and increments in one step, so a
// unit is taken atomically whichever replica sees the call.
import { Redis } from 'ioredis';
import type { QuotaTake, QuotaVerdict, QuotaWindow } from '../../store/index.js';
import type { QuotaCounters } from './counters.js';

// KEYS[1]: the window's counter. ARGV: limit, window end (ms since the epoch).
const TAKE = `
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
if used >= tonumber(ARGV[1]) then return {0, used} end
used = redis.call('INCR', KEYS[1])
redis.call('PEXPIREAT', KEYS[1], ARGV[2])
return {1, used}
`;

// KEYS[1]: the window's counter. Never below zero, never recreating an expired key.
const GIVE_BACK = `
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
if used > 0 then redis.call('DECR', KEYS[1]) end
return 0
`;

type TakeCommand = (key: string, limit: number, expiresAt: number) => Promise<[number, number]>;
type GiveBackCommand = (key: string) => Promise<number>;

export interface RedisQuotaCountersOptions {
  /** Prepended to every key (tests isolate runs with it). Default `finops:quota:`. */
  keyPrefix?: string;
}

/** Connects lazily to `url`; commands fail fast (about 2 s) instead of queueing while Redis is down. */
export function redisQuotaCounters(url: string, opts: RedisQuotaCountersOptions = {}): QuotaCounters {
  const prefix = opts.keyPrefix ?? 'finops:quota:';
  const redis = new Redis(url, {
    lazyConnect: true, connectTimeout: 2000, commandTimeout: 2000, maxRetriesPerRequest: 1, enableAutoPipelining: true,
    connectionName: 'finops-quotas',
  });
  // Each failed command rejects on its own; the quotas decide what a failure means.
  redis.on('error', () => {});
  redis.defineCommand('finopsQuotaTake', { numberOfKeys: 1, lua: TAKE });
  redis.defineCommand('finopsQuotaGiveBack', { numberOfKeys: 1, lua: GIVE_BACK });
  const commands = redis as unknown as { finopsQuotaTake: TakeCommand; finopsQuotaGiveBack: GiveBackCommand };
  // A hash tag per principal keeps a principal's windows in one Redis Cluster slot.
  const keyOf = (w: QuotaWindow) => `${prefix}{${w.principalDigest}}:${w.quota}:${Math.trunc(w.windowStartMs)}`;

  return {
    kind: 'redis',
    async take(t: QuotaTake): Promise<QuotaVerdict> {
      const [admitted, used] = await commands.finopsQuotaTake.call(redis, keyOf(t), t.limit, Math.trunc(t.expiresAtMs));
      return { admitted: Number(admitted) === 1, used: Number(used) };
    },
    async giveBack(w: QuotaWindow): Promise<void> {
      await commands.finopsQuotaGiveBack.call(redis, keyOf(w));
    },
    // Every key expires with its window.
    sweep: async () => {},
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
