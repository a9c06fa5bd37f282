// check_tag_compliance: the headline answer. A fresh stored scan of the same scope answers at
// once; otherwise a durable scan starts (or is joined) and the call waits up to wait_seconds.
import { z } from 'zod';
import { defineTool } from '../context.js';
import { runningScan } from '../scans/state-views.js';
import { scanResultSchema, summaryText, summaryView } from '../scans/result-views.js';
import { awaitScan, resolveScan } from '../scans/resolve.js';
import { answersApproval, decideHeldScan, withGateNote } from '../scans/approval-question.js';
import { confirmScopeOrAsk, confirmScopeParam } from '../scans/confirm-scope.js';
import { scopeOf, scopeParams, waitParams } from '../scans/params.js';
import type { ScanRecord, Store } from '../../store/index.js';
import type { ScanMemo } from '../scans/memo.js';
import { pageParams, severityParam, violationPage } from '../scans/violation-pages.js';
import { consistencySection, scopeClouds, withInheritanceHints } from '../scans/cross-cloud.js';
import { dryRunOf, dryRunParams, startApprovalOf } from '../scans/dry-run.js';
import { dryRunShape } from '../scans/approval-views.js';
import { scanWorkflowIdFor } from '../../client/scans.js';

export const checkTagCompliance = defineTool({
  name: 'check_tag_compliance',
  title: 'Check tag compliance',
  description:
    'Scans resources in scope against the tagging policy and returns the compliance score (compliant / total), ' +
    'counts, breakdowns by resource type, account, region and cloud, and the violations (paged: pass next_cursor back as ' +
    'cursor). Any scope works, up to the whole organisation in one call: there is no need to batch resource types. ' +
    'A stored result of the same scope younger than the cache TTL (1 h) is returned at once (cached: true) unless ' +
    'force_refresh. Otherwise a durable scan runs; if it takes longer than wait_seconds, the reply has status ' +
    '"running" and a scan_id: call get_scan_status with it later. Always read data_quality: "partial" means some ' +
    'accounts or regions could not be read. store_snapshot: true keeps the result for get_violation_history. ' +
    'Accounts must be within the allowed set (SCAN_ACCOUNTS, else the organisation\'s active accounts): a scope ' +
    'naming any other account is refused; so are Azure subscriptions and GCP scopes outside the configured ones. ' +
    'With several clouds, `consistency` lists tags spelled or valued differently across clouds; Azure violations whose ' +
    'resource group carries the missing tag say so in `hint` (fixable with Azure Policy\'s inherit-tag effect). At most 1000 accounts and 40 regions per call. A scope of every resource ' +
    'type in every allowed account (several accounts) is first confirmed with the user (or pass confirm_scope: true). ' +
    'Call get_tagging_policy first to explain what the rules are.' +
    ' A scan over the approval thresholds (targets × regions × types, estimated API calls or spend) waits with status ' +
    '"awaiting_approval" until a person approves it (approve_scan); dry_run: true shows the plan and its plan_hash first.',
  inputSchema: z.object({
    ...scopeParams,
    ...confirmScopeParam,
    ...waitParams,
    ...pageParams,
    severity: severityParam,
    store_snapshot: z.boolean().default(false).describe('Keep this result in history and trends'),
    force_refresh: z.boolean().default(false).describe('Ignore a cached result and scan again'),
    ...dryRunParams,
  }).strict(),
  // A dry run answers status dry_run with the plan fields; scan_id is then the id a scan started now would get.
  outputSchema: scanResultSchema.extend({
    status: z.enum([...scanResultSchema.shape.status.options, 'dry_run']),
    ...z.object(dryRunShape).partial().shape,
  }),
  annotations: { title: 'Check tag compliance', readOnlyHint: true, idempotentHint: true, openWorldHint: true },
  async handler(ctx, input) {
    const scope = scopeOf(input);
    if (input.dry_run) {
      const dry = await dryRunOf(ctx, scope);
      const wouldBe = scanWorkflowIdFor(scope, { now: new Date(), storeSnapshot: input.store_snapshot });
      return { ...dry, structured: { ...dry.structured, status: 'dry_run' as const, scan_id: wouldBe } };
    }
    // Every resource type in every allowed account: the caller confirms first (input_required).
    // (A resumed approval question answers about a scan that already started: its scope was settled then.)
    await confirmScopeOrAsk(ctx, 'check_tag_compliance', scope, input.confirm_scope || answersApproval(ctx));
    const waitSeconds = input.wait_seconds ?? ctx.config.gateway.defaultWaitSeconds;
    // A scan held for approval is put to a caller who may decide (input_required); approved, the wait goes on.
    const { outcome, approvedBy } = await decideHeldScan(ctx, await resolveScan(ctx, {
      scope, forceRefresh: input.force_refresh, storeSnapshot: input.store_snapshot, waitSeconds,
      approval: startApprovalOf(ctx, input.approved_plan_hash),
    }), (scanId) => awaitScan(ctx, scanId, waitSeconds));
    const gate = { ...(approvedBy ? { approvedBy } : {}), ...(input.approved_plan_hash ? { approvedPlanHash: input.approved_plan_hash } : {}) };
    if (outcome.state === 'running') return withGateNote(runningScan(outcome.scanId, outcome.progress), gate);
    const paging = { severity: input.severity, limit: input.limit, cursor: input.cursor };
    return withGateNote(await completedCheck(ctx.store, outcome.scan, outcome.cached, paging, ctx.scanMemo), gate);
  },
});

/**
 * The reply for a finished scan: summary plus a page of violations (also the result of a check task).
 * With a memo, a page read moments ago for the same completed scan is reused.
 */
export async function completedCheck(store: Store, scan: ScanRecord, cached: boolean, paging: CheckPaging, memo?: ScanMemo) {
  const read = async () => {
    const page = await violationPage(store, scan.id, paging);
    return { ...page, violations: await withInheritanceHints(store, scan, page.violations) };
  };
  // Only a scan of several clouds can disagree with itself across clouds.
  const [page, consistency] = await Promise.all([
    memo ? memo.page(scan, paging, read) : read(),
    scopeClouds(scan).length > 1 ? consistencySection(store, scan) : undefined,
  ]);
  const inheritable = page.violations.filter((v) => v.inheritable_from_resource_group).length;
  return {
    structured: { status: scan.status, scan_id: scan.workflowId, scan: summaryView(scan, cached), ...page, ...(consistency ? { consistency } : {}) },
    text: `${summaryText(scan, cached)} Showing ${page.violations.length} violation(s)` +
      `${page.next_cursor ? '; more with next_cursor' : ''}.` +
      (inheritable ? ` ${inheritable} of them inheritable from the resource group (see hint).` : '') +
      (consistency?.issues_total ? ` ${consistency.issues_total} cross-cloud consistency issue(s): see consistency.` : ''),
  };
}

export type CheckPaging = Parameters<typeof violationPage>[2];
