// generate_config_rules: the tagging policy as each cloud's native compliance rules: AWS Config
// REQUIRED_TAGS rules (a CloudFormation template), Azure Policy definitions (JSON), GCP custom
// constraints and the org policies enforcing them (gcloud YAML).
import { z } from 'zod';
import { CONFIG_RULE_FORMATS, generateConfigRules } from '../../core/remediation/config-rules.js';
import { defineTool } from '../context.js';
import { cloudsOf, guardrailOutputShape, guardrailParams, guardrailScan, guardrailSource, violationsByTag } from '../scans/guardrail-source.js';
import { dataQualityOf, dataQualitySchema, runningScan, scanStateShape } from '../scans/state-views.js';

export const generateConfigRulesTool = defineTool({
  name: 'generate_config_rules',
  title: 'Generate cloud compliance rules',
  description:
    'Turns the tagging policy into the native compliance rules of each cloud. AWS: a CloudFormation template (yaml or ' +
    'json) of AWS::Config::ConfigRule REQUIRED_TAGS rules, split so none has more than 6 tags; deploy with aws ' +
    'cloudformation deploy (needs a Config recorder). Azure: Azure Policy definitions (JSON array; per tag, require it with ' +
    'its allowed values, and inherit it from the resource group); create with az policy definition create. GCP: ' +
    'custom constraints (CEL on resource.labels) and the org policies enforcing them, as YAML documents for gcloud ' +
    'org-policies set-custom-constraint / set-policy (organization id from gcp_organization_id, else a placeholder). ' +
    'Reads the scan of the scope (or scan_id) for counts per tag and the types to cover. dry_run (default true): Azure ' +
    'Audit with Modify disabled, GCP dryRunSpec (AWS Config rules only detect either way). Read warnings before deploying.',
  inputSchema: z.object({
    ...guardrailParams,
    format: z.enum(CONFIG_RULE_FORMATS).default('yaml').describe('Syntax of the CloudFormation template'),
    gcp_organization_id: z.string().regex(/^[0-9]{1,20}$/, 'the numeric organization id').optional()
      .describe('GCP organization id written into constraint and policy names; default the placeholder ORGANIZATION_ID'),
  }).strict(),
  outputSchema: z.object({
    ...scanStateShape,
    cloud: z.enum(['aws', 'azure', 'gcp', 'all']).optional(),
    dry_run: z.boolean().optional(),
    aws_cloudformation: z.string().nullable().optional().describe('CloudFormation template of the Config rules; null when AWS was not asked'),
    aws_config_rules: z.number().int().optional(),
    azure_policy_definitions: z.string().nullable().optional().describe('JSON array of Azure Policy definitions ({name, properties})'),
    azure_definitions: z.number().int().optional(),
    gcp_constraints: z.string().nullable().optional().describe('YAML documents: custom constraints, then their org policies'),
    gcp_constraint_count: z.number().int().optional(),
    ...guardrailOutputShape,
    data_quality: dataQualitySchema.optional(),
  }),
  annotations: { title: 'Generate cloud compliance rules', readOnlyHint: true, idempotentHint: true, openWorldHint: true },
  async handler(ctx, input) {
    const outcome = await guardrailScan(ctx, input);
    if (outcome.state === 'running') return runningScan(outcome.scanId, outcome.progress);
    const source = await guardrailSource(ctx, outcome.scan, outcome.cached);
    const clouds = cloudsOf(input.cloud);
    const out = generateConfigRules(source.policy, source.digest, {
      clouds, dryRun: input.dry_run, format: input.format, targetTags: input.target_tags, namePrefix: input.name_prefix,
      gcpOrganizationId: input.gcp_organization_id, scanId: outcome.scan.workflowId,
    });
    const dq = dataQualityOf(outcome.scan);
    const parts = [
      out.aws && `${out.aws.rules} AWS Config rule(s) covering ${out.aws.keys} tag(s)`,
      out.azure && `${out.azure.count} Azure Policy definition(s)`,
      out.gcp && `${out.gcp.count} GCP custom constraint(s)`,
    ].filter(Boolean);
    return {
      structured: {
        status: 'completed' as const,
        scan_id: outcome.scan.workflowId,
        cloud: input.cloud,
        dry_run: input.dry_run,
        aws_cloudformation: out.aws?.template ?? null,
        aws_config_rules: out.aws?.rules ?? 0,
        azure_policy_definitions: out.azure?.definitions ?? null,
        azure_definitions: out.azure?.count ?? 0,
        gcp_constraints: out.gcp?.constraints ?? null,
        gcp_constraint_count: out.gcp?.count ?? 0,
        policy_version_id: source.policyVersionId,
        violating_resources: source.digest.violatingResources,
        violations_by_tag: violationsByTag(source.digest, clouds),
        warnings: out.warnings,
        data_quality: dq,
      },
      text: `Compliance rules for policy version ${source.policyVersionId} (${input.dry_run ? 'dry run' : 'enforcing'}): ${parts.join(', ')}; ` +
        `scan ${outcome.scan.workflowId} has ${source.digest.violatingResources} violating resource(s).` +
        `${out.warnings.length ? ` ${out.warnings.length} warning(s): read them before deploying.` : ''}` +
        `${dq.status === 'partial' ? ' The scan is partial: some targets were not read.' : ''}`,
    };
  },
});
