import { describe, expect, it } from 'vitest';
import {
  compilePolicy, gcpLabelKeyProblem, gcpLabelValueProblem, parsePolicy, PolicyValidationError, suggestGcpLabelKey,
} from '../../../core/policy/index.js';
import { aCompiledPolicy, aRule } from '../builders.js';

function policyWith(rule: Record<string, unknown>) {
  return { version: '1.0', required_tags: [rule] };
}

function issuesOf(doc: unknown): string[] {
  try {
    parsePolicy(doc);
  } catch (err) {
    if (err instanceof PolicyValidationError) return err.issues.map((i) => `${i.path}: ${i.message}`);
    throw err;
  }
  return [];
}

describe('cloud_spellings in the schema', () => {
  it('accepts keys, value spellings (one or several) and a pattern per cloud', () => {
    const policy = parsePolicy(policyWith(aRule('Environment', {
      allowed_values: ['Production', 'Test'],
      cloud_spellings: {
        gcp: { keys: ['environment', 'env'], values: { Production: 'production', Test: ['test', 'testing'] }, validation_regex: '^[a-z]+$' },
        azure: { keys: ['environment'] },
      },
    })));
    expect(policy.required_tags[0]!.cloud_spellings).toEqual({
      gcp: { keys: ['environment', 'env'], values: { Production: 'production', Test: ['test', 'testing'] }, validation_regex: '^[a-z]+$' },
      azure: { keys: ['environment'] },
    });
  });

  it('names the field of each mistake', () => {
    expect(issuesOf(policyWith({ name: 'Env', cloud_spellings: { gcp: { keys: [] } } })))
      .toEqual(['required_tags[0].cloud_spellings.gcp.keys: must list at least one key, or be left out']);
    expect(issuesOf(policyWith({ name: 'Env', cloud_spellings: { oracle: { keys: ['env'] } } }))[0])
      .toMatch(/^required_tags\[0\]\.cloud_spellings: .*oracle/);
    expect(issuesOf(policyWith({ name: 'Env', cloud_spellings: { gcp: { kyes: ['env'] } } }))[0])
      .toMatch(/^required_tags\[0\]\.cloud_spellings\.gcp: .*kyes/);
    expect(issuesOf(policyWith({ name: 'Env', cloud_spellings: { gcp: { validation_regex: '(a+)+$' } } }))[0])
      .toMatch(/^required_tags\[0\]\.cloud_spellings\.gcp\.validation_regex: /);
  });

  it('refuses a value map for a value the rule does not allow, and a spelling for an excluded cloud', () => {
    expect(issuesOf(policyWith({ name: 'Env', allowed_values: ['Production'], cloud_spellings: { gcp: { values: { Prod: 'prod' } } } })))
      .toEqual(['required_tags[0].cloud_spellings.gcp.values.Prod: is not one of the rule\'s allowed_values']);
    expect(issuesOf(policyWith({ name: 'Env', clouds: ['aws'], cloud_spellings: { gcp: { keys: ['env'] } } }))[0])
      .toMatch(/^required_tags\[0\]\.cloud_spellings\.gcp: the rule is limited to clouds aws/);
  });

  it('accepts path wildcards in applies_to, and still refuses a bare or inner star', () => {
    expect(parsePolicy(policyWith(aRule('Owner', { applies_to: ['azure:compute/*', 'gcp:*'] }))).required_tags[0]!.applies_to)
      .toEqual(['azure:compute/*', 'gcp:*']);
    expect(issuesOf(policyWith(aRule('Owner', { applies_to: ['azure:comp*'] })))).toHaveLength(1);
    expect(issuesOf(policyWith(aRule('Owner', { applies_to: ['*'] })))).toHaveLength(1);
  });
});

