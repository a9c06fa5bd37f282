// What the remediation tools (generate_custodian_policy, generate_openops_workflow,
// export_for_automation) read: a completed scan (the latest of a scope, or one named by scan_id),
// the tagging policy it was evaluated against, and its violating rows as a keyset cursor, so a
// large scan is never loaded whole.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { compilePolicy } from '../../core/policy/compile.js';
import { parsePolicy, type TaggingPolicy } from '../../core/policy/schema.js';
import type { SuggestionLookup } from '../../core/remediation/custodian.js';
import { DEFAULT_MIN_CONFIDENCE, suggestTags } from '../../core/suggest/index.js';
import { suggestionModel } from '../suggestions/model-cache.js';
import type { ScanResourceRow } from '../../core/scan.js';
import { loadActivePolicy } from '../../store/policy-sync.js';
import type { ScanRecord, Store } from '../../store/index.js';
import type { ToolContext } from '../context.js';
import { scanIdParam, scopeOf, scopeParams, waitParams, type ScopeArgs } from '../scans/params.js';
import { awaitScan, resolveScan, type ScanOutcome } from '../scans/resolve.js';

const PAGE = 1000;
const MAX_SUGGESTED_RESOURCES = 10_000;

/** The scope (the peer's resource_types is optional here: default every type), a scan id, suggestions. */
export const remediationParams = {
  ...scopeParams,
  resource_types: scopeParams.resource_types.optional()
    .describe('Resource types to cover, as service:kind (ec2:instance, s3:bucket …), ec2:* or ["all"] (default)'),
  scan_id: scanIdParam.optional()
    .describe('Generate from this scan (a scan_id from check_tag_compliance or list_scans) instead of the latest scan of the scope'),
  ...waitParams,
  suggestions: z.record(z.string().max(2048), z.record(z.string().min(1).max(128), z.string().max(256)))
    .refine((s) => Object.keys(s).length <= MAX_SUGGESTED_RESOURCES, `at most ${MAX_SUGGESTED_RESOURCES} resources`)
    .optional()
    .describe('Tag values to use per resource: { "<resource ARN>": { "<tag key>": "<value>" } }; they win over the model\'s. ' +
      'Without a value, a placeholder is written where the policy allows no single value'),
  use_suggestions: z.boolean().default(true)
    .describe(`Fill missing values with suggest_tags' confident suggestions (calibrated probability ≥ ${DEFAULT_MIN_CONFIDENCE}), ` +
      'learned from the scan\'s tagged resources; false: only the suggestions given'),
};

export interface RemediationArgs extends Partial<ScopeArgs> {
  scan_id?: string;
  wait_seconds?: number;
}

/** The scan to generate from: explicit, or the scope's latest (a scan starts if none is fresh). */
export async function remediationScan(ctx: ToolContext, args: RemediationArgs): Promise<ScanOutcome> {
  if (args.scan_id) {
    // A completed scan is read from the store alone (its Temporal history may be gone); only a running one needs Temporal.
    const stored = await storedCompletedScan(ctx.store, args.scan_id);
    if (stored) return { state: 'done', scan: stored, cached: true };
    return awaitScan(ctx, args.scan_id, args.wait_seconds ?? ctx.config.gateway.defaultWaitSeconds);
  }
  const scope = scopeOf({ ...args, resource_types: args.resource_types ?? ['all'] });
  return resolveScan(ctx, { scope, waitSeconds: args.wait_seconds });
}

/** The completed scan with this workflow id. */
async function storedCompletedScan(store: Store, workflowId: string): Promise<ScanRecord | undefined> {
  const found = await store.scanByWorkflowId(workflowId);
  return found?.status === 'completed' ? store.getScan(found.id) : undefined;
}

/** The policy the scan was evaluated against, with its version; the active one when the scan did not record it. */
export async function scanPolicy(ctx: ToolContext, scan: ScanRecord): Promise<{ policy: TaggingPolicy; versionId: number }> {
  const version = scan.policyVersionId === null ? undefined : await ctx.store.getPolicyVersion(scan.policyVersionId);
  if (version) return { policy: parsePolicy(version.document, `policy version ${version.id}`), versionId: version.id };
  const active = await loadActivePolicy(ctx.store, ctx.config.policy.path);
  return { policy: active.policy, versionId: active.id };
}

/** The policy the scan was evaluated against. */
export async function policyOfScan(ctx: ToolContext, scan: ScanRecord): Promise<TaggingPolicy> {
  return (await scanPolicy(ctx, scan)).policy;
}

/** The scan's rows with at least one finding (non-compliant or with warnings), a keyset page at a time in resource id order. */
export async function* findingPages(store: Store, scanId: string, opts: { nonCompliantOnly?: boolean; after?: string } = {}): AsyncGenerator<ScanResourceRow[]> {
  let after = opts.after;
  for (;;) {
    const page = await store.listScanResources(scanId, {
      limit: PAGE, after, withFindings: true, ...(opts.nonCompliantOnly ? { compliant: false } : {}),
    });
    if (page.length > 0) yield page;
    if (page.length < PAGE) return;
    after = page[page.length - 1]!.resourceId;
  }
}

/** The same rows one at a time. */
export async function* findingRows(store: Store, scanId: string, opts: { nonCompliantOnly?: boolean; after?: string } = {}): AsyncGenerator<ScanResourceRow> {
  for await (const page of findingPages(store, scanId, opts)) yield* page;
}

/**
 * suggest_tags' confident values for a scan's rows, from the model trained on that scan's tagged
 * resources under the policy it was evaluated against (trained once per process, then cached).
 */
export async function modelSuggestions(ctx: ToolContext, scan: ScanRecord, policy: TaggingPolicy): Promise<SuggestionLookup> {
  const compiled = compilePolicy(policy);
  const policyHash = createHash('sha256').update(JSON.stringify(policy)).digest('hex');
  const model = await suggestionModel(ctx.store, scan.id, policyHash, compiled,
    (done, message) => ctx.progress(done, undefined, message));
  return (row) => {
    const confident = suggestTags(model, row).filter((s) => s.status === 'suggested' && s.value !== null);
    return confident.length ? Object.fromEntries(confident.map((s) => [s.tag, s.value!])) : undefined;
  };
}
