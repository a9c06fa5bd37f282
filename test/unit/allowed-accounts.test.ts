// The allowed-account check's wording and the per-call caps' configuration: pure, no AWS.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/load.js';
import { accountsOutside, notAllowedMessage } from '../../core/allowed-accounts.js';
import { normaliseScope } from '../../core/scope.js';

describe('allowed accounts', () => {
  const org = { accounts: ['111111111111', '222222222222'], source: 'organizations' as const };

  it('names the accounts outside the set, its size and source, and how to change it', () => {
    const outside = accountsOutside(['222222222222', '999999999999', '999999999999', '888888888888'], org);
    expect(outside).toEqual(['888888888888', '999999999999']);
    expect(notAllowedMessage(['999999999999'], org)).toBe("account 999999999999 is not in the allowed set (2 accounts: the organisation's " +
      'active accounts); set SCAN_ACCOUNTS / clouds.aws.accounts to change it');
    const many = Array.from({ length: 7 }, (_, i) => String(900000000000 + i));
    expect(notAllowedMessage(many, { accounts: ['111111111111'], source: 'config' }))
      .toMatch(/^accounts 900000000000, .*900000000004 and 2 more are not in the allowed set \(1 account: SCAN_ACCOUNTS \/ clouds\.aws\.accounts\)/);
  });

  it('caps the accounts and regions of a scope, and lets config lower the caps but never raise them', () => {
    const accounts = Array.from({ length: 1001 }, (_, i) => String(100000000000 + i));
    expect(() => normaliseScope({ resource_types: ['all'], accounts })).toThrow(/at most 1000 accounts per scope/);
    expect(() => normaliseScope({ resource_types: ['all'], regions: Array.from({ length: 41 }, () => 'us-east-1') })).toThrow(/at most 40 regions/);
    const config = loadConfig({ MAX_ACCOUNTS_PER_CALL: '50', MAX_REGIONS_PER_CALL: '4', MAX_ARNS_PER_CALL: '10', CONFIG_FILE: '' } as NodeJS.ProcessEnv);
    expect(config.gateway).toMatchObject({ maxAccountsPerCall: 50, maxRegionsPerCall: 4, maxArnsPerCall: 10 });
    expect(() => loadConfig({ MAX_ACCOUNTS_PER_CALL: '1001' } as NodeJS.ProcessEnv)).toThrow(/gateway\.maxAccountsPerCall/);
    expect(() => loadConfig({ MAX_ARNS_PER_CALL: '101' } as NodeJS.ProcessEnv)).toThrow(/gateway\.maxArnsPerCall/);
  });
});
