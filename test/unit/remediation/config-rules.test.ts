// generate_config_rules' generator: the CloudFormation template passes cfn-lint, the Azure Policy
// definitions validate against a JSON Schema of the documented definition structure, and the GCP
// constraint YAML parses back with the documented fields and limits.
import { Ajv } from 'ajv';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parsePolicy, type TaggingPolicyInput } from '../../../core/policy/index.js';
import { emptyDigest } from '../../../core/remediation/config-rules-policy.js';
import { generateConfigRules } from '../../../core/remediation/config-rules.js';
import { cfnLint } from '../../support/guardrail-engines.js';

const policyOf = (input: Partial<TaggingPolicyInput>) => parsePolicy({ version: '3.1', ...input });

// Values a YAML 1.1 reader (CloudFormation, gcloud) would not read as strings if written bare.
const YAML11_VALUES = ['yes', 'no', 'on', 'off', 'null', '2010-09-09', '0x1F', '017', '~', '1e3', 'a: b', '- item', '#tag'];

const AWS_POLICY = policyOf({
  required_tags: [
    ...Array.from({ length: 8 }, (_, i) => ({ name: `Key${i}`, allowed_values: [`v${i}`], applies_to: ['ec2:instance', 's3:bucket'] })),
    { name: 'Flag', allowed_values: YAML11_VALUES, applies_to: ['rds:db'] },
    { name: 'Anywhere' },
  ],
});

describe('AWS Config rules as CloudFormation', () => {
  it.each(['yaml', 'json'] as const)('pass cfn-lint (%s) and carry every required key with its values', async (format) => {
    const out = generateConfigRules(AWS_POLICY, emptyDigest(), { clouds: ['aws'], dryRun: true, format, scanId: 'scan-x' });
    const lint = await cfnLint(out.aws!.template, format);
    expect(lint.stdout + lint.stderr).toBe('');
    expect(lint.code).toBe(0);

    // Read back as CloudFormation does (YAML 1.1), keys and values exactly as the policy says.
    const template = format === 'json' ? JSON.parse(out.aws!.template) : parseYaml(out.aws!.template, { version: '1.1' });
    const rules = Object.values(template.Resources as Record<string, { Type: string; Properties: Record<string, any> }>); // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(rules.every((r) => r.Type === 'AWS::Config::ConfigRule' && r.Properties.Source.SourceIdentifier === 'REQUIRED_TAGS')).toBe(true);
    // One scope per rule: 8 keys on ec2+s3 (2 rules), Flag on rds (1), Anywhere unscoped (1).
    expect(rules).toHaveLength(Math.ceil(8 / 6) + 1 + 1);
    const byKey = new Map<string, { value: string | undefined; scope: string[] | undefined }>();
    for (const r of rules) {
      const p = r.Properties.InputParameters as Record<string, string>;
      for (let i = 1; p[`tag${i}Key`]; i++) byKey.set(p[`tag${i}Key`]!, { value: p[`tag${i}Value`], scope: r.Properties.Scope?.ComplianceResourceTypes });
      expect(Object.keys(p).filter((k) => k.endsWith('Key')).length).toBeLessThanOrEqual(6);
      expect(JSON.stringify(p).length).toBeLessThanOrEqual(1024);
    }
    const expected = new Map(AWS_POLICY.required_tags.map((t) => [t.name, {
      value: t.allowed_values?.join(','),
      scope: t.applies_to.length
        ? t.applies_to.map((a) => ({ 'ec2:instance': 'AWS::EC2::Instance', 's3:bucket': 'AWS::S3::Bucket', 'rds:db': 'AWS::RDS::DBInstance' })[a]!).sort()
        : undefined,
    }]));
    expect(byKey).toEqual(expected);
  });

  it('splits a rule whose parameters would pass 1024 characters, and drops values holding a comma', () => {
    const long = Array.from({ length: 40 }, (_, i) => `value-number-${String(i).padStart(3, '0')}`);
    const policy = policyOf({
      required_tags: [
        { name: 'A', allowed_values: long }, { name: 'B', allowed_values: long }, { name: 'C', allowed_values: ['x,y', 'z'] },
      ],
    });
    const out = generateConfigRules(policy, emptyDigest(), { clouds: ['aws'], dryRun: true, format: 'json' });
    const rules = Object.values(JSON.parse(out.aws!.template).Resources as Record<string, { Properties: { InputParameters: Record<string, string> } }>);
    for (const r of rules) expect(JSON.stringify(r.Properties.InputParameters).length).toBeLessThanOrEqual(1024);
    const params = rules.map((r) => r.Properties.InputParameters);
    expect(params.flatMap((p) => Object.entries(p).filter(([k]) => k.endsWith('Key')).map(([, v]) => v)).sort()).toEqual(['A', 'B', 'C']);
    // C is required by key only: no tagNValue beside its tagNKey.
    const c = params.flatMap((p) => Object.entries(p).filter(([, v]) => v === 'C').map(([k]) => p[k.replace('Key', 'Value')]));
    expect(c).toEqual([undefined]);
    expect(out.warnings.some((w) => w.tag === 'C' && w.message.includes('comma'))).toBe(true);
  });
});

