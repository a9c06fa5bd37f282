// The required-key maps detect_tag_drift's SQL classifies removals with, from real policies.
import { describe, expect, it } from 'vitest';
import { driftSeverity, driftTypeKey, requiredKeyMaps } from '../../core/drift.js';
import { compilePolicy, parsePolicy } from '../../core/policy/index.js';

const types = [
  { cloud: 'aws' as const, resourceType: 'ec2:instance' },
  { cloud: 'aws' as const, resourceType: 's3:bucket' },
  { cloud: 'azure' as const, resourceType: 'azure:compute/virtualmachines' },
];

describe('requiredKeyMaps', () => {
  it('lists required keys per type (applies_to, wildcards), never optional ones, lowercased when keys ignore case', () => {
    const policy = compilePolicy(parsePolicy({
      version: '1',
      required_tags: [{ name: 'Owner', applies_to: [] }, { name: 'CostCenter', applies_to: ['ec2:*'] }],
      optional_tags: [{ name: 'Project' }],
    }));
    const maps = requiredKeyMaps(policy, types);
    expect(maps.exact[driftTypeKey('aws', 'ec2:instance')]?.sort()).toEqual(['CostCenter', 'Owner']);
    expect(maps.exact[driftTypeKey('aws', 's3:bucket')]).toEqual(['Owner']);
    expect(maps.lower[driftTypeKey('aws', 'ec2:instance')]?.sort()).toEqual(['costcenter', 'owner']);
  });

  it('keeps exact spellings only when the policy is case sensitive (Azure keys still fold)', () => {
    const policy = compilePolicy(parsePolicy({
      version: '1', required_tags: [{ name: 'Owner', applies_to: [] }], tag_naming_rules: { case_sensitivity: true },
    }));
    const maps = requiredKeyMaps(policy, types);
    expect(maps.exact[driftTypeKey('aws', 's3:bucket')]).toEqual(['Owner']);
    expect(maps.lower[driftTypeKey('aws', 's3:bucket')]).toBeUndefined();
    expect(maps.lower[driftTypeKey('azure', 'azure:compute/virtualmachines')]).toEqual(['owner']);
  });

  it('rates removals of required tags critical, other removals and changes warning, additions info', () => {
    expect(driftSeverity('removed', true)).toBe('critical');
    expect(driftSeverity('removed', false)).toBe('warning');
    expect(driftSeverity('changed', true)).toBe('warning');
    expect(driftSeverity('added', true)).toBe('info');
  });
});
