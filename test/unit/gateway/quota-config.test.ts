// gateway.quotas: defaults a chat user would not hit, environment names, per-principal overrides.
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../../config/index.js';
import { loadConfig } from '../../../config/load.js';
import { quotaWindow } from '../../../mcp-gateway/quotas/index.js';

describe('gateway.quotas', () => {
  it('defaults to 120 calls a minute and 200 scans a day, with no overrides', () => {
    expect(configSchema.parse({}).gateway.quotas).toEqual({ callsPerMinute: 120, scansPerDay: 200, perPrincipal: {} });
  });

  it('reads QUOTA_CALLS_PER_MINUTE and QUOTA_SCANS_PER_DAY; 0 turns a quota off', () => {
    const { quotas } = loadConfig({ QUOTA_CALLS_PER_MINUTE: '0', QUOTA_SCANS_PER_DAY: '7' } as NodeJS.ProcessEnv).gateway;
    expect(quotas).toMatchObject({ callsPerMinute: 0, scansPerDay: 7 });
  });

  it('refuses a negative quota and an unknown key in an override', () => {
    expect(() => configSchema.parse({ gateway: { quotas: { callsPerMinute: -1 } } })).toThrow();
    expect(() => configSchema.parse({ gateway: { quotas: { perPrincipal: { 'ip:1.2.3.4': { callsPerHour: 5 } } } } })).toThrow();
    expect(configSchema.parse({ gateway: { quotas: { perPrincipal: { 'local:stdio': { scansPerDay: '3' } } } } }).gateway.quotas.perPrincipal)
      .toEqual({ 'local:stdio': { scansPerDay: 3 } });
  });

  it('aligns windows to the UTC minute and the UTC day', () => {
    const now = Date.parse('2026-12-05T10:19:42.500Z');
    expect(quotaWindow('calls', now)).toEqual({ startMs: Date.parse('2026-12-05T10:19:00Z'), endMs: Date.parse('2026-12-05T10:20:00Z') });
    expect(quotaWindow('scans', now)).toEqual({ startMs: Date.parse('2026-12-05T00:00:00Z'), endMs: Date.parse('2026-12-06T00:00:00Z') });
  });
});