// The documented definition structure (learn.microsoft.com/azure/governance/policy/concepts/definition-structure-basics,
// -policy-rule, -parameters): name limits, mode, parameters, and a policy rule of logical operators and conditions.
const CONDITION_OPERATORS = ['equals', 'notEquals', 'like', 'notLike', 'match', 'matchInsensitively', 'notMatch', 'notMatchInsensitively',
  'contains', 'notContains', 'in', 'notIn', 'containsKey', 'notContainsKey', 'less', 'lessOrEquals', 'greater', 'greaterOrEquals', 'exists'];
const azureDefinitionSchema = {
  $defs: {
    condition: {
      oneOf: [
        { type: 'object', required: ['allOf'], additionalProperties: false, properties: { allOf: { type: 'array', minItems: 1, items: { $ref: '#/$defs/condition' } } } },
        { type: 'object', required: ['anyOf'], additionalProperties: false, properties: { anyOf: { type: 'array', minItems: 1, items: { $ref: '#/$defs/condition' } } } },
        { type: 'object', required: ['not'], additionalProperties: false, properties: { not: { $ref: '#/$defs/condition' } } },
        {
          type: 'object', minProperties: 2, maxProperties: 2,
          oneOf: [{ required: ['field'] }, { required: ['value'] }],
          properties: { field: { type: 'string' }, value: {}, ...Object.fromEntries(CONDITION_OPERATORS.map((op) => [op, {}])) },
          additionalProperties: false,
        },
      ],
    },
  },
  type: 'object',
  required: ['name', 'properties'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', maxLength: 64, pattern: '^[^<>*%&:\\\\?.+/]*[^<>*%&:\\\\?.+/ ]$' },
    properties: {
      type: 'object',
      required: ['displayName', 'policyType', 'mode', 'policyRule'],
      additionalProperties: false,
      properties: {
        displayName: { type: 'string', maxLength: 128 },
        description: { type: 'string', maxLength: 512 },
        policyType: { enum: ['Custom'] },
        mode: { enum: ['All', 'Indexed'] },
        metadata: { type: 'object' },
        version: { type: 'string' },
        parameters: {
          type: 'object',
          additionalProperties: {
            type: 'object', required: ['type'], additionalProperties: false,
            properties: {
              type: { enum: ['String', 'Array', 'Object', 'Boolean', 'Integer', 'Float', 'DateTime'] },
              metadata: { type: 'object', properties: { displayName: { type: 'string' }, description: { type: 'string' } } },
              defaultValue: {}, allowedValues: { type: 'array' }, schema: { type: 'object' },
            },
          },
        },
        policyRule: {
          type: 'object', required: ['if', 'then'], additionalProperties: false,
          properties: {
            if: { $ref: '#/$defs/condition' },
            then: {
              type: 'object', required: ['effect'], additionalProperties: false,
              properties: { effect: { type: 'string' }, details: { type: 'object' } },
            },
          },
        },
      },
    },
  },
};

interface Definition {
  name: string;
  properties: { parameters: Record<string, { type: string; defaultValue?: unknown; allowedValues?: unknown[] }>; policyRule: { then: { effect: string; details?: any } } }; // eslint-disable-line @typescript-eslint/no-explicit-any
}

