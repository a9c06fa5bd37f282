// How validate_resource_tags tells clouds apart and where it may read: Azure resource ids to ARM
// types, GCP full resource names to the configured scopes that can hold them.
import { describe, expect, it } from 'vitest';
import { armTypeOfId } from '../../../cloud/azure/names.js';
import { readScopes } from '../../../cloud/gcp/scanner.js';
import { cloudOfId, malformedId } from '../../../mcp-gateway/live-tags.js';

const SUB = '0b1f6471-1bf0-4dda-aec3-111122223333';

describe('Azure resource ids', () => {
  it('name their ARM type, nested types and extension resources included, in any case', () => {
    expect(armTypeOfId(`/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1`)).toBe('Microsoft.Compute/virtualMachines');
    expect(armTypeOfId(`/SUBSCRIPTIONS/${SUB.toUpperCase()}/RESOURCEGROUPS/rg/PROVIDERS/Microsoft.Sql/servers/s1/databases/db1`)).toBe('Microsoft.Sql/servers/databases');
    expect(armTypeOfId(`/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1/providers/Microsoft.Insights/diagnosticSettings/d`))
      .toBe('Microsoft.Insights/diagnosticSettings');
    expect(armTypeOfId(`/subscriptions/${SUB}/resourceGroups/rg`)).toBe('Microsoft.Resources/resourceGroups');
    expect(armTypeOfId(`/subscriptions/${SUB}`)).toBe('Microsoft.Resources/subscriptions');
  });

  it('are refused when they name no type/name pair or no subscription GUID', () => {
    for (const bad of [`/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines`, '/subscriptions/not-a-guid/resourceGroups/rg',
      `/subscriptions/${SUB}/whatever`, `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Compute`]) {
      expect(armTypeOfId(bad), bad).toBeUndefined();
      expect(malformedId('azure', bad), bad).toMatch(/not an Azure resource id/);
    }
  });
});

describe('cloud of an id', () => {
  it('routes by shape; anything else is an ARN (and fails as one)', () => {
    expect(cloudOfId(`/Subscriptions/${SUB}/resourceGroups/rg`)).toBe('azure');
    expect(cloudOfId('//compute.googleapis.com/projects/p/zones/z/instances/i')).toBe('gcp');
    expect(cloudOfId('arn:aws:s3:::bucket')).toBe('aws');
    expect(cloudOfId('i-0abc')).toBe('aws');
    expect(malformedId('gcp', '//compute.googleapis.com/projects/p/zones/z/instances/i')).toBeUndefined();
    expect(malformedId('gcp', '//evil.example.com/x')).toMatch(/not a GCP full resource name/);
  });
});

describe('GCP read scopes', () => {
  const name = '//compute.googleapis.com/projects/p1/zones/z/instances/i';
  const bucket = '//storage.googleapis.com/projects/_/buckets/b';
  it('use the project\'s own configured scope, else configured folders and organisations, else none', () => {
    expect(readScopes(name, ['projects/p1', 'folders/7'])).toEqual(['projects/p1']);
    expect(readScopes(name, ['projects/p2', 'folders/7', 'organizations/1'])).toEqual(['folders/7', 'organizations/1']);
    expect(readScopes(name, ['projects/p2'])).toEqual([]);
    expect(readScopes(bucket, ['projects/p2', 'folders/7'])).toEqual(['projects/p2', 'folders/7']);
  });
});
