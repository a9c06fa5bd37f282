import { describe, expect, it } from 'vitest';
import { appliesToAllTypes, compilePolicy, coveredResourceTypes } from '../../../core/policy/index.js';
import { aCompiledPolicy, aPolicy, anOptionalRule, aRule } from '../builders.js';

const names = (rules: readonly { name: string }[]) => rules.map((r) => r.name);

describe('rulesFor', () => {
  const policy = aCompiledPolicy({
    required: [
      aRule('Everywhere'),
      aRule('Instances', { applies_to: ['ec2:instance'] }),
      aRule('AllEc2', { applies_to: ['ec2:*'] }),
      aRule('AzureVms', { applies_to: ['microsoft.compute:virtualmachines'], clouds: ['azure'] }),
      aRule('GcpOnly', { clouds: ['gcp'] }),
    ],
  });

  it('matches exact types, service wildcards and applies_to []', () => {
    expect(names(policy.rulesFor('aws', 'ec2:instance'))).toEqual(['Everywhere', 'Instances', 'AllEc2']);
    expect(names(policy.rulesFor('aws', 'ec2:volume'))).toEqual(['Everywhere', 'AllEc2']);
    expect(names(policy.rulesFor('aws', 's3:bucket'))).toEqual(['Everywhere']);
  });

  it('does not let a wildcard match another service sharing a prefix', () => {
    expect(names(policy.rulesFor('aws', 'ec2x:instance'))).toEqual(['Everywhere']);
  });

  it('drops rules scoped to other clouds', () => {
    expect(names(policy.rulesFor('azure', 'microsoft.compute:virtualmachines'))).toEqual(['Everywhere', 'AzureVms']);
    expect(names(policy.rulesFor('aws', 'microsoft.compute:virtualmachines'))).toEqual(['Everywhere']);
    expect(names(policy.rulesFor('gcp', 'compute:instance'))).toEqual(['Everywhere', 'GcpOnly']);
  });

  it('compares types case-insensitively (ARM spells them Microsoft.Compute/virtualMachines)', () => {
    expect(names(policy.rulesFor('azure', 'Microsoft.Compute:virtualMachines'))).toEqual(['Everywhere', 'AzureVms']);
  });

  it('caches per cloud and type', () => {
    const first = policy.rulesFor('aws', 'ec2:instance');
    policy.rulesFor('aws', 's3:bucket');
    expect(policy.rulesFor('aws', 'ec2:instance')).toBe(first);
    expect(policy.rulesFor('gcp', 'ec2:instance')).not.toBe(first);
  });

  it('puts optional rules after required ones, unless the same tag is already required', () => {
    const compiled = aCompiledPolicy({
      required: [aRule('CostCenter', { applies_to: ['ec2:instance'] })],
      optional: [anOptionalRule('costcenter', { allowed_values: ['A'] }), anOptionalRule('Project')],
    });
    expect(names(compiled.rulesFor('aws', 'ec2:instance'))).toEqual(['CostCenter', 'Project']);
    expect(names(compiled.rulesFor('aws', 's3:bucket'))).toEqual(['costcenter', 'Project']);
  });
});

describe('compiled rules', () => {
  it('precompiles regexes, value sets and lowercased keys', () => {
    const [rule] = aCompiledPolicy({ required: [aRule('Env', { allowed_values: ['Prod', 'Dev'], validation_regex: '^[A-Z]' })] }).rules;
    expect(rule!.pattern).toBeInstanceOf(RegExp);
    expect(rule!.allowed!.has('Prod')).toBe(true);
    expect(rule!.allowedByLower!.get('prod')).toBe('Prod');
    expect(rule!.lowerName).toBe('env');
  });

  it('keeps the policy and naming rules at hand', () => {
    const policy = aPolicy({ caseSensitive: true, maxValueLength: 100 });
    const compiled = compilePolicy(policy);
    expect(compiled.policy).toBe(policy);
    expect(compiled.caseSensitive).toBe(true);
    expect(compiled.maxValueLength).toBe(100);
  });
});

describe('coverage', () => {
  const policy = aPolicy({
    required: [
      aRule('A', { applies_to: ['s3:bucket', 'ec2:instance'] }),
      aRule('B', { applies_to: ['ec2:*', 's3:bucket'] }),
      aRule('C', { applies_to: ['compute:instance'], clouds: ['gcp'] }),
    ],
    optional: [anOptionalRule('Project')],
  });

  it('lists the named types once, sorted', () => {
    expect(coveredResourceTypes(policy)).toEqual(['compute:instance', 'ec2:*', 'ec2:instance', 's3:bucket']);
    expect(coveredResourceTypes(policy, 'aws')).toEqual(['ec2:*', 'ec2:instance', 's3:bucket']);
  });

  it('says when a required tag applies to every type (optional tags do not count)', () => {
    expect(appliesToAllTypes(policy)).toBe(false);
    const everywhere = aPolicy({ required: [aRule('Owner', { clouds: ['azure'] })] });
    expect(appliesToAllTypes(everywhere)).toBe(true);
    expect(appliesToAllTypes(everywhere, 'aws')).toBe(false);
    expect(coveredResourceTypes(everywhere)).toEqual([]);
  });
});
