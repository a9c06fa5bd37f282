// The scan timing settings a deployment can tune: the shard heartbeat timeout (what a dead worker
// costs) and how long a partial result may answer from cache.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/load.js';

const env = (vars: Record<string, string>) => ({ CONFIG_FILE: '', ...vars }) as NodeJS.ProcessEnv;

describe('scan timing config', () => {
  it('defaults to a 20 s shard heartbeat timeout and a 5 min partial-result cache', () => {
    const config = loadConfig(env({}));
    expect(config.clouds.aws.shardHeartbeatSeconds).toBe(20);
    expect(config.gateway.partialCacheTtlSeconds).toBe(300);
  });

  it('reads SHARD_HEARTBEAT_SECONDS and PARTIAL_CACHE_TTL_SECONDS', () => {
    const config = loadConfig(env({ SHARD_HEARTBEAT_SECONDS: '12', PARTIAL_CACHE_TTL_SECONDS: '60' }));
    expect(config.clouds.aws.shardHeartbeatSeconds).toBe(12);
    expect(config.gateway.partialCacheTtlSeconds).toBe(60);
  });

  it('refuses a heartbeat timeout too short to heartbeat within', () => {
    expect(() => loadConfig(env({ SHARD_HEARTBEAT_SECONDS: '1' }))).toThrow(/shardHeartbeatSeconds/);
  });
});
