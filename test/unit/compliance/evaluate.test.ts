import { describe, expect, it } from 'vitest';
import { evaluate, evaluateResource } from '../../../core/compliance/index.js';
import { aCompiledPolicy, aResource, anOptionalRule, aRule } from '../builders.js';

const ENVIRONMENTS = ['production', 'staging', 'development', 'test'];

const policy = aCompiledPolicy({
  required: [
    aRule('Owner', { validation_regex: '^[a-z.]+@example\\.com$' }),
    aRule('Environment', { allowed_values: ENVIRONMENTS }),
  ],
});

const compliantTags = { Owner: 'jane.doe@example.com', Environment: 'production' };

describe('violation kinds', () => {
  it('finds nothing on a compliant resource, and shares the empty result', () => {
    const resource = aResource({ tags: { ...compliantTags, Extra: 'x' } });
    expect(evaluateResource(policy, resource)).toEqual([]);
    expect(evaluateResource(policy, resource)).toBe(evaluateResource(policy, aResource({ tags: compliantTags })));
    expect(evaluate(policy, resource)).toEqual({ compliant: true, findings: [] });
  });

  it('missing_required_tag, carrying the allowed values to help fix it', () => {
    const findings = evaluateResource(policy, aResource({ tags: { Owner: compliantTags.Owner } }));
    expect(findings).toEqual([{
      kind: 'missing_required_tag',
      tag: 'Environment',
      severity: 'error',
      message: 'Required tag "Environment" is missing.',
      allowed: ENVIRONMENTS,
    }]);
  });

  it('invalid_value when the value is not allowed', () => {
    const [finding] = evaluateResource(policy, aResource({ tags: { ...compliantTags, Environment: 'qa' } }));
    expect(finding).toMatchObject({ kind: 'invalid_value', tag: 'Environment', severity: 'error', value: 'qa', allowed: ENVIRONMENTS });
    expect(finding!.suggestion).toBeUndefined();
    expect(finding!.message).toContain('allowed: production, staging, development, test');
  });

  it('invalid_format when the value fails validation_regex', () => {
    const [finding] = evaluateResource(policy, aResource({ tags: { ...compliantTags, Owner: 'jane' } }));
    expect(finding).toMatchObject({ kind: 'invalid_format', tag: 'Owner', severity: 'error', value: 'jane' });
  });

  it.each(['', '   ', '\t\n', '\u00a0'])('empty_value for %j instead of a format or value error', (blank) => {
    const findings = evaluateResource(policy, aResource({ tags: { Owner: blank, Environment: blank } }));
    expect(findings.map((f) => [f.kind, f.tag])).toEqual([['empty_value', 'Owner'], ['empty_value', 'Environment']]);
  });

  it('does not mistake inherited object members for tags', () => {
    const odd = aCompiledPolicy({ required: [aRule('constructor'), aRule('toString')] });
    expect(evaluateResource(odd, aResource()).map((f) => f.kind)).toEqual(['missing_required_tag', 'missing_required_tag']);
  });

  it('reports one finding per broken rule, in policy order', () => {
    const findings = evaluateResource(policy, aResource({ tags: { Environment: 'prod' } }));
    expect(findings.map((f) => f.kind)).toEqual(['missing_required_tag', 'invalid_value']);
  });
});

describe('allowed values', () => {
  it('compare exactly, but hint at the policy casing', () => {
    const [finding] = evaluateResource(policy, aResource({ tags: { ...compliantTags, Environment: 'Production' } }));
    expect(finding).toMatchObject({ kind: 'invalid_value', value: 'Production', suggestion: 'production' });
    expect(finding!.message).toContain('Did you mean "production"?');
  });

  it('compare exactly when keys are case-sensitive too', () => {
    const strict = aCompiledPolicy({ required: [aRule('Environment', { allowed_values: ENVIRONMENTS })], caseSensitive: true });
    expect(evaluateResource(strict, aResource({ tags: { Environment: 'STAGING' } }))).toMatchObject([
      { kind: 'invalid_value', suggestion: 'staging' },
    ]);
  });
});

describe('key case, case_sensitivity false (the peer default)', () => {
  it('accepts the key in another case and warns to normalise it', () => {
    const result = evaluate(policy, aResource({ tags: { owner: 'jane.doe@example.com', ENVIRONMENT: 'test' } }));
    expect(result.compliant).toBe(true);
    expect(result.findings).toEqual([
      expect.objectContaining({ kind: 'key_case_mismatch', tag: 'Owner', foundKey: 'owner', severity: 'warning' }),
      expect.objectContaining({ kind: 'key_case_mismatch', tag: 'Environment', foundKey: 'ENVIRONMENT', severity: 'warning' }),
    ]);
    expect(result.findings[0]!.message).toContain('rename it to "Owner"');
  });

  it('still checks the value under the other-case key', () => {
    const findings = evaluateResource(policy, aResource({ tags: { owner: 'nobody', Environment: 'test' } }));
    expect(findings.map((f) => f.kind)).toEqual(['key_case_mismatch', 'invalid_format']);
    expect(findings[1]).toMatchObject({ foundKey: 'owner', value: 'nobody' });
  });

  it('prefers the exact key when both spellings are present', () => {
    const findings = evaluateResource(policy, aResource({ tags: { owner: 'bad', ...compliantTags } }));
    expect(findings).toEqual([]);
  });

  it('matches non-ASCII keys ignoring case', () => {
    const unicode = aCompiledPolicy({ required: [aRule('Équipe')] });
    expect(evaluateResource(unicode, aResource({ tags: { 'ÉQUIPE': 'finops' } }))).toMatchObject([
      { kind: 'key_case_mismatch', foundKey: 'ÉQUIPE' },
    ]);
  });
});

