// Which scopes must be confirmed before they scan, and the question that asks: the plan's
// accounts (capped, counted), regions and types, in words and as fields.
import { describe, expect, it } from 'vitest';
import { needsConfirmation, QUESTION_ACCOUNTS_SHOWN, scopeQuestion } from '../../core/scope-confirmation.js';
import { normaliseScope } from '../../core/scope.js';

const accounts = (n: number) => Array.from({ length: n }, (_, i) => String(100000000000 + (n - i) * 7));

describe('needsConfirmation', () => {
  it('asks only for every type in every allowed account when more than one is allowed', () => {
    const everything = normaliseScope({ resource_types: ['all'] });
    expect(needsConfirmation(everything, 2)).toBe(true);
    expect(needsConfirmation(everything, 1000)).toBe(true);
    expect(needsConfirmation({ resourceTypes: [] }, 3)).toBe(true); // no types named: every type
    expect(needsConfirmation(normaliseScope({ resource_types: ['all'], regions: ['us-east-1'] }), 3)).toBe(true); // regions don't narrow enough

    expect(needsConfirmation(everything, 1)).toBe(false); // one account: nothing to confirm
    expect(needsConfirmation(everything, 0)).toBe(false);
    expect(needsConfirmation(everything, undefined)).toBe(false); // the allowed set is unknown: the plan can't be stated
    expect(needsConfirmation(normaliseScope({ resource_types: ['all'], accounts: ['111111111111', '222222222222'] }), 5)).toBe(false);
    expect(needsConfirmation(normaliseScope({ resource_types: ['all'], filters: { account_id: '111111111111' } }), 5)).toBe(false);
    expect(needsConfirmation(normaliseScope({ resource_types: ['ec2:instance'] }), 5)).toBe(false);
    expect(needsConfirmation(normaliseScope({ resource_types: ['ec2:*', 's3:bucket'] }), 5)).toBe(false);
  });
});

describe('scopeQuestion', () => {
  it('names the first accounts sorted, counts the rest, and says regions and types', () => {
    const allowed = accounts(37);
    const q = scopeQuestion({
      tool: 'check_tag_compliance', scope: normaliseScope({ resource_types: ['all'] }), allowedAccounts: allowed,
      accountSource: 'organizations', configuredRegions: ['eu-west-1', 'us-east-1'],
    });
    const sorted = [...allowed].sort();
    expect(q.plan).toEqual({
      tool: 'check_tag_compliance', account_count: 37, accounts: sorted.slice(0, QUESTION_ACCOUNTS_SHOWN), accounts_not_shown: 27,
      account_source: 'organizations', regions: ['eu-west-1', 'us-east-1'], resource_types: ['all'],
    });
    expect(q.message).toBe(`check_tag_compliance would scan every resource type in all 37 accounts (the organisation's active accounts): ` +
      `${sorted.slice(0, QUESTION_ACCOUNTS_SHOWN).join(', ')} and 27 more, across 2 regions eu-west-1, us-east-1. ` +
      'Confirm to scan all of it, or narrow the scope with accounts (or filters.account_id) and resource_types.');
  });

  it('prefers the regions the scope names, else says every opted-in region; lists every account when few', () => {
    const q = scopeQuestion({
      tool: 'start_compliance_scan', scope: normaliseScope({ resource_types: ['all'], regions: ['us-west-2'] }),
      allowedAccounts: ['222222222222', '111111111111', '222222222222'], configuredRegions: ['eu-west-1'],
    });
    expect(q.plan).toMatchObject({ account_count: 2, accounts: ['111111111111', '222222222222'], accounts_not_shown: 0, regions: ['us-west-2'] });
    expect(q.plan).not.toHaveProperty('account_source');
    expect(q.message).toContain('in all 2 accounts: 111111111111, 222222222222, across region us-west-2.');
    expect(q.message).not.toContain('more');

    const everywhere = scopeQuestion({ tool: 't', scope: { resourceTypes: [] }, allowedAccounts: accounts(3), accountSource: 'config' });
    expect(everywhere.plan.regions).toBeUndefined();
    expect(everywhere.plan.resource_types).toEqual(['all']);
    expect(everywhere.message).toMatch(/^t would scan every resource type in all 3 accounts \(configured in SCAN_ACCOUNTS\): .*, across every opted-in region\./);
  });
});
