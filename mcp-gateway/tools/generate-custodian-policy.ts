// generate_custodian_policy: Cloud Custodian policies (YAML) and a c7n-org accounts file from a
// scan's violations; dry run (default) marks and notifies, otherwise the policies tag.
import { z } from 'zod';
import { CUSTODIAN_KINDS } from '../../core/remediation/custodian-filters.js';
import { generateCustodianPolicies } from '../../core/remediation/custodian.js';
import { defineTool } from '../context.js';
import { ToolError } from '../errors.js';
import { findingRows, modelSuggestions, policyOfScan, remediationParams, remediationScan } from '../remediation/scan-source.js';
import { runningScan, scanStateShape } from '../scans/state-views.js';

const SCHEDULES: Record<string, string> = { hourly: 'rate(1 hour)', daily: 'rate(1 day)', weekly: 'rate(7 days)' };
const SCHEDULE_EXPRESSION = /^(rate\(\d{1,4} (minute|minutes|hour|hours|day|days)\)|cron\([0-9*?,/\-LW# A-Z]{9,100}\))$/;

export const generateCustodianPolicy = defineTool({
  name: 'generate_custodian_policy',
  title: 'Generate Cloud Custodian policy',
  description:
    'Writes Cloud Custodian policies (YAML) that find, and optionally fix, the resources a scan found non-compliant, plus ' +
    'a c7n-org accounts file for running them across accounts. One audit policy per AWS resource type: its filters ' +
    'restate the tagging policy (missing tags, values outside allowed_values, regex mismatches, wrong-case keys), so ' +
    'Custodian selects the same resources the scan did. dry_run (default true) marks them (mark-for-op, grace_days) ' +
    'and notifies owners; nothing is changed. dry_run false writes fix policies instead: tag actions with the values ' +
    'in suggestions (or the single allowed value) and placeholders "<set Key>" to fill in elsewhere, and rename-tag ' +
    'for wrong-case keys. Reads the latest scan of the scope (starting one if none is fresh), or scan_id. Run with ' +
    '`custodian run --dryrun -s out policy.yml` first.',
  inputSchema: z.object({
    ...remediationParams,
    violation_types: z.array(z.enum(CUSTODIAN_KINDS)).max(CUSTODIAN_KINDS.length).optional()
      .describe('Finding kinds to act on (default all): missing_required_tag, wrong_key_case, empty_value, invalid_value, invalid_format'),
    target_tags: z.array(z.string().min(1).max(128)).max(50).optional().describe('Tag keys to act on, as the policy spells them (default all)'),
    dry_run: z.boolean().default(true).describe('true: mark-for-op + notify only; false: tag / rename-tag actions'),
    grace_days: z.number().int().min(0).max(365).default(7).describe('Days between the mark and the operation (dry run)'),
    mode: z.enum(['pull', 'periodic']).default('pull').describe('pull: run from the command line; periodic: a scheduled Lambda'),
    schedule: z.string().max(120).default('daily')
      .describe('periodic mode: hourly, daily, weekly, or a CloudWatch expression such as rate(12 hours) or cron(0 2 * * ? *)'),
    execution_role: z.string().max(256).optional()
      .describe('periodic mode: the Lambda\'s IAM role (default arn:aws:iam::{account_id}:role/CloudCustodianRole)'),
    notify_to: z.array(z.string().min(1).max(254)).max(20).default(['resource-owner'])
      .describe('notify recipients: emails, or resource-owner (the resource\'s owner tag via c7n-mailer)'),
    notify_queue: z.string().max(512).default('https://sqs.{region}.amazonaws.com/{account_id}/cloud-custodian-mailer')
      .describe('SQS queue c7n-mailer reads'),
  }).strict(),
  outputSchema: z.object({
    ...scanStateShape,
    policy_yaml: z.string().optional().describe('The Custodian policy file'),
    accounts_yaml: z.string().optional().describe('The c7n-org accounts file'),
    policies: z.array(z.object({
      name: z.string(), resource: z.string(), resource_type: z.string(), purpose: z.enum(['audit', 'tag', 'rename']),
      tag: z.string().optional(), resources_in_scan: z.number().int(), placeholder: z.boolean().optional(),
    })).optional(),
    violating_resources: z.number().int().optional(),
    unsupported_types: z.array(z.object({ resource_type: z.string(), resources: z.number().int() })).optional()
      .describe('Violating resources of types Custodian has no resource for (or not AWS): not covered'),
    notes: z.array(z.string()).optional(),
  }),
  annotations: { title: 'Generate Cloud Custodian policy', readOnlyHint: true, idempotentHint: true, openWorldHint: true },
  async handler(ctx, input) {
    const schedule = SCHEDULES[input.schedule] ?? input.schedule;
    if (input.mode === 'periodic' && !SCHEDULE_EXPRESSION.test(schedule)) {
      throw new ToolError(
        `invalid schedule "${input.schedule}": use hourly, daily, weekly, rate(N unit) or cron(6 fields)`);
    }
    const outcome = await remediationScan(ctx, input);
    if (outcome.state === 'running') return runningScan(outcome.scanId, outcome.progress);
    const scan = outcome.scan;
    const policy = await policyOfScan(ctx, scan);
    const suggest = input.use_suggestions ? await modelSuggestions(ctx, scan, policy) : undefined;
    const out = await generateCustodianPolicies(policy, findingRows(ctx.store, scan.id, { nonCompliantOnly: true }), {
      resourceTypes: input.resource_types,
      violationTypes: input.violation_types,
      targetTags: input.target_tags,
      dryRun: input.dry_run,
      graceDays: input.grace_days,
      ...(input.mode === 'periodic'
        ? { periodic: { schedule, role: input.execution_role ?? 'arn:aws:iam::{account_id}:role/CloudCustodianRole' } } : {}),
      notify: { to: input.notify_to, queue: input.notify_queue },
      roleName: ctx.config.clouds.aws.crossAccountRoleName,
      managementAccountId: ctx.config.clouds.aws.managementAccountId,
      suggestions: input.suggestions,
      suggest,
      scanId: scan.workflowId,
    });
    const placeholders = out.policies.filter((p) => p.placeholder).length;
    return {
      structured: {
        status: 'completed' as const,
        scan_id: scan.workflowId,
        policy_yaml: out.policyYaml,
        accounts_yaml: out.accountsYaml,
        policies: out.policies.map((p) => ({
          name: p.name, resource: p.resource, resource_type: p.resourceType, purpose: p.purpose,
          ...(p.tag ? { tag: p.tag } : {}), resources_in_scan: p.resourcesInScan, ...(p.placeholder ? { placeholder: true } : {}),
        })),
        violating_resources: out.violatingResources,
        unsupported_types: out.unsupportedTypes.map((u) => ({ resource_type: u.resourceType, resources: u.resources })),
        notes: out.notes,
      },
      text: `${out.policies.length} Custodian polic${out.policies.length === 1 ? 'y' : 'ies'} for ${out.violatingResources} violating ` +
        `resource(s) of scan ${scan.workflowId} (${input.dry_run ? 'dry run: mark-for-op + notify, nothing changed' : 'fix policies'}); ` +
        `c7n-org accounts file for ${out.accounts.length} account(s).` +
        (placeholders ? ` ${placeholders} polic${placeholders === 1 ? 'y has' : 'ies have'} a placeholder value to fill in.` : '') +
        (out.unsupportedTypes.length ? ` Not covered: ${out.unsupportedTypes.map((u) => u.resourceType).join(', ')}.` : ''),
    };
  },
});
