// generate_terraform_policy: the policy as Terraform for each cloud's guardrails: an AWS
// Organizations tag policy (attached to a target) plus REQUIRED_TAGS Config rules; Azure Policy
// definitions (require, inherit from resource group) gathered in an initiative; GCP custom
// constraints with the org policies enforcing them. Every policy string is escaped for HCL.
import type { Cloud } from '../resource.js';
import type { TaggingPolicy } from '../policy/index.js';
import { awsTagPolicies, requiredTagsRules } from './config-rules-aws.js';
import { azurePolicyDefinitions } from './config-rules-azure.js';
import { gcpConstraints } from './config-rules-gcp.js';
import type { RemediationWarning, ScanDigest } from './config-rules-policy.js';
import { HEREDOC_MARKER, hclJsonHeredoc, hclString, identifier } from './escape.js';

export interface TerraformOptions {
  clouds: readonly Cloud[];
  /** AWS: report only (no enforced_for). Azure: Audit, Modify disabled. GCP: dry_run_spec. */
  dryRun: boolean;
  targetTags?: readonly string[];
  /** Prefix of AWS policy and rule names. */
  namePrefix?: string;
  scanId?: string;
}

export interface TerraformArtefact {
  hcl: string;
  counts: { aws_tag_policies: number; aws_config_rules: number; azure_definitions: number; gcp_constraints: number };
  warnings: RemediationWarning[];
}

const PROVIDERS: Record<Cloud, [string, string]> = {
  aws: ['aws', 'hashicorp/aws'],
  azure: ['azurerm', 'hashicorp/azurerm'],
  gcp: ['google', 'hashicorp/google'],
};

/** One HCL block: `type "label" … {` body `}`; body lines are indented, heredoc bodies kept at column 0. */
function block(type: string, labels: readonly string[], body: readonly string[]): string {
  const head = [type, ...labels.map((l) => `"${l}"`)].join(' ');
  let inHeredoc = false;
  const inner = body.flatMap((line) => line.split('\n')).map((line) => {
    if (inHeredoc) {
      if (line === HEREDOC_MARKER) inHeredoc = false;
      return line;
    }
    if (line.endsWith(`<<${HEREDOC_MARKER}`)) inHeredoc = true;
    return line ? `  ${line}` : line;
  });
  return `${head} {\n${inner.join('\n')}\n}`;
}

const attr = (name: string, expr: string) => `${name} = ${expr}`;
const list = (values: readonly string[]) => `[${values.map(hclString).join(', ')}]`;

