import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluate, evaluateResource } from '../../../core/compliance/index.js';
import { compilePolicy, parsePolicyJson } from '../../../core/policy/index.js';
import type { Resource } from '../../../core/resource.js';
import { aCompiledPolicy, aResource, anOptionalRule, aRule, repoRoot } from '../builders.js';

const vm = (tags: Record<string, string>, type = 'azure:compute/virtualmachines'): Resource => aResource({
  cloud: 'azure', account: 'sub-1', region: 'westeurope', type, tags,
  id: '/subscriptions/sub-1/resourceGroups/rg-app/providers/Microsoft.Compute/virtualMachines/vm1',
});
const instance = (tags: Record<string, string>, type = 'gcp:compute/instance'): Resource => aResource({
  cloud: 'gcp', account: 'proj-1', region: 'europe-west1-b', type, tags,
  id: '//compute.googleapis.com/projects/proj-1/zones/europe-west1-b/instances/i1',
});
const kinds = (findings: { kind: string; tag: string }[]) => findings.map((f) => [f.kind, f.tag]);

describe('Azure: tag keys are case-insensitive', () => {
  for (const caseSensitive of [false, true]) {
    const policy = aCompiledPolicy({ caseSensitive, required: [aRule('CostCenter', { validation_regex: '^CC-[0-9]{4}$' })] });

    it(`accepts any case without a finding (case_sensitivity ${caseSensitive})`, () => {
      expect(evaluate(policy, vm({ COSTCENTER: 'CC-1234' }))).toEqual({ compliant: true, findings: [] });
      // The same tags on AWS still follow the policy's case rule.
      expect(kinds(evaluateResource(policy, aResource({ tags: { COSTCENTER: 'CC-1234' } }))))
        .toEqual([[caseSensitive ? 'wrong_key_case' : 'key_case_mismatch', 'CostCenter']]);
    });

    it(`checks the value found under another case, naming the key (case_sensitivity ${caseSensitive})`, () => {
      expect(evaluateResource(policy, vm({ costcenter: 'cc-1' }))).toMatchObject([
        { kind: 'invalid_format', tag: 'CostCenter', foundKey: 'costcenter', value: 'cc-1', severity: 'error' },
      ]);
    });
  }

  it('keeps values case-sensitive, as Azure does', () => {
    const policy = aCompiledPolicy({ required: [aRule('Environment', { allowed_values: ['production'] })] });
    expect(evaluateResource(policy, vm({ environment: 'Production' }))).toMatchObject([{ kind: 'invalid_value', suggestion: 'production' }]);
  });

  it('does not report an optional tag twice when its required twin differs only in case', () => {
    const policy = aCompiledPolicy({ caseSensitive: true, required: [aRule('Owner')], optional: [anOptionalRule('owner')] });
    expect(policy.rulesFor('azure', 'azure:compute/virtualmachines').map((r) => r.name)).toEqual(['Owner']);
    expect(policy.rulesFor('aws', 'ec2:instance').map((r) => r.name)).toEqual(['Owner', 'owner']);
  });
});

describe('GCP label rules', () => {
  const unmapped = aCompiledPolicy({ required: [aRule('CostCenter'), aRule('owner')], optional: [anOptionalRule('Team')] });

  it('reports a policy key that cannot be a label as its own kind, with the rule severity and a spelling to map', () => {
    const findings = evaluateResource(unmapped, instance({ owner: 'jane' }));
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ kind: 'gcp_label_rule', tag: 'CostCenter', severity: 'error' });
    expect(findings[0]!.message).toContain('cloud_spellings.gcp.keys, e.g. ["cost_center"]');
    expect(evaluate(unmapped, instance({ owner: 'jane' })).compliant).toBe(false);
  });

  it('uses a label matching it ignoring case, with a warning to map it, and checks its value', () => {
    const policy = aCompiledPolicy({ required: [aRule('Environment', { allowed_values: ['production', 'test'] })] });
    expect(evaluate(policy, instance({ environment: 'test' }))).toEqual({
      compliant: true,
      findings: [expect.objectContaining({ kind: 'gcp_label_rule', tag: 'Environment', severity: 'warning', foundKey: 'environment' })],
    });
    expect(kinds(evaluateResource(policy, instance({ environment: 'qa' })))).toEqual([['gcp_label_rule', 'Environment'], ['invalid_value', 'Environment']]);
  });

  it('reports an allowed value that cannot be a label value instead of a plain invalid value', () => {
    const policy = aCompiledPolicy({ required: [aRule('env', { allowed_values: ['Production', 'Test'] })] });
    expect(evaluateResource(policy, instance({ env: 'production' }))).toMatchObject([
      { kind: 'gcp_label_rule', tag: 'env', value: 'production', severity: 'error' },
    ]);
    expect(evaluateResource(policy, instance({ env: 'qa' }))).toMatchObject([{ kind: 'invalid_value' }]);
    // On AWS the same value is the usual case hint.
    expect(evaluateResource(policy, aResource({ tags: { env: 'production' } }))).toMatchObject([{ kind: 'invalid_value', suggestion: 'Production' }]);
  });

  it('leaves a missing optional unlabelable tag alone', () => {
    expect(evaluateResource(unmapped, instance({ owner: 'jane', cost_center: 'x' })).map((f) => f.tag)).toEqual(['CostCenter']);
  });
});

