// suggest_tags: values for the required tags a resource lacks or carries with a rejected value,
// learned from the tagged resources of the latest scan that saw it, each with a calibrated
// confidence and its evidence. With scan_id alone, the same for every non-compliant resource of
// that scan, as keyset pages (what remediation generators read).
import { z } from 'zod';
import { compilePolicy } from '../../core/policy/index.js';
import { encodeCursor } from '../../core/report/index.js';
import { DEFAULT_MIN_CONFIDENCE, suggestTags, type SuggestionModel, type SuggestSubject, type TagSuggestion } from '../../core/suggest/index.js';
import type { ScanRecord } from '../../store/index.js';
import { loadActivePolicy } from '../../store/policy-sync.js';
import { defineTool, type ToolContext } from '../context.js';
import { ToolError } from '../errors.js';
import { suggestionModel } from '../suggestions/model-cache.js';
import { toolCursor } from '../scans/tool-cursors.js';

const suggestionSchema = z.object({
  tag: z.string().describe('The required tag, as the policy spells it'),
  reason: z.enum(['missing', 'invalid']).describe('missing: the resource lacks the tag; invalid: its value is rejected by the policy'),
  current_value: z.string().optional().describe('The rejected value, for reason "invalid"'),
  status: z.enum(['suggested', 'no_confident_suggestion']),
  value: z.string().nullable().describe('The suggested value when status is "suggested" (always allowed by the policy); else null'),
  best_guess: z.string().optional().describe('With no_confident_suggestion: the most probable value, below the confidence threshold'),
  confidence: z.number().min(0).max(1).nullable()
    .describe('Probability that the value (or best_guess) is right, calibrated on held-out resources of the same scan; null when there is no guess'),
  evidence: z.array(z.string()).describe('Counts from the scan that support the value, e.g. "14 of 15 tagged resources in vpc-123 have CostCenter=CC-1010"'),
  note: z.string().optional().describe('Why there is no confident suggestion'),
});

const resourceSchema = z.object({
  resource_id: z.string().describe('ARN, Azure resource id or GCP resource name'),
  resource_type: z.string(),
  account: z.string(),
  region: z.string(),
  name: z.string().nullable(),
  tags: z.record(z.string(), z.string()).describe('Tags as the scan saw them'),
  suggestions: z.array(suggestionSchema).describe('One per required tag that needs a value; empty when the current policy finds none missing or invalid'),
});

const modelSchema = z.object({
  trained_on: z.number().int().describe('Resources of the scan with at least one acceptable policy tag'),
  tags: z.array(z.object({
    tag: z.string(),
    tagged_resources: z.number().int().describe('Resources the value of this tag was learned from'),
    values_seen: z.number().int(),
    calibration: z.enum(['isotonic', 'platt']),
    calibration_samples: z.number().int().describe('Held-out predictions the confidence was calibrated on'),
    pooled: z.boolean().describe('True when too few samples of this tag, so the curve was fitted on all tags together'),
  })),
});

/** Ids never hold control characters, and PostgreSQL text cannot hold NUL: refused before any query. */
function noControlCharacters(id: string): boolean {
  return ![...id].some((c) => c.charCodeAt(0) < 0x20);
}

