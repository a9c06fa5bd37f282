import { describe, expect, it } from 'vitest';
import { convertAwsOrgTagPolicy, describeUnsupported, mergeTagPolicies, TagPolicyMergeError } from '../../../core/policy/index.js';

const layer = (policyId: string, tags: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  ({ policyId, content: { tags, ...extra } });

describe('mergeTagPolicies: AWS inheritance of @@assign, @@append, @@remove', () => {
  // The shape of AWS's own inheritance example: the root assigns, an OU appends, the account removes.
  const root = layer('p-root', { costcenter: {
    tag_key: { '@@assign': 'CostCenter' },
    tag_value: { '@@assign': ['100', '200'] },
    enforced_for: { '@@assign': ['ec2:instance'] },
  } });
  const ou = layer('p-ou', { costcenter: { tag_value: { '@@append': ['300', '200'] }, enforced_for: { '@@append': ['s3:bucket'] } } });
  const account = layer('p-acct', { costcenter: { tag_key: { '@@assign': 'Costcenter' }, tag_value: { '@@remove': ['100'] } } });

  it('applies the operators from the root down to the account', () => {
    const merged = mergeTagPolicies([root, ou, account]);
    expect(merged.policy).toEqual({ tags: { costcenter: {
      tag_key: 'Costcenter', tag_value: ['200', '300'], enforced_for: ['ec2:instance', 's3:bucket'],
    } } });
    expect(merged.policyIds).toEqual(['p-root', 'p-ou', 'p-acct']);
    expect(merged.unsupported).toEqual([]);
  });

  it('depends on order: a later @@assign replaces what was appended before it', () => {
    const merged = mergeTagPolicies([ou, root]);
    expect(merged.policy.tags.costcenter).toEqual({ tag_key: 'CostCenter', tag_value: ['100', '200'], enforced_for: ['ec2:instance'] });
  });

  it('drops a list that @@remove empties, and keeps tags from every layer', () => {
    const merged = mergeTagPolicies([
      root,
      layer('p-2', { costcenter: { enforced_for: { '@@remove': ['ec2:instance'] } }, owner: { tag_key: { '@@assign': 'Owner' } } }),
    ]);
    expect(merged.policy.tags).toEqual({
      costcenter: { tag_key: 'CostCenter', tag_value: ['100', '200'] },
      owner: { tag_key: 'Owner' },
    });
  });

  it('reads plain values (an effective policy) as @@assign and JSON text as DescribePolicy returns it', () => {
    const merged = mergeTagPolicies([
      { policyId: 'p-text', content: JSON.stringify({ tags: { team: { tag_key: 'Team', tag_value: ['a', 'a', 'b'] } } }) },
    ]);
    expect(merged.policy.tags.team).toEqual({ tag_key: 'Team', tag_value: ['a', 'b'] });
  });

  it('names the tag key from the policy key when no tag_key is given', () => {
    expect(mergeTagPolicies([layer('p', { env: { tag_value: { '@@assign': ['prod'] } } })]).policy.tags.env!.tag_key).toBe('env');
  });

  it('names child-control operators and unknown fields it did not apply', () => {
    const merged = mergeTagPolicies([layer('p-ctl', { costcenter: {
      tag_key: { '@@assign': 'CostCenter', '@@operators_allowed_for_child_policies': ['@@none'] },
      tag_value: { '@@assign': ['1'], '@@operators_allowed_for_child_policies': ['@@append'] },
    } })]);
    expect(merged.unsupported).toEqual([
      { policyId: 'p-ctl', path: 'tags.costcenter.tag_key.@@operators_allowed_for_child_policies', name: '@@operators_allowed_for_child_policies' },
      { policyId: 'p-ctl', path: 'tags.costcenter.tag_value.@@operators_allowed_for_child_policies', name: '@@operators_allowed_for_child_policies' },
    ]);
    expect(describeUnsupported(merged.unsupported)).toContain('@@operators_allowed_for_child_policies');
    expect(merged.policy.tags.costcenter).toEqual({ tag_key: 'CostCenter', tag_value: ['1'] });
  });

  it('refuses a document that is not a tag policy, naming the policy and the path', () => {
    expect(() => mergeTagPolicies([{ policyId: 'p-bad', content: '{nope' }])).toThrow(/p-bad: not valid JSON/);
    expect(() => mergeTagPolicies([layer('p-bad', { cc: { tag_value: { '@@assign': [7] } } })]))
      .toThrow(new TagPolicyMergeError('p-bad: tags.cc.tag_value.@@assign must be a string or a list of strings'));
  });
});

describe('converting a merged policy', () => {
  it('makes report_required_tag_for a required tag, with its types in applies_to', () => {
    const merged = mergeTagPolicies([layer('p', {
      owner: { tag_key: { '@@assign': 'Owner' }, report_required_tag_for: { '@@assign': ['EC2:instance', 'rds:ALL_SUPPORTED'] } },
      team: { tag_key: { '@@assign': 'Team' } },
    })]);
    const policy = convertAwsOrgTagPolicy(merged.policy);
    expect(policy.required_tags).toMatchObject([{ name: 'Owner', applies_to: ['ec2:instance', 'rds:*'] }]);
    expect(policy.optional_tags).toMatchObject([{ name: 'Team' }]);
  });
});