describe('per-cloud spellings', () => {
  const policy = aCompiledPolicy({
    required: [
      aRule('CostCenter', {
        validation_regex: '^CC-[0-9]{4}$',
        cloud_spellings: { gcp: { keys: ['cost-center', 'cost_center'], validation_regex: '^cc-[0-9]{4}$' }, azure: { keys: ['cost_center'] } },
      }),
      aRule('Environment', {
        allowed_values: ['Production', 'Test'],
        cloud_spellings: { gcp: { keys: ['environment'], values: { Production: 'production', Test: ['test', 'testing'] } } },
      }),
    ],
  });

  it('resolves the GCP spellings of keys, values and pattern', () => {
    expect(evaluate(policy, instance({ 'cost-center': 'cc-1234', environment: 'production' }))).toEqual({ compliant: true, findings: [] });
    expect(evaluate(policy, instance({ cost_center: 'cc-0001', environment: 'testing' })).compliant).toBe(true);
  });

  it('reports against the cloud spelling, naming the logical tag and the key found', () => {
    expect(evaluateResource(policy, instance({ cost_center: 'CC-1234', environment: 'prod' }))).toMatchObject([
      { kind: 'invalid_format', tag: 'CostCenter', foundKey: 'cost_center', message: expect.stringContaining('^cc-[0-9]{4}$') },
      { kind: 'invalid_value', tag: 'Environment', foundKey: 'environment', allowed: ['production', 'test', 'testing'] },
    ]);
    expect(kinds(evaluateResource(policy, instance({})))).toEqual([['missing_required_tag', 'CostCenter'], ['missing_required_tag', 'Environment']]);
  });

  it('lets the policy spelling still count where a cloud maps others (Azure, any case)', () => {
    expect(evaluate(policy, vm({ COST_CENTER: 'CC-1234', Environment: 'Production' }))).toEqual({ compliant: true, findings: [] });
    expect(evaluate(policy, vm({ costcenter: 'CC-1234', Environment: 'Production' }))).toEqual({ compliant: true, findings: [] });
  });

  it('keeps AWS on the policy spelling: a GCP spelling there is not the tag', () => {
    expect(kinds(evaluateResource(policy, aResource({ tags: { 'cost-center': 'CC-1234', Environment: 'production' } }))))
      .toEqual([['missing_required_tag', 'CostCenter'], ['invalid_value', 'Environment']]);
  });
});

describe('policies/examples/multi-cloud.json', () => {
  const file = 'policies/examples/multi-cloud.json';
  const compiled = compilePolicy(parsePolicyJson(readFileSync(path.join(repoRoot, file), 'utf8'), file));

  it('passes a well-tagged resource on every cloud', () => {
    const aws = aResource({ tags: { Owner: 'jane@example.com', Environment: 'Production', CostCenter: 'CC-1234' } });
    const azure = vm({ owner: 'jane@example.com', ENVIRONMENT: 'Production', costcenter: 'CC-1234' });
    const gcp = instance({ owner: 'jane_example_com', env: 'production', 'cost-center': 'cc-1234' });
    for (const r of [aws, azure, gcp]) expect(evaluate(compiled, r)).toEqual({ compliant: true, findings: [] });
  });

  it('scopes by the normalised Azure and GCP types', () => {
    expect(compiled.rulesFor('azure', 'azure:storage/storageaccounts').map((r) => r.name)).toEqual(['Owner', 'Environment', 'CostCenter', 'DataClassification', 'Application']);
    expect(compiled.rulesFor('gcp', 'gcp:pubsub/topic').map((r) => r.name)).toEqual(['Owner', 'Application']);
    expect(compiled.rulesFor('gcp', 'gcp:compute/disk').map((r) => r.name)).toEqual(['Owner', 'Environment', 'CostCenter', 'Application']);
  });
});
