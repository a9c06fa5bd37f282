// generate_config_rules: the policy as each cloud's native compliance engine takes it: AWS Config
// REQUIRED_TAGS rules in a CloudFormation template, Azure Policy definitions (JSON), GCP custom
// constraints with the org policies that enforce them (gcloud YAML). Pure: text out, no I/O.
import { Document, stringify } from 'yaml';
import type { Cloud } from '../resource.js';
import type { TaggingPolicy } from '../policy/index.js';
import { requiredTagsRules } from './config-rules-aws.js';
import { azurePolicyDefinitions } from './config-rules-azure.js';
import { gcpConstraints } from './config-rules-gcp.js';
import type { RemediationWarning, ScanDigest } from './config-rules-policy.js';
import { truncate } from './escape.js';

export const CONFIG_RULE_FORMATS = ['yaml', 'json'] as const;
export type ConfigRuleFormat = (typeof CONFIG_RULE_FORMATS)[number];

export interface ConfigRulesOptions {
  clouds: readonly Cloud[];
  /** Azure: Audit instead of Deny, Modify disabled. GCP: dryRunSpec instead of spec. AWS Config only detects either way. */
  dryRun: boolean;
  /** The CloudFormation template's syntax. */
  format: ConfigRuleFormat;
  /** Policy tag names to cover; all when absent. */
  targetTags?: readonly string[];
  /** Prefix of AWS Config rule names (unique per account and region). */
  namePrefix?: string;
  /** GCP organisation id; a placeholder when absent. */
  gcpOrganizationId?: string;
  /** Named in the artefacts' descriptions. */
  scanId?: string;
}

export interface ConfigRulesArtefacts {
  aws: { template: string; rules: number; keys: number } | null;
  azure: { definitions: string; count: number } | null;
  gcp: { constraints: string; count: number } | null;
  warnings: RemediationWarning[];
}

export const GCP_ORG_PLACEHOLDER = 'ORGANIZATION_ID';
// CloudFormation and gcloud read YAML 1.1, where `yes`, `on` or `2010-09-09` are not strings:
// writing 1.1 quotes every such value.
// A value used twice (a scope list) is written twice: CloudFormation refuses YAML aliases.
const YAML_OPTIONS = { version: '1.1', lineWidth: 0, aliasDuplicateObjects: false } as const;

export function generateConfigRules(policy: TaggingPolicy, digest: ScanDigest, opts: ConfigRulesOptions): ConfigRulesArtefacts {
  const warnings: RemediationWarning[] = [];
  const out: ConfigRulesArtefacts = { aws: null, azure: null, gcp: null, warnings };
  const source = opts.scanId ? ` Scan ${opts.scanId}: ${digest.violatingResources} violating resources.` : '';
  if (opts.clouds.includes('aws')) {
    const { rules, warnings: w } = requiredTagsRules(policy, { dryRun: opts.dryRun, targetTags: opts.targetTags });
    warnings.push(...w);
    const prefix = opts.namePrefix ?? 'tag-policy';
    const resources: Record<string, object> = {};
    for (const rule of rules) {
      resources[`RequiredTags${rule.index}`] = {
        Type: 'AWS::Config::ConfigRule',
        Properties: {
          ConfigRuleName: `${prefix}-required-tags-${rule.index}`.slice(0, 128),
          Description: truncate(`Requires the tags ${rule.keys.join(', ')} (tagging policy ${policy.version}).`, 256),
          Source: { Owner: 'AWS', SourceIdentifier: 'REQUIRED_TAGS' },
          InputParameters: rule.inputParameters,
          ...(rule.resourceTypes.length ? { Scope: { ComplianceResourceTypes: rule.resourceTypes } } : {}),
        },
      };
    }
    const template = {
      AWSTemplateFormatVersion: '2010-09-09',
      Description: truncate(`AWS Config REQUIRED_TAGS rules for tagging policy ${policy.version}.${source} ` +
        'Needs an AWS Config recorder in the account and region.', 1024),
      Resources: resources,
    };
    out.aws = {
      template: opts.format === 'json' ? `${JSON.stringify(template, null, 2)}\n` : stringify(template, YAML_OPTIONS),
      rules: rules.length,
      keys: rules.reduce((n, r) => n + r.keys.length, 0),
    };
  }
  if (opts.clouds.includes('azure')) {
    const { definitions, warnings: w } = azurePolicyDefinitions(policy, { dryRun: opts.dryRun, targetTags: opts.targetTags });
    warnings.push(...w);
    out.azure = { definitions: `${JSON.stringify(definitions, null, 2)}\n`, count: definitions.length };
  }
  if (opts.clouds.includes('gcp')) {
    const { constraints, warnings: w } = gcpConstraints(policy, digest, { targetTags: opts.targetTags });
    warnings.push(...w);
    const org = `organizations/${opts.gcpOrganizationId ?? GCP_ORG_PLACEHOLDER}`;
    // `gcloud org-policies set-custom-constraint` takes one constraint a file, `set-policy` one policy:
    // the documents are separated so each can be cut out as it is.
    const docs: Document[] = [];
    for (const c of constraints) {
      const doc = new Document({
        name: `${org}/customConstraints/${c.id}`,
        resourceTypes: c.resourceTypes,
        methodTypes: c.methodTypes,
        condition: c.condition,
        actionType: c.actionType,
        displayName: c.displayName,
        description: c.description,
      }, YAML_OPTIONS);
      doc.commentBefore = ` gcloud org-policies set-custom-constraint (constraint ${c.id})`;
      docs.push(doc);
    }
    for (const c of constraints) {
      const doc = new Document({
        name: `${org}/policies/${c.id}`,
        [opts.dryRun ? 'dryRunSpec' : 'spec']: { rules: [{ enforce: true }] },
      }, YAML_OPTIONS);
      doc.commentBefore = ` gcloud org-policies set-policy (${opts.dryRun ? 'dry run: violations are logged, not refused' : 'enforced'})`;
      docs.push(doc);
    }
    out.gcp = { constraints: docs.map((d) => d.toString(YAML_OPTIONS)).join('---\n'), count: constraints.length };
  }
  return out;
}
