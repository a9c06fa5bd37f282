// start_compliance_scan: starts (or joins) a durable scan and returns its id at once.
import { z } from 'zod';
import { MAX_ACCOUNTS_PER_CALL, MAX_REGIONS_PER_CALL } from '../../core/limits.js';
import { assertScopeAllowed } from '../allowed-accounts.js';
import { defineTool } from '../context.js';
import { startScanWithinQuota } from '../quotas/scan-start.js';
import { scopeOf, scopeParams } from '../scans/params.js';
import { confirmScopeOrAsk, confirmScopeParam } from '../scans/confirm-scope.js';
import { dryRunOf, dryRunParams, startApprovalOf } from '../scans/dry-run.js';
import { dryRunShape } from '../scans/approval-views.js';
import { scanWorkflowIdFor } from '../../client/scans.js';
import { answersApproval, decideStartedScan } from '../scans/approval-question.js';
import { joinedApprovalText, releaseJoinedScan } from '../scans/joined-approval.js';

export const startComplianceScanTool = defineTool({
  name: 'start_compliance_scan',
  title: 'Start compliance scan',
  description:
    'Starts a durable compliance scan of the scope and returns its scan_id at once, without waiting. Use it for ' +
    'big scopes (the whole organisation); then poll get_scan_status. An identical request in the same 15 minutes ' +
    'joins the running scan instead of starting another. check_tag_compliance does the same but waits a little and ' +
    'serves cached results. Accounts must be within the allowed set (SCAN_ACCOUNTS, else the organisation\'s active ' +
    `accounts); a scope naming any other account is refused. At most ${MAX_ACCOUNTS_PER_CALL} accounts and ` +
    `${MAX_REGIONS_PER_CALL} regions per call; name none to scan every allowed account and opted-in region. A scope of ` +
    'every resource type in every allowed account (several accounts) is first confirmed with the user (or pass confirm_scope: true).' +
    ' A scan over the approval thresholds (targets × regions × types, estimated API calls or spend) waits with status ' +
    '"awaiting_approval" until a person approves it (approve_scan); dry_run: true shows the plan and its plan_hash first.',
  inputSchema: z.object({
    ...scopeParams,
    ...confirmScopeParam,
    store_snapshot: z.boolean().default(false).describe('Keep the result in history and trends'),
    force_refresh: z.boolean().default(false).describe('Start a new run even if this scope was scanned minutes ago'),
    ...dryRunParams,
  }).strict(),
  // A dry run answers with the plan fields; scan_id is then the id a scan started now would get, and no run id.
  outputSchema: z.object({ scan_id: z.string(), workflow_run_id: z.string().optional(), next_step: z.string().optional() })
    .extend(z.object(dryRunShape).partial().shape),
  annotations: { title: 'Start compliance scan', readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  async handler(ctx, input) {
    const scope = scopeOf(input);
    if (input.dry_run) {
      const dry = await dryRunOf(ctx, scope);
      const wouldBe = scanWorkflowIdFor(scope, { now: new Date(), storeSnapshot: input.store_snapshot, fresh: input.force_refresh });
      return { ...dry, structured: { ...dry.structured, scan_id: wouldBe } };
    }
    // Every resource type in every allowed account: the caller confirms first (input_required).
    // (A resumed approval question answers about a scan that already started: its scope was settled then.)
    await confirmScopeOrAsk(ctx, 'start_compliance_scan', scope, input.confirm_scope || answersApproval(ctx));
    await assertScopeAllowed(ctx, scope);
    const approval = startApprovalOf(ctx, input.approved_plan_hash);
    const { workflowId, handle, started } = await startScanWithinQuota(ctx, {
      scope, storeSnapshot: input.store_snapshot, fresh: input.force_refresh, approval,
    });
    // A join carries no input of its own: a held scan with the approved plan is released here.
    const joined = started ? undefined : await releaseJoinedScan(ctx, workflowId, approval);
    // A caller who may decide is asked about a scan held at its gate (input_required) rather than sent to poll.
    const { approvedBy } = joined?.kind === 'released' ? {} : await decideStartedScan(ctx, workflowId);
    const next = `Call get_scan_status with scan_id "${workflowId}" to follow it (status awaiting_approval: it waits for approve_scan).`;
    const what = approvedBy ? `Scan ${workflowId} approved by ${approvedBy}; it runs now.` : `Scan ${workflowId} ${started ? 'started' : 'joined'}.`;
    return {
      structured: { scan_id: workflowId, workflow_run_id: handle.firstExecutionRunId, next_step: next },
      text: `${what}${joinedApprovalText(joined)} ${next}`,
    };
  },
});