describe('key case, case_sensitivity true', () => {
  const strict = aCompiledPolicy({
    required: [aRule('Owner'), aRule('CostCenter', { allowed_values: ['CC-1'] })],
    optional: [anOptionalRule('Team', { allowed_values: ['data'] })],
    caseSensitive: true,
  });

  it('reports wrong_key_case naming the key found, not missing', () => {
    const result = evaluate(strict, aResource({ tags: { owner: 'jane', CostCenter: 'CC-1' } }));
    expect(result.compliant).toBe(false);
    expect(result.findings).toEqual([{
      kind: 'wrong_key_case',
      tag: 'Owner',
      severity: 'error',
      message: 'Tag key "owner" must be spelled "Owner" (tag keys are case-sensitive in this policy).',
      value: 'jane',
      foundKey: 'owner',
    }]);
  });

  it('still reports missing when no spelling is present', () => {
    expect(evaluateResource(strict, aResource({ tags: { CostCenter: 'CC-1' } })).map((f) => f.kind)).toEqual(['missing_required_tag']);
  });

  it('ignores an optional tag spelled in another case', () => {
    expect(evaluateResource(strict, aResource({ tags: { Owner: 'x', CostCenter: 'CC-1', team: 'nope' } }))).toEqual([]);
  });
});

describe('severity and optional tags', () => {
  const mixed = aCompiledPolicy({
    required: [aRule('Owner'), aRule('DataClass', { allowed_values: ['public', 'internal'], severity: 'warning' })],
    optional: [anOptionalRule('CostCenter', { allowed_values: ['Engineering', 'Sales'] }), anOptionalRule('Project')],
  });

  it('a warning-severity rule does not make the resource non-compliant', () => {
    const result = evaluate(mixed, aResource({ tags: { Owner: 'x', DataClass: 'secret' } }));
    expect(result.compliant).toBe(true);
    expect(result.findings).toMatchObject([{ kind: 'invalid_value', tag: 'DataClass', severity: 'warning' }]);
  });

  it('an absent optional tag is fine; a present one with a wrong value is a warning-level invalid_value', () => {
    expect(evaluateResource(mixed, aResource({ tags: { Owner: 'x', DataClass: 'public' } }))).toEqual([]);
    const result = evaluate(mixed, aResource({ tags: { Owner: 'x', DataClass: 'public', CostCenter: 'Finance' } }));
    expect(result.compliant).toBe(true);
    expect(result.findings).toMatchObject([{ kind: 'invalid_value', tag: 'CostCenter', severity: 'warning', value: 'Finance' }]);
  });

  it('a blank optional tag is a warning', () => {
    expect(evaluateResource(mixed, aResource({ tags: { Owner: 'x', DataClass: 'public', Project: ' ' } })))
      .toMatchObject([{ kind: 'empty_value', tag: 'Project', severity: 'warning' }]);
  });

  it('a missing required tag keeps the rule severity', () => {
    expect(evaluate(mixed, aResource({ tags: { Owner: 'x' } }))).toMatchObject({
      compliant: true,
      findings: [{ kind: 'missing_required_tag', tag: 'DataClass', severity: 'warning' }],
    });
  });
});

describe('scope', () => {
  const scoped = aCompiledPolicy({
    required: [
      aRule('Owner', { applies_to: ['ec2:*'], clouds: ['aws'] }),
      aRule('owner', { clouds: ['gcp'], validation_regex: '^[a-z_]+$' }),
      aRule('Environment', { applies_to: ['s3:bucket', 'storage:bucket'] }),
    ],
  });

  it('applies service wildcards to every kind of that service', () => {
    expect(evaluateResource(scoped, aResource({ type: 'ec2:volume' })).map((f) => f.tag)).toEqual(['Owner']);
    expect(evaluateResource(scoped, aResource({ type: 'lambda:function' }))).toEqual([]);
  });

  it('skips rules scoped to other clouds', () => {
    const gcpBucket = aResource({ cloud: 'gcp', type: 'storage:bucket', tags: { owner: 'jane_doe', environment: 'test' } });
    // `Environment` cannot be a GCP label key and the policy maps no gcp spelling: a label rule
    // finding (a warning, since the label found stands in for it), not a key-case one.
    expect(evaluateResource(scoped, gcpBucket).map((f) => [f.kind, f.tag, f.severity])).toEqual([['gcp_label_rule', 'Environment', 'warning']]);
    const awsBucket = aResource({ type: 's3:bucket', tags: { owner: 'Jane Doe' } });
    expect(evaluateResource(scoped, awsBucket).map((f) => [f.kind, f.tag])).toEqual([['missing_required_tag', 'Environment']]);
  });
});