export const suggestTagsTool = defineTool({
  name: 'suggest_tags',
  title: 'Suggest tag values',
  description:
    'Suggests values for the required tags a resource is missing or carries with a value the policy rejects, learned from ' +
    'the tagged resources of a stored compliance scan: name and id tokens, account, region, VPC, subnet, security groups and ' +
    'the other tags on the resource. Give resource_arn for one resource (an ARN, or an Azure resource id / GCP resource ' +
    'name): it is looked up in the newest completed scan that saw it (or in scan_id when given). Give scan_id alone to get ' +
    'suggestions for every non-compliant resource of that scan, a page at a time (pass next_cursor back as cursor). Run ' +
    'check_tag_compliance first if no scan covers the resource. Each suggestion has a confidence that is a probability ' +
    '(0.9 means right about 9 times in 10 on held-out resources of the same scan) and evidence counts; under min_confidence ' +
    'the status is "no_confident_suggestion" with the best guess, and a resource that shares nothing with any tagged ' +
    'resource gets no guess at all. A suggested value is always one the policy allows. Nothing is written: apply a value ' +
    'yourself, then confirm with validate_resource_tags.',
  inputSchema: z.object({
    resource_arn: z.string().min(1).max(2048, 'a resource id is at most 2048 characters')
      .refine(noControlCharacters, 'must not contain control characters').optional()
      .describe('ARN (arn:aws:ec2:us-east-1:123456789012:instance/i-0abc), Azure resource id or GCP resource name of one resource'),
    scan_id: z.string().min(1).max(300).refine(noControlCharacters, 'must not contain control characters').optional()
      .describe('A completed scan (scan_id from check_tag_compliance or list_scans). Alone: suggest for all of its non-compliant resources, paginated'),
    min_confidence: z.number().min(0).max(1).default(DEFAULT_MIN_CONFIDENCE)
      .describe('Confidence a value needs to be suggested (default 0.7)'),
    limit: z.number().int().min(1).max(200).default(50).describe('Bulk mode: non-compliant resources per page (max 200)'),
    cursor: z.string().max(4096).optional().describe('Bulk mode: next_cursor of the previous page, with the same scan_id and min_confidence'),
  }).strict(),
  outputSchema: z.object({
    scan_id: z.string().describe('The scan the suggestions were learned from'),
    scan_finished_at: z.string().nullable(),
    policy_version_id: z.number().int(),
    min_confidence: z.number(),
    model: modelSchema,
    resources: z.array(resourceSchema),
    total_non_compliant: z.number().int().optional().describe('Bulk mode: non-compliant resources in the scan, over every page'),
    next_cursor: z.string().nullable().optional().describe('Bulk mode: pass as cursor for the next page; null on the last page'),
  }),
  annotations: { title: 'Suggest tag values', readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  async handler(ctx, input) {
    if (input.resource_arn === undefined && input.scan_id === undefined) {
      throw new ToolError('give resource_arn (one resource) or scan_id (every non-compliant resource of a scan)');
    }
    if (input.resource_arn !== undefined && input.cursor !== undefined) {
      throw new ToolError('cursor pages through a scan: use it with scan_id alone, not with resource_arn');
    }
    const loaded = await loadActivePolicy(ctx.store, ctx.config.policy.path);
    const policy = compilePolicy(loaded.policy);
    const filter = `suggest:${loaded.hash}:${input.min_confidence}`;

    let scan: ScanRecord;
    let subjects: SuggestSubject[];
    let nextCursor: string | null | undefined;
    let totalNonCompliant: number | undefined;
    if (input.resource_arn !== undefined) {
      scan = await scanFor(ctx, input.scan_id, input.resource_arn);
      const subject = await ctx.store.suggestionSubject(scan.id, input.resource_arn);
      if (!subject) throw new ToolError(`scan ${scan.workflowId} did not see ${input.resource_arn}; check the id, or omit scan_id to use the newest scan that saw it`);
      subjects = [subject];
    } else {
      let after: string | undefined;
      if (input.cursor !== undefined) {
        const decoded = toolCursor(input.cursor, filter, 'another min_confidence or policy version');
        scan = await completedScan(ctx, decoded.scanId);
        if (scan.workflowId !== input.scan_id && scan.id !== input.scan_id) throw new ToolError('the cursor belongs to another scan: pass the scan_id of the first page, or omit cursor');
        after = decoded.after;
      } else {
        scan = await completedScan(ctx, input.scan_id!);
      }
      const page = await ctx.store.suggestionSubjects(scan.id, { nonCompliant: true, after, limit: input.limit + 1 });
      subjects = page.slice(0, input.limit);
      nextCursor = page.length > input.limit ? encodeCursor({ scanId: scan.id, after: subjects.at(-1)!.resourceId, filter }) : null;
      totalNonCompliant = await ctx.store.countScanResources(scan.id, { compliant: false });
    }

    const model = await suggestionModel(ctx.store, scan.id, loaded.hash, policy,
      (done, message) => ctx.progress(done, undefined, message));
    const resources = subjects.map((subject) => ({
      resource_id: subject.resourceId,
      resource_type: subject.resourceType,
      account: subject.account,
      region: subject.region,
      name: subject.name ?? null,
      tags: subject.tags,
      suggestions: suggestTags(model, subject, input.min_confidence).map(view),
    }));
    return {
      structured: {
        scan_id: scan.workflowId,
        scan_finished_at: scan.finishedAt,
        policy_version_id: loaded.id,
        min_confidence: input.min_confidence,
        model: modelView(model),
        resources,
        ...(totalNonCompliant !== undefined ? { total_non_compliant: totalNonCompliant, next_cursor: nextCursor ?? null } : {}),
      },
      text: summary(scan, resources, nextCursor, input.min_confidence),
    };
  },
});

function view(s: TagSuggestion): z.infer<typeof suggestionSchema> {
  const suggested = s.status === 'suggested';
  return {
    tag: s.tag,
    reason: s.reason,
    ...(s.currentValue !== undefined ? { current_value: s.currentValue } : {}),
    status: s.status,
    value: suggested ? s.value : null,
    ...(!suggested && s.value !== null ? { best_guess: s.value } : {}),
    confidence: s.confidence === null ? null : Math.round(s.confidence * 1000) / 1000,
    evidence: s.evidence,
    ...(s.note ? { note: s.note } : {}),
  };
}

function modelView(model: SuggestionModel): z.infer<typeof modelSchema> {
  return {
    trained_on: model.resources,
    tags: [...model.tags.values()].map((t) => ({
      tag: t.tag, tagged_resources: t.counts.n, values_seen: t.counts.values.size,
      calibration: t.calibration.kind, calibration_samples: t.calibrationSamples, pooled: t.pooled,
    })),
  };
}

async function completedScan(ctx: ToolContext, name: string): Promise<ScanRecord> {
  const id = await ctx.store.completedScanIdByName(name);
  const scan = id === undefined ? undefined : await ctx.store.getScan(id);
  if (!scan) throw new ToolError(`no completed scan ${name}: check the id with list_scans, or wait for the scan with get_scan_status`);
  return scan;
}

async function scanFor(ctx: ToolContext, scanName: string | undefined, resourceId: string): Promise<ScanRecord> {
  if (scanName !== undefined) return completedScan(ctx, scanName);
  const id = await ctx.store.latestScanIdWithResource(resourceId);
  const scan = id === undefined ? undefined : await ctx.store.getScan(id);
  if (!scan) {
    throw new ToolError(`no completed scan has seen ${resourceId}: check the id (an ARN, Azure resource id or GCP resource name), ` +
      'or run check_tag_compliance on a scope that covers it first');
  }
  return scan;
}

function summary(scan: ScanRecord, resources: { resource_id: string; suggestions: z.infer<typeof suggestionSchema>[] }[],
  nextCursor: string | null | undefined, minConfidence: number): string {
  const all = resources.flatMap((r) => r.suggestions.map((s) => ({ id: r.resource_id, s })));
  const confident = all.filter((x) => x.s.status === 'suggested');
  const lines = [`${confident.length} of ${all.length} tag value(s) suggested with confidence >= ${minConfidence} for ` +
    `${resources.length} resource(s), learned from scan ${scan.workflowId}.`];
  for (const { id, s } of all.slice(0, 10)) {
    lines.push(s.status === 'suggested'
      ? `- ${id}: ${s.tag}=${s.value} (${Math.round(s.confidence! * 100)}%; ${s.evidence[0] ?? 'no evidence line'})`
      : `- ${id}: ${s.tag}: no confident suggestion${s.note ? ` (${s.note})` : ''}`);
  }
  if (all.length > 10) lines.push(`- ... and ${all.length - 10} more`);
  if (nextCursor) lines.push('More non-compliant resources: pass next_cursor as cursor.');
  return lines.join('\n');
}