describe('Azure Policy definitions', () => {
  const HOSTILE = ['[concat(\'x\')]', 'a"b', "it's", '${x}', 'new\nline'];
  const policy = policyOf({
    required_tags: [
      { name: 'CostCenter', allowed_values: HOSTILE, applies_to: ['azure:compute/virtualmachines', 'azure:storage/*'] },
      { name: 'Owner' },
      { name: 'Bad/Key' },
    ],
    optional_tags: [{ name: 'Tier', allowed_values: ['gold', 'silver'] }, { name: 'Free' }],
  });
  const validate = new Ajv({ allErrors: true, strict: true, strictRequired: false }).compile(azureDefinitionSchema);

  it.each([true, false])('validate against the documented structure (dry run %s), with effects a parameter resolves', (dryRun) => {
    const out = generateConfigRules(policy, emptyDigest(), { clouds: ['azure'], dryRun, format: 'yaml' });
    const defs = JSON.parse(out.azure!.definitions) as Definition[];
    for (const def of defs) {
      expect(validate(def), JSON.stringify(validate.errors)).toBe(true);
      // Every parameters('x') the rule uses is declared.
      const used = [...JSON.stringify(def.properties.policyRule).matchAll(/parameters\('([^']+)'\)/g)].map((m) => m[1]!);
      for (const name of used) expect(Object.keys(def.properties.parameters)).toContain(name);
      const effect = def.properties.parameters.effect!;
      expect(effect.allowedValues).toContain(effect.defaultValue);
      expect(['deny', 'audit', 'modify', 'disabled']).toContain(String(effect.defaultValue).toLowerCase());
      if (def.properties.policyRule.then.details) {
        expect(effect.allowedValues!.map((e) => String(e).toLowerCase())).toEqual(['modify', 'disabled']);
        expect(def.properties.policyRule.then.details.roleDefinitionIds.length).toBeGreaterThan(0);
      }
    }
    const names = defs.map((d) => d.name);
    expect(new Set(names).size).toBe(names.length);
    // Required tags: require + inherit; an optional tag with values: require only; Bad/Key and Free: none.
    expect(names.filter((n) => n.startsWith('require-tag-'))).toHaveLength(3);
    expect(names.filter((n) => n.startsWith('inherit-tag-'))).toHaveLength(2);
    const cost = defs.find((d) => d.properties.parameters.tagName!.defaultValue === 'CostCenter' && d.name.startsWith('require'))!;
    expect(cost.properties.parameters.allowedValues!.defaultValue).toEqual(HOSTILE);
    expect(cost.properties.parameters.effect!.defaultValue).toBe(dryRun ? 'Audit' : 'Deny');
    expect(out.warnings.some((w) => w.tag === 'Bad/Key')).toBe(true);
  });
});

describe('GCP custom constraints', () => {
  it('parse back as constraint and policy documents within the documented limits', () => {
    const values = Array.from({ length: 30 }, (_, i) => `team-${String(i).padStart(2, '0')}-long-label-value`);
    const policy = policyOf({
      required_tags: [
        { name: 'team', allowed_values: values, applies_to: ['gcp:compute/instance', 'gcp:storage/bucket'] },
        { name: 'CostCenter', validation_regex: '^cc-\\d+$', cloud_spellings: { gcp: { keys: ['cost_center'] } } },
        { name: 'Owner', applies_to: ['ec2:instance'] },
      ],
      optional_tags: [{ name: 'tier', allowed_values: ['gold', 'Silver'] }],
    });
    const digest = emptyDigest();
    digest.types.gcp.set('gcp:compute/disk', 3);
    const out = generateConfigRules(policy, digest, { clouds: ['gcp'], dryRun: true, format: 'yaml', gcpOrganizationId: '123456789' });
    const docs = parseAllDocuments(out.gcp!.constraints, { version: '1.1' }).map((d) => d.toJS() as Record<string, any>); // eslint-disable-line @typescript-eslint/no-explicit-any
    const constraints = docs.filter((d) => d.name.includes('/customConstraints/'));
    const policies = docs.filter((d) => d.name.includes('/policies/'));
    expect(constraints).toHaveLength(out.gcp!.count);
    expect(policies.map((p) => p.name.split('/').pop())).toEqual(constraints.map((c) => c.name.split('/').pop()));
    for (const c of constraints) {
      expect(c.name).toMatch(/^organizations\/123456789\/customConstraints\/custom\.[A-Za-z0-9]+$/);
      expect(c.name.length - 'organizations/123456789/customConstraints/'.length).toBeLessThanOrEqual(70);
      expect(c.resourceTypes).toHaveLength(1);
      expect(c.resourceTypes[0]).toMatch(/^[a-z]+\.googleapis\.com\/[A-Z][A-Za-z]+$/);
      expect(c.methodTypes).toEqual(['CREATE', 'UPDATE']);
      expect(['ALLOW', 'DENY']).toContain(c.actionType);
      expect(c.condition.length).toBeLessThanOrEqual(1000);
    }
    for (const p of policies) expect(p).toEqual({ name: p.name, dryRunSpec: { rules: [{ enforce: true }] } });
    // Types: the rules' own plus the scan's for rules on every type; the AWS-only rule is absent.
    const types = new Set(constraints.map((c) => c.resourceTypes[0]));
    expect(types).toEqual(new Set(['compute.googleapis.com/Instance', 'storage.googleapis.com/Bucket', 'compute.googleapis.com/Disk']));
    const conditions = (type: string) => constraints.filter((c) => c.resourceTypes[0] === type).map((c) => c.condition).join(' && ');
    // The team values do not fit one 1000-character condition with the others: the instance's is split.
    expect(constraints.filter((c) => c.resourceTypes[0] === 'compute.googleapis.com/Instance').length).toBeGreaterThan(1);
    for (const v of values) expect(conditions('compute.googleapis.com/Instance')).toContain(`'${v}'`);
    expect(conditions('compute.googleapis.com/Disk')).not.toContain("'team'");
    expect(conditions('compute.googleapis.com/Disk')).toContain("resource.labels['cost_center'].matches('^cc-\\\\d+$')");
    expect(conditions('compute.googleapis.com/Disk')).not.toContain('Owner');
    // `Silver` cannot be a label value: left out, with a warning.
    expect(conditions('compute.googleapis.com/Disk')).toContain("(!('tier' in resource.labels) || (resource.labels['tier'] in ['gold']))");
    expect(out.warnings.some((w) => w.tag === 'tier' && w.message.includes('Silver'))).toBe(true);
  });
});