export function generateTerraformPolicy(policy: TaggingPolicy, digest: ScanDigest, opts: TerraformOptions): TerraformArtefact {
  const warnings: RemediationWarning[] = [];
  const counts = { aws_tag_policies: 0, aws_config_rules: 0, azure_definitions: 0, gcp_constraints: 0 };
  const used = new Set<string>();
  const prefix = opts.namePrefix ?? 'tag-policy';
  const clouds = (['aws', 'azure', 'gcp'] as const).filter((c) => opts.clouds.includes(c));
  const blocks: string[] = [
    block('terraform', [], [block('required_providers', [], clouds.map((c) => attr(PROVIDERS[c][0], `{ source = ${hclString(PROVIDERS[c][1])} }`)))]),
  ];

  if (clouds.includes('aws')) {
    const tagPolicies = awsTagPolicies(policy, digest, { dryRun: opts.dryRun, targetTags: opts.targetTags });
    const configRules = requiredTagsRules(policy, { dryRun: opts.dryRun, targetTags: opts.targetTags });
    warnings.push(...tagPolicies.warnings, ...configRules.warnings);
    if (tagPolicies.documents.length) {
      blocks.push(block('variable', ['aws_tag_policy_target_id'], [
        attr('description', hclString('Organization root, OU or account id the tag policy is attached to')),
        attr('type', 'string'),
      ]));
    }
    tagPolicies.documents.forEach((doc, i) => {
      const id = identifier(`tag_policy_${i + 1}`, used);
      blocks.push(block('resource', ['aws_organizations_policy', id], [
        attr('name', hclString(`${prefix}-${i + 1}`)),
        attr('description', hclString(`Tagging policy ${policy.version}${opts.dryRun ? ' (report only)' : ''}`)),
        attr('type', hclString('TAG_POLICY')),
        attr('content', hclJsonHeredoc(doc)),
      ]));
      blocks.push(block('resource', ['aws_organizations_policy_attachment', id], [
        attr('policy_id', `aws_organizations_policy.${id}.id`),
        attr('target_id', 'var.aws_tag_policy_target_id'),
      ]));
      counts.aws_tag_policies++;
    });
    for (const rule of configRules.rules) {
      const id = identifier(`required_tags_${rule.index}`, used);
      blocks.push(block('resource', ['aws_config_config_rule', id], [
        '# Needs an AWS Config recorder in the account and region (aws_config_configuration_recorder).',
        attr('name', hclString(`${prefix}-required-tags-${rule.index}`.slice(0, 128))),
        attr('description', hclString(`Requires the tags ${rule.keys.join(', ')}`.slice(0, 256))),
        block('source', [], [attr('owner', hclString('AWS')), attr('source_identifier', hclString('REQUIRED_TAGS'))]),
        attr('input_parameters', hclJsonHeredoc(rule.inputParameters)),
        ...(rule.resourceTypes.length ? [block('scope', [], [attr('compliance_resource_types', list(rule.resourceTypes))])] : []),
      ]));
      counts.aws_config_rules++;
    }
  }

  if (clouds.includes('azure')) {
    const { definitions, warnings: w } = azurePolicyDefinitions(policy, { dryRun: opts.dryRun, targetTags: opts.targetTags });
    warnings.push(...w);
    const ids: string[] = [];
    for (const def of definitions) {
      const id = identifier(def.name, used);
      ids.push(id);
      const p = def.properties;
      blocks.push(block('resource', ['azurerm_policy_definition', id], [
        attr('name', hclString(def.name)),
        attr('policy_type', hclString(p.policyType)),
        attr('mode', hclString(p.mode)),
        attr('display_name', hclString(p.displayName)),
        attr('description', hclString(p.description)),
        attr('metadata', hclJsonHeredoc(p.metadata)),
        attr('parameters', hclJsonHeredoc(p.parameters)),
        attr('policy_rule', hclJsonHeredoc(p.policyRule)),
      ]));
      counts.azure_definitions++;
    }
    if (ids.length) {
      // One initiative, so one assignment covers every tag; each definition carries its defaults.
      blocks.push(block('resource', ['azurerm_policy_set_definition', identifier('tagging_policy', used)], [
        attr('name', hclString(`${prefix}-tagging`)),
        attr('policy_type', hclString('Custom')),
        attr('display_name', hclString(`Tagging policy ${policy.version}`)),
        ...ids.map((id) => block('policy_definition_reference', [], [attr('policy_definition_id', `azurerm_policy_definition.${id}.id`)])),
      ]));
    }
  }

  if (clouds.includes('gcp')) {
    const { constraints, warnings: w } = gcpConstraints(policy, digest, { targetTags: opts.targetTags });
    warnings.push(...w);
    if (constraints.length) {
      blocks.push(block('variable', ['gcp_organization_id'], [
        attr('description', hclString('Numeric id of the GCP organisation the constraints are created in')),
        attr('type', 'string'),
      ]));
    }
    for (const c of constraints) {
      const id = identifier(c.id.replace(/^custom\./, ''), used);
      blocks.push(block('resource', ['google_org_policy_custom_constraint', id], [
        attr('name', hclString(c.id)),
        attr('parent', '"organizations/${var.gcp_organization_id}"'),
        attr('display_name', hclString(c.displayName)),
        attr('description', hclString(c.description)),
        attr('action_type', hclString(c.actionType)),
        attr('condition', hclString(c.condition)),
        attr('method_types', list(c.methodTypes)),
        attr('resource_types', list(c.resourceTypes)),
      ]));
      blocks.push(block('resource', ['google_org_policy_policy', id], [
        attr('name', `"organizations/\${var.gcp_organization_id}/policies/\${google_org_policy_custom_constraint.${id}.name}"`),
        attr('parent', '"organizations/${var.gcp_organization_id}"'),
        block(opts.dryRun ? 'dry_run_spec' : 'spec', [], [block('rules', [], [attr('enforce', hclString('TRUE'))])]),
      ]));
      counts.gcp_constraints++;
    }
  }

  const header = [
    `# Tagging policy ${policy.version} as guardrails (${clouds.join(', ')}); generated by finops-tag-compliance.`,
    ...(opts.scanId ? [`# Scan ${opts.scanId}: ${digest.violatingResources} violating resources.`] : []),
    opts.dryRun
      ? '# Dry run: AWS reports required tags without enforcing, Azure audits (inherit disabled), GCP uses dry_run_spec.'
      : '# Enforced: AWS enforced_for, Azure Deny + Modify, GCP spec.',
    ...warnings.map((w) => `# warning (${w.cloud}${w.tag ? `, ${w.tag.replace(/[\r\n]/g, ' ')}` : ''}): ${w.message.replace(/[\r\n]/g, ' ')}`),
  ];
  return { hcl: `${header.join('\n')}\n\n${blocks.join('\n\n')}\n`, counts, warnings };
}
