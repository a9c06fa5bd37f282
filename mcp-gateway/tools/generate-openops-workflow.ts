// generate_openops_workflow: an OpenOps workflow (import JSON) that tags a scan's non-compliant AWS
// resources in batches of at most 20 ARNs, on a schedule, gated by a compliance threshold.
import { z } from 'zod';
import { generateOpenOpsWorkflow, MAX_ARNS_PER_CALL, OPENOPS_SCHEDULES, OPENOPS_STRATEGIES } from '../../core/remediation/openops.js';
import { defineTool } from '../context.js';
import { findingRows, modelSuggestions, policyOfScan, remediationParams, remediationScan } from '../remediation/scan-source.js';
import { runningScan, scanStateShape } from '../scans/state-views.js';

export const generateOpenopsWorkflow = defineTool({
  name: 'generate_openops_workflow',
  title: 'Generate OpenOps workflow',
  description:
    'Writes an OpenOps workflow (the JSON OpenOps imports: Workflows > Import) that tags the resources a scan found ' +
    `non-compliant: a schedule trigger, a compliance gate, then AWS CLI steps running \`aws resourcegroupstaggingapi tag-resources\` ` +
    `on at most ${MAX_ARNS_PER_CALL} ARNs each, with the values from suggestions, the policy's single allowed value, the ` +
    'value under a wrong-case key, or a "<set Key>" placeholder (such steps stay in dry run until filled in). ' +
    'remediation_strategy notify (default) keeps every step in OpenOps dry run (commands shown, not run); auto_tag runs ' +
    'them. threshold (percent): tag only when the scan\'s compliance score is below it. AWS only. Reads the latest ' +
    'scan of the scope (starting one if none is fresh), or scan_id.',
  inputSchema: z.object({
    ...remediationParams,
    remediation_strategy: z.enum(OPENOPS_STRATEGIES).default('notify')
      .describe('notify: steps in dry run, nothing changes; auto_tag: steps write the tags'),
    threshold: z.number().min(0).max(100).optional()
      .describe('Compliance score in percent (e.g. 90): tag steps are generated only when the scan scored below it'),
    target_tags: z.array(z.string().min(1).max(128)).max(50).optional().describe('Tag keys to fix, as the policy spells them (default all)'),
    schedule: z.enum(OPENOPS_SCHEDULES).default('daily').describe('How often the workflow runs'),
    hour_of_day: z.number().int().min(0).max(23).default(2).describe('Hour it runs (daily, weekly, monthly)'),
    timezone: z.string().max(64).default('UTC').describe('IANA time zone of hour_of_day'),
    max_resources: z.number().int().min(1).max(20_000).default(2000).describe('Resources tagged at most; the rest are counted as skipped'),
  }).strict(),
  outputSchema: z.object({
    ...scanStateShape,
    workflow_json: z.string().optional().describe('The file to import into OpenOps'),
    compliance_score_percent: z.number().nullable().optional(),
    below_threshold: z.boolean().optional().describe('False when the score is at or above threshold: no tag steps'),
    steps: z.number().int().optional(),
    batches: z.number().int().optional(),
    resources_to_tag: z.number().int().optional(),
    placeholders: z.number().int().optional().describe('Resources with a <set Key> value to fill in'),
    skipped: z.object({ not_aws: z.number().int(), over_limit: z.number().int(), nothing_to_set: z.number().int() }).optional(),
  }),
  annotations: { title: 'Generate OpenOps workflow', readOnlyHint: true, idempotentHint: true, openWorldHint: true },
  async handler(ctx, input) {
    const outcome = await remediationScan(ctx, input);
    if (outcome.state === 'running') return runningScan(outcome.scanId, outcome.progress);
    const scan = outcome.scan;
    const score = scan.totals && scan.totals.total > 0 ? scan.totals.score : null;
    const policy = await policyOfScan(ctx, scan);
    const suggest = input.use_suggestions ? await modelSuggestions(ctx, scan, policy) : undefined;
    const out = await generateOpenOpsWorkflow(policy, findingRows(ctx.store, scan.id, { nonCompliantOnly: true }), {
      resourceTypes: input.resource_types,
      targetTags: input.target_tags,
      strategy: input.remediation_strategy,
      ...(input.threshold !== undefined ? { threshold: input.threshold } : {}),
      score,
      schedule: input.schedule,
      hourOfDay: input.hour_of_day,
      timezone: input.timezone,
      maxResources: input.max_resources,
      suggestions: input.suggestions,
      suggest,
      scanId: scan.workflowId,
    });
    const scorePercent = score === null ? null : Math.round(score * 10_000) / 100;
    return {
      structured: {
        status: 'completed' as const,
        scan_id: scan.workflowId,
        workflow_json: JSON.stringify(out.workflow, null, 2),
        compliance_score_percent: scorePercent,
        below_threshold: out.belowThreshold,
        steps: out.batches.length + 2,
        batches: out.batches.length,
        resources_to_tag: out.resourcesToTag,
        placeholders: out.placeholders,
        skipped: { not_aws: out.skipped.notAws, over_limit: out.skipped.overLimit, nothing_to_set: out.skipped.nothingToSet },
      },
      text: out.belowThreshold
        ? `OpenOps workflow for scan ${scan.workflowId}: ${out.resourcesToTag} resource(s) in ${out.batches.length} tag batch(es), ` +
          `${input.remediation_strategy === 'notify' ? 'dry run (nothing changes)' : 'auto_tag'}, runs ${input.schedule}.` +
          (out.placeholders ? ` ${out.placeholders} resource(s) need a value filled in (<set Key>).` : '') +
          (out.skipped.overLimit ? ` ${out.skipped.overLimit} more over max_resources.` : '')
        : `Compliance ${scorePercent}% is at or above the threshold ${input.threshold}%: the workflow has no tag steps.`,
    };
  },
});
