// Azure Policy definitions for the policy, one pair per tag: "require the tag (with its allowed
// values)" (deny, or audit in dry run) and "inherit the tag from the resource group if missing"
// (modify, disabled in dry run). The documented definition shape:
// https://learn.microsoft.com/azure/governance/policy/concepts/definition-structure-basics
// Keys and values travel as parameters, never inside expressions, so no policy string is ever
// evaluated as an ARM template expression.
import { cloudRules, type RemediationWarning } from './config-rules-policy.js';
import { stableSuffix, truncate } from './escape.js';
import type { TaggingPolicy } from '../policy/index.js';

/** Tag Contributor: enough for a modify effect on tags (what the built-in inherit policies use). */
export const TAG_CONTRIBUTOR_ROLE = '/providers/Microsoft.Authorization/roleDefinitions/4a9ae827-6dc8-4573-8ac7-8239d42aa03f';
// Azure refuses these characters in tag names.
const FORBIDDEN_TAG_CHARS = /[<>%&\\?/]/;
const TAG_FIELD = "[concat('tags[', parameters('tagName'), ']')]";
const RG_TAG = "[resourceGroup().tags[parameters('tagName')]]";

export interface AzurePolicyDefinition {
  /** At most 64 characters, none of `<>*%&:\?.+/`. */
  name: string;
  properties: {
    displayName: string;
    policyType: 'Custom';
    mode: 'Indexed';
    description: string;
    metadata: { category: string; version: string };
    parameters: Record<string, AzureParameter>;
    policyRule: { if: object; then: object };
  };
}

interface AzureParameter {
  type: 'String' | 'Array';
  metadata: { displayName: string; description: string };
  defaultValue: unknown;
  allowedValues?: string[];
}

export interface AzureOptions {
  dryRun: boolean;
  targetTags?: readonly string[];
}

/** `azure:compute/virtualmachines` -> `Microsoft.compute/virtualmachines` (ARM compares types case-insensitively). */
function armType(type: string): string {
  return `Microsoft.${type.slice('azure:'.length)}`;
}

export function azurePolicyDefinitions(policy: TaggingPolicy, opts: AzureOptions): { definitions: AzurePolicyDefinition[]; warnings: RemediationWarning[] } {
  const warnings: RemediationWarning[] = [];
  const definitions: AzurePolicyDefinition[] = [];
  for (const rule of cloudRules(policy, 'azure', opts.targetTags)) {
    if (FORBIDDEN_TAG_CHARS.test(rule.key)) {
      warnings.push({ cloud: 'azure', tag: rule.name, message: `"${rule.key}" cannot be an Azure tag name (no < > % & \\ ? /): no definition written` });
      continue;
    }
    // An optional tag without allowed values constrains nothing Azure could check.
    if (!rule.required && !rule.values) continue;
    if (rule.regex) {
      warnings.push({ cloud: 'azure', tag: rule.name, message: `validation_regex ${rule.regex} has no Azure Policy equivalent; scans still check it` });
    }
    const suffix = stableSuffix(rule.key);
    const slug = rule.key.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 30);
    const typeCondition = typeFilter(rule.appliesTo);
    const tagParam: AzureParameter = {
      type: 'String', metadata: { displayName: 'Tag name', description: 'The tag to require' }, defaultValue: rule.key,
    };
    const absent = { field: TAG_FIELD, exists: 'false' };
    const findings: object[] = [];
    if (rule.required) findings.push(absent);
    const parameters: Record<string, AzureParameter> = { tagName: tagParam };
    if (rule.values) {
      parameters.allowedValues = {
        type: 'Array', metadata: { displayName: 'Allowed values', description: 'Values the tag may take' }, defaultValue: rule.values,
      };
      // A present tag with another value; an absent optional tag is fine.
      findings.push({ allOf: [{ field: TAG_FIELD, exists: 'true' }, { field: TAG_FIELD, notIn: "[parameters('allowedValues')]" }] });
    }
    parameters.effect = {
      type: 'String', metadata: { displayName: 'Effect', description: 'Deny blocks the request; Audit only reports it' },
      allowedValues: ['Deny', 'Audit', 'Disabled'], defaultValue: opts.dryRun ? 'Audit' : 'Deny',
    };
    const finding = findings.length === 1 ? findings[0]! : { anyOf: findings };
    definitions.push({
      name: `require-tag-${slug}-${suffix}`.slice(0, 64),
      properties: {
        displayName: truncate(`Require tag ${rule.key}${rule.values ? ' with an allowed value' : ''}`, 128),
        policyType: 'Custom',
        mode: 'Indexed',
        description: truncate(`${rule.required ? 'Requires' : 'Checks the value of'} the tag "${rule.key}" (policy tag "${rule.name}")` +
          `${rule.values ? `; allowed values: ${rule.values.join(', ')}` : ''}.`, 512),
        metadata: { category: 'Tags', version: '1.0.0' },
        parameters,
        policyRule: { if: typeCondition ? { allOf: [typeCondition, finding] } : finding, then: { effect: "[parameters('effect')]" } },
      },
    });
    if (!rule.required) continue;
    definitions.push({
      name: `inherit-tag-${slug}-${suffix}`.slice(0, 64),
      properties: {
        displayName: truncate(`Inherit tag ${rule.key} from the resource group if missing`, 128),
        policyType: 'Custom',
        mode: 'Indexed',
        description: truncate(`Adds the resource group's "${rule.key}" tag to a resource that lacks it.`, 512),
        metadata: { category: 'Tags', version: '1.0.0' },
        parameters: {
          tagName: tagParam,
          effect: {
            type: 'String', metadata: { displayName: 'Effect', description: 'Modify adds the tag; Disabled turns the policy off' },
            allowedValues: ['Modify', 'Disabled'], defaultValue: opts.dryRun ? 'Disabled' : 'Modify',
          },
        },
        policyRule: {
          if: { allOf: [...(typeCondition ? [typeCondition] : []), absent, { value: RG_TAG, notEquals: '' }] },
          then: {
            effect: "[parameters('effect')]",
            details: { roleDefinitionIds: [TAG_CONTRIBUTOR_ROLE], operations: [{ operation: 'add', field: TAG_FIELD, value: RG_TAG }] },
          },
        },
      },
    });
  }
  if (definitions.some((d) => d.properties.parameters.allowedValues)) {
    warnings.push({ cloud: 'azure', tag: null, message: 'Azure Policy compares tag values case-insensitively: a value in another case passes there, not in scans' });
  }
  return { definitions, warnings };
}

/** The `type` condition for applies_to; null for every type. Wildcards become `like`. */
function typeFilter(appliesTo: readonly string[]): object | null {
  if (appliesTo.length === 0 || appliesTo.includes('azure:*')) return null;
  const exact = appliesTo.filter((t) => !t.endsWith('/*')).map(armType);
  const like = appliesTo.filter((t) => t.endsWith('/*')).map((t) => ({ field: 'type', like: armType(t) }));
  const conditions = [...(exact.length ? [{ field: 'type', in: exact }] : []), ...like];
  return conditions.length === 1 ? conditions[0]! : { anyOf: conditions };
}
