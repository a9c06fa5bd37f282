// Scope fields naming Azure subscriptions and GCP scopes: normalised so the hash is stable, absent
// from scopes that do not name them (whose hashes stay what they were), refused outside the config.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { scopeHash } from '../../core/scan-id.js';
import { canonicalScope, normaliseScope } from '../../core/scope.js';
import { assertCloudTargetsConfigured, scopeOf, scopeParams } from '../../mcp-gateway/scans/params.js';

const SUB_A = 'AAAAAAAA-0000-4000-8000-00000000000A';
const SUB_B = 'bbbbbbbb-0000-4000-8000-00000000000b';
const parse = (args: Record<string, unknown>) => scopeOf(z.object(scopeParams).parse(args));

describe('scope: subscriptions and gcp_scopes', () => {
  it('leaves scopes without them exactly as before (same canonical JSON, same hash)', () => {
    const scope = normaliseScope({ clouds: ['aws', 'gcp'], accounts: ['111111111111'], resource_types: ['ec2:instance'] });
    expect(scope).not.toHaveProperty('subscriptions');
    expect(scope).not.toHaveProperty('gcpScopes');
    // The shape scopes had before these fields existed, written out by hand.
    const before = '{"accounts":["111111111111"],"clouds":["aws","gcp"],"resourceTypes":["ec2:instance"]}';
    expect(canonicalScope(scope)).toBe(before);
    expect(normaliseScope({ clouds: ['gcp'], resource_types: ['all'], gcp_scopes: [] })).not.toHaveProperty('gcpScopes');
  });

  it('lowercases, sorts and de-duplicates, so one question hashes one way', () => {
    const a = normaliseScope({ clouds: ['azure', 'gcp'], resource_types: ['all'], subscriptions: [SUB_B, SUB_A, SUB_A.toLowerCase()], gcp_scopes: ['projects/p2', 'folders/7', 'projects/p2'] });
    const b = normaliseScope({ clouds: ['gcp', 'azure'], resource_types: ['all'], subscriptions: [SUB_A.toLowerCase(), SUB_B], gcp_scopes: ['folders/7', 'projects/p2'] });
    expect(a.subscriptions).toEqual([SUB_A.toLowerCase(), SUB_B].sort());
    expect(a.gcpScopes).toEqual(['folders/7', 'projects/p2']);
    expect(scopeHash(a)).toBe(scopeHash(b));
    expect(scopeHash(a)).not.toBe(scopeHash(normaliseScope({ clouds: ['azure', 'gcp'], resource_types: ['all'] })));
  });

  it('refuses malformed targets and targets of a cloud the scope does not scan', () => {
    expect(() => parse({ resource_types: ['all'], cloud_provider: 'azure', subscriptions: ['not-a-guid'] })).toThrow(/subscriptions.*GUID/);
    expect(() => parse({ resource_types: ['all'], cloud_provider: 'gcp', gcp_scopes: ['projects'] })).toThrow(/gcp_scopes.*projects\/P/);
    expect(() => parse({ resource_types: ['all'], subscriptions: [SUB_B] })).toThrow(/cloud_provider to azure or all/);
    expect(() => parse({ resource_types: ['all'], cloud_provider: 'azure', gcp_scopes: ['projects/p'] })).toThrow(/cloud_provider to gcp or all/);
    expect(parse({ resource_types: ['all'], cloud_provider: 'all', subscriptions: [SUB_B], gcp_scopes: ['organizations/1'] }))
      .toMatchObject({ subscriptions: [SUB_B], gcpScopes: ['organizations/1'] });
  });

  it('refuses targets outside the configured ones; Azure without configured subscriptions lets the credential decide', () => {
    const scope = parse({ resource_types: ['all'], cloud_provider: 'all', subscriptions: [SUB_A, SUB_B], gcp_scopes: ['projects/p1'] });
    expect(() => assertCloudTargetsConfigured({ azure: { subscriptions: [SUB_A.toLowerCase(), SUB_B] }, gcp: { scopes: ['projects/p1'] } }, scope)).not.toThrow();
    expect(() => assertCloudTargetsConfigured({ azure: { subscriptions: [SUB_B] }, gcp: { scopes: ['projects/p1'] } }, scope))
      .toThrow(new RegExp(`${SUB_A.toLowerCase()}.*not configured`));
    expect(() => assertCloudTargetsConfigured({ azure: {}, gcp: { scopes: ['projects/p1'] } }, scope)).not.toThrow();
    expect(() => assertCloudTargetsConfigured({ azure: {}, gcp: { scopes: ['folders/1'] } }, scope)).toThrow(/projects\/p1.*clouds\.gcp\.scopes: folders\/1/);
    expect(() => assertCloudTargetsConfigured({ azure: {}, gcp: { scopes: [] } }, scope)).toThrow(/clouds\.gcp\.scopes: none/);
  });
});
