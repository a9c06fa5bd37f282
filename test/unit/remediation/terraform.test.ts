// generate_terraform_policy's generator: the HCL goes through a real HCL parser (python-hcl2), and
// the parsed structure is checked: Config rules split at 6 keys, allowed values present, hostile
// keys and values back exactly, the tag policy read back by our own AWS converter.
import { describe, expect, it } from 'vitest';
import { convertAwsOrgTagPolicy, parsePolicy, type TaggingPolicyInput } from '../../../core/policy/index.js';
import { digestScan, emptyDigest } from '../../../core/remediation/config-rules-policy.js';
import { generateTerraformPolicy } from '../../../core/remediation/terraform.js';
import type { ScanResourceRow } from '../../../core/scan.js';
import { hclResources, parseHcl } from '../../support/guardrail-engines.js';

// Strings a policy file may carry that break naive HCL: quotes, backslashes, newlines, templates.
const HOSTILE_KEY = 'Team "A" ${var.x} \\ end';
// Azure refuses `\`, `%`, `<`, `>`, `&`, `?` and `/` in tag names.
const HOSTILE_AZURE_KEY = 'Team "A" ${var.x} end';
const HOSTILE_VALUES = ['a"b', '${var.secret}', '%{ if true }x%{ endif }', 'back\\slash', 'two\nlines', '$${kept}', 'tab\there'];

function requiredTags(n: number) {
  return Array.from({ length: n }, (_, i) => ({ name: `Key${i}`, allowed_values: [`v${i}`, `w${i}`], clouds: ['aws' as const] }));
}

function policyOf(input: Partial<TaggingPolicyInput>) {
  return parsePolicy({ version: '2.0', ...input });
}

