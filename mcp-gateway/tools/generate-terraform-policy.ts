// generate_terraform_policy: the tagging policy as Terraform guardrails for AWS (Organizations tag
// policy + REQUIRED_TAGS Config rules), Azure (Policy definitions + initiative) and GCP (custom
// constraints + org policies), scoped by what the scan found.
import { z } from 'zod';
import { generateTerraformPolicy } from '../../core/remediation/terraform.js';
import { defineTool } from '../context.js';
import { cloudsOf, guardrailOutputShape, guardrailParams, guardrailScan, guardrailSource, violationsByTag } from '../scans/guardrail-source.js';
import { dataQualityOf, dataQualitySchema, runningScan, scanStateShape } from '../scans/state-views.js';

export const generateTerraformPolicyTool = defineTool({
  name: 'generate_terraform_policy',
  title: 'Generate Terraform tagging guardrails',
  description:
    'Turns the tagging policy into Terraform (HCL) that makes each cloud enforce it. AWS: an Organizations tag policy ' +
    '(aws_organizations_policy, type TAG_POLICY, attached to var.aws_tag_policy_target_id) plus aws_config_config_rule ' +
    'REQUIRED_TAGS rules (several when more than 6 tags are required: the rule takes 6). Azure: azurerm_policy_definition ' +
    '"require tag with allowed values" and "inherit tag from the resource group if missing" per tag, in one initiative. ' +
    'GCP: google_org_policy_custom_constraint with a CEL condition on resource.labels, and the org policy enforcing it. ' +
    'Reads the scan of the scope (or scan_id): tags required for every type are reported for the AWS types the scan found ' +
    'violating, and counts per tag come back in violations_by_tag. dry_run (default true) writes report-only guardrails. ' +
    'Read warnings: they name what an engine cannot express (regexes on AWS/Azure, label rules on GCP). If the scan is ' +
    'still running, the reply has status "running": call get_scan_status, then this tool again.',
  inputSchema: z.object(guardrailParams).strict(),
  outputSchema: z.object({
    ...scanStateShape,
    cloud: z.enum(['aws', 'azure', 'gcp', 'all']).optional(),
    dry_run: z.boolean().optional(),
    terraform: z.string().optional().describe('The HCL (one main.tf); run terraform init, plan, apply'),
    counts: z.object({
      aws_tag_policies: z.number().int(), aws_config_rules: z.number().int(),
      azure_definitions: z.number().int(), gcp_constraints: z.number().int(),
    }).optional(),
    ...guardrailOutputShape,
    data_quality: dataQualitySchema.optional(),
  }),
  annotations: { title: 'Generate Terraform tagging guardrails', readOnlyHint: true, idempotentHint: true, openWorldHint: true },
  async handler(ctx, input) {
    const outcome = await guardrailScan(ctx, input);
    if (outcome.state === 'running') return runningScan(outcome.scanId, outcome.progress);
    const source = await guardrailSource(ctx, outcome.scan, outcome.cached);
    const clouds = cloudsOf(input.cloud);
    const artefact = generateTerraformPolicy(source.policy, source.digest, {
      clouds, dryRun: input.dry_run, targetTags: input.target_tags, namePrefix: input.name_prefix, scanId: outcome.scan.workflowId,
    });
    const c = artefact.counts;
    const dq = dataQualityOf(outcome.scan);
    return {
      structured: {
        status: 'completed' as const,
        scan_id: outcome.scan.workflowId,
        cloud: input.cloud,
        dry_run: input.dry_run,
        terraform: artefact.hcl,
        counts: c,
        policy_version_id: source.policyVersionId,
        violating_resources: source.digest.violatingResources,
        violations_by_tag: violationsByTag(source.digest, clouds),
        warnings: artefact.warnings,
        data_quality: dq,
      },
      text: `Terraform for policy version ${source.policyVersionId} (${input.dry_run ? 'dry run: report only' : 'enforcing'}): ` +
        `${c.aws_tag_policies} AWS tag polic${c.aws_tag_policies === 1 ? 'y' : 'ies'}, ${c.aws_config_rules} Config rule(s), ` +
        `${c.azure_definitions} Azure definition(s), ${c.gcp_constraints} GCP constraint(s); ` +
        `scan ${outcome.scan.workflowId} has ${source.digest.violatingResources} violating resource(s).` +
        `${artefact.warnings.length ? ` ${artefact.warnings.length} warning(s): read them before applying.` : ''}` +
        `${dq.status === 'partial' ? ' The scan is partial: some targets were not read.' : ''} The HCL is in the terraform field.`,
    };
  },
});
