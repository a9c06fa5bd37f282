// The nearest-candidates matching behind intent disambiguation (core/candidates.ts, core/scope-intent.ts).
import { describe, expect, it } from 'vitest';
import { KNOWN_AWS_TYPES } from '../../core/aws/known-types.js';
import { AWS_REGIONS } from '../../core/aws/regions.js';
import { editDistance, listText, nearest } from '../../core/candidates.js';
import { accountsNotAllowed, disambiguationText, MAX_VALID_LISTED, targetsNotConfigured, unknownRegions, unresolvedTypes } from '../../core/scope-intent.js';
import { assertCloudTargetsConfigured } from '../../mcp-gateway/scans/params.js';
import { ToolError } from '../../mcp-gateway/errors.js';

describe('editDistance', () => {
  it('counts insertions, deletions, substitutions and neighbour swaps as one each', () => {
    expect(editDistance('us-east-1', 'us-east-1')).toBe(0);
    expect(editDistance('us-east1', 'us-east-1')).toBe(1);
    expect(editDistance('ue-east-1', 'eu-east-1')).toBe(1);
    expect(editDistance('eu-west-9', 'eu-west-1')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('ec2:instances', 'ec2:instance')).toBe(1);
  });

  it('is symmetric', () => {
    for (const [a, b] of [['s3:bukcet', 's3:bucket'], ['123456789012', '123456789021'], ['ap-south', 'ap-south-1']] as const) {
      expect(editDistance(a, b)).toBe(editDistance(b, a));
    }
  });
});

describe('nearest', () => {
  it('returns the closest known values first, within the distance limit', () => {
    expect(nearest('us-east1', AWS_REGIONS)[0]).toBe('us-east-1');
    expect(nearest('eu-west-9', AWS_REGIONS)).toEqual(['eu-west-1', 'eu-west-2', 'eu-west-3']);
    expect(nearest('US-EAST-1', AWS_REGIONS)[0]).toBe('us-east-1');
    expect(nearest('mars-north-1', AWS_REGIONS, { maxDistance: 2 })).toEqual([]);
  });

  it('caps the candidates', () => {
    expect(nearest('eu-west-9', AWS_REGIONS, { max: 1 })).toEqual(['eu-west-1']);
  });

  it('lists long sets capped', () => {
    expect(listText(['a', 'b', 'c'], 2)).toBe('a, b and 1 more');
    expect(listText(['a', 'b'], 2)).toBe('a, b');
  });
});

describe('unknownRegions', () => {
  it('passes real regions and answers unknown ones with candidates and the valid list', () => {
    expect(unknownRegions(['us-east-1', 'eu-west-1'], AWS_REGIONS)).toBeUndefined();
    const d = unknownRegions(['us-east-1', 'eu-west-9'], AWS_REGIONS)!;
    expect(d.unresolved).toEqual([{ field: 'regions', value: 'eu-west-9', reason: 'unknown', did_you_mean: ['eu-west-1', 'eu-west-2', 'eu-west-3'] }]);
    expect(d.valid.regions!.total).toBe(AWS_REGIONS.length);
    expect(d.valid.regions!.values).toEqual([...AWS_REGIONS].sort());
    const text = disambiguationText(d);
    expect(text).toMatch(/^unknown region "eu-west-9"; did you mean eu-west-1, eu-west-2 or eu-west-3\? valid regions: af-south-1, .*us-west-2\. /);
    expect(text).toMatch(/Ask the user which one they meant/);
  });
});