describe('rulesFor per cloud', () => {
  const compiled = aCompiledPolicy({
    required: [
      aRule('CostCenter', {
        applies_to: ['ec2:*', 'azure:compute/*', 'GCP:Compute/Instance'],
        validation_regex: '^CC-[0-9]{4}$',
        cloud_spellings: { gcp: { keys: ['cost-center', 'cost_center'], validation_regex: '^cc-[0-9]{4}$' }, azure: { keys: ['costcenter'] } },
      }),
      aRule('Environment', { allowed_values: ['Production', 'Test'], cloud_spellings: { gcp: { keys: ['environment'], values: { Production: 'production' } } } }),
    ],
  });

  it('matches Azure and GCP types case-insensitively, with path wildcards on a segment boundary', () => {
    const names = (cloud: 'aws' | 'azure' | 'gcp', type: string) => compiled.rulesFor(cloud, type).map((r) => r.name);
    expect(names('azure', 'azure:compute/virtualmachines')).toEqual(['CostCenter', 'Environment']);
    expect(names('azure', 'Azure:Compute/Disks')).toEqual(['CostCenter', 'Environment']);
    expect(names('azure', 'azure:computer/x')).toEqual(['Environment']);
    expect(names('azure', 'azure:storage/storageaccounts')).toEqual(['Environment']);
    expect(names('gcp', 'gcp:compute/instance')).toEqual(['CostCenter', 'Environment']);
    expect(names('gcp', 'gcp:compute/disk')).toEqual(['Environment']);
  });

  it('gives each cloud its keys, values and pattern, and the policy spelling elsewhere', () => {
    const [gcpCost, gcpEnv] = compiled.rulesFor('gcp', 'gcp:compute/instance');
    expect(gcpCost).toMatchObject({ name: 'CostCenter', cloud: 'gcp', keys: ['cost-center', 'cost_center', 'CostCenter'], patternSource: '^cc-[0-9]{4}$', labelKeyProblem: null });
    expect(gcpEnv!.allowedList).toEqual(['production', 'Test']);
    expect(gcpEnv!.canonicalValues?.get('production')).toBe('Production');
    const [azureCost] = compiled.rulesFor('azure', 'azure:compute/virtualmachines');
    expect(azureCost).toMatchObject({ keys: ['costcenter', 'CostCenter'], keysIgnoreCase: true, patternSource: '^CC-[0-9]{4}$' });
    const [awsCost, awsEnv] = compiled.rulesFor('aws', 'ec2:instance');
    expect(awsCost).toMatchObject({ cloud: 'aws', keys: ['CostCenter'], keysIgnoreCase: false });
    expect(awsEnv!.allowedList).toEqual(['Production', 'Test']);
    expect(awsEnv!.canonicalValues).toBeNull();
  });

  it('says when no GCP key of a rule can be a label', () => {
    const unmapped = compilePolicy(parsePolicy(policyWith(aRule('CostCenter'))));
    expect(unmapped.rulesFor('gcp', 'gcp:compute/instance')[0]!.labelKeyProblem).toMatch(/^"CostCenter" cannot be a GCP label key/);
    expect(unmapped.rulesFor('aws', 'ec2:instance')[0]!.labelKeyProblem).toBeNull();
    expect(unmapped.rulesFor('azure', 'azure:compute/disks')[0]!.labelKeyProblem).toBeNull();
  });
});

describe('GCP label rules', () => {
  it.each([
    ['cost-center', null], ['cost_center2', null], ['a'.repeat(63), null],
    ['CostCenter', 'lowercase'], ['2fa', 'starts with'], ['', 'empty'], ['a'.repeat(64), '63'], ['cost.center', 'only'],
  ])('key %j', (key, problem) => {
    const found = gcpLabelKeyProblem(key);
    if (problem === null) expect(found).toBeNull();
    else expect(found).toContain(problem);
  });

  it.each([['', true], ['production', true], ['2026-01', true], ['Production', false], ['a'.repeat(64), false], ['jane@x.com', false]])(
    'value %j is a label value: %s', (value, ok) => {
      expect(gcpLabelValueProblem(value) === null).toBe(ok);
    });

  it.each([['CostCenter', 'cost_center'], ['Cost Center', 'cost_center'], ['APIKey', 'api_key'], ['owner', 'owner'], ['123', null]])(
    'suggests %j -> %j', (key, label) => {
      expect(suggestGcpLabelKey(key)).toBe(label);
      if (label) expect(gcpLabelKeyProblem(label)).toBeNull();
    });
});
