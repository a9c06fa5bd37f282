// The scope tools' cloud_provider: one cloud, or all three, always as a normalised scope.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { scopeOf, scopeParams } from '../../../mcp-gateway/scans/params.js';

const parse = (args: Record<string, unknown>) => scopeOf(z.object(scopeParams).parse(args));

describe('cloud_provider', () => {
  it('scans AWS by default, one named cloud, or all three clouds', () => {
    expect(parse({ resource_types: ['all'] }).clouds).toEqual(['aws']);
    expect(parse({ resource_types: ['all'], cloud_provider: 'gcp' }).clouds).toEqual(['gcp']);
    expect(parse({ resource_types: ['azure:compute/*'], cloud_provider: 'azure' })).toMatchObject({ clouds: ['azure'], resourceTypes: ['azure:compute/*'] });
    expect(parse({ resource_types: ['all'], cloud_provider: 'all' }).clouds).toEqual(['aws', 'azure', 'gcp']);
  });

  it('refuses a cloud it does not know', () => {
    expect(() => parse({ resource_types: ['all'], cloud_provider: 'oracle' })).toThrow(/cloud_provider/);
  });
});
