import { describe, expect, it } from 'vitest';
import { evaluateResource } from '../../../core/compliance/index.js';
import { compilePolicy, convertAwsOrgTagPolicy } from '../../../core/policy/index.js';
import { aResource, referenceText } from '../builders.js';

describe('convertAwsOrgTagPolicy on the AWS example', () => {
  const policy = convertAwsOrgTagPolicy(referenceText('aws_org_tag_policy_example.json'), { lastUpdated: '2026-11-25T00:00:00Z' });

  it('maps tag_key, tag_value and enforced_for from @@assign', () => {
    expect(policy.required_tags.map((r) => [r.name, r.allowed_values, r.applies_to])).toEqual([
      ['CostCenter', ['Engineering', 'Marketing', 'Sales', 'Operations'], ['ec2:instance', 'rds:db', 's3:bucket']],
      ['Environment', ['production', 'staging', 'development', 'test'], ['ec2:instance', 'rds:db', 'lambda:function']],
      ['Owner', null, ['ec2:instance', 's3:bucket']],
    ]);
  });

  it('scopes rules to AWS and keeps the peer naming defaults', () => {
    expect(policy.required_tags.every((r) => r.clouds?.join() === 'aws' && r.severity === 'error')).toBe(true);
    expect(policy.tag_naming_rules).toEqual({ case_sensitivity: false, allow_special_characters: false, max_key_length: 128, max_value_length: 256 });
    expect(policy).toMatchObject({ version: '1.0', last_updated: '2026-11-25T00:00:00Z', optional_tags: [] });
  });

  it('evaluates like any other policy', () => {
    const findings = evaluateResource(compilePolicy(policy), aResource({ type: 's3:bucket', tags: { CostCenter: 'Finance' } }));
    expect(findings.map((f) => [f.kind, f.tag])).toEqual([['invalid_value', 'CostCenter'], ['missing_required_tag', 'Owner']]);
  });
});

describe('convertAwsOrgTagPolicy details', () => {
  it('turns a tag without enforced_for into an optional tag, as the peer does', () => {
    const policy = convertAwsOrgTagPolicy({ tags: { team: { tag_key: { '@@assign': 'Team' }, tag_value: { '@@assign': ['data'] } } } });
    expect(policy.required_tags).toEqual([]);
    expect(policy.optional_tags).toMatchObject([{ name: 'Team', allowed_values: ['data'], clouds: ['aws'] }]);
  });

  it('maps ALL_SUPPORTED to a service wildcard and wildcard values to a regex', () => {
    const policy = convertAwsOrgTagPolicy({
      tags: { costcenter: {
        tag_value: { '@@assign': ['100', '300*', '*@ops.example.com'] },
        enforced_for: { '@@assign': ['ec2:ALL_SUPPORTED', 's3:bucket'] },
      } },
    });
    const [rule] = policy.required_tags;
    expect(rule).toMatchObject({ name: 'costcenter', allowed_values: null, applies_to: ['ec2:*', 's3:bucket'] });
    expect(rule!.validation_regex).toBe('^(?:100|300.*|.*@ops\\.example\\.com)$');
    const compiled = compilePolicy(policy);
    const kinds = (value: string) => evaluateResource(compiled, aResource({ type: 'ec2:volume', tags: { costcenter: value } })).map((f) => f.kind);
    expect(kinds('3001')).toEqual([]);
    expect(kinds('jo@ops.example.com')).toEqual([]);
    expect(kinds('1000')).toEqual(['invalid_format']);
    expect(kinds('jo@opsXexample.com')).toEqual(['invalid_format']);
  });

  it('reads effective policies, whose values are plain, and a lone * as any value', () => {
    const policy = convertAwsOrgTagPolicy({ tags: { owner: { tag_key: 'Owner', tag_value: ['*'], enforced_for: ['ec2:instance'] } } });
    expect(policy.required_tags).toMatchObject([{ name: 'Owner', allowed_values: null, validation_regex: null, applies_to: ['ec2:instance'] }]);
  });

  it('rejects a document that is not a tag policy, with the path of the problem', () => {
    expect(() => convertAwsOrgTagPolicy({ tags: { owner: { tag_key: { '@@assign': 7 } } } }))
      .toThrow(/^invalid tagging policy in AWS Organizations tag policy: tags\.owner\.tag_key: /);
    expect(() => convertAwsOrgTagPolicy('{nope')).toThrow(/not valid JSON/);
  });
});
