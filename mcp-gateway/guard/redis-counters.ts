// The shared guard's counters in Redis: one hash per principal (the budget) and one per identical
// call (the loop window), whose fields are the times a step of calls stops counting and whose
// values are those calls. One Lua script drops expired steps, sums, refuses or adds, so a call is
// admitted atomically whichever replica sees it; each key expires with its window.
import { Redis } from 'ioredis';
import type { CallGuardAdmission, CallGuardVerdict } from '../../store/index.js';
import type { GuardCounters } from './counters.js';

// KEYS[1]: the principal's budget, KEYS[2]: this identical call's window.
// ARGV: now, budget, budget step expiry, max identical calls, loop step expiry (all ms or counts).
const ADMIT = `
local now = tonumber(ARGV[1])
local function window(key)
  local fields = redis.call('HGETALL', key)
  local sum, frees = 0, nil
  for i = 1, #fields, 2 do
    local expires = tonumber(fields[i])
    if expires <= now then
      redis.call('HDEL', key, fields[i])
    else
      sum = sum + tonumber(fields[i + 1])
      if frees == nil or expires < frees then frees = expires end
    end
  end
  return sum, frees
end
local used, budgetFrees = window(KEYS[1])
if used >= tonumber(ARGV[2]) then return {'budget', used, tostring(budgetFrees)} end
local same, loopFrees = window(KEYS[2])
if same >= tonumber(ARGV[4]) then return {'loop', same, tostring(loopFrees)} end
redis.call('HINCRBY', KEYS[1], ARGV[3], 1)
redis.call('PEXPIRE', KEYS[1], math.max(1, tonumber(ARGV[3]) - now))
redis.call('HINCRBY', KEYS[2], ARGV[5], 1)
redis.call('PEXPIRE', KEYS[2], math.max(1, tonumber(ARGV[5]) - now))
return {'admitted', used + 1, ''}
`;

type AdmitCommand = (budgetKey: string, callKey: string, ...args: (string | number)[]) => Promise<[string, number, string]>;

export interface RedisCountersOptions {
  /** Prepended to every key (tests isolate runs with it). Default `finops:guard:`. */
  keyPrefix?: string;
}

/** Connects lazily to `url`; commands fail fast (about 2 s) instead of queueing while Redis is down. */
export function redisCounters(url: string, opts: RedisCountersOptions = {}): GuardCounters {
  const prefix = opts.keyPrefix ?? 'finops:guard:';
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 2000,
    commandTimeout: 2000,
    maxRetriesPerRequest: 1,
    // Admissions issued in one turn of the event loop go to Redis in one write (one round trip).
    enableAutoPipelining: true,
    // Shown by CLIENT LIST, so operators can tell the guard's connections apart.
    connectionName: 'finops-call-guard',
  });
  // Without a listener an unreachable Redis would be an unhandled 'error' event; each failed
  // command rejects on its own, and the guard decides what a failure means.
  redis.on('error', () => {});
  redis.defineCommand('finopsGuardAdmit', { numberOfKeys: 2, lua: ADMIT });
  const admitCommand = (redis as unknown as { finopsGuardAdmit: AdmitCommand }).finopsGuardAdmit.bind(redis);

  return {
    kind: 'redis',
    async admit(a: CallGuardAdmission): Promise<CallGuardVerdict> {
      // One hash tag per principal: both keys land in the same slot of a Redis Cluster.
      const budgetKey = `${prefix}{${a.principalDigest}}:budget`;
      const callKey = `${prefix}{${a.principalDigest}}:loop:${a.callDigest}`;
      const [verdict, calls, frees] = await admitCommand(budgetKey, callKey, Math.trunc(a.now), a.budget,
        Math.trunc(a.budgetExpiresAt), a.maxIdenticalCalls, Math.trunc(a.loopExpiresAt));
      if (verdict === 'admitted') return { verdict, calls: Number(calls) };
      if (verdict === 'budget' || verdict === 'loop') return { verdict, calls: Number(calls), freesAtMs: Number(frees) };
      throw new Error(`the Redis guard script returned an unknown verdict ${JSON.stringify(verdict)}`);
    },
    // Every key carries its window as a TTL, so Redis drops quiet principals by itself.
    sweep: async () => {},
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
