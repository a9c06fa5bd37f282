// The shared guard's configuration: defaults, environment keys, and a refusal of a non-Redis URL
// that names the field without echoing the value (it may carry a password).
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../config/index.js';

describe('shared guard config', () => {
  it('defaults to 1000 calls per principal per hour, counted in the database', () => {
    const { gateway } = loadConfig({ CONFIG_FILE: undefined } as NodeJS.ProcessEnv);
    expect(gateway).toMatchObject({ principalCallBudget: 1000, principalBudgetWindowSeconds: 3600, sessionCallBudget: 100 });
    expect(gateway.guardRedisUrl).toBeUndefined();
  });

  it('reads PRINCIPAL_CALL_BUDGET, PRINCIPAL_BUDGET_WINDOW_SECONDS and GUARD_REDIS_URL', () => {
    const { gateway } = loadConfig({
      PRINCIPAL_CALL_BUDGET: '250', PRINCIPAL_BUDGET_WINDOW_SECONDS: '600', GUARD_REDIS_URL: 'rediss://:s3cret@cache.internal:6380/2',
    } as NodeJS.ProcessEnv);
    expect(gateway).toMatchObject({ principalCallBudget: 250, principalBudgetWindowSeconds: 600, guardRedisUrl: 'rediss://:s3cret@cache.internal:6380/2' });
  });

  it('refuses a URL that is not redis:// or rediss://, and a window under a minute, naming the fields only', () => {
    let err: unknown;
    try {
      loadConfig({ GUARD_REDIS_URL: 'http://user:hunter2@cache:6379', PRINCIPAL_BUDGET_WINDOW_SECONDS: '5' } as NodeJS.ProcessEnv);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const message = (err as Error).message;
    expect(message).toContain('gateway.guardRedisUrl: must be a redis:// or rediss:// URL');
    expect(message).toContain('gateway.principalBudgetWindowSeconds');
    expect(message).not.toContain('hunter2');
  });
});