describe('unresolvedTypes', () => {
  const everyType = { types: [], appliesToAll: true };
  const policy = { types: ['ec2:instance', 's3:bucket', 'rds:*', 'azure:compute/*'], appliesToAll: false };

  it('passes known types, wildcards of known services and all', () => {
    expect(unresolvedTypes(['all'], KNOWN_AWS_TYPES, policy)).toBeUndefined();
    expect(unresolvedTypes(['ec2:instance', 's3:bucket', 'rds:db', 'ec2:*'], KNOWN_AWS_TYPES, policy)).toBeUndefined();
    expect(unresolvedTypes(['azure:compute/virtualmachines'], KNOWN_AWS_TYPES, policy)).toBeUndefined();
    expect(unresolvedTypes(['sns:topic', 'dynamodb:table'], KNOWN_AWS_TYPES, everyType)).toBeUndefined();
  });

  it('answers a misspelt type with the nearest known ones', () => {
    const d = unresolvedTypes(['ec2:instances'], KNOWN_AWS_TYPES, everyType)!;
    expect(d.unresolved[0]).toMatchObject({ value: 'ec2:instances', reason: 'unknown' });
    expect(d.unresolved[0]!.did_you_mean[0]).toBe('ec2:instance');
    expect(disambiguationText(d)).toMatch(/unknown resource type "ec2:instances"; did you mean ec2:instance/);
  });

  it('answers a wildcard of an unknown service with known services', () => {
    const d = unresolvedTypes(['ec3:*'], KNOWN_AWS_TYPES, everyType)!;
    expect(d.unresolved[0]!.did_you_mean).toContain('ec2:*');
  });

  it('refuses a real type the policy does not cover, naming the policy\'s types', () => {
    const d = unresolvedTypes(['lambda:function'], KNOWN_AWS_TYPES, policy)!;
    expect(d.unresolved[0]).toMatchObject({ value: 'lambda:function', reason: 'not_covered' });
    expect(d.valid.resource_types!.values).toEqual(policy.types);
    expect(disambiguationText(d)).toMatch(/resource type "lambda:function" is not covered by the tagging policy/);
    expect(unresolvedTypes(['gcp:compute/instance'], KNOWN_AWS_TYPES, policy)!.unresolved[0]!.reason).toBe('not_covered');
  });

  it('counts a type the policy names as known, even when the scanner does not list it', () => {
    expect(unresolvedTypes(['kinesisvideo:stream'], KNOWN_AWS_TYPES, { types: ['kinesisvideo:stream'], appliesToAll: false })).toBeUndefined();
  });
});

describe('accountsNotAllowed', () => {
  it('suggests the allowed ids a digit or two away, and lists a small set', () => {
    const d = accountsNotAllowed(['123456789021'], ['123456789012', '999999999999'])!;
    expect(d.unresolved[0]).toMatchObject({ reason: 'not_allowed', did_you_mean: ['123456789012'] });
    expect(d.valid.accounts!.values).toEqual(['123456789012', '999999999999']);
    expect(disambiguationText(d)).toMatch(/^account "123456789021" is not in the allowed set; did you mean 123456789012\? valid accounts: 123456789012, 999999999999\. Ask/);
    const many = Array.from({ length: MAX_VALID_LISTED + 5 }, (_, i) => String(200000000000 + i));
    expect(disambiguationText(accountsNotAllowed(['1'], many.slice(0, MAX_VALID_LISTED + 5))!)).not.toMatch(/valid accounts/);
  });

  it('never lists a large organisation', () => {
    const org = Array.from({ length: 500 }, (_, i) => String(100000000000 + i * 7919));
    const d = accountsNotAllowed(['555555555555'], org)!;
    expect(d.valid.accounts).toBeUndefined();
    expect(d.unresolved[0]!.did_you_mean.length).toBeLessThanOrEqual(3);
  });
});

describe('subscriptions and GCP scopes outside the configured ones', () => {
  it('suggests the nearest configured GCP scope', () => {
    const d = targetsNotConfigured('gcp_scopes', ['projects/prod-app'], ['projects/prod-apps', 'projects/staging', 'folders/123'])!;
    expect(d.unresolved[0]).toMatchObject({ field: 'gcp_scopes', reason: 'not_configured', did_you_mean: ['projects/prod-apps'] });
    expect(disambiguationText(d)).toMatch(/^GCP scope "projects\/prod-app" is not configured for scanning; did you mean projects\/prod-apps\?/);
  });

  it('keeps the configured-targets refusal and carries the candidates in its meta', () => {
    const configured = 'aaaaaaaa-0000-0000-0000-000000000001';
    let thrown: unknown;
    try {
      assertCloudTargetsConfigured({ azure: { subscriptions: [configured] } }, {
        clouds: ['azure'], resourceTypes: ['all'], subscriptions: ['aaaaaaaa-0000-0000-0000-000000000002'],
      });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ToolError);
    expect((thrown as ToolError).message).toMatch(/^subscription\(s\) aaaaaaaa-0000-0000-0000-000000000002 are not configured for scanning .*Did you mean aaaaaaaa-0000-0000-0000-000000000001/);
    expect((thrown as ToolError).meta).toMatchObject({ candidates: { unresolved: [{ field: 'subscriptions', did_you_mean: [configured] }] } });
  });
});
