import { describe, expect, it } from 'vitest';
import {
  RESOURCE_GROUP_TYPE, indexResourceGroups, inheritableFromResourceGroup, inheritableTags, resourceGroupKey,
} from '../../../core/compliance/index.js';
import type { Resource } from '../../../core/resource.js';
import { aCompiledPolicy, aResource, aRule } from '../builders.js';

const azure = (id: string, tags: Record<string, string>, type = 'azure:compute/virtualmachines'): Resource =>
  aResource({ cloud: 'azure', account: 'S', region: 'westeurope', type, id, tags });
const group = (name: string, tags: Record<string, string>) => azure(`/subscriptions/S/resourceGroups/${name}`, tags, RESOURCE_GROUP_TYPE);
const vmIn = (rg: string, tags: Record<string, string>) =>
  azure(`/subscriptions/S/resourceGroups/${rg}/providers/Microsoft.Compute/virtualMachines/vm1`, tags);

const policy = aCompiledPolicy({
  required: [
    aRule('Owner'),
    aRule('CostCenter', { validation_regex: '^CC-[0-9]{4}$' }),
    aRule('Environment', { allowed_values: ['production'] }),
  ],
});

describe('resourceGroupKey', () => {
  it.each([
    ['/subscriptions/S/resourceGroups/RG', '/subscriptions/s/resourcegroups/rg'],
    ['/subscriptions/S/resourcegroups/RG/providers/Microsoft.Compute/virtualMachines/vm1', '/subscriptions/s/resourcegroups/rg'],
    ['/subscriptions/S', null],
    ['arn:aws:ec2:eu-west-1:1:instance/i-1', null],
  ])('%s -> %s', (id, key) => expect(resourceGroupKey(id)).toBe(key));
});

describe('inheritable from resource group', () => {
  it('lists the missing required tags the group carries, matching keys in any case, with whether the value would comply', () => {
    const groups = indexResourceGroups([group('RG-App', { owner: 'team-a', CostCenter: 'bad', Other: 'x' }), vmIn('rg-app', {})]);
    const resource = vmIn('rg-app', { Environment: 'production' });
    expect(inheritableFromResourceGroup(policy, resource, groups)).toEqual([
      { tag: 'Owner', groupKey: 'owner', value: 'team-a', valueCompliant: true, resourceGroupId: '/subscriptions/S/resourceGroups/RG-App' },
      { tag: 'CostCenter', groupKey: 'CostCenter', value: 'bad', valueCompliant: false, resourceGroupId: '/subscriptions/S/resourceGroups/RG-App' },
    ]);
  });

  it('uses the missing tags the caller passes, and offers nothing already present or absent from the group', () => {
    const resource = vmIn('rg', { Owner: 'me' });
    expect(inheritableTags(policy, resource, { Owner: 'group', Environment: 'production' }).map((t) => t.tag)).toEqual(['Environment']);
    expect(inheritableTags(policy, resource, { Owner: 'group', Environment: 'production', CostCenter: 'CC-0001' }, ['CostCenter']).map((t) => t.tag))
      .toEqual(['CostCenter']);
    expect(inheritableTags(policy, resource, {})).toEqual([]);
  });

  it('applies to Azure resources in a known group only', () => {
    const groups = indexResourceGroups([group('rg', { Owner: 'team-a' })]);
    expect(inheritableFromResourceGroup(policy, vmIn('other-rg', {}), groups)).toEqual([]);
    expect(inheritableFromResourceGroup(policy, group('rg', {}), groups)).toEqual([]);
    expect(inheritableTags(policy, aResource(), { Owner: 'team-a' })).toEqual([]);
  });
});