/** HCL's template escapes in a quoted string's value: `$${` is a literal `${`, `%%{` a literal `%{` (python-hcl2 keeps them). */
function templateLiteral(value: string): string {
  return value.replace(/\$\$\{/g, '${').replace(/%%\{/g, '%{');
}

describe('generateTerraformPolicy', () => {
  it('splits REQUIRED_TAGS rules at 6 keys and lists every required key with its values', async () => {
    for (const n of [1, 6, 7, 13]) {
      const policy = policyOf({ required_tags: requiredTags(n) });
      const { hcl, counts } = generateTerraformPolicy(policy, emptyDigest(), { clouds: ['aws'], dryRun: false });
      const rules = hclResources(await parseHcl(hcl), 'aws_config_config_rule');
      expect(rules.size, `${n} keys`).toBe(Math.ceil(n / 6));
      expect(counts.aws_config_rules).toBe(rules.size);
      const seen = new Map<string, string>();
      for (const rule of rules.values()) {
        expect((rule.source as Record<string, string>[])[0]).toEqual({ owner: 'AWS', source_identifier: 'REQUIRED_TAGS' });
        const params = JSON.parse(rule.input_parameters as string) as Record<string, string>;
        const keys = Object.keys(params).filter((k) => /^tag\dKey$/.test(k));
        expect(keys.length).toBeLessThanOrEqual(6);
        for (const k of keys) seen.set(params[k]!, params[k.replace('Key', 'Value')]!);
      }
      expect(new Map([...seen].sort())).toEqual(new Map(requiredTags(n).map((t) => [t.name, t.allowed_values.join(',')] as [string, string]).sort()));
    }
  });

  it('writes hostile keys and values so that they parse back exactly', async () => {
    const policy = policyOf({
      required_tags: [
        { name: HOSTILE_KEY, allowed_values: HOSTILE_VALUES, applies_to: ['ec2:instance'], clouds: ['aws'] },
        { name: HOSTILE_AZURE_KEY, allowed_values: HOSTILE_VALUES, applies_to: ['azure:compute/virtualmachines'], clouds: ['azure'] },
      ],
    });
    const { hcl } = generateTerraformPolicy(policy, emptyDigest(), { clouds: ['aws', 'azure'], dryRun: false });
    const doc = await parseHcl(hcl);

    // AWS tag policy: the document our importer reads gives the same tag back.
    const [tagPolicy] = [...hclResources(doc, 'aws_organizations_policy').values()];
    expect(tagPolicy!.type).toBe('TAG_POLICY');
    const back = convertAwsOrgTagPolicy(tagPolicy!.content as string);
    expect(back.required_tags.map((t) => [t.name, t.allowed_values, t.applies_to])).toEqual([[HOSTILE_KEY, HOSTILE_VALUES, ['ec2:instance']]]);

    // Config rule: the key, the values and the description are exact.
    const [rule] = [...hclResources(doc, 'aws_config_config_rule').values()];
    expect(JSON.parse(rule!.input_parameters as string)).toEqual({ tag1Key: HOSTILE_KEY, tag1Value: HOSTILE_VALUES.join(',') });
    expect(templateLiteral(rule!.description as string)).toBe(`Requires the tags ${HOSTILE_KEY}`);
    expect((rule!.scope as Record<string, unknown>[])[0]!.compliance_resource_types).toEqual(['AWS::EC2::Instance']);

    // Azure: the key and values are parameters' defaults, the type filter names the VM type.
    const azure = [...hclResources(doc, 'azurerm_policy_definition').values()];
    expect(azure).toHaveLength(2);
    const require = azure.find((d) => (d.name as string).startsWith('require-tag-'))!;
    const params = JSON.parse(require.parameters as string) as Record<string, { defaultValue: unknown }>;
    expect(params.tagName!.defaultValue).toBe(HOSTILE_AZURE_KEY);
    expect(params.allowedValues!.defaultValue).toEqual(HOSTILE_VALUES);
    expect(templateLiteral(require.description as string)).toContain(`"${HOSTILE_AZURE_KEY}"`);
    const rule0 = JSON.parse(require.policy_rule as string) as { if: { allOf: [{ field: string; in: string[] }] } };
    expect(rule0.if.allOf[0]).toEqual({ field: 'type', in: ['Microsoft.compute/virtualmachines'] });
    const inherit = azure.find((d) => (d.name as string).startsWith('inherit-tag-'))!;
    expect(JSON.parse(inherit.policy_rule as string).then.effect).toBe("[parameters('effect')]");
    expect(JSON.parse(inherit.parameters as string).effect.defaultValue).toBe('Modify');
    const [initiative] = [...hclResources(doc, 'azurerm_policy_set_definition').values()];
    expect(initiative!.policy_definition_reference).toHaveLength(2);
  });

  it('writes no unescaped template sequence, whatever the values hold', () => {
    const policy = policyOf({ required_tags: [{ name: HOSTILE_KEY, allowed_values: HOSTILE_VALUES }] });
    const { hcl } = generateTerraformPolicy(policy, emptyDigest(), { clouds: ['aws', 'azure', 'gcp'], dryRun: true });
    // Outside comments, every `${`/`%{` is either escaped (`$${`, `%%{`) or one of the generator's own references.
    const code = hcl.split('\n').filter((line) => !line.startsWith('#')).join('\n');
    const live = [...code.matchAll(/(?<![$%])[$%]\{[^}]*\}/g)].map((m) => m[0]);
    expect(new Set(live)).toEqual(new Set(live.filter((ref) => /^\$\{(var\.gcp_organization_id|google_org_policy_custom_constraint\.[a-z0-9_]+\.name)\}$/.test(ref))));
  });

  it('dry run reports required tags without enforcing them, on every cloud', async () => {
    const policy = policyOf({
      required_tags: [{ name: 'cost_center', allowed_values: ['cc-1', 'cc-2'], applies_to: ['ec2:instance', 'gcp:compute/instance'] }],
    });
    for (const dryRun of [true, false]) {
      const doc = await parseHcl(generateTerraformPolicy(policy, emptyDigest(), { clouds: ['aws', 'azure', 'gcp'], dryRun }).hcl);
      const content = JSON.parse([...hclResources(doc, 'aws_organizations_policy').values()][0]!.content as string);
      expect(content.tags.cost_center.report_required_tag_for['@@assign']).toEqual(['ec2:instance']);
      expect('enforced_for' in content.tags.cost_center).toBe(!dryRun);
      const [gcpPolicy] = [...hclResources(doc, 'google_org_policy_policy').values()];
      expect(Object.keys(gcpPolicy!)).toContain(dryRun ? 'dry_run_spec' : 'spec');
      const [constraint] = [...hclResources(doc, 'google_org_policy_custom_constraint').values()];
      expect(constraint!.resource_types).toEqual(['compute.googleapis.com/Instance']);
      expect(constraint!.condition).toBe("('cost_center' in resource.labels && resource.labels['cost_center'] in ['cc-1', 'cc-2'])");
      expect(constraint!.action_type).toBe('ALLOW');
    }
  });

  it('reports a tag required for every type on the AWS types the scan found violating', async () => {
    const rows: ScanResourceRow[] = ['ec2:instance', 's3:bucket', 's3:bucket', 'lambda:function'].map((type, i) => ({
      resourceId: `arn:aws:x:::${i}`, cloud: 'aws', account: '1', region: 'us-east-1', resourceType: type, tags: {},
      compliant: type === 'lambda:function', violations: [{ kind: 'missing_required_tag', tag: 'Owner' }],
    }));
    async function* pages() { yield rows.slice(0, 2); yield rows.slice(2); }
    const digest = await digestScan(pages());
    expect(digest.violatingResources).toBe(rows.filter((r) => !r.compliant).length);
    const policy = policyOf({ required_tags: [{ name: 'Owner' }] });
    const { hcl, warnings } = generateTerraformPolicy(policy, digest, { clouds: ['aws'], dryRun: true });
    const content = JSON.parse([...hclResources(await parseHcl(hcl), 'aws_organizations_policy').values()][0]!.content as string);
    expect(content.tags.owner.report_required_tag_for['@@assign']).toEqual(['ec2:instance', 's3:bucket']);
    expect(warnings).toEqual([]);
  });
});
