// export_for_automation: a scan's violations with the tag values that fix them, as JSON Lines and
// as an Ansible inventory (vars: tag_remediations), a page of resources at a time.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { encodeCursor } from '../../core/report/index.js';
import { exportForAutomation } from '../../core/remediation/automation.js';
import { defineTool } from '../context.js';
import { ToolError } from '../errors.js';
import { findingRows, modelSuggestions, policyOfScan, remediationParams, remediationScan } from '../remediation/scan-source.js';
import { runningScan, scanStateShape } from '../scans/state-views.js';
import { toolCursor } from '../scans/tool-cursors.js';

export const exportForAutomationTool = defineTool({
  name: 'export_for_automation',
  title: 'Export violations for automation',
  description:
    'Exports a scan\'s non-compliant resources for automation tools, in two forms: JSON Lines (one resource a line: ' +
    'ids, account, region, type, current tags, violations, and tags_to_set, the values that fix the errors) and an ' +
    'Ansible inventory YAML whose vars.tag_remediations lists, per resource, the ARN, region and tags to set (every ' +
    'value marked !unsafe so Ansible never templates it). Values come from suggestions (e.g. suggest_tags), the ' +
    'policy\'s single allowed value or the value under a wrong-case key; otherwise a "<set Key>" placeholder that ' +
    'AWS refuses until filled in (placeholder: true). Paged: limit resources per call, pass next_cursor back. ' +
    'Reads the latest scan of the scope (starting one if none is fresh), or scan_id.',
  inputSchema: z.object({
    ...remediationParams,
    target_tags: z.array(z.string().min(1).max(128)).max(50).optional().describe('Tag keys to fix, as the policy spells them (default all)'),
    include_warnings: z.boolean().default(false).describe('Also export compliant resources that have warnings'),
    limit: z.number().int().min(1).max(10_000).default(1000).describe('Resources per export'),
    cursor: z.string().max(4096).optional().describe('next_cursor of the previous export, to continue it'),
  }).strict(),
  outputSchema: z.object({
    ...scanStateShape,
    jsonl: z.string().optional().describe('JSON Lines: one resource a line'),
    ansible_yaml: z.string().optional().describe('Ansible inventory; the remediations are all.vars.tag_remediations'),
    records: z.number().int().optional(),
    placeholders: z.number().int().optional().describe('Resources with a <set Key> value to fill in'),
    next_cursor: z.string().nullable().optional().describe('Pass as cursor for the next page; null when this was the last'),
  }),
  annotations: { title: 'Export violations for automation', readOnlyHint: true, idempotentHint: true, openWorldHint: true },
  async handler(ctx, input) {
    const filter = createHash('sha256').update(JSON.stringify([input.resource_types ?? null, input.target_tags ?? null,
      input.include_warnings, Object.keys(input.suggestions ?? {}).length, input.use_suggestions])).digest('hex').slice(0, 16);
    let after: string | undefined;
    let outcome;
    if (input.cursor) {
      const cursor = toolCursor(input.cursor, filter, 'another export');
      const scan = await ctx.store.getScan(cursor.scanId);
      if (!scan || scan.status !== 'completed') {
        throw new ToolError('the scan this cursor pages through is no longer available; call again without cursor');
      }
      outcome = { state: 'done' as const, scan, cached: true };
      after = cursor.after;
    } else {
      outcome = await remediationScan(ctx, input);
    }
    if (outcome.state === 'running') return runningScan(outcome.scanId, outcome.progress);
    const scan = outcome.scan;
    const policy = await policyOfScan(ctx, scan);
    const suggest = input.use_suggestions ? await modelSuggestions(ctx, scan, policy) : undefined;
    const out = await exportForAutomation(policy,
      findingRows(ctx.store, scan.id, { nonCompliantOnly: !input.include_warnings, after }), {
        resourceTypes: input.resource_types,
        targetTags: input.target_tags,
        includeWarnings: input.include_warnings,
        limit: input.limit,
        suggestions: input.suggestions,
        suggest,
        scanId: scan.workflowId,
      });
    const next = out.nextAfter === null ? null : encodeCursor({ scanId: scan.id, after: out.nextAfter, filter });
    return {
      structured: {
        status: 'completed' as const,
        scan_id: scan.workflowId,
        jsonl: out.jsonl,
        ansible_yaml: out.ansibleYaml,
        records: out.records,
        placeholders: out.placeholders,
        next_cursor: next,
      },
      text: `${out.records} resource(s) from scan ${scan.workflowId} as JSON Lines and an Ansible inventory` +
        `${out.placeholders ? `; ${out.placeholders} with a <set Key> value to fill in` : ''}${next ? '; more with next_cursor' : ''}.`,
    };
  },
});
